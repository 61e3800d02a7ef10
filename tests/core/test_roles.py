"""What each role may do (casetracker/core/roles.py), and the README table that says so.

The grid below is the policy as agreed (issue 3, "Roles"), written out by hand on purpose:
a change to ``ROLE_ACTIONS`` must change it too, so nobody widens a role by accident.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from casetracker.core import roles
from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import Unit, User
from casetracker.core.roles import Action

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE_START = "<!-- roles-table:start -->"
TABLE_END = "<!-- roles-table:end -->"

# Columns: the roles, in this order. "x": allowed, ".": refused.
ROLE_ORDER = [
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.INVESTIGATOR,
    Role.NCB_OFFICER,
    Role.CUSTODIAN,
    Role.EXAMINER,
    Role.EVALUATOR,
    Role.ADMINISTRATOR,
]
POLICY = """
                   off sup inv ncb cus exa eva adm
seizure.log         x   x   .   .   .   .   .   .
seizure.edit        x   x   .   .   .   .   .   x
seizure.submit      x   x   .   .   .   .   .   x
seizure.share       .   x   .   x   .   .   .   x
seizure.view        x   x   x   x   x   x   .   x
seizure.export      x   x   x   x   .   .   .   x
seizure.import      .   x   .   .   .   .   .   x
note.add            x   x   .   .   .   .   .   x
attachment.add      x   x   .   .   .   .   .   x
audit.view_unit     .   x   .   .   .   .   .   x
audit.view_all      .   .   .   .   .   .   .   x
evaluation.view     .   .   .   .   .   .   x   x
referral.send       x   x   .   .   .   .   .   x
referral.respond    .   x   x   x   .   .   .   x
evidence.custody    x   x   x   .   x   x   .   x
forensic.examine    .   .   .   .   .   x   .   x
administer          .   .   .   .   .   .   .   x
"""

# The unit each role normally works in: logging seizures also depends on it.
HOME_UNIT = {
    Role.OFFICER: UnitKind.PORT_CONTROL,
    Role.SUPERVISOR: UnitKind.PORT_CONTROL,
    Role.INVESTIGATOR: UnitKind.INVESTIGATING,
    Role.NCB_OFFICER: UnitKind.NCB,
    Role.CUSTODIAN: UnitKind.FORENSIC_LAB,
    Role.EXAMINER: UnitKind.FORENSIC_LAB,
    Role.EVALUATOR: UnitKind.EVALUATION,
    Role.ADMINISTRATOR: UnitKind.INVESTIGATING,
}


def _policy() -> dict[tuple[str, str], bool]:
    lines = [line.split() for line in POLICY.strip().splitlines()[1:]]
    return {
        (role, cells[0]): cells[1 + column] == "x"
        for cells in lines
        for column, role in enumerate(ROLE_ORDER)
    }


def person(role=Role.OFFICER, unit_kind=None, **fields) -> User:
    """An unsaved user: roles.can() reads only the user and its unit."""
    kind = unit_kind if unit_kind is not None else HOME_UNIT[role]
    return User(username=f"u-{role}", role=role, unit=Unit(code="X", kind=kind), **fields)


def test_the_policy_grid_names_every_action_and_role():
    grid = _policy()
    assert {action for _role, action in grid} == set(roles.ACTION_LABELS)
    assert set(roles.ROLE_ACTIONS) == set(Role.values)


@pytest.mark.parametrize(("role", "action"), sorted(_policy()))
def test_each_role_may_do_exactly_what_the_policy_says(role, action):
    assert roles.can(person(role), action) is _policy()[(role, action)]


def test_only_control_unit_members_may_log_seizures():
    assert roles.can(person(Role.OFFICER, UnitKind.PORT_CONTROL), Action.SEIZURE_LOG)
    assert roles.can(person(Role.OFFICER, UnitKind.AIR_CARGO_CONTROL), Action.SEIZURE_LOG)
    # An officer moved to an investigating unit keeps the role but not the desk.
    assert not roles.can(person(Role.OFFICER, UnitKind.INVESTIGATING), Action.SEIZURE_LOG)
    assert not roles.can(person(Role.SUPERVISOR, UnitKind.NCB), Action.SEIZURE_LOG)
    assert not roles.can(User(username="nobody", role=Role.OFFICER), Action.SEIZURE_LOG)


def test_supervisors_import_only_into_a_control_unit_and_administrators_into_any():
    assert roles.can(person(Role.SUPERVISOR, UnitKind.PORT_CONTROL), Action.SEIZURE_IMPORT)
    assert not roles.can(person(Role.SUPERVISOR, UnitKind.INVESTIGATING), Action.SEIZURE_IMPORT)
    assert roles.can(person(Role.ADMINISTRATOR, UnitKind.EVALUATION), Action.SEIZURE_IMPORT)


def test_a_superuser_may_do_everything_but_log_seizures_outside_a_control_unit():
    admin = User(username="root", is_superuser=True)
    assert all(
        roles.can(admin, action) for action in roles.ACTION_LABELS if action != "seizure.log"
    )
    assert not roles.can(admin, Action.SEIZURE_LOG)
    assert roles.can(
        person(Role.ADMINISTRATOR, UnitKind.PORT_CONTROL, is_superuser=True), Action.SEIZURE_LOG
    )


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_an_inactive_user_may_do_nothing(role):
    user = person(role, is_active=False)
    assert not any(roles.can(user, action) for action in roles.ACTION_LABELS)


def test_an_inactive_superuser_may_do_nothing():
    user = User(username="root", is_superuser=True, is_active=False)
    assert not any(roles.can(user, action) for action in roles.ACTION_LABELS)


def test_an_anonymous_visitor_may_do_nothing():
    assert not any(roles.can(AnonymousUser(), action) for action in roles.ACTION_LABELS)


def test_evaluators_may_only_see_pseudonymised_figures():
    assert roles.ROLE_ACTIONS[Role.EVALUATOR] == {Action.EVALUATION_VIEW}


def test_second_factor_is_required_for_administrators_supervisors_and_ncb_officers():
    required = {role for role in ROLE_ORDER if roles.mfa_required(person(role))}
    assert required == {Role.ADMINISTRATOR, Role.SUPERVISOR, Role.NCB_OFFICER}
    assert roles.mfa_required(User(username="root", is_superuser=True))
    assert not roles.mfa_required(AnonymousUser())


# --- the README table ----------------------------------------------------------------------


def roles_table() -> str:
    """The README's "Roles" table, generated from ROLE_ACTIONS (English labels)."""
    with translation.override("en"):
        header = "| action | code | " + " | ".join(str(role.label) for role in ROLE_ORDER) + " |"
        rule = "|---|---|" + "---|" * len(ROLE_ORDER)
        rows = [
            f"| {label} | `{action}` | "
            + " | ".join("✓" if action in roles.ROLE_ACTIONS[role] else "" for role in ROLE_ORDER)
            + " |"
            for action, label in roles.ACTION_LABELS.items()
        ]
    return "\n".join([header, rule, *rows])


def test_the_readme_roles_table_matches_the_code():
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(TABLE_START) + r"\n(.*?)\n" + re.escape(TABLE_END), text, re.S)
    assert found, f"README.md lacks the roles table between {TABLE_START} and {TABLE_END}"
    assert found.group(1).strip() == roles_table(), (
        "README.md's roles table differs from casetracker/core/roles.py; replace it with:\n\n"
        + roles_table()
    )
