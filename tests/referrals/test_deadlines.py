"""Deadlines kept: a reminder at three quarters of the time, an escalation once it passed,
never the same message twice, nothing for referrals already answered.

The default rule gives Ecuador's investigating unit 24 hours to acknowledge (reminded
after 18) and 7 days to answer (reminded after 5¼).
"""

import datetime as dt
import re
import time

import pytest
from django.core import mail, signing

from casetracker.core.choices import Role
from referrals import links, notifications, routing, services
from referrals.choices import DeclineReason
from referrals.deadlines import deadlines_check
from referrals.models import Notification, Referral, RoutingRule

from .. import factories as f

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """Run the deadline task at ``now`` and let its e-mails go, as after a real commit."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines_check(now=now)

    return run


@pytest.fixture
def referral(officer, investigating_recipient, django_capture_on_commit_callbacks):
    RoutingRule.objects.create(
        name="Every seizure to Antinarcóticos",
        recipient=investigating_recipient,
        ack_hours=24,
        respond_days=7,
    )
    with django_capture_on_commit_callbacks(execute=True):
        seizure = f.log_seizure(officer, submit=True)
        routing.seizure_route(seizure_id=seizure.pk)
    mail.outbox.clear()  # the "new referral" e-mails
    return Referral.objects.get(seizure=seizure, recipient=investigating_recipient)


@pytest.fixture
def supervisors(officer, investigator):
    """A supervisor at the investigating unit and one at the seizing unit."""
    return {
        "recipient": f.UserFactory(
            username="inv_boss", unit=investigator.unit, role=Role.SUPERVISOR
        ),
        "sender": f.UserFactory(username="gye_boss", unit=officer.unit, role=Role.SUPERVISOR),
    }


def sent(key: str, referral: Referral) -> list[Notification]:
    return list(Notification.objects.filter(key=key, referral=referral))


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_acknowledgement_reminder_goes_at_three_quarters_of_the_time(
    referral, investigator, check
):
    check(referral.sent_at + 18 * HOUR - dt.timedelta(minutes=1))
    assert sent("ack_reminder", referral) == [] and mail.outbox == []

    check(referral.sent_at + 18 * HOUR)

    [reminder] = sent("ack_reminder", referral)
    assert reminder.user == investigator
    assert mailed_to() == [investigator.email]
    assert referral.seizure.reference in mail.outbox[0].subject


def test_the_answer_reminder_goes_at_three_quarters_of_the_week(referral, investigator, check):
    services.referral_acknowledge(actor=investigator, referral=referral)

    check(referral.sent_at + 5 * DAY)
    assert sent("respond_reminder", referral) == []

    check(referral.sent_at + 5 * DAY + 6 * HOUR)

    assert [n.user for n in sent("respond_reminder", referral)] == [investigator]


def test_a_passed_acknowledgement_is_escalated_to_both_units_supervisors(
    referral, supervisors, check
):
    check(referral.sent_at + 18 * HOUR)
    mail.outbox.clear()

    check(referral.sent_at + 24 * HOUR)

    escalated = {n.user for n in sent("ack_overdue", referral)}
    assert escalated == {supervisors["recipient"], supervisors["sender"]}
    assert mailed_to() == sorted(u.email for u in supervisors.values())
    assert "has not" in mail.outbox[0].body


def test_without_supervisors_the_recipient_units_address_is_told(referral, investigator, check):
    investigator.unit.email = "guardia@antinarcoticos.example"
    investigator.unit.save()

    check(referral.sent_at + 25 * HOUR)

    assert [n.email for n in sent("ack_overdue", referral)] == ["guardia@antinarcoticos.example"]


def test_running_the_check_again_and_again_never_repeats_a_message(referral, supervisors, check):
    moments = [18 * HOUR, 18 * HOUR, 20 * HOUR, 24 * HOUR, 30 * HOUR, 6 * DAY, 7 * DAY, 9 * DAY]
    for offset in moments:
        check(referral.sent_at + offset)
    counts = {key: len(sent(key, referral)) for key in notifications_keys()}
    outbox = len(mail.outbox)

    for offset in moments:
        check(referral.sent_at + offset)
    check(referral.sent_at + 60 * DAY)

    assert {key: len(sent(key, referral)) for key in notifications_keys()} == counts
    assert len(mail.outbox) == outbox
    # Investigator and supervisor reminded; both supervisors told of each overdue deadline.
    assert counts == {
        "ack_reminder": 2,
        "ack_overdue": 2,
        "respond_reminder": 2,
        "respond_overdue": 2,
    }
    assert outbox == 8


def notifications_keys():
    return ("ack_reminder", "ack_overdue", "respond_reminder", "respond_overdue")


def test_a_reminder_is_not_sent_once_its_deadline_has_passed(referral, supervisors, check):
    check(referral.sent_at + 8 * DAY)  # the task was down for a week

    assert sent("ack_reminder", referral) == [] and sent("respond_reminder", referral) == []
    assert len(sent("ack_overdue", referral)) == 2 and len(sent("respond_overdue", referral)) == 2
    stamped = Referral.objects.get(pk=referral.pk)
    assert stamped.ack_reminded_at is not None and stamped.respond_reminded_at is not None


def test_an_acknowledged_referral_gets_no_acknowledgement_reminder(referral, investigator, check):
    services.referral_acknowledge(actor=investigator, referral=referral)

    check(referral.sent_at + 2 * DAY)

    assert sent("ack_reminder", referral) == [] and sent("ack_overdue", referral) == []


@pytest.mark.parametrize("decide", ["accept", "decline"])
def test_a_decided_referral_gets_no_reminder_at_all(
    referral, investigator, supervisors, check, decide
):
    if decide == "accept":
        services.referral_accept(actor=investigator, referral=referral)
    else:
        services.referral_decline(
            actor=investigator, referral=referral, reason=DeclineReason.NO_RESOURCES
        )
    mail.outbox.clear()

    for offset in (18 * HOUR, 2 * DAY, 6 * DAY, 30 * DAY):
        check(referral.sent_at + offset)

    assert not referral.notifications.filter(key__in=notifications_keys()).exists()
    assert mail.outbox == []


# --- external recipients -----------------------------------------------------------------

TOKEN = re.compile(r"/r/(?P<token>[^/\s]+)/")


class Later:
    """``time`` for django.core.signing, ``offset`` seconds in the future."""

    def __init__(self, offset: float):
        self.offset = offset

    def time(self) -> float:
        return time.time() + self.offset


def test_an_external_recipient_is_reminded_with_a_fresh_link(
    officer, external_recipient, check, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.REFERRAL_LINK_DAYS = 5  # shorter than the answer is due: the first link expires
    RoutingRule.objects.create(name="Counterpart", recipient=external_recipient, ack_hours=48)
    with django_capture_on_commit_callbacks(execute=True):
        seizure = f.log_seizure(officer, submit=True)
        routing.seizure_route(seizure_id=seizure.pk)
    referral = Referral.objects.get(seizure=seizure)
    [first_mail] = mail.outbox
    first_token = TOKEN.search(first_mail.body)["token"]
    mail.outbox.clear()
    # Five and a quarter days later, for the signer as for the deadline task.
    monkeypatch.setattr(signing, "time", Later(5.25 * 86400))

    check(referral.sent_at + 5.25 * DAY)

    [stored] = sent("respond_reminder", referral)
    assert stored.email == external_recipient.email and stored.user is None
    assert notifications.LINK_PLACEHOLDER in stored.body
    assert "/r/" not in stored.body  # the database holds no working link
    # The acknowledgement, due after 48 hours, is overdue too: that e-mail is another one.
    [reminder] = [m for m in mail.outbox if str(stored.public_id) in m.extra_headers["Message-ID"]]
    assert reminder.to == [external_recipient.email]
    assert notifications.LINK_PLACEHOLDER not in reminder.body
    token = TOKEN.search(reminder.body)["token"]
    assert links.referral_from_token(token) == referral
    with pytest.raises(links.LinkInvalid) as caught:
        links.referral_from_token(first_token)
    assert caught.value.message == links.EXPIRED


def test_an_external_recipient_late_to_acknowledge_is_told_itself(
    officer, external_recipient, check, django_capture_on_commit_callbacks
):
    RoutingRule.objects.create(name="Counterpart", recipient=external_recipient)
    with django_capture_on_commit_callbacks(execute=True):
        seizure = f.log_seizure(officer, submit=True)
        routing.seizure_route(seizure_id=seizure.pk)
    referral = Referral.objects.get(seizure=seizure)
    mail.outbox.clear()

    check(referral.sent_at + 25 * HOUR)

    assert [n.email for n in sent("ack_overdue", referral)] == [external_recipient.email]
    assert TOKEN.search(mail.outbox[0].body)
