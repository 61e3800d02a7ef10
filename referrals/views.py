"""Pages of referrals (being built)."""

from django.http import HttpResponse


def _todo(request, **kwargs):  # pragma: no cover - replaced by the real views
    return HttpResponse(status=501)


inbox = referral_detail = acknowledge = accept = decline = investigate = close = withdraw = (
    new_link
) = referral_add = _todo
