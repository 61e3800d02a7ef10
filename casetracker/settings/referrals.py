"""Referrals: deadlines, the external response link, and the outbox that survives a broker
outage. Every value can be set from the environment (see the README's table)."""

from .env import env_int, env_str

# The address links in e-mails point at (the external response link, the referral page).
CASETRACKER_SITE_URL = env_str("CASETRACKER_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# A referral added by hand gets these deadlines unless the sender chooses others; routing
# rules carry their own.
REFERRAL_ACK_HOURS = env_int("CASETRACKER_REFERRAL_ACK_HOURS", 48, minimum=1)
REFERRAL_RESPOND_DAYS = env_int("CASETRACKER_REFERRAL_RESPOND_DAYS", 14, minimum=1)

# How long one response link works. Every reminder carries a fresh one, and a withdrawn
# referral's links stop working at once, whatever their age.
REFERRAL_LINK_DAYS = env_int("CASETRACKER_REFERRAL_LINK_DAYS", 30, minimum=1)
# After this many unusable links (forged, broken, expired, void) from one address within a
# minute, that address gets 429 on every response link until the minute is over. Counted
# in Django's cache: per process with the default local-memory cache, shared with Redis.
REFERRAL_LINK_FAILURES_PER_MINUTE = env_int(
    "CASETRACKER_REFERRAL_LINK_FAILURES_PER_MINUTE", 10, minimum=1
)

# The sweeper re-sends routing and e-mail work that was not done this many minutes after
# it was queued (a broker outage, a lost message); the work itself is idempotent.
OUTBOX_RETRY_MINUTES = env_int("CASETRACKER_OUTBOX_RETRY_MINUTES", 5, minimum=1)
