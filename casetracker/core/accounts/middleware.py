class SessionLimitsMiddleware:
    """Placeholder: idle timeout and absolute session lifetime (issue 3, being written)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)


class MfaRequiredMiddleware(SessionLimitsMiddleware):
    """Placeholder: TOTP required for administrators, supervisors and NCB officers."""
