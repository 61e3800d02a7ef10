"""What each role may do: the one table views, APIs and the README are checked against.

Object access (which seizures) comes from the unit's grants (access.py); this table says
which kinds of action a role may take at all. Both must allow an action.
"""

from django.utils.translation import gettext_lazy as _

from .choices import Role, UnitKind


class Action:
    SEIZURE_LOG = "seizure.log"
    SEIZURE_EDIT = "seizure.edit"
    SEIZURE_SUBMIT = "seizure.submit"
    SEIZURE_SHARE = "seizure.share"
    SEIZURE_VIEW = "seizure.view"
    SEIZURE_EXPORT = "seizure.export"
    # --- historic import (seizures/imports) ---
    SEIZURE_IMPORT = "seizure.import"
    # --- end historic import ---
    NOTE_ADD = "note.add"
    ATTACHMENT_ADD = "attachment.add"
    AUDIT_VIEW_UNIT = "audit.view_unit"
    AUDIT_VIEW_ALL = "audit.view_all"
    EVALUATION_VIEW = "evaluation.view"
    REFERRAL_SEND = "referral.send"
    REFERRAL_RESPOND = "referral.respond"
    EVIDENCE_CUSTODY = "evidence.custody"
    FORENSIC_EXAMINE = "forensic.examine"
    ADMINISTER = "administer"


ACTION_LABELS = {
    Action.SEIZURE_LOG: _("Log a seizure (control units only)"),
    Action.SEIZURE_EDIT: _("Correct a seizure of the unit"),
    Action.SEIZURE_SUBMIT: _("Submit a seizure"),
    Action.SEIZURE_SHARE: _("Share a seizure with another unit, or take it back"),
    Action.SEIZURE_VIEW: _("See seizures of the unit and those shared with it"),
    Action.SEIZURE_EXPORT: _("Export seizures (CSV, PDF)"),
    Action.SEIZURE_IMPORT: _("Import historic seizure records from files into the unit"),
    Action.NOTE_ADD: _("Add notes"),
    Action.ATTACHMENT_ADD: _("Add photos and documents"),
    Action.AUDIT_VIEW_UNIT: _("See the unit's audit trail"),
    Action.AUDIT_VIEW_ALL: _("See the whole audit trail"),
    Action.EVALUATION_VIEW: _("See pseudonymised figures of all units"),
    Action.REFERRAL_SEND: _("Refer a seizure of the unit by hand, or withdraw a referral"),
    Action.REFERRAL_RESPOND: _(
        "Acknowledge, accept or decline referrals to the unit; record the investigation"
    ),
    Action.EVIDENCE_CUSTODY: _("Take evidence in and out of custody"),
    Action.FORENSIC_EXAMINE: _("Run forensic tasks and record results"),
    Action.ADMINISTER: _("Manage units, users, routing rules and deadlines"),
}

_CASEWORK = {
    Action.SEIZURE_VIEW,
    Action.SEIZURE_EXPORT,
}

ROLE_ACTIONS: dict[str, set[str]] = {
    Role.OFFICER: _CASEWORK
    | {
        Action.SEIZURE_LOG,
        Action.SEIZURE_EDIT,
        Action.SEIZURE_SUBMIT,
        Action.REFERRAL_SEND,
        Action.ATTACHMENT_ADD,
        # The officer who bags evidence at the port is its first custodian.
        Action.EVIDENCE_CUSTODY,
        # Notes are written by the unit that owns the seizure; recipients answer through
        # referrals (their outcomes), which come with the referral workflow.
        Action.NOTE_ADD,
    },
    Role.SUPERVISOR: _CASEWORK
    | {
        Action.SEIZURE_LOG,
        Action.SEIZURE_EDIT,
        Action.SEIZURE_SUBMIT,
        Action.SEIZURE_SHARE,
        # Historic records come in through the supervisor who answers for the unit's data.
        Action.SEIZURE_IMPORT,
        Action.REFERRAL_SEND,
        # A supervisor of an investigating unit or NCB answers for the unit, too.
        Action.REFERRAL_RESPOND,
        Action.ATTACHMENT_ADD,
        Action.NOTE_ADD,
        Action.AUDIT_VIEW_UNIT,
        Action.EVIDENCE_CUSTODY,
    },
    Role.INVESTIGATOR: _CASEWORK | {Action.REFERRAL_RESPOND, Action.EVIDENCE_CUSTODY},
    Role.NCB_OFFICER: _CASEWORK | {Action.REFERRAL_RESPOND, Action.SEIZURE_SHARE},
    Role.CUSTODIAN: {Action.SEIZURE_VIEW, Action.EVIDENCE_CUSTODY},
    # An examiner holds the items under examination.
    Role.EXAMINER: {Action.SEIZURE_VIEW, Action.FORENSIC_EXAMINE, Action.EVIDENCE_CUSTODY},
    Role.EVALUATOR: {Action.EVALUATION_VIEW},
    Role.ADMINISTRATOR: set(ACTION_LABELS) - {Action.SEIZURE_LOG},
}

# Roles that must confirm a second factor (TOTP) at every login.
MFA_REQUIRED_ROLES = {Role.ADMINISTRATOR, Role.SUPERVISOR, Role.NCB_OFFICER}


def can(user, action: str) -> bool:
    """Whether ``user``'s role allows ``action`` at all (objects are checked separately)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return action != Action.SEIZURE_LOG or _in_control_unit(user)
    if action in (Action.SEIZURE_LOG, Action.SEIZURE_IMPORT) and not _in_control_unit(user):
        # Administrators import into any control unit (they choose it on the page).
        return action == Action.SEIZURE_IMPORT and user.role == Role.ADMINISTRATOR
    return action in ROLE_ACTIONS.get(user.role, set())


def mfa_required(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in MFA_REQUIRED_ROLES)


def _in_control_unit(user) -> bool:
    return user.unit is not None and user.unit.kind in UnitKind.control_units()
