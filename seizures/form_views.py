"""Logging and correcting a seizure on one page, and sending a draft out.

The page posts the seizure with all its parts at once; the services decide whether it is
valid. On any error the page comes back with every row as typed and each message next to
the field that caused it; nothing is saved, attachments included.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casetracker.core.audit.services import audit_access
from casetracker.core.models import Port
from casetracker.core.roles import Action, can

from . import services
from .choices import SeizureStatus
from .forms import (
    PART_NAMES,
    SeizurePage,
    initial_for_unit,
    initial_from_seizure,
    marking_agencies,
    port_matches,
    with_extra_row,
)
from .selectors import seizure_get


class _AttachmentRefused(Exception):
    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


def _add_attachments(*, user, seizure, page: SeizurePage, added: list) -> None:
    uploads = page.uploads()
    if not uploads:
        return
    # Imported late: the attachments module is its own concern (see forms._validate_upload).
    from .attachments import attachment_add

    marking = page.uploads_marking()
    for upload in uploads:
        try:
            added.append(attachment_add(user=user, seizure=seizure, upload=upload, **marking))
        except ValidationError as exc:
            raise _AttachmentRefused(exc.messages) from exc


def _forget_files(added: list) -> None:
    """Files already written for a save that was then rolled back: remove them too."""
    for attachment in added:
        attachment.file.delete(save=False)


def _parts_context(page: SeizurePage) -> dict[str, dict]:
    titles = {
        "containers": (_("Containers"), _("Add a container")),
        "items": (_("Seized items"), _("Add an item")),
        "port_calls": (_("Route"), _("Add a port call")),
        "parties": (_("Parties"), _("Add a party")),
    }
    return {
        name: {"name": name, "formset": page.formsets[name], "title": t, "add_label": a}
        for name, (t, a) in titles.items()
    }


def _render(request, page: SeizurePage, *, seizure=None, port=None, quiet=False, status=200):
    time_zone = page.time_zone(port)
    help_text = _("Local time at the port, time zone %(zone)s.") % {"zone": time_zone}
    # The bound field copies its help text when first built (validation builds it).
    page.form.fields["occurred_time"].help_text = help_text
    page.form["occurred_time"].help_text = help_text
    context = {
        "page": page,
        "form": page.form,
        "parts": _parts_context(page),
        "seizure": seizure,
        "time_zone": time_zone,
        "quiet": quiet,
        "files_lost": bool(request.FILES) and not quiet,
        "port_choices": _port_choices(page, port),
    }
    return render(request, "seizures/form.html", context, status=status)


def _port_choices(page: SeizurePage, port) -> list:
    """Ports offered before the script fetches more: the unit's and those already typed."""
    codes = {port.locode} if port else set()
    data = page.form.data if page.form.is_bound else {}
    for key, value in data.items():
        if key == "port" or (key.startswith("port_calls-") and key.endswith("-port")):
            codes.add((value or "").strip().upper()[:5])
    return list(Port.objects.filter(locode__in=codes).order_by("locode"))


def _add_row_request(request) -> str | None:
    name = request.POST.get("add_row")
    return name if name in PART_NAMES else None


def _save(request, page: SeizurePage, write):
    """Run ``write`` (the service calls) and store the page's files in one transaction.

    Returns the seizure, or None with every refusal put on the page next to its field;
    then nothing is saved and files already written are removed again.
    """
    added: list = []
    try:
        with transaction.atomic():
            seizure = write()
            _add_attachments(user=request.user, seizure=seizure, page=page, added=added)
    except services.SeizureInvalid as exc:
        page.show_errors(exc)
    except _AttachmentRefused as exc:
        _forget_files(added)
        page.form.add_error("files", exc.messages)
    except ValidationError as exc:
        _forget_files(added)
        page.form.add_error(None, exc.messages)
    else:
        return seizure
    return None


