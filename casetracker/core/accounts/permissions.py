"""The API's permission for signed-in callers (kept apart from the views: DRF imports it
while its own views module is still loading)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated

from casetracker.core.roles import mfa_required


class SignedInProperly(IsAuthenticated):
    """Signed in, and not by a token that skips a second factor the account now owes.

    Tokens are refused at issue to accounts with two-step login, but a role can change after
    (an officer promoted to supervisor) and a device can be set up after: the role is
    checked here on every call (no query), and confirming a device deletes the user's tokens
    (accounts.services). Session calls are held back by MfaRequiredMiddleware instead.
    """

    message = _(
        "Accounts with two-step login cannot use API tokens; "
        "ask an administrator for a service account."
    )

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return not (isinstance(request.auth, Token) and mfa_required(request.user))
