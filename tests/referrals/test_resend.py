"""Sending a seizure again to a recipient after withdrawing its referral.

One live referral per seizure and recipient (the database says so); a withdrawn one does
not count, so the sender can send again, by hand. Routing never does it on its own: a
withdrawal is the sender's decision. Personas: ``officer`` (Guayaquil PCU, the sender),
``investigator`` (EC-INV, the recipient).
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from casetracker.core.choices import HandlingCode, Role
from referrals import routing, services
from referrals.choices import ReferralStatus
from referrals.models import Notification, Referral, RoutingJob
from seizures.selectors import seizure_list

from .. import factories as f
from .test_reliability import at_once


def send_again(officer, seizure, recipient):
    return services.referral_add(
        user=officer,
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        ack_hours=24,
        respond_days=7,
    )


@pytest.fixture
def withdrawn(officer, investigating_recipient):
    seizure = f.log_seizure(officer, submit=True)
    referral = send_again(officer, seizure, investigating_recipient)
    return services.referral_withdraw(user=officer, referral=referral, reason="Wrong handling code")


@pytest.mark.django_db
def test_a_withdrawn_referral_can_be_sent_again_to_the_same_recipient(
    withdrawn, officer, investigator, investigating_recipient
):
    seizure = withdrawn.seizure
    assert not seizure_list(user=investigator).filter(pk=seizure.pk).exists()

    again = send_again(officer, seizure, investigating_recipient)

    assert again.pk != withdrawn.pk
    assert again.status == ReferralStatus.SENT
    assert Referral.objects.get(pk=withdrawn.pk).status == ReferralStatus.WITHDRAWN
    assert seizure_list(user=investigator).filter(pk=seizure.pk).exists()
    assert Notification.objects.filter(referral=again, key="sent", user=investigator).exists()


@pytest.mark.django_db
def test_a_live_referral_is_never_sent_twice(withdrawn, officer, investigating_recipient):
    send_again(officer, withdrawn.seizure, investigating_recipient)

    with pytest.raises(ValidationError) as refused:
        send_again(officer, withdrawn.seizure, investigating_recipient)

    assert refused.value.message_dict == {
        "recipient": ["This seizure has already been referred to this recipient."]
    }
    assert Referral.objects.filter(seizure=withdrawn.seizure).count() == 2


@pytest.mark.django_db
def test_a_declined_referral_is_not_sent_again(officer, investigator, investigating_recipient):
    seizure = f.log_seizure(officer, submit=True)
    referral = send_again(officer, seizure, investigating_recipient)
    services.referral_decline(actor=investigator, referral=referral, reason="no_resources")

    with pytest.raises(ValidationError):
        send_again(officer, seizure, investigating_recipient)


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_referral_but_not_beside_withdrawn_ones(
    withdrawn, officer, investigating_recipient
):
    again = send_again(officer, withdrawn.seizure, investigating_recipient)
    fields = {
        f.attname: getattr(again, f.attname)
        for f in Referral._meta.concrete_fields
        if f.name not in ("id", "public_id", "status", "link_nonce")
    }

    Referral.objects.create(**fields, status=ReferralStatus.WITHDRAWN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(**fields, status=ReferralStatus.ACKNOWLEDGED)


@pytest.mark.django_db
def test_the_add_page_offers_the_recipient_again_once_withdrawn(
    client, withdrawn, officer, investigating_recipient
):
    client.force_login(officer)
    url = reverse("referrals:add", kwargs={"public_id": withdrawn.seizure.public_id})

    offered = list(client.get(url).context["form"].fields["recipient"].queryset)
    response = client.post(
        url,
        {
            "recipient": investigating_recipient.pk,
            "handling_code": "1",
            "ack_hours": "24",
            "respond_days": "7",
        },
    )
    offered_after = list(client.get(url).context["form"].fields["recipient"].queryset)

    assert investigating_recipient in offered
    assert response.status_code == 302
    assert investigating_recipient not in offered_after
    assert (
        Referral.objects.filter(seizure=withdrawn.seizure)
        .exclude(status=ReferralStatus.WITHDRAWN)
        .count()
        == 1
    )


@pytest.mark.django_db
def test_routing_again_does_not_undo_a_withdrawal(officer, investigating_recipient, default_rules):
    seizure = f.log_seizure(officer, submit=True)
    routing.seizure_route(seizure_id=seizure.pk)  # (the submit's task waits for a commit)
    routed = Referral.objects.get(seizure=seizure, recipient=investigating_recipient)
    services.referral_withdraw(user=officer, referral=routed, reason="Not for them")
    # A late copy of the routing task finds the job open again (as after a lost commit).
    RoutingJob.objects.filter(seizure=seizure).update(done_at=None)

    created = routing.seizure_route(seizure_id=seizure.pk)

    assert created == []
    assert list(
        Referral.objects.filter(seizure=seizure, recipient=investigating_recipient).values_list(
            "status", flat=True
        )
    ) == [ReferralStatus.WITHDRAWN]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_sending_again_at_once_make_one_live_referral(
    officer, investigator, investigating_recipient
):
    colleague = f.UserFactory(username="colleague", unit=officer.unit, role=Role.OFFICER)
    seizure = f.log_seizure(officer, submit=True)
    first = send_again(officer, seizure, investigating_recipient)
    services.referral_withdraw(user=officer, referral=first, reason="Wrong code")
    senders = iter([officer, colleague])

    results, errors = at_once(
        2, lambda: send_again(next(senders), seizure, investigating_recipient).pk
    )

    assert len(results) == 1
    assert [e.message_dict for e in errors] == [
        {"recipient": ["This seizure has already been referred to this recipient."]}
    ]
    live = Referral.objects.filter(seizure=seizure).exclude(status=ReferralStatus.WITHDRAWN)
    assert list(live.values_list("pk", flat=True)) == results
    assert Notification.objects.filter(referral_id=results[0], user=investigator).count() == 1
