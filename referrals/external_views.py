"""The external response link's pages (being built)."""

from django.http import HttpResponse


def respond(request, token):  # pragma: no cover - replaced by the real view
    return HttpResponse(status=501)


def dossier(request, token):  # pragma: no cover - replaced by the real view
    return HttpResponse(status=501)
