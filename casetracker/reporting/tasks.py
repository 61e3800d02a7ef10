"""Background work for the evaluators. Tasks are thin: take an id, call a service."""

from celery import shared_task


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
    """Build a cohort report's file. Idempotent: a redelivered task leaves a finished run
    alone and builds an interrupted one again from the same inputs."""
    from .reports import report_run_execute

    report_run_execute(run_id=run_id)
