"""Audit hooks called by the apps (placeholder: the audit trail is being written).

``audit_access`` records that someone looked at or took away data: a seizure's detail page,
an attachment download, an export. Call it after the permission check succeeded.
"""

from django.db.models import Model


def audit_access(*, request, obj: Model, event: str, extra: dict | None = None) -> None:
    """Record an access ``event`` ("view", "download", "export", …) to ``obj``."""
