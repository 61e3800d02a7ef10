"""Cohort reports as files: asked for on a page or the API, built by a Celery task.

A ``ReportRun`` keeps the dashboard's filters, the requester's language and the instant
the figures are computed as of (``as_of``, fixed when the report is asked for). The task
(``tasks.report_build``) filters the cohort again from them with the requester's own
read path (``evaluation.evaluation_seizures``), so the file shows what the dashboard
showed, and building the same run again gives the same PDF bytes.

The PDF lists the first ``figures.STALLED_LISTED`` stalled seizures (and says how many
there are); the CSV and XLSX list them all.

The run is the outbox of its own build: it is committed before the task is published, so
when the broker is away the publish fails quietly (logged) and the run waits, queued.
``report_runs_sweep`` (every few minutes, from the beat process) publishes again the runs
still queued a while after they were asked for, and gives up on those queued for an hour:
their page says so and stops waiting. A run may therefore reach the workers twice (the
sweeper's copy of a run waiting behind others, the broker's redelivery of a task whose
worker died): the task claims the run first (``report_run_claim``, one conditional UPDATE)
and only the delivery that wins builds it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from kombu.exceptions import OperationalError

from . import evaluation
from .figures import STALLED_LISTED, cohort_report
from .filters import EvaluationFilter
from .models import ReportRun
from .report_pdf import cohort_pdf
from .report_tables import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, report_csv, report_sections
from .report_tables import report_xlsx as xlsx_bytes

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ReportRun.Format.PDF: "application/pdf",
    ReportRun.Format.CSV: CSV_CONTENT_TYPE,
    ReportRun.Format.XLSX: XLSX_CONTENT_TYPE,
}
# Progress (percent) at each step of the build: the figures are most of the work.
STARTED, FIGURES_DONE, RENDERED = 5, 60, 95
# A build runs at most the task's hard time limit (tasks.report_build); a run still
# "running" after that was killed with its worker: a redelivered task may claim it again,
# and one still running well after that will never finish.
BUILD_TIME_LIMIT = dt.timedelta(seconds=360)
OVERDUE_AFTER = BUILD_TIME_LIMIT + dt.timedelta(minutes=1)


# --- filters -----------------------------------------------------------------------------------


def filters_from(query: QueryDict) -> dict[str, list[str]]:
    """The cohort's filters of a query string, as stored: only the filter set's own
    names (not the page's cursor or the report's format), empty values dropped."""
    names = EvaluationFilter.base_filters
    return {
        name: values for name in names if (values := [v for v in query.getlist(name) if v.strip()])
    }


def _query(filters: dict[str, list[str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, values in filters.items():
        query.setlist(name, list(values))
    return query


def cohort_filter(*, user, filters: dict[str, list[str]]) -> EvaluationFilter:
    """The dashboard's filter set over ``user``'s read path (PermissionDenied if the
    user may not evaluate)."""
    return EvaluationFilter(
        _query(filters) or None, queryset=evaluation.evaluation_seizures(user=user)
    )


def _labels(filterset: EvaluationFilter, name: str) -> dict:
    choices = filterset.filters[name].extra.get("choices") or []
    return dict(choices() if callable(choices) else choices)


def _value_text(value, labels: dict) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "code"):  # a unit: by its code, as the filter takes it
        return value.code
    if hasattr(value, "__iter__") and not isinstance(value, str):
        return ", ".join(_value_text(v, labels) for v in value)
    return str(labels.get(value, value))


def filters_summary(filterset: EvaluationFilter) -> str:
    """The chosen filters in words ("From: 2025-01-01; Units: ECGYE-PCU"), in the
    form's order; "All seizures of all units" when none is chosen."""
    form = filterset.form
    if not filterset.is_bound:
        return _("All seizures of all units")
    if not form.is_valid():
        # A stored run's unit since renamed, say: its cohort is empty (EvaluationFilter.qs),
        # and must not be called "all seizures".
        chosen = "; ".join(
            f"{name}: {', '.join(filterset.data.getlist(name))}" for name in filterset.data
        )
        return _("Filters no longer valid, no seizure chosen: %(filters)s") % {"filters": chosen}
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
            continue
        parts.append(f"{field.label}: {_value_text(value, _labels(filterset, name))}")
    return "; ".join(parts) or _("All seizures of all units")


