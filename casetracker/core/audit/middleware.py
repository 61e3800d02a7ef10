"""auditlog's middleware with a remote address that a client can neither forge nor break.

auditlog reads the leftmost X-Forwarded-For entry, which is whatever the client sent: an
attacker could write any address into the trail, and a value that is no address at all
makes every audited write of the request fail on PostgreSQL (inet column). Here the header
is read only behind our own proxy (CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR), and then only
its last entry, the one that proxy appended; anything that does not parse as an address is
dropped.

The actor is read when an entry is written, not when the request comes in: the API's
token authentication happens in the view, after every middleware has run, so read at the
door an API client was nobody and its writes were audited without an actor.
"""

import ipaddress

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.utils.functional import SimpleLazyObject


def client_address(request) -> str | None:
    candidates = []
    if settings.CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            candidates.append(forwarded.split(",")[-1].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


class AuditMiddleware(AuditlogMiddleware):
    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)

    def get_extra_data(self, request):
        data = super().get_extra_data(request)
        # DRF puts the user it authenticated on this request too. auditlog takes the
        # actor only if it is a user (a lazy object passes as what it wraps), so a
        # request nobody signed into still writes entries without one.
        data["actor"] = SimpleLazyObject(lambda: self._get_actor(request))
        return data
