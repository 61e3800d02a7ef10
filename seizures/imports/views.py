"""The import pages: upload (or dry run), follow a run, download its issues and the
template. Supervisors see their unit's runs, administrators every run; a run anybody
else asks for does not exist for them (404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casetracker.core import csv_stream
from casetracker.core.choices import UnitKind
from casetracker.core.models import Unit
from casetracker.core.roles import Action, can

from .choices import DecimalMark, IssueKind
from .models import ImportRun
from .services import import_run_confirm, import_run_create, may_import_into
from .template import template_csv, template_xlsx

ISSUES_ON_PAGE = 200


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("An IDS extract (CSV, semicolons) or the template (CSV or XLSX)."),
    )
    decimal_mark = forms.ChoiceField(
        label=gettext_lazy("Decimal mark"),
        choices=DecimalMark.choices,
        initial=DecimalMark.AUTO,
        required=False,  # left out (a script's upload): as the file shows
        help_text=gettext_lazy(
            "How to read amounts such as 12,000 or 1.500. As the file shows: its other "
            "amounts decide, and those they cannot are rejected."
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: show what would be imported, store nothing"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_superuser or user.role == "administrator":
            self.fields["unit"] = forms.ModelChoiceField(
                label=gettext_lazy("Into the seizures of"),
                queryset=Unit.objects.filter(
                    kind__in=UnitKind.control_units(), port__isnull=False
                ).order_by("code"),
            )
            self.order_fields(["unit", "file", "decimal_mark", "dry_run"])


def _require_import(user) -> None:
    if not can(user, Action.SEIZURE_IMPORT):
        raise PermissionDenied


def _runs_for(user):
    runs = ImportRun.objects.select_related("unit", "uploaded_by")
    if user.is_superuser or user.role == "administrator":
        return runs
    return runs.filter(unit_id=user.unit_id)


def _run_get(user, public_id) -> ImportRun:
    """The run, if the user may import into its unit; otherwise it does not exist."""
    run = _runs_for(user).filter(public_id=public_id).first()
    if run is None or not may_import_into(user, run.unit):
        raise Http404
    return run


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    _require_import(request.user)
    bound = request.method == "POST"
    form = ImportForm(
        request.POST if bound else None, request.FILES if bound else None, user=request.user
    )
    if bound and form.is_valid():
        unit = form.cleaned_data.get("unit") or request.user.unit
        try:
            run = import_run_create(
                user=request.user,
                unit=unit,
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
                decimal_mark=form.cleaned_data["decimal_mark"] or DecimalMark.AUTO,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("seizures:import-detail", public_id=run.public_id)
    status = 400 if form.errors else 200
    runs = _runs_for(request.user)[:20]
    return render(
        request, "seizures/import_start.html", {"form": form, "runs": runs}, status=status
    )


@require_GET
@login_required
def import_detail(request, public_id):
    _require_import(request.user)
    run = _run_get(request.user, public_id)
    issues = run.issues.all()[:ISSUES_ON_PAGE]
    return render(
        request,
        "seizures/import_detail.html",
        {
            "run": run,
            "issues": issues,
            "more_issues": run.rejected_count + run.flagged_count > ISSUES_ON_PAGE,
            "may_confirm": run.dry_run and run.status == "done",
        },
    )


@login_required
@require_POST
def import_confirm(request, public_id):
    _require_import(request.user)
    run = _run_get(request.user, public_id)
    try:
        confirmed = import_run_confirm(user=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("seizures:import-detail", public_id=run.public_id)
    return redirect("seizures:import-detail", public_id=confirmed.public_id)


@require_GET
@login_required
def import_issues_csv(request, public_id):
    """Every rejected and flagged line of a run (the page shows the first ones)."""
    _require_import(request.user)
    run = _run_get(request.user, public_id)
    kinds = dict(IssueKind.choices)
    rows = [[_("line"), _("outcome"), _("column"), _("reason")]]

    def lines():
        yield from rows
        for issue in run.issues.order_by("line", "id").iterator(chunk_size=2000):
            yield [issue.line, kinds[issue.kind], issue.column, issue.message]

    response = StreamingHttpResponse(
        csv_stream.csv_lines(lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{run.public_id}-issues.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def import_template(request, fmt):
    _require_import(request.user)
    if fmt == "csv":
        content, content_type = template_csv(), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        content = template_xlsx()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="seizure-import-template.{fmt}"'
    return response
