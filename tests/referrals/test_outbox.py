"""Nothing lost when the broker is away, nothing sent twice when it comes back.

The broker is "down" here by making the task's ``apply_async`` raise what kombu raises
when Redis cannot be reached; the real outage (a private redis-server stopped and started)
is tested with a real worker elsewhere.
"""

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from referrals import outbox, tasks
from referrals.models import Notification, Referral, RoutingJob
from referrals.notifications import notification_deliver
from seizures.choices import SeizureStatus

from .. import factories as f

pytestmark = pytest.mark.django_db


class Broker:
    """Switches a task's publishing off and on, counting the attempts."""

    def __init__(self, monkeypatch, task):
        self.attempts = 0
        self._real = task.apply_async
        self._task = task
        self._monkeypatch = monkeypatch

    def down(self):
        def refuse(*args, **kwargs):
            self.attempts += 1
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        self._monkeypatch.setattr(self._task, "apply_async", refuse)

    def up(self):
        self._monkeypatch.setattr(self._task, "apply_async", self._real)


@pytest.fixture
def routing_broker(monkeypatch):
    return Broker(monkeypatch, tasks.referrals_route_seizure)


@pytest.fixture
def mail_broker(monkeypatch):
    return Broker(monkeypatch, tasks.referrals_send_email)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``work`` and what it leaves for after commit, as a request would."""

    def run(work, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return work(*args, **kwargs)

    return run


def test_a_seizure_submitted_while_the_broker_is_down_is_routed_by_the_sweeper(
    officer, default_rules, routing_broker, committed
):
    routing_broker.down()

    seizure = committed(f.log_seizure, officer, submit=True)

    assert seizure.status == SeizureStatus.SUBMITTED
    job = RoutingJob.objects.get(seizure=seizure)
    assert job.enqueued_at is None and job.done_at is None
    assert not Referral.objects.filter(seizure=seizure).exists()
    assert routing_broker.attempts == 1

    routing_broker.up()
    published = committed(outbox.outbox_sweep)

    assert published["routing"] == 1
    job.refresh_from_db()
    assert job.enqueued_at is not None and job.enqueue_count == 1 and job.done_at is not None
    assert Referral.objects.filter(seizure=seizure).count() == 2
    assert committed(outbox.outbox_sweep) == {"routing": 0, "emails": 0}
    assert Referral.objects.filter(seizure=seizure).count() == 2


def test_the_sweeper_stops_at_the_first_failure_while_the_broker_is_still_down(
    officer, default_rules, routing_broker, committed
):
    routing_broker.down()
    for _n in range(3):
        committed(f.log_seizure, officer, submit=True)
    routing_broker.attempts = 0

    published = committed(outbox.outbox_sweep)

    assert published == {"routing": 0, "emails": 0}
    assert routing_broker.attempts == 1
    assert RoutingJob.objects.filter(enqueued_at__isnull=True).count() == 3

    routing_broker.up()
    assert committed(outbox.outbox_sweep)["routing"] == 3
    assert not RoutingJob.objects.filter(done_at__isnull=True).exists()
    assert Referral.objects.count() == 6


def test_e_mails_held_back_by_the_broker_go_out_once_it_is_back(
    officer, investigator, default_rules, mail_broker, committed
):
    mail_broker.down()
    seizure = committed(f.log_seizure, officer, submit=True)
    waiting = Notification.objects.filter(referral__seizure=seizure).exclude(email="")
    assert waiting.exists() and not waiting.filter(enqueued_at__isnull=False).exists()
    assert mail.outbox == []

    mail_broker.up()
    published = committed(outbox.outbox_sweep)

    assert published["emails"] == waiting.count()
    assert not waiting.filter(sent_at__isnull=True).exists()
    assert investigator.email in {address for m in mail.outbox for address in m.to}
    assert len(mail.outbox) == waiting.count()


def test_an_e_mail_published_but_never_sent_is_published_again_after_the_retry_delay(
    officer, default_rules, mail_broker, committed, settings
):
    mail_broker.down()
    seizure = committed(f.log_seizure, officer, submit=True)
    mail_broker.up()
    # Published, then lost (the worker's queue was flushed): enqueued, never sent.
    now = timezone.now()
    lost = Notification.objects.filter(referral__seizure=seizure).exclude(email="")
    lost.update(enqueued_at=now)
    count = lost.count()

    early = committed(outbox.outbox_sweep, now=now + dt.timedelta(minutes=1))
    assert early["emails"] == 0 and mail.outbox == []

    later = now + dt.timedelta(minutes=settings.OUTBOX_RETRY_MINUTES, seconds=1)
    assert committed(outbox.outbox_sweep, now=later)["emails"] == count

    assert len(mail.outbox) == count
    assert not lost.filter(sent_at__isnull=True).exists()


def test_a_routing_job_done_meanwhile_is_not_published_again(
    officer, default_rules, committed, settings
):
    seizure = committed(f.log_seizure, officer, submit=True)
    job = RoutingJob.objects.get(seizure=seizure)
    later = timezone.now() + dt.timedelta(minutes=settings.OUTBOX_RETRY_MINUTES + 1)

    assert committed(outbox.outbox_sweep, now=later) == {"routing": 0, "emails": 0}
    job.refresh_from_db()
    assert job.enqueue_count == 1


@pytest.fixture
def notification(officer, investigator, default_rules, mail_broker, committed):
    """The investigator's "new referral" e-mail, written but not yet sent."""
    mail_broker.down()
    seizure = committed(f.log_seizure, officer, submit=True)
    mail_broker.up()
    return Notification.objects.get(referral__seizure=seizure, user=investigator, key="sent")


def test_delivering_twice_sends_once(notification):
    assert notification_deliver(notification_id=notification.pk) is True
    assert notification_deliver(notification_id=notification.pk) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.extra_headers["Message-ID"].startswith(f"<{notification.public_id}@")
    notification.refresh_from_db()
    assert notification.sent_at is not None and notification.attempts == 1


def test_a_failing_mail_server_is_recorded_and_the_task_retries(notification, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

    with pytest.raises(smtplib.SMTPServerDisconnected):
        notification_deliver(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.sent_at is None
    assert notification.attempts == 1
    assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    # The task gives it back to Celery to retry with backoff (SMTP errors are OSErrors).
    assert issubclass(smtplib.SMTPServerDisconnected, tasks.referrals_send_email.autoretry_for)

    monkeypatch.undo()
    assert notification_deliver(notification_id=notification.pk) is True
    notification.refresh_from_db()
    assert notification.attempts == 2 and notification.sent_at is not None
    assert len(mail.outbox) == 1
