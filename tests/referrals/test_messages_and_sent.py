"""Messages read and unread, and the seizing unit's page of the referrals it sent.

Personas: ``officer`` logged the seizures (Guayaquil PCU, the sender), ``investigator``
answers for EC-INV (the recipient), ``other_officer`` (Antwerp) must see nothing.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import HandlingCode, Role
from referrals import services
from referrals.choices import Origin
from referrals.models import Notification, Referral

from .. import factories as f
from ..mfa import verified_login

pytestmark = pytest.mark.django_db


def refer(officer, recipient, *, ack_hours=24, seizure=None):
    return services.referral_send(
        seizure=seizure or f.log_seizure(officer, submit=True),
        recipient=recipient,
        handling_code=HandlingCode.H1,
        ack_hours=ack_hours,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[{"kind": "manual", "by": "Maria Officer"}],
        by=officer,
    )


def detail(referral):
    return reverse("referrals:detail", kwargs={"public_id": referral.public_id})


def unread(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


@pytest.fixture
def colleague(investigator):
    """A second investigator of EC-INV: gets the same messages, reads them separately."""
    return f.UserFactory(username="colleague", unit=investigator.unit, role=Role.INVESTIGATOR)


# --- messages read and unread -------------------------------------------------------------


def test_opening_a_referral_marks_my_messages_about_it_read_and_no_others(
    client, officer, investigator, colleague, investigating_recipient
):
    opened = refer(officer, investigating_recipient)
    other = refer(officer, investigating_recipient)
    client.force_login(investigator)

    client.get(detail(opened))

    assert not unread(investigator).filter(referral=opened).exists()
    assert unread(investigator).filter(referral=other).count() == 1
    assert unread(colleague).filter(referral=opened).count() == 1


def test_the_menu_counts_my_unread_messages(client, officer, investigator, investigating_recipient):
    first = refer(officer, investigating_recipient)
    refer(officer, investigating_recipient)
    client.force_login(investigator)

    before = client.get(reverse("seizures:list")).content.decode()
    client.get(detail(first))
    after = client.get(reverse("seizures:list")).content.decode()

    assert '2<span class="visually-hidden"> unread messages</span>' in before
    assert '1<span class="visually-hidden"> unread messages</span>' in after


def test_the_latest_messages_put_the_unread_first_marked_new(
    client, officer, investigator, investigating_recipient
):
    read = refer(officer, investigating_recipient)
    waiting = refer(officer, investigating_recipient)
    # The read one is the newest message: unread still comes first.
    Notification.objects.filter(referral=read).update(
        created_at=timezone.now() + dt.timedelta(minutes=5)
    )
    client.force_login(investigator)
    client.get(detail(read))

    response = client.get(reverse("referrals:inbox"))

    shown = [n.referral_id for n in response.context["notifications"]]
    assert shown == [waiting.pk, read.pk]
    page = response.content.decode()
    assert page.count('class="notification-unread"') == 1
    assert "Mark all read" in page


def test_mark_all_read_reads_only_my_messages_and_returns(
    client, officer, investigator, colleague, investigating_recipient
):
    for _n in range(3):
        refer(officer, investigating_recipient)
    client.force_login(investigator)
    back = reverse("referrals:inbox") + "?view=all"

    response = client.post(reverse("referrals:notifications-read"), {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    assert not unread(investigator).exists()
    assert unread(colleague).count() == 3
    page = client.get(back).content.decode()
    assert "Mark all read" not in page and "unread messages" not in page


def test_mark_all_read_ignores_a_next_address_off_the_site(
    client, officer, investigator, investigating_recipient
):
    refer(officer, investigating_recipient)
    client.force_login(investigator)

    response = client.post(
        reverse("referrals:notifications-read"), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("referrals:inbox")


def test_mark_all_read_is_a_post(client, investigator):
    client.force_login(investigator)

    assert client.get(reverse("referrals:notifications-read")).status_code == 405


# --- the referrals a unit sent ------------------------------------------------------------


def test_the_officer_sees_the_units_referrals_with_state_and_next_deadline(
    client, officer, other_officer, investigator, investigating_recipient, ncb_recipient
):
    later = refer(officer, investigating_recipient, ack_hours=30)
    sooner = refer(officer, ncb_recipient, ack_hours=5)
    services.referral_acknowledge(actor=investigator, referral=later)
    not_ours = refer(other_officer, investigating_recipient)
    client.force_login(officer)

    response = client.get(reverse("referrals:sent"))

    assert response.status_code == 200
    assert response.context["referrals"] == [sooner, later]
    page = response.content.decode()
    assert not_ours.seizure.reference not in page
    assert "INTERPOL NCB Quito" in page and "Antinarcóticos" in page
    assert "Acknowledged" in page and "Sent" in page
    assert "acknowledge</span>" in page and "due in 4 h" in page  # NCB still to acknowledge
    assert "answer</span>" in page and "due in 6 d" in page  # EC-INV to answer in 7 days
    assert detail(sooner) in page


def test_decided_referrals_move_to_the_decided_tab(
    client, officer, investigator, investigating_recipient
):
    declined = refer(officer, investigating_recipient)
    services.referral_decline(actor=investigator, referral=declined, reason="no_resources")
    still_open = refer(officer, investigating_recipient)
    client.force_login(officer)

    open_tab = client.get(reverse("referrals:sent")).context["referrals"]
    decided_tab = client.get(reverse("referrals:sent") + "?view=decided")

    assert open_tab == [still_open]
    assert decided_tab.context["referrals"] == [declined]
    assert "Declined" in decided_tab.content.decode()


def test_an_officer_of_another_unit_sees_none_of_them(
    client, officer, other_officer, investigating_recipient
):
    refer(officer, investigating_recipient)
    client.force_login(other_officer)

    response = client.get(reverse("referrals:sent") + "?view=all")

    assert response.context["referrals"] == []
    assert "No seizure of your unit has been referred yet." in response.content.decode()


def test_investigators_and_evaluators_are_refused_the_sent_page(client, investigator):
    evaluator = f.UserFactory(
        username="evaluator",
        unit=f.UnitFactory(code="EVAL", kind="evaluation", port=None, country="AT"),
        role=Role.EVALUATOR,
    )
    for user in (investigator, evaluator):
        client.force_login(user)
        assert client.get(reverse("referrals:sent")).status_code == 403


def test_a_pcu_supervisor_is_taken_to_sent_and_an_investigating_one_to_the_inbox(
    client, officer, investigator
):
    pcu_supervisor = f.UserFactory(
        username="pcu_supervisor", unit=officer.unit, role=Role.SUPERVISOR
    )
    inv_supervisor = f.UserFactory(
        username="inv_supervisor", unit=investigator.unit, role=Role.SUPERVISOR
    )

    verified_login(client, pcu_supervisor)
    pcu_menu = client.get(reverse("seizures:list")).content.decode()
    verified_login(client, inv_supervisor)
    inv_menu = client.get(reverse("seizures:list")).content.decode()

    assert f'href="{reverse("referrals:sent")}"' in pcu_menu
    assert f'href="{reverse("referrals:inbox")}"' not in pcu_menu
    assert f'href="{reverse("referrals:inbox")}"' in inv_menu
    assert f'href="{reverse("referrals:sent")}"' not in inv_menu


def test_the_sent_page_costs_the_same_queries_for_60_referrals_as_for_one(
    client, officer, investigating_recipient, django_assert_max_num_queries
):
    refer(officer, investigating_recipient)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("referrals:sent"))
    for _n in range(59):
        refer(officer, investigating_recipient)

    with django_assert_max_num_queries(len(one)):
        first = client.get(reverse("referrals:sent"))

    assert len(first.context["referrals"]) == 50
    assert Referral.objects.count() == 60
