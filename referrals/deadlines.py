"""Deadlines kept: reminders before them, escalation once they pass.

``deadlines_check`` runs every few minutes from django-celery-beat. Each referral is
stamped when reminded or escalated (so it leaves the partial indexes the next run reads)
and every message is a unique notification, so however often the check runs, or runs
twice at once, nobody gets the same reminder twice.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.utils import timezone

from casetracker.core.deadlines import walk_due

from . import notifications
from .choices import ReferralStatus
from .models import Referral

BATCH = 200

AWAITING_DECISION = [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED]

# (stamp set once done, moment it is due, deadline a reminder must precede, statuses,
#  notification key = template name)
_STEPS = (
    ("ack_reminded_at", "ack_remind_at", "ack_due_at", [ReferralStatus.SENT], "ack_reminder"),
    ("ack_escalated_at", "ack_due_at", None, [ReferralStatus.SENT], "ack_overdue"),
    (
        "respond_reminded_at",
        "respond_remind_at",
        "respond_due_at",
        AWAITING_DECISION,
        "respond_reminder",
    ),
    ("respond_escalated_at", "respond_due_at", None, AWAITING_DECISION, "respond_overdue"),
)


_REMINDER_OF = {"ack_overdue": "ack_reminded_at", "respond_overdue": "respond_reminded_at"}


def deadlines_check(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send what is due at ``now``; returns how many referrals each step handled."""
    now = now or timezone.now()
    handled = {}
    for stamp, when, due, statuses, key in _STEPS:
        handled[key] = walk_due(
            Referral.objects.filter(status__in=statuses),
            stamp=stamp,
            when=when,
            now=now,
            handle=functools.partial(_handle, stamp=stamp, due=due, key=key, now=now),
            batch=BATCH,
        )
    return handled


@transaction.atomic
def _handle(pk: int, *, stamp: str, due: str | None, key: str, now) -> int:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("seizure", "seizure__unit", "seizure__created_by", "recipient")
        .filter(pk=pk, **{f"{stamp}__isnull": True})
        .first()
    )
    if referral is None:  # another run got there first
        return 0
    setattr(referral, stamp, now)
    fields = [stamp]
    overdue = due is not None and getattr(referral, due) <= now
    if overdue:
        # A reminder that comes after the deadline helps nobody: the escalation says it.
        referral.save(update_fields=fields)
        return 0
    if key.endswith("_overdue"):
        # Escalating implies the reminder moment has passed too; don't send it late.
        reminder_stamp = _REMINDER_OF[key]
        if getattr(referral, reminder_stamp) is None:
            setattr(referral, reminder_stamp, now)
            fields.append(reminder_stamp)
        addressees = notifications.supervisors(
            referral.recipient.unit, referral.recipient.language
        ) + notifications.supervisors(referral.seizure.unit)
        if referral.recipient.is_external:
            # No supervisor to tell abroad: the contact is reminded it is late.
            addressees += notifications.responders(referral.recipient)
    else:
        addressees = notifications.responders(referral.recipient)
    referral.save(update_fields=fields)
    notifications.notify(referral=referral, key=key, template=key, addressees=addressees)
    return 1
