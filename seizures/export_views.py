"""Downloads: the filtered seizure list as CSV and one seizure's summary as PDF.

Both go through the selectors and the handling codes like the pages do, need the export
action of the reader's role, and leave an "export" row in the audit trail.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from casetracker.core import csv_stream
from casetracker.core.audit.services import audit_access
from casetracker.core.roles import Action, can

from . import exports, pdf
from .filters import SeizureFilter
from .selectors import seizure_get
from .selectors import seizure_list as select_seizures


def _require_export(user) -> None:
    if not can(user, Action.SEIZURE_EXPORT):
        raise PermissionDenied


@require_GET
@login_required
def seizure_list_csv(request):
    """Every seizure the list page would show with the same filters, not just one page."""
    _require_export(request.user)
    filterset = SeizureFilter(request.GET or None, queryset=select_seizures(user=request.user))
    if filterset.is_bound and not filterset.is_valid():
        # The list page shows these errors beside the filters; an export of "everything"
        # instead of what was asked would be worse than none.
        return HttpResponseBadRequest(
            "\n".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()),
            content_type="text/plain; charset=utf-8",
        )
    queryset = filterset.qs
    applied = {
        name: request.GET[name] for name in SeizureFilter.base_filters if request.GET.get(name)
    }
    # Recorded before the rows leave: an aborted download was still an export attempt.
    audit_access(
        request=request,
        obj=request.user,
        event="export",
        extra={"format": "csv", "filters": applied, "rows": queryset.count()},
    )
    rows = exports.seizure_rows(user=request.user, queryset=queryset)
    response = StreamingHttpResponse(
        csv_stream.csv_lines(rows), content_type="text/csv; charset=utf-8"
    )
    filename = f"seizures-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def seizure_pdf(request, public_id):
    seizure = seizure_get(user=request.user, public_id=public_id)
    _require_export(request.user)
    summary = pdf.seizure_summary(user=request.user, seizure=seizure)
    content = pdf.render_pdf(
        summary, generated_for=pdf.reader_label(request.user), generated_at=timezone.now()
    )
    audit_access(
        request=request,
        obj=seizure,
        event="export",
        extra={"format": "pdf", "handling_level": summary.level},
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{seizure.reference}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
