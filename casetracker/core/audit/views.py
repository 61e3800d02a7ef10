"""The audit trail pages: supervisors read their unit's trail, administrators all of it.

Nothing here writes to the trail except the export's own access row: the trail has no
edit or delete, in the pages as in the admin.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casetracker.core import csv_stream
from casetracker.core.roles import Action, can

from . import exports, selectors
from .choices import AccessEvent
from .forms import TrailFilterForm
from .services import audit_access

_CURSORS = ("older", "newer")


def _require_trail(user) -> None:
    # The trail page is not an object a user might guess: say "forbidden", not "missing".
    if not selectors.may_view_trail(user):
        raise PermissionDenied


def _form(request) -> TrailFilterForm:
    params = request.GET.copy()
    for name in _CURSORS:
        params.pop(name, None)
    return TrailFilterForm(params or None)


@require_GET
@login_required
def trail(request):
    _require_trail(request.user)
    form = _form(request)
    rows, newer, older = [], None, None
    if not form.is_bound or form.is_valid():
        queryset = selectors.entry_list(user=request.user)
        if form.is_bound:
            queryset = selectors.apply_filters(queryset, form.filters())
        entries, newer, older = selectors.page(
            queryset,
            older=request.GET.get("older"),
            newer=request.GET.get("newer"),
            size=settings.CASETRACKER_AUDIT_PAGE_SIZE,
        )
        rows = [exports.describe(entry) for entry in entries]
    return render(
        request,
        "audit/trail.html",
        {
            "form": form,
            "rows": rows,
            "newer_cursor": newer,
            "older_cursor": older,
            "filtered": form.is_bound,
            "whole_trail": can(request.user, Action.AUDIT_VIEW_ALL),
        },
    )


@require_GET
@login_required
def trail_csv(request):
    _require_trail(request.user)
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid; correct them on the page."))
    queryset = selectors.entry_list(user=request.user)
    if form.is_bound:
        queryset = selectors.apply_filters(queryset, form.filters())
    # The export is recorded before its first line leaves, with the filters that chose it.
    audit_access(
        request=request,
        obj=request.user,
        event=AccessEvent.AUDIT_EXPORT,
        extra={"filters": form.as_params() if form.is_bound else {}},
    )
    entries = queryset.order_by("-id").iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        csv_stream.csv_lines(exports.csv_rows(entries)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
