"""Getting work to the workers without losing it when the broker is away.

The work itself is in the database (a ``RoutingJob`` or an unsent ``Notification``),
written in the transaction that caused it. After commit a task is published; if the
broker is down the publish fails quietly and the row waits. ``outbox_sweep`` (every minute
from django-celery-beat) publishes again whatever was never published or is still not
done some minutes after it was; the tasks are idempotent, so a second copy is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification, RoutingJob

logger = logging.getLogger(__name__)

# The most the sweeper hands to the broker per run; the next run takes the rest.
SWEEP_BATCH = 500


def _publish(task, *args) -> bool:
    """Publish ``task``; False (logged) when the broker cannot be reached."""
    try:
        # A short retry policy: the request that caused the work must not hang on a
        # broker that is down, and the sweeper will try again anyway.
        task.apply_async(
            args=args,
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except Exception as exc:  # kombu's OperationalError, socket errors, …
        logger.warning("could not publish %s%s: %s; the outbox keeps it", task.name, args, exc)
        return False
    return True


def enqueue_routing(job_id: int) -> bool:
    from .tasks import referrals_route_seizure

    if _publish(referrals_route_seizure, job_id):
        RoutingJob.objects.filter(pk=job_id).update(
            enqueued_at=timezone.now(), enqueue_count=F("enqueue_count") + 1
        )
        return True
    return False


def enqueue_email(notification_id: int) -> bool:
    from .tasks import referrals_send_email

    if _publish(referrals_send_email, notification_id):
        Notification.objects.filter(pk=notification_id).update(enqueued_at=timezone.now())
        return True
    return False


def enqueue_routing_on_commit(job_id: int) -> None:
    transaction.on_commit(lambda: enqueue_routing(job_id))


def enqueue_emails_on_commit(notification_ids: list[int]) -> None:
    def publish():
        for pk in notification_ids:
            enqueue_email(pk)

    if notification_ids:
        transaction.on_commit(publish)


def outbox_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Publish routing jobs and e-mails that were never published, or not done in time."""
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.OUTBOX_RETRY_MINUTES)
    waiting = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)
    jobs = list(
        RoutingJob.objects.filter(waiting, done_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    mails = list(
        Notification.objects.filter(waiting, sent_at__isnull=True)
        .exclude(email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    published = {"routing": 0, "emails": 0}
    for pk in jobs:
        if not enqueue_routing(pk):
            return published  # the broker is still away: try again at the next run
        published["routing"] += 1
    for pk in mails:
        if not enqueue_email(pk):
            return published
        published["emails"] += 1
    return published
