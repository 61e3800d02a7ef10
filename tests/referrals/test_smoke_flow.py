"""The whole referral path in-process (Celery eager): submit → routed → answered."""

import pytest
from django.core import mail

from casetracker.core.choices import HandlingCode
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral, RoutingJob
from seizures.models import SeizureShare

from .. import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_submitted_seizure_reaches_its_recipients_once(officer, investigator, default_rules):
    seizure = f.log_seizure(officer, submit=True)

    referrals = {r.recipient.name: r for r in Referral.objects.filter(seizure=seizure)}
    assert set(referrals) == {"Antinarcóticos", "INTERPOL NCB Quito"}
    assert referrals["INTERPOL NCB Quito"].handling_code == HandlingCode.H2
    assert RoutingJob.objects.get(seizure=seizure).done_at is not None
    assert SeizureShare.objects.filter(seizure=seizure, revoked_at__isnull=True).count() == 2
    assert any(seizure.reference in m.subject for m in mail.outbox)
    sent_to = {address for m in mail.outbox for address in m.to}
    assert investigator.email in sent_to

    referral = referrals["Antinarcóticos"]
    services.referral_accept(actor=investigator, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert list(referral.events.values_list("to_status", flat=True)) == [
        "sent",
        "acknowledged",
        "accepted",
    ]
