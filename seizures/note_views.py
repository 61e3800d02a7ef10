"""Adding a note from the seizure's detail page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import NoteForm, marking_agencies
from .notes import note_add
from .selectors import seizure_get
from .views import detail_context


@login_required
@require_POST
def note_create(request, public_id):
    # Who may not change the seizure gets 404, as on every other change; a role that may
    # not add notes gets 403 from the service (PermissionDenied).
    seizure = seizure_get(user=request.user, public_id=public_id, for_change=True)
    form = NoteForm(request.POST, agencies=marking_agencies(seizure.unit))
    if form.is_valid():
        try:
            note_add(
                user=request.user,
                seizure=seizure,
                text=form.cleaned_data["text"],
                agency=form.cleaned_data["agency"],
                handling_code=form.cleaned_data["handling_code"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("The note was added."))
            url = reverse("seizures:detail", kwargs={"public_id": seizure.public_id})
            return redirect(url + "#notes")
    context = detail_context(request, seizure, note_form=form)
    return render(request, "seizures/detail.html", context, status=400)
