"""A seizure's date cannot be moved after its follow-up: not after a referral of it was
sent, nor after an outcome's date in every time zone (the same bound an outcome's own date
is checked against). Personas: the Guayaquil ``officer`` corrects the seizure, the
``investigator`` of EC-INV recorded what the follow-up achieved."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referrals import services
from referrals.choices import Origin
from seizures import services as seizure_services
from seizures.models import Seizure

from .. import factories as f

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def referral(officer, investigator, investigating_recipient):
    referral = services.referral_send(
        seizure=f.log_seizure(officer, submit=True, occurred_at=NOW - dt.timedelta(days=10)),
        recipient=investigating_recipient,
        handling_code=2,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[],
        by=officer,
    )
    return services.referral_accept(actor=investigator, referral=referral)


def move(officer, seizure, occurred_at) -> Seizure:
    seizure = Seizure.objects.get(pk=seizure.pk)
    return seizure_services.seizure_update(
        user=officer, seizure=seizure, fields={"occurred_at": occurred_at}
    )


def test_a_seizure_cannot_be_dated_after_it_was_referred(referral, officer):
    with pytest.raises(seizure_services.SeizureInvalid) as caught:
        move(officer, referral.seizure, referral.sent_at + dt.timedelta(minutes=1))
    assert "after it was first referred" in caught.value.message_dict["occurred_at"][0]
    assert Seizure.objects.get(pk=referral.seizure_id).occurred_at == NOW - dt.timedelta(days=10)


def test_a_seizure_cannot_be_dated_after_its_outcomes(referral, officer, investigator):
    arrest_day = (NOW - dt.timedelta(days=5)).date()
    services.outcome_record(
        referral=referral,
        actor=investigator,
        via="app",
        kind="arrest",
        count=1,
        occurred_on=arrest_day,
        justification="Warrant executed",
    )
    # Outcomes may predate the referral (arrests made before the case was passed on).
    type(referral).objects.filter(pk=referral.pk).update(sent_at=NOW - dt.timedelta(days=1))
    late = dt.datetime.combine(arrest_day + dt.timedelta(days=1), dt.time(13), tzinfo=dt.UTC)
    with pytest.raises(seizure_services.SeizureInvalid) as caught:
        move(officer, referral.seizure, late)
    assert "an outcome is dated" in caught.value.message_dict["occurred_at"][0]


def test_the_day_after_an_outcome_is_still_its_day_somewhere(referral, officer, investigator):
    # An arrest recorded on the 5th by a recipient a day behind: a seizure at 11:00 UTC on
    # the 6th is still the 5th at UTC-12, so both can be right.
    arrest_day = (NOW - dt.timedelta(days=5)).date()
    services.outcome_record(
        referral=referral,
        actor=investigator,
        via="app",
        kind="arrest",
        count=1,
        occurred_on=arrest_day,
        justification="Warrant executed",
    )
    type(referral).objects.filter(pk=referral.pk).update(sent_at=NOW - dt.timedelta(days=1))
    nearly = dt.datetime.combine(arrest_day + dt.timedelta(days=1), dt.time(11), tzinfo=dt.UTC)
    assert move(officer, referral.seizure, nearly).occurred_at == nearly


def test_moving_a_seizure_earlier_is_always_possible(referral, officer):
    earlier = NOW - dt.timedelta(days=12)
    assert move(officer, referral.seizure, earlier).occurred_at == earlier


def test_the_api_says_why_the_date_is_refused(referral, officer):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    late = (referral.sent_at + dt.timedelta(hours=1)).isoformat()
    response = client.patch(
        f"/api/v1/seizures/{referral.seizure.public_id}/", {"occurred_at": late}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "after it was first referred" in str(response.json())
