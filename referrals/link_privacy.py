"""Keeping response-link tokens out of the logs.

The token in ``/r/<token>/`` is the external recipient's only credential: whoever reads it
in a log can answer the referral. Django logs the path of refused requests (a failed CSRF
check in ``django.security.csrf``, every 4xx and 5xx in ``django.request``, each request
line of the development server in ``django.server``). The response-link views mark their
own answers as logged (``external_views._private``), the CSRF failure view below does the
same for the link's paths, and ``TokenScrubber``, put on those loggers when the app
starts, blanks the token in whatever still reaches them.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied

# "/r/" followed by the token, wherever it appears (a path, a request line, a full URL).
TOKEN_IN_PATH = re.compile(r"(/r/)[^/\s?#\"']+")
HIDDEN = r"\1…"
LOGGERS = ("django.security.csrf", "django.request", "django.server")


def scrub(text: str) -> str:
    """``text`` with every response-link token replaced by an ellipsis."""
    return TOKEN_IN_PATH.sub(HIDDEN, text)


def is_response_link(path: str) -> bool:
    return TOKEN_IN_PATH.search(path) is not None


class TokenScrubber(logging.Filter):
    """Rewrites a record that mentions a response link so that the token is gone: in the
    message, and by dropping the request object that handlers (the admins' e-mail) would
    print in full."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if is_response_link(message):
            record.msg, record.args = scrub(message), ()
        request = getattr(record, "request", None)
        if request is not None and is_response_link(getattr(request, "path", "")):
            del record.request
        return True


def install() -> None:
    """Put the scrubber on the loggers that print request paths (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenScrubber) for f in logger.filters):
            logger.addFilter(TokenScrubber())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The site's usual 403 page for a failed CSRF check (``CSRF_FAILURE_VIEW``).

    On a response link it is also marked as logged, so that django.security.csrf does not
    write "Forbidden (…): /r/<token>/" at all.
    """
    response = permission_denied(request, PermissionDenied())
    if is_response_link(request.path):
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        response._has_been_logged = True  # type: ignore[attr-defined]
    return response
