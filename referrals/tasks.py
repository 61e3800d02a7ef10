"""Background work for referrals. Thin: take an id, call the service.

All are idempotent (see routing.seizure_route, notifications.notification_deliver,
deadlines.deadlines_check), acknowledged late and given back when a worker dies, so a
task delivered twice does its work once.
"""

from celery import shared_task
from django.db import DatabaseError, IntegrityError

from . import deadlines, notifications, outbox, routing

_RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(autoretry_for=(DatabaseError, IntegrityError), **_RELIABLE)
def referrals_route_seizure(job_id: int) -> int:
    from .models import RoutingJob

    seizure_id = RoutingJob.objects.filter(pk=job_id).values_list("seizure_id", flat=True).first()
    if seizure_id is None:
        return 0
    return len(routing.seizure_route(seizure_id=seizure_id))


@shared_task(autoretry_for=(OSError, DatabaseError), **_RELIABLE)
def referrals_send_email(notification_id: int) -> bool:
    return notifications.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def referrals_check_deadlines() -> dict:
    return deadlines.deadlines_check()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def referrals_sweep_outbox() -> dict:
    return outbox.outbox_sweep()
