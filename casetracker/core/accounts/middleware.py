"""Session limits and the second-factor gate, applied to every request after authentication."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device

from casetracker.core.roles import mfa_required

LOGIN_AT = "casetracker_login_at"
SEEN_AT = "casetracker_seen_at"
SESSION_ENDED = "casetracker_session_ended"
SESSION_ENDED_MESSAGES = {
    "max": _("Your session reached its maximum length. Please log in again."),
    "idle": _("Your session ended after a period of inactivity. Please log in again."),
}
_NO_DEVICE_KEY = "casetracker_mfa_no_device"

# Recording activity at most once a minute spares a session write on every request.
_SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="casetracker_session_login_time")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
        # Asked here once, while the login writes the session anyway, so that pages do not
        # pay two device queries each (see MfaRequiredMiddleware._has_device).
        if not user_has_device(user):
            request.session[_NO_DEVICE_KEY] = True


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionLimitsMiddleware:
    """End a login after CASETRACKER_SESSION_IDLE_SECONDS without a request, and in any case
    DJANGO_SESSION_MAX_SECONDS after the login itself (activity does not extend it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._check(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:
            # A login made outside the login signal (e.g. a session from before this
            # middleware): its limits start now.
            session[LOGIN_AT] = login_at = now if login_at is None else login_at
            session[SEEN_AT] = seen_at = now
        if now - login_at > settings.CASETRACKER_SESSION_MAX_SECONDS:
            return self._end(request, "max")
        if now - seen_at > settings.CASETRACKER_SESSION_IDLE_SECONDS:
            return self._end(request, "idle")
        if now - seen_at >= _SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return None

    def _end(self, request, reason: str):
        logout(request)
        if _is_api(request):
            return JsonResponse({"detail": str(SESSION_ENDED_MESSAGES[reason])}, status=401)
        # The messages middleware runs after this one; the login page tells the reason.
        request.session[SESSION_ENDED] = reason
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        url = reverse(settings.LOGIN_URL)
        return HttpResponseRedirect(f"{url}?{query}" if query else url)


class MfaRequiredMiddleware:
    """Hold back a signed-in user who owes a second factor: roles that require one, and anyone
    who has set one up. Only the code and set-up pages, logout, static files and the language
    switch are reachable until the code is given."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._is_open(request.path_info)
            and (mfa_required(user) or self._has_device(request))
        ):
            if _is_api(request):
                return JsonResponse(
                    {
                        "detail": gettext(
                            "A second factor is required; log in through the web page."
                        )
                    },
                    status=403,
                )
            step = "accounts:otp" if user_has_device(user) else "accounts:mfa_setup"
            return HttpResponseRedirect(reverse(step))
        return self.get_response(request)

    @staticmethod
    def _has_device(request) -> bool:
        """Whether an optional-MFA user set up a device, asked once per session: the answer
        costs two queries and only changes by setting one up, which verifies the session."""
        if request.session.get(_NO_DEVICE_KEY):
            return False
        has_device = user_has_device(request.user)
        if not has_device:
            request.session[_NO_DEVICE_KEY] = True
        return has_device

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = (
                reverse("accounts:otp"),
                reverse("accounts:mfa_setup"),
                reverse("logout"),
                reverse("login"),
                reverse("set_language"),
                settings.STATIC_URL,
            )
        return path.startswith(self._open_paths)