# --- runs --------------------------------------------------------------------------------------


def report_run_create(*, user, query: QueryDict, fmt: str, language: str) -> ReportRun:
    """A queued report of the cohort ``query`` chooses, in ``fmt``; the build starts once
    the run is committed. ValidationError for an unknown format or invalid filters."""
    if not evaluation.may_evaluate(user):
        raise PermissionDenied
    if fmt not in ReportRun.Format.values:
        raise ValidationError(_("Choose PDF, CSV or XLSX."))
    filters = filters_from(query)
    filterset = cohort_filter(user=user, filters=filters)
    if filterset.is_bound and not filterset.form.is_valid():
        raise ValidationError(_("The cohort's filters are not valid: correct them first."))
    run = ReportRun.objects.create(
        requested_by=user,
        format=fmt,
        filters=filters,
        language=language,
        # Whole seconds: the instant is shown on every page and in the file's name.
        as_of=timezone.now().replace(microsecond=0),
    )
    _enqueue(run)
    return run


def _publish(run_id: int) -> bool:
    """Hand the run's build to the broker; False (logged) when it cannot be reached."""
    from .tasks import report_build

    try:
        # A short retry policy: the request that asked for the report must not hang on a
        # broker that is down; the sweeper tries again.
        report_build.apply_async(
            args=(run_id,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
        )
    except OperationalError as exc:  # kombu's word for "the broker cannot be reached"
        logger.warning("could not publish cohort report run %s: %s; it stays queued", run_id, exc)
        return False
    return True


def _enqueue(run: ReportRun) -> None:
    # After the commit: a worker must find the row.
    transaction.on_commit(lambda: _publish(run.pk))


def report_content(run: ReportRun, *, progress: Callable[[int], None] = lambda p: None) -> bytes:
    """The run's file, from its filters, language and instant (the same run, the same
    bytes for a PDF)."""
    with override(run.language):
        filterset = cohort_filter(user=run.requested_by, filters=run.filters)
        limit = STALLED_LISTED if run.format == ReportRun.Format.PDF else None
        report = cohort_report(filterset.qs, now=run.as_of, stalled_limit=limit)
        summary = filters_summary(filterset)
    progress(FIGURES_DONE)
    if run.format == ReportRun.Format.PDF:
        return cohort_pdf(
            report, filters_summary=summary, generated_at=run.as_of, language=run.language
        )
    with override(run.language):
        sections = report_sections(report, filters_summary=summary, generated_at=run.as_of)
    if run.format == ReportRun.Format.CSV:
        return report_csv(sections, language=run.language)
    return xlsx_bytes(sections, language=run.language, as_of=run.as_of)


def _set_progress(run_id: int, percent: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(progress=percent)


def report_run_claim(*, run_id: int) -> bool:
    """Take the run for this worker: True if it was queued, or running on a claim so old
    that its worker is dead (the task's hard time limit has passed); False otherwise.

    One conditional UPDATE, so of two deliveries of the task (the sweeper's copy of a run
    waiting behind others, say) exactly one wins, and a finished run is never touched."""
    now = timezone.now()
    claimable = Q(status=ReportRun.Status.QUEUED) | Q(
        status=ReportRun.Status.RUNNING, started_at__lt=now - BUILD_TIME_LIMIT
    )
    return bool(
        ReportRun.objects.filter(claimable, pk=run_id).update(
            status=ReportRun.Status.RUNNING, started_at=now, progress=STARTED, message=""
        )
    )


def report_run_execute(*, run_id: int) -> ReportRun | None:
    """Build the run's file if this worker can claim it (``report_run_claim``). Safe to
    call again (a redelivered task, the sweeper's copy): a run claimed by a live worker,
    or finished, is left alone; one whose worker died is built again from the start
    (same inputs, same file)."""
    if not report_run_claim(run_id=run_id):
        return ReportRun.objects.filter(pk=run_id).first()
    run = ReportRun.objects.get(pk=run_id)
    try:
        content = report_content(run, progress=lambda p: _set_progress(run.pk, p))
    except PermissionDenied:
        # The requester lost the evaluator's role between asking and the build.
        _finish(run, ReportRun.Status.FAILED, _("You may no longer see evaluation figures."))
        return run
    except BaseException:
        logger.exception("Cohort report %s failed", run.public_id)
        _finish(
            run,
            ReportRun.Status.FAILED,
            _("The report could not be built. Ask for it again; if it fails again, tell us."),
        )
        raise
    _set_progress(run.pk, RENDERED)
    if run.file:
        run.file.delete(save=False)  # an interrupted build's leftover
    run.file.save(report_file_name(run), ContentFile(content), save=False)
    ReportRun.objects.filter(pk=run.pk).update(file=run.file.name)
    _finish(run, ReportRun.Status.DONE)
    return run


# A run still queued this long after it was asked for was most likely never handed to a
# worker (the broker was away): the sweeper publishes it again. The beat schedule runs the
# sweeper as often (settings: CELERY_BEAT_SCHEDULE), so a run waiting behind others gets
# at most one more copy each time; a copy of a run already claimed or finished does nothing
# (report_run_claim).
RESEND_AFTER = dt.timedelta(minutes=5)
# A run still queued this long is given up: its page stops waiting and says to ask again.
QUEUED_AT_MOST = dt.timedelta(hours=1)
# The most runs the sweeper publishes at once; the next sweep takes the rest.
SWEEP_BATCH = 100


def report_run_get(*, user, public_id) -> ReportRun:
    """``user``'s own run (404 for anyone else's), marked failed if its build was killed
    or it never left the queue, so its page stops waiting and says to ask again."""
    run = ReportRun.objects.filter(public_id=public_id, requested_by=user).first()
    if run is None:
        raise Http404
    now = timezone.now()
    overdue = now - OVERDUE_AFTER
    if run.status == ReportRun.Status.RUNNING and run.started_at and run.started_at < overdue:
        with override(run.language):
            message = _("The report took too long to build and was stopped. Ask for it again.")
        # Only the claim seen overdue: a redelivered task may have claimed the run afresh.
        ReportRun.objects.filter(
            pk=run.pk, status=ReportRun.Status.RUNNING, started_at=run.started_at
        ).update(status=ReportRun.Status.FAILED, message=message, finished_at=now)
        run.refresh_from_db()
    elif run.status == ReportRun.Status.QUEUED and run.created_at < now - QUEUED_AT_MOST:
        # The page gives up even when no beat process runs the sweeper.
        _give_up(run)
        run.refresh_from_db()
    return run


def _give_up(run: ReportRun) -> bool:
    """Mark a run that never left the queue failed; False if a worker took it meanwhile."""
    with override(run.language):
        message = _(
            "The report could not be started: the background service did not take it up. "
            "Ask for it again."
        )
    return bool(
        ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.QUEUED).update(
            status=ReportRun.Status.FAILED, message=message, finished_at=timezone.now()
        )
    )


def report_runs_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Give up on the runs queued for ``QUEUED_AT_MOST``; publish again those queued for
    ``RESEND_AFTER`` (oldest first) until the broker fails again."""
    now = now or timezone.now()
    queued = ReportRun.objects.filter(status=ReportRun.Status.QUEUED)
    given_up = sum(
        _give_up(run)
        for run in queued.filter(created_at__lt=now - QUEUED_AT_MOST).only("pk", "language")
    )
    waiting = (
        queued.filter(created_at__lt=now - RESEND_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    resent = 0
    for pk in list(waiting):
        if not _publish(pk):
            break  # the broker is still away: the next sweep tries again
        resent += 1
    return {"resent": resent, "given_up": given_up}


def _finish(run: ReportRun, status: str, message: str = "") -> None:
    ReportRun.objects.filter(pk=run.pk).update(
        status=status,
        message=message,
        progress=100 if status == ReportRun.Status.DONE else run.progress,
        finished_at=timezone.now(),
    )
    run.refresh_from_db()


def report_file_response(run: ReportRun) -> FileResponse:
    """The run's file as a download (page and API alike); 404 until it is ready."""
    if run.status != ReportRun.Status.DONE or not run.file:
        raise Http404
    response = FileResponse(
        run.file.open("rb"),
        as_attachment=True,
        filename=report_file_name(run),
        content_type=CONTENT_TYPES[run.format],
    )
    response["Cache-Control"] = "no-store"  # the figures of a cohort someone looked into
    return response


def report_file_name(run: ReportRun) -> str:
    """The name the download is saved under."""
    return f"cohort-report-{run.as_of:%Y%m%d-%H%M%S}.{run.format}"
