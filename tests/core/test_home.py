"""Where each role lands after logging in."""

import pytest
from django.urls import reverse

from casetracker.core.choices import Role, UnitKind
from casetracker.core.roles import mfa_required

from .. import factories as f
from ..mfa import verified_login


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "kind", "landing"),
    [
        (Role.OFFICER, UnitKind.PORT_CONTROL, "seizures:list"),
        (Role.INVESTIGATOR, UnitKind.INVESTIGATING, "referrals:inbox"),
        (Role.NCB_OFFICER, UnitKind.NCB, "referrals:inbox"),
        (Role.EVALUATOR, UnitKind.EVALUATION, "reporting:seizures"),
        (Role.CUSTODIAN, UnitKind.FORENSIC_LAB, "evidence:mine"),
        (Role.EXAMINER, UnitKind.FORENSIC_LAB, "forensics:queue"),
    ],
)
def test_each_role_lands_where_its_work_starts(client, role, kind, landing):
    port = f.port("ECGYE") if kind == UnitKind.PORT_CONTROL else None
    unit = f.UnitFactory(code=f"EC-{kind.upper()}", kind=kind, port=port, country="EC")
    user = f.UserFactory(unit=unit, role=role)
    if mfa_required(user):
        verified_login(client, user)
    else:
        client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(landing)
