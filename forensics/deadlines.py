"""Forensic deadlines kept, through the same walk as referrals (``casetracker.core.deadlines``).

A reminder goes to whoever does the work at three quarters of the time; once the due date
passes, the lab's supervisor (or the lab's address) and the requester are told. Each task
is stamped when reminded or escalated and each message is a unique notification, so
however often the check runs, or runs twice at once, nobody hears the same thing twice.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.utils import timezone

from casetracker.core.deadlines import walk_due

from . import notifications
from .choices import TaskStatus
from .models import ForensicTask

# (stamp set once done, moment it is due, notification key = template name)
_STEPS = (
    ("reminded_at", "remind_at", "reminder"),
    ("escalated_at", "due_at", "overdue"),
)


def deadlines_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send what is due at ``now``; returns how many tasks each step handled."""
    now = now or timezone.now()
    handled = {}
    for stamp, when, key in _STEPS:
        handled[key] = walk_due(
            ForensicTask.objects.filter(status__in=TaskStatus.open_states()),
            stamp=stamp,
            when=when,
            now=now,
            handle=functools.partial(_handle, stamp=stamp, key=key, now=now),
        )
    handled["resent"] = notifications.resend_unsent(now=now)
    return handled


@transaction.atomic
def _handle(pk: int, *, stamp: str, key: str, now: dt.datetime) -> int:
    task = (
        ForensicTask.objects.select_for_update(of=("self",))
        .select_related("seizure", "lab", "assigned_to", "requested_by", "requested_by__unit")
        .filter(pk=pk, status__in=TaskStatus.open_states(), **{f"{stamp}__isnull": True})
        .first()
    )
    if task is None:  # another run got there first, or the lab answered meanwhile
        return 0
    setattr(task, stamp, now)
    fields = [stamp]
    if key == "reminder":
        if task.due_at <= now:
            # A reminder after the deadline helps nobody: the escalation says it.
            ForensicTask.objects.filter(pk=task.pk).update(**{stamp: now})
            return 0
        addressees = notifications.examiners(task)
    else:
        if task.reminded_at is None:
            task.reminded_at = now  # never send the reminder late
            fields.append("reminded_at")
        requester = task.requested_by
        addressees = notifications.supervisors(task.lab)
        if requester.is_active:
            addressees.append(notifications.Addressee(requester, requester.email))
    # Stamps change without anyone acting: saved past the state machine's checks.
    ForensicTask.objects.filter(pk=task.pk).update(**{f: getattr(task, f) for f in fields})
    notifications.notify(task=task, key=key, addressees=addressees)
    return 1
