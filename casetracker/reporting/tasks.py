"""Background work for the evaluators. Tasks are thin: take an id, call a service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # The PDF of 100 000 seizures takes seconds (bench/report_pdf.py); the limits stay under
    # the broker's visibility timeout (600 s), so a running report is never handed out twice.
    soft_time_limit=300,
    time_limit=360,  # reports.BUILD_TIME_LIMIT (a test keeps them equal)
)
def report_build(self, run_id: int) -> None:
    """Build a cohort report's file. Idempotent: the run is claimed before any work, so a
    second delivery leaves a run another worker is building, or a finished one, alone, and
    builds one whose worker died again from the same inputs."""
    from .reports import report_run_execute

    report_run_execute(run_id=run_id)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    # A chunk (receivers.REFRESH_CHUNK seizures, a few queries each) takes seconds; the
    # limits stay under the broker's visibility timeout (600 s).
    soft_time_limit=300,
    time_limit=360,
)
def ladder_refresh(seizure_ids: list[int]) -> None:
    """Recompute these seizures' ladders from their facts as they are now (reference data
    behind them changed). Idempotent: a redelivered chunk computes the same rows."""
    from . import ladder

    for seizure_id in seizure_ids:
        ladder.refresh(seizure_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=90)
def report_runs_sweep() -> dict:
    """Publish again the cohort reports still queued (the broker was away when they were
    asked for) and give up on those queued too long. Run by the beat process."""
    from .reports import report_runs_sweep as sweep

    return sweep()
