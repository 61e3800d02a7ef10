"""Signing in past the second factor, for tests about something else.

Administrators, superusers, supervisors and NCB officers owe a TOTP code at every login, so
``client.force_login`` alone leaves them at the code step; ``verified_login`` gives a session
that passed both factors.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """A confirmed authenticator app for ``user``."""
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def verified_login(client, user) -> None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or authenticator(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
