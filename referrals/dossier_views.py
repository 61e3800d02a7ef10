"""The referral dossier PDF (being built)."""

from django.http import HttpResponse


def referral_dossier(request, public_id):  # pragma: no cover - replaced by the real view
    return HttpResponse(status=501)
