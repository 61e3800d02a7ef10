"""Login in two steps (password, then the authenticator code) and the account security page.

Nobody is logged in before every factor they owe is given: after the password, a person who
has an authenticator, or whose role requires one, only gets a short-lived "pending" mark in
the session, and the login itself happens on the code step (or at the end of the set-up).
The MfaRequiredMiddleware covers sessions opened another way (the admin's login page).
"""

import base64
import io
import time
from base64 import b32encode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.qr import write_qrcode_image

from casetracker.core.roles import mfa_required

from . import services
from .forms import TokenForm
from .lockout import locked_out_response
from .middleware import SESSION_ENDED, SESSION_ENDED_MESSAGES

PENDING = "casetracker_mfa_pending"


class LoginView(auth_views.LoginView):
    """The password step; hands over to the code or set-up step when a second factor is owed."""

    template_name = "registration/login.html"

    def get(self, request, *args, **kwargs):
        reason = request.session.pop(SESSION_ENDED, None)
        if reason in SESSION_ENDED_MESSAGES:
            messages.info(request, SESSION_ENDED_MESSAGES[reason])
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        has_device = user_has_device(user)
        if not (has_device or mfa_required(user)):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("accounts:otp" if has_device else "accounts:mfa_setup")


def _pending(request):
    """The person who passed the password step in this session, if recently enough."""
    data = request.session.get(PENDING)
    if not data or time.time() - data["at"] > settings.CASETRACKER_MFA_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
    return user, data


def _candidate(request):
    """Who is giving a second factor: the signed-in user, or the pending one."""
    if request.user.is_authenticated:
        return request.user, None
    return _pending(request)


def _next_url(request, data) -> str:
    url = (data or {}).get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _finish(request, user, device, data):
    if request.user.is_authenticated:
        otp_login(request, device)
    else:
        # django-otp marks the session verified with this device when the login happens.
        user.otp_device = device
        auth_login(request, user, backend=data["backend"])
    request.session.pop(PENDING, None)
    return redirect(_next_url(request, data))


@never_cache
@csrf_protect
def otp_step(request):
    user, data = _candidate(request)
    if user is None:
        messages.info(request, _("Please log in again."))
        return redirect("login")
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not user_has_device(user):
        return redirect("accounts:mfa_setup")

    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _locked(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            return _finish(request, user, device, data)
        # A wrong code counts towards the lockout like a wrong password.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked(request)
        form.add_error("token", _("That code is not valid. Wait for a new code and try again."))
    return render(request, "accounts/otp.html", {"form": form, "candidate": user})


def _locked(request):
    request.session.pop(PENDING, None)
    if request.user.is_authenticated:
        auth_logout(request)
    return locked_out_response(request)


def _qr_data_uri(text: str) -> str:
    # An <img> with a data: URI keeps the SVG's own styling out of the page's CSP.
    out = io.BytesIO()
    write_qrcode_image(text, out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@never_cache
@csrf_protect
def mfa_setup(request):
    user, data = _candidate(request)
    if user is None:
        messages.info(request, _("Please log in again."))
        return redirect("login")
    if user_has_device(user):
        # A second authenticator could be added with the password alone otherwise.
        if request.user.is_authenticated and request.user.is_verified():
            return redirect("accounts:security")
        return redirect("accounts:otp")

    device = services.totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            messages.success(request, _("Your authenticator is set up."))
            if data is None:
                otp_login(request, device)
                return redirect("accounts:security")
            return _finish(request, user, device, data)
        form.add_error("token", _("That code is not valid. Wait for a new code and try again."))
    secret = b32encode(device.bin_key).decode("ascii")
    context = {
        "form": form,
        "qr_code": _qr_data_uri(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "required": mfa_required(user),
    }
    return render(request, "accounts/mfa_setup.html", context)


@login_required
def security(request):
    context = {
        "has_device": user_has_device(request.user),
        "required": mfa_required(request.user),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def mfa_disable(request):
    try:
        services.totp_disable(user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-step login is turned off."))
    return redirect("accounts:security")
