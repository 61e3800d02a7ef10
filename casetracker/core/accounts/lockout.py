"""Lockout after N failed logins within a sliding window, lifted only by an administrator.

django-axes counts failures per AccessAttempt row and either never forgets them
(AXES_COOLOFF_TIME = None) or forgets them and the lockout together after the cool-off. We
need both halves: failures older than the window stop counting, but a lockout, once reached,
stays until an administrator deletes the username's AccessAttempt (axes admin, the User
admin's "Unlock" action, or ``axes.utils.reset(username=...)``).

So the handler keeps axes' bookkeeping and changes only the counting:
- every failure is also in AccessFailureLog (AXES_ENABLE_ACCESS_FAILURE_LOG) with its time;
- the failures that count are the username's logged failures inside the window, plus the
  one being recorded right now;
- a failure that reached the limit is logged with ``locked_out=True``; while such a row and
  the AccessAttempt exist, the username stays locked whatever the window says;
- the AccessAttempt row marks a running episode: once it is gone (success or unlock), the
  failure log rows of the earlier episode are dropped at the next failure so they cannot
  lock the username again.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit, get_lockout_message
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

_RECORDING = "_casetracker_recording_failure"


class WindowedLockoutHandler(AxesDatabaseHandler):
    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        username = get_client_username(request, credentials)
        if username and not AccessAttempt.objects.filter(username=username).exists():
            AccessFailureLog.objects.filter(username=username).delete()
        setattr(request, _RECORDING, True)
        try:
            super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            setattr(request, _RECORDING, False)
        # DRF's token view authenticates with its own Request wrapper; axes marks that one,
        # but AxesMiddleware looks at Django's request underneath.
        inner = getattr(request, "_request", None)
        if inner is not None and getattr(request, "axes_locked_out", False):
            inner.axes_locked_out = True
            inner.axes_credentials = getattr(request, "axes_credentials", None)

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username or not AccessAttempt.objects.filter(username=username).exists():
            return 0
        failures = AccessFailureLog.objects.filter(username=username)
        if failures.filter(locked_out=True).exists():
            return get_failure_limit(request, credentials)
        since = timezone.now() - timedelta(seconds=settings.CASETRACKER_LOCKOUT_WINDOW_SECONDS)
        recent = failures.filter(attempt_time__gt=since).count()
        # While axes records a failure it asks for the count before logging that failure.
        return recent + (1 if getattr(request, _RECORDING, False) else 0)


def is_locked_out(username: str) -> bool:
    """Whether ``username`` is locked (for pages and admin; no request needed)."""
    return (
        AccessAttempt.objects.filter(username=username).exists()
        and AccessFailureLog.objects.filter(username=username, locked_out=True).exists()
    )


def locked_out_response(request, original_response=None, credentials=None):
    """What a locked-out person sees: a page in the app, or JSON for API clients."""
    message = get_lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(message)}, status=403)
    return render(request, "accounts/locked_out.html", {"message": message}, status=403)