@login_required
def seizure_create(request):
    if not can(request.user, Action.SEIZURE_LOG):
        return render(request, "seizures/_form_forbidden.html", status=403)
    unit_port = request.user.unit.port
    agencies = marking_agencies(request.user.unit)
    if request.method != "POST":
        page = SeizurePage(initial=initial_for_unit(request.user.unit), agencies=agencies)
        return _render(request, page, port=unit_port)

    if add := _add_row_request(request):
        page = SeizurePage(with_extra_row(request.POST, add), new=True, agencies=agencies)
        return _render(request, page, port=unit_port, quiet=True)

    page = SeizurePage(request.POST, request.FILES, new=True, agencies=agencies)
    submit = "submit" in request.POST
    seizure = page.is_valid() and _save(
        request,
        page,
        lambda: services.seizure_log(
            user=request.user, fields=page.seizure_fields(), parts=page.parts(), submit=submit
        ),
    )
    if seizure:
        if submit:
            text = _("Seizure %(reference)s was logged and submitted.")
        else:
            text = _("Seizure %(reference)s was saved as a draft.")
        messages.success(request, text % {"reference": seizure.reference})
        return redirect("seizures:detail", public_id=seizure.public_id)
    return _render(request, page, port=unit_port)


@login_required
def seizure_edit(request, public_id):
    # Only who may change the seizure gets here (others: 404). That matters beyond the
    # permission: saving replaces the parties wholesale, so a page built from a filtered
    # view (a recipient's) would delete the pieces it never showed.
    seizure = seizure_get(user=request.user, public_id=public_id, for_change=True)
    if not can(request.user, Action.SEIZURE_EDIT):
        raise PermissionDenied
    # The seizure's unit, not the editor's: an administrator corrects it for that unit.
    agencies = marking_agencies(seizure.unit)
    if request.method != "POST":
        # Opening the form shows every fact and party, as the detail page does.
        audit_access(request=request, obj=seizure, event="view", extra={"page": "edit"})
        initial, parts_initial = initial_from_seizure(seizure)
        page = SeizurePage(
            initial=initial, parts_initial=parts_initial, new=False, agencies=agencies
        )
        return _render(request, page, seizure=seizure, port=seizure.port)

    if add := _add_row_request(request):
        page = SeizurePage(with_extra_row(request.POST, add), new=False, agencies=agencies)
        return _render(request, page, seizure=seizure, port=seizure.port, quiet=True)

    page = SeizurePage(request.POST, request.FILES, new=False, agencies=agencies)
    submit = "submit" in request.POST and seizure.status == SeizureStatus.DRAFT

    def write():
        saved = services.seizure_update(
            user=request.user, seizure=seizure, fields=page.seizure_fields(), parts=page.parts()
        )
        return services.seizure_submit(user=request.user, seizure=saved) if submit else saved

    # A separate name: on a rollback the page must show the stored seizure.
    saved = page.is_valid() and _save(request, page, write)
    if saved:
        if submit:
            text = _("Seizure %(reference)s was saved and submitted.")
        else:
            text = _("Seizure %(reference)s was saved.")
        messages.success(request, text % {"reference": saved.reference})
        return redirect("seizures:detail", public_id=saved.public_id)
    return _render(request, page, seizure=seizure, port=seizure.port)


@login_required
@require_POST
def seizure_submit(request, public_id):
    seizure = seizure_get(user=request.user, public_id=public_id, for_change=True)
    try:
        seizure = services.seizure_submit(user=request.user, seizure=seizure)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Seizure %(reference)s was submitted.") % {"reference": seizure.reference}
        )
    return redirect("seizures:detail", public_id=seizure.public_id)


@login_required
def port_search(request):
    """Ports matching what was typed, for the UN/LOCODE suggestions."""
    ports = port_matches(request.GET.get("q", ""))
    results = [
        {
            "locode": port.locode,
            "name": port.name,
            "country": str(port.country.code),
            "timezone": port.timezone,
        }
        for port in ports
    ]
    return JsonResponse({"results": results})
