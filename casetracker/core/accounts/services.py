"""Writes on a person's account security: second factor devices and lockouts."""

from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from casetracker.core.roles import mfa_required

DEVICE_NAME = "authenticator"


def totp_device_start(*, user) -> TOTPDevice:
    """The user's device being set up: reused until confirmed, so the QR code stays valid
    while the person scans it and reloads the page."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
            device.full_clean()
            device.save()
    return device


def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm ``device`` if ``token`` is its current code; other unconfirmed devices go."""
    with transaction.atomic():
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.full_clean()
        device.save()
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        # A token would let the account in on the password alone from now on.
        Token.objects.filter(user=device.user).delete()
    return True


def totp_disable(*, user) -> None:
    """Remove the user's authenticator; refused where the role requires a second factor."""
    if mfa_required(user):
        raise ValidationError(_("Your role requires a second factor; it cannot be turned off."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()


def account_unlock(*, username: str) -> int:
    """Lift a lockout (administrators only); returns the number of attempt records removed."""
    return axes_reset(username=username)
