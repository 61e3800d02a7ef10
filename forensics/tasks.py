"""Background work for forensic tasks. Thin: call the service; both are idempotent (see
deadlines.deadlines_check and notifications.notification_deliver)."""

from celery import shared_task
from django.db import DatabaseError

from . import deadlines, notifications


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    acks_late=True,
    reject_on_worker_lost=True,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def forensics_send_email(notification_id: int) -> bool:
    return notifications.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def forensics_check_deadlines() -> dict:
    return deadlines.deadlines_check()
