"""The audit trail (django-auditlog): which models are recorded and how the trail pages page.

Every create, change and delete of these models is written by auditlog's model signals
with the actor and the remote address its middleware takes from the request. Reads that
matter (a seizure's detail, a download, an export) and logins are written by
``casetracker.core.audit``; the PostgreSQL trigger of migration
``core.0002_auditlog_append_only`` makes the rows append-only.

Rows written with ``bulk_create`` or ``QuerySet.update`` send no signals and are not
recorded: services write domain data row by row; only the benchmark's bulk demo seeding
(``seed_demo`` above ``--bulk-above``) and the gazetteer import bypass the trail, on purpose.
"""

from .base import DEBUG

AUDITLOG_INCLUDE_TRACKING_MODELS = (
    # Seizures and every piece of them (each piece has its own rows, so the seizure's rows
    # leave out its reverse relations, which auditlog would diff as "containers: ….None").
    {
        "model": "seizures.seizure",
        "exclude_fields": [
            "containers",
            "items",
            "port_calls",
            "parties",
            "attachments",
            "notes",
            "shares",
            "referrals",
            "routing_job",
            "evidence_items",
            "forensic_tasks",
        ],
    },
    "seizures.container",
    {"model": "seizures.seizeditem", "exclude_fields": ["evidence_items"]},
    "seizures.portcall",
    "seizures.party",
    "seizures.attachment",
    "seizures.note",
    "seizures.seizureshare",
    # Who may see a seizure: guardian's rows are the permission changes themselves.
    "seizures.seizuregroupobjectpermission",
    "seizures.seizureuserobjectpermission",
    "guardian.groupobjectpermission",
    "guardian.userobjectpermission",
    # Referrals: who may route where, every referral and each move of its life cycle. The
    # deadline stamps change without anyone acting; the moves are recorded as events.
    {"model": "referrals.recipient", "exclude_fields": ["rules", "referrals"]},
    {"model": "referrals.routingrule", "m2m_fields": ["seizing_units"], "exclude_fields": []},
    {
        "model": "referrals.referral",
        "exclude_fields": [
            "events",
            "notifications",
            "ack_reminded_at",
            "ack_escalated_at",
            "respond_reminded_at",
            "respond_escalated_at",
            "link_nonce",
        ],
    },
    "referrals.referralevent",
    # --- outcomes of the follow-up, each recorded by the recipient (referrals.services)
    "referrals.outcome",
    # --- end of outcomes
    # --- forensics: tasks, each move of their life cycle, links between seizures. The
    # deadline stamps change without anyone acting; the moves are recorded as events.
    {
        "model": "forensics.forensictask",
        "exclude_fields": ["events", "notifications", "reminded_at", "escalated_at"],
    },
    "forensics.taskevent",
    "forensics.seizurelink",
    # --- end of forensics
    # Evidence: items as they are bagged and move; each custody event is its own record in
    # the item's hash chain, so the item's chain head and count are left out here.
    {
        "model": "evidence.evidenceitem",
        "exclude_fields": [
            "children",
            "events",
            "chain_head",
            "event_count",
            "forensic_tasks",
        ],
    },
    "evidence.evidenceitemgroupobjectpermission",
    # Organisations, people and their rights.
    # Reverse relations left out for the same reason.
    {"model": "core.port", "exclude_fields": ["units", "seizures"]},
    {"model": "core.agency", "exclude_fields": ["units"]},
    {
        "model": "core.unit",
        "m2m_fields": ["agencies"],
        "exclude_fields": ["seizures", "members", "recipient", "forensic_tasks"],
    },
    {
        "model": "core.user",
        # A password hash is a secret even when hashed; last_login changes at every login,
        # which the login events record already.
        "exclude_fields": ["password", "last_login"],
        "m2m_fields": ["groups", "user_permissions"],
    },
    {"model": "auth.group", "m2m_fields": ["permissions"]},
    # Second factors: who enrolled or removed one, never the key or the counters that move
    # at every use.
    {"model": "otp_totp.totpdevice", "include_fields": ["user", "name", "confirmed"]},
    {"model": "otp_static.staticdevice", "include_fields": ["user", "name", "confirmed"]},
    # A lockout lifted by an administrator deletes the attempt row: that deletion is the
    # unlock's record. Only the username is compared, so repeated failures (already logged
    # as failed logins) do not add a change row each.
    {"model": "axes.accessattempt", "include_fields": ["username"]},
)

# The trail is evidence: nothing is ever skipped because it came from a fixture load.
AUDITLOG_DISABLE_ON_RAW_SAVE = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Rows per page of /audit/ (keyset paging: every page costs the same).
CASETRACKER_AUDIT_PAGE_SIZE = 50

# Read the client's address from X-Forwarded-For (its last entry, appended by our own
# proxy) only in production, which runs behind a TLS-terminating proxy (security.py).
# Elsewhere the header is the client's own words and is ignored.
CASETRACKER_AUDIT_TRUST_X_FORWARDED_FOR = not DEBUG
