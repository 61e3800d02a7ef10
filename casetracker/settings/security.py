"""Transport and browser hardening; strict in production, relaxed only for the local demo."""

from .base import DEBUG
from .env import env_bool, env_int, env_str

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# The usual 403 page; on an external response link it also keeps the token out of the log
# line Django writes for a failed check (issue 4).
CSRF_FAILURE_VIEW = "referrals.link_privacy.csrf_failure"
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_MAX_SECONDS", 8 * 3600, minimum=60)

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy the scheme arrives in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every asset comes from the app itself; no inline script or style is allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Accounts (issue 3): lockout, session limits, second factor -------------------------

# Five failed logins for one username within the window lock it until an administrator
# unlocks it. Axes alone either forgets failures after its cool-off or locks for the
# cool-off only, so the window is counted by our handler from axes' per-failure log.
AXES_HANDLER = "casetracker.core.accounts.lockout.WindowedLockoutHandler"
AXES_FAILURE_LIMIT = env_int("CASETRACKER_LOCKOUT_FAILURES", 5, minimum=1)
CASETRACKER_LOCKOUT_WINDOW_SECONDS = env_int(
    "CASETRACKER_LOCKOUT_WINDOW_SECONDS", 15 * 60, minimum=60
)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = None  # only an administrator lifts a lockout
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "casetracker.core.accounts.lockout.locked_out_response"

# Idle timeout and an absolute lifetime counted from the login (SESSION_COOKIE_AGE above
# is the same absolute bound for the cookie itself).
CASETRACKER_SESSION_IDLE_SECONDS = env_int("CASETRACKER_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
CASETRACKER_SESSION_MAX_SECONDS = SESSION_COOKIE_AGE
# A login that passed the password but not yet the second factor waits this long.
CASETRACKER_MFA_PENDING_SECONDS = 5 * 60

OTP_TOTP_ISSUER = env_str("CASETRACKER_OTP_ISSUER", "casetracker")

# Axes warns that a username-only lockout ignores addresses; that is the policy (lockout by
# username, issue 3), and our handler counts a username's failures from every address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
