"""The external response link: signed, expiring, for one referral, voidable.

The token carries the referral's public id and its link nonce, signed with the site's
secret key (django.core.signing, HMAC-SHA256) and timestamped. It works for
``REFERRAL_LINK_DAYS`` from signing and only while the nonce matches: withdrawing the
referral, or sending a fresh link, changes the nonce and voids every earlier link.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Referral

SALT = "casetracker.referrals.response-link"


class LinkInvalid(Exception):
    """The link cannot be used; ``message`` says why, in words the holder can act on."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


EXPIRED = _(
    "This link has expired. Ask the sender for a fresh one: every reminder carries a new link."
)
BROKEN = _("This link is not valid. Check that it was copied whole from the e-mail.")
VOID = _("This link no longer works: the referral was withdrawn or a newer link was sent.")


def response_token(referral: Referral) -> str:
    return signing.dumps(
        {"r": str(referral.public_id), "n": str(referral.link_nonce)}, salt=SALT, compress=False
    )


def response_url(referral: Referral) -> str:
    path = reverse("referrals:respond", kwargs={"token": response_token(referral)})
    return f"{settings.CASETRACKER_SITE_URL}{path}"


def referral_from_token(token: str) -> Referral:
    """The referral a link was signed for, or ``LinkInvalid`` saying why not."""
    max_age = settings.REFERRAL_LINK_DAYS * 24 * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid(EXPIRED) from None
    except signing.BadSignature:
        raise LinkInvalid(BROKEN) from None
    if not isinstance(data, dict) or not {"r", "n"} <= data.keys():
        raise LinkInvalid(BROKEN)
    referral = (
        Referral.objects.select_related("seizure", "seizure__unit", "seizure__port", "recipient")
        .filter(public_id=data["r"], recipient__kind="external")
        .first()
    )
    if referral is None:
        raise LinkInvalid(BROKEN)
    if str(referral.link_nonce) != data["n"]:
        raise LinkInvalid(VOID)
    return referral
