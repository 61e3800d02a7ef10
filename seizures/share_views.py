"""Sharing a seizure with another unit from its detail page, and taking it back.

Only who may change the seizure (its unit, administrators) reaches these views; others
get 404 as for any seizure they may not change. Within the unit, the role decides: a
supervisor shares, an officer does not (403: the seizure is theirs to see, the action not).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casetracker.core.models import Unit
from casetracker.core.roles import Action, can

from . import sharing
from .forms import ShareForm
from .selectors import seizure_get
from .views import detail_context


def _shareable(request, public_id):
    seizure = seizure_get(user=request.user, public_id=public_id, for_change=True)
    if not can(request.user, Action.SEIZURE_SHARE):
        raise PermissionDenied
    return seizure


def _sharing_url(seizure) -> str:
    return reverse("seizures:detail", kwargs={"public_id": seizure.public_id}) + "#sharing"


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        # The service's only message without a field is about the unit chosen.
        form.add_error("unit", exc)


@login_required
@require_POST
def share_add(request, public_id):
    seizure = _shareable(request, public_id)
    form = ShareForm(request.POST, seizure=seizure)
    if form.is_valid():
        unit = form.cleaned_data["unit"]
        try:
            share = sharing.seizure_share(
                seizure=seizure,
                unit=unit,
                handling_level=form.cleaned_data["handling_level"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            text = _("Seizure %(reference)s is shared with %(unit)s at H%(level)s.")
            messages.success(
                request,
                text
                % {
                    "reference": seizure.reference,
                    "unit": unit.code,
                    "level": share.handling_level,
                },
            )
            return redirect(_sharing_url(seizure))
    context = detail_context(request, seizure, share_form=form)
    return render(request, "seizures/detail.html", context, status=400)


@login_required
@require_POST
def share_revoke(request, public_id, unit_code):
    seizure = _shareable(request, public_id)
    try:
        unit = Unit.objects.get(code=unit_code)
    except Unit.DoesNotExist:
        raise Http404 from None
    share = sharing.seizure_unshare(seizure=seizure, unit=unit, by=request.user)
    params = {"reference": seizure.reference, "unit": unit.code}
    if share is None:
        messages.info(request, _("%(unit)s did not have seizure %(reference)s.") % params)
    else:
        messages.success(
            request, _("Seizure %(reference)s is no longer shared with %(unit)s.") % params
        )
    return redirect(_sharing_url(seizure))
