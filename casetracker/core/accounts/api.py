"""API tokens: for systems that call the API, never a way around the second factor."""

from django.utils.translation import gettext as _
from django_otp import user_has_device
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from casetracker.core.roles import mfa_required


class TokenView(ObtainAuthToken):
    """DRF's token view with two changes: it is throttled like any anonymous API call (DRF
    leaves it unthrottled), and a person who owes a second factor gets no token, since a
    token would let them in on the password alone. Systems use service accounts."""

    throttle_classes = [AnonRateThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if mfa_required(user) or user_has_device(user):
            return Response(
                {
                    "detail": _(
                        "Accounts with two-step login cannot get API tokens; "
                        "ask an administrator for a service account."
                    )
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


token_view = TokenView.as_view()
