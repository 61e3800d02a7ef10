"""Uploading and serving seizure attachments.

Files live outside the web root; these views are the only way to them, and every one goes
through the seizure's permissions first. Hidden or missing attachments answer 404 alike.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casetracker.core.audit.services import audit_access

from . import selectors
from .attachments import INLINE_CONTENT_TYPES, attachment_add
from .forms import add_marking_fields, marking_agencies
from .models import AttachmentKind
from .views import detail_context

logger = logging.getLogger(__name__)

# A served file is never a page: it may not run scripts, load anything or be framed.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox"


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Tell from the file"))] + list(AttachmentKind.choices),
    )
    caption = forms.CharField(label=gettext_lazy("Caption"), required=False, max_length=200)

    def __init__(self, *args, agencies=(), **kwargs):
        kwargs.setdefault("auto_id", "attachment-%s")
        super().__init__(*args, **kwargs)
        add_marking_fields(self, agencies)


def _detail_url(seizure) -> str:
    return reverse("seizures:detail", kwargs={"public_id": seizure.public_id})


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put each error next to its field; anything about a field the form lacks goes on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def attachment_upload(request, public_id):
    seizure = selectors.seizure_get(user=request.user, public_id=public_id, for_change=True)
    form = AttachmentForm(
        request.POST or None, request.FILES or None, agencies=marking_agencies(seizure.unit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            attachment = attachment_add(
                user=request.user,
                seizure=seizure,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                caption=form.cleaned_data["caption"],
                agency=form.cleaned_data["agency"],
                handling_code=form.cleaned_data["handling_code"],
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is attached.") % {"name": attachment.original_name}
            )
            return redirect(_detail_url(seizure) + "#attachments")
    if request.method == "GET":
        return redirect(_detail_url(seizure) + "#attachments")
    # Refused: the detail page again, with the error beside the file field and the caption
    # and kind kept (browsers never keep a chosen file).
    context = detail_context(request, seizure, attachment_form=form)
    return render(request, "seizures/detail.html", context, status=400)


def _file_response(stored_file, *, content_type: str, filename: str, inline: bool):
    try:
        handle = stored_file.open("rb")
    except FileNotFoundError:
        # The row outlived its file (restored database, lost disk): say so in the logs,
        # and to the user exactly what a missing attachment says.
        logger.error("Attachment file missing from storage: %s", stored_file.name)
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = FILE_CSP
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_download(request, public_id):
    attachment = selectors.attachment_get(user=request.user, public_id=public_id)
    # Only pictures are shown in the browser; anything else is always saved to disk.
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_CONTENT_TYPES
    response = _file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name,
        inline=inline,
    )
    audit_access(
        request=request,
        obj=attachment,
        event="download",
        extra={"seizure": attachment.seizure.reference, "file": attachment.original_name},
    )
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_thumbnail(request, public_id):
    # Not audited one by one: thumbnails are drawn by the seizure's page (or API record),
    # whose view is audited with the pieces it showed, and their addresses are only known
    # from there. The full file is audited on download.
    attachment = selectors.attachment_get(user=request.user, public_id=public_id)
    if not attachment.thumbnail:
        raise Http404
    return _file_response(
        attachment.thumbnail,
        content_type="image/jpeg",
        filename=f"thumbnail-{attachment.public_id}.jpg",
        inline=True,
    )
