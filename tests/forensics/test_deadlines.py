"""Forensic deadlines through the referrals' machinery: a reminder to whoever does the work
at three quarters of the time, an escalation to the lab's supervisor and the requester once
the due date passes, never the same message twice however often the check runs."""

import datetime as dt

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from casetracker.core.deadlines import walk_due
from forensics import notifications, services
from forensics.deadlines import deadlines_check
from forensics.models import ForensicTask, Notification

from .conftest import report, request_task

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def no_request_notice(request, monkeypatch):
    """These tests count the deadline e-mails; the notice of a new request is tested on its
    own (last test), so it is not sent here."""
    if request.node.name != "test_the_lab_hears_of_a_new_request_at_once_and_only_once":
        monkeypatch.setattr(notifications, "lab_desk", lambda task: [])


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """Run the deadline task at ``now`` and let its e-mails go, as after a real commit."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return deadlines_check(now=now)

    return run


def notified(task, key) -> list[str]:
    return sorted(
        n.user.username if n.user else n.email
        for n in Notification.objects.filter(task=task, key=key).select_related("user")
    )


def mailed_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_assigned_examiner_is_reminded_at_three_quarters_of_the_time_once(
    task, examiner, examiner_two, check
):
    services.task_accept(by=examiner, task=task)
    start = task.requested_at
    check(start + dt.timedelta(days=7, hours=11))  # 10 days given: reminded after 7.5
    assert notified(task, "reminder") == [] and mail.outbox == []
    check(start + dt.timedelta(days=7, hours=12))
    assert notified(task, "reminder") == ["examiner"]
    assert mailed_to() == [examiner.email]
    assert "due by" in mail.outbox[0].body and task.seizure.reference in mail.outbox[0].subject
    check(start + dt.timedelta(days=8))
    check(start + dt.timedelta(days=8))
    assert len(mail.outbox) == 1


def test_an_unassigned_task_reminds_the_lab_examiners(task, examiner, examiner_two, check):
    check(task.remind_at)
    assert notified(task, "reminder") == ["examiner", "examiner_two"]


def test_once_overdue_the_lab_supervisor_and_the_requester_are_told_never_twice(
    task, lab_supervisor, officer, check
):
    check(task.due_at + dt.timedelta(minutes=1))
    assert notified(task, "overdue") == ["lab_boss", "officer"]
    # The reminder would come too late now: it is not sent, only the escalation is.
    assert notified(task, "reminder") == []
    assert mailed_to() == sorted([lab_supervisor.email, officer.email])
    assert "Overdue" in mail.outbox[0].subject
    for _ in range(2):
        assert check(task.due_at + 2 * DAY) == {"reminder": 0, "overdue": 0, "resent": 0}
    assert len(mail.outbox) == 2 and Notification.objects.count() == 2
    task.refresh_from_db()
    assert task.reminded_at and task.escalated_at


def test_a_lab_without_supervisor_is_told_at_its_address(task, officer, check):
    check(task.due_at + DAY)
    assert notified(task, "overdue") == ["lab@example.org", "officer"]


def test_reported_and_rejected_tasks_have_no_deadline(officer, seizure, lab, examiner, task, check):
    report(task, examiner)
    rejected = request_task(officer, seizure, lab)
    services.task_reject(by=examiner, task=rejected, reason="Not our field.")
    assert check(task.due_at + 30 * DAY) == {"reminder": 0, "overdue": 0, "resent": 0}
    assert not Notification.objects.exists()


def test_e_mails_held_back_by_a_broker_outage_are_sent_by_a_later_check(
    task, lab_supervisor, check, monkeypatch
):
    from forensics import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.forensics_send_email, "apply_async", broker_down)
        check(task.due_at + DAY)
    assert mail.outbox == [] and Notification.objects.filter(sent_at=None).count() == 2
    check(task.due_at + DAY + dt.timedelta(minutes=1))
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(sent_at=None).exists()


def test_the_check_runs_from_the_beat_schedule():
    schedule = PeriodicTask.objects.get(name="forensics: reminders and escalations")
    assert schedule.task == "forensics.tasks.forensics_check_deadlines" and schedule.enabled


def test_the_shared_walk_visits_every_due_row_once_in_batches(officer, seizure, lab, examiner):
    tasks = [request_task(officer, seizure, lab, days=d) for d in (3, 4, 5, 6, 7)]
    seen = []

    def handle(pk):  # stamps nothing: the walk must still end
        seen.append(pk)
        return 1

    handled = walk_due(
        ForensicTask.objects.all(),
        stamp="escalated_at",
        when="due_at",
        now=tasks[3].due_at,
        handle=handle,
        batch=2,
    )
    assert handled == 4 and seen == [t.pk for t in tasks[:4]]


def test_the_lab_hears_of_a_new_request_at_once_and_only_once(
    officer, seizure, item, lab, examiner, lab_custodian, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        task = request_task(officer, seizure, lab, item=item)
    assert notified(task, "requested") == ["examiner", "lab_custodian"]
    assert mailed_to() == sorted([examiner.email, lab_custodian.email])
    assert mail.outbox[0].subject.startswith("New request:")
    assert seizure.reference in mail.outbox[0].subject
