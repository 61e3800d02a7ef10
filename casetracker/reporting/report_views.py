"""The cohort report pages: ask for a report of the dashboard's cohort, follow its
progress, download the file.

Only evaluators and administrators may ask (a role page: 403 for other roles). A run is
its requester's alone: for anyone else it does not exist (404), whatever their role,
because its filters say what somebody was looking into.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from . import evaluation
from .reports import (
    cohort_filter,
    filters_summary,
    report_file_name,
    report_file_response,
    report_run_create,
    report_run_get,
)


def _require_evaluator(user) -> None:
    if not evaluation.may_evaluate(user):
        raise PermissionDenied


@login_required
@require_POST
def report_start(request):
    """The cohort of the query string (the dashboard's filters) as ``format``."""
    _require_evaluator(request.user)
    fmt = request.POST.get("format") or request.GET.get("format", "")
    try:
        run = report_run_create(
            user=request.user, query=request.GET, fmt=fmt, language=get_language()
        )
    except ValidationError as exc:
        return HttpResponseBadRequest(" ".join(exc.messages))
    return redirect("reporting:report-detail", public_id=run.public_id)


@require_GET
@login_required
def report_detail(request, public_id):
    _require_evaluator(request.user)
    run = report_run_get(user=request.user, public_id=public_id)
    return render(
        request,
        "reporting/report_detail.html",
        {
            "run": run,
            "file_name": report_file_name(run),
            # In words and the reader's language, as the file's own pages say it: not the
            # stored query string's names and codes.
            "cohort": filters_summary(cohort_filter(user=request.user, filters=run.filters)),
            "cohort_query": urlencode(run.filters, doseq=True),
        },
    )


@require_GET
@login_required
def report_download(request, public_id):
    _require_evaluator(request.user)
    return report_file_response(report_run_get(user=request.user, public_id=public_id))
