"""Background work for seizures. Tasks are thin: take an id, load, call a service."""

from celery import shared_task

from .attachments import attachment_thumbnail_make
from .models import Attachment


@shared_task(
    autoretry_for=(OSError,),  # storage hiccups; the service is idempotent, so retrying is safe
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def attachment_make_thumbnail(attachment_id: int) -> None:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        # Deleted (with its seizure) before the worker got to it: nothing left to do.
        return
    attachment_thumbnail_make(attachment=attachment)


# --- historic import (seizures/imports) ---------------------------------------------------
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # A 300 000-row file takes about a minute; the limits stay under the broker's
    # visibility timeout (600 s), so a running import is never handed out twice.
    soft_time_limit=480,
    time_limit=540,
)
def seizures_import(run_id: int) -> None:
    from .imports.services import import_run_execute

    import_run_execute(run_id=run_id)


# --- end historic import ------------------------------------------------------------------
