"""Writing access rows to the audit trail (django-auditlog's LogEntry, action ACCESS).

Creates, changes and deletes are written by auditlog's model signals (the models are listed
in settings/audit.py). What signals cannot see is written here: someone looked at or took
away data (a seizure's detail page, an attachment download, an export) and the account
events (login, failed login, logout, lockout).

Every row carries in ``additional_data`` the unit the object belongs to (``object_unit``)
and, for a seizure and its pieces, the seizure's reference (``seizure``): that is how a
supervisor's trail finds the rows about the unit's data, even after the piece was deleted.
See ``receivers.tag_scope`` for rows written by auditlog itself.
"""

import json

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model

from .choices import AccessEvent
from .middleware import client_address

SEIZURE_MODEL = "seizures.seizure"
# Fields through which a piece points at its seizure (guardian's direct-FK tables use
# ``content_object``).
_SEIZURE_LINKS = ("seizure", "content_object")


def object_scope(obj: Model | None) -> dict:
    """``object_unit`` and ``seizure`` (reference) of ``obj``, whichever apply.

    Works on an instance that was just deleted: only its own field values and its parent
    (still in the database while a cascade runs children first) are read.
    """
    if obj is None:
        return {}
    label = obj._meta.label_lower
    if label == SEIZURE_MODEL:
        return {"object_unit": obj.unit_id, "seizure": obj.reference}
    for name in _SEIZURE_LINKS:
        seizure = _seizure_of(obj, name)
        if seizure is not None:
            return {"object_unit": seizure.unit_id, "seizure": seizure.reference}
    if label == get_user_model()._meta.label_lower:
        return {"object_unit": obj.unit_id} if obj.unit_id else {}
    if label == "core.unit":
        return {"object_unit": obj.pk}
    if label == "auth.group":
        unit_id = getattr(_related_or_none(obj, "unit"), "pk", None)
        return {"object_unit": unit_id} if unit_id else {}
    return {}


def _seizure_of(obj: Model, name: str) -> Model | None:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    related = getattr(field, "related_model", None)
    if related is None or related._meta.label_lower != SEIZURE_MODEL:
        return None
    return _related_or_none(obj, name)


def _related_or_none(obj: Model, name: str):
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _remote_addr(request) -> str | None:
    # The same reading of the address as the audit middleware, so all rows agree.
    return client_address(request) if request is not None else None


def _actor(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _json_safe(data: dict) -> dict:
    # Callers pass UUIDs, dates, lazy strings: store them as JSON would show them. What
    # people typed (filters, usernames) may hold a NUL, which PostgreSQL's jsonb refuses:
    # it is kept visibly as U+FFFD rather than losing the whole audit row.
    text = json.dumps(data, cls=DjangoJSONEncoder).replace("\\u0000", "\\ufffd")
    return json.loads(text)


def _write(*, request, actor, obj: Model | None, event: str, extra: dict | None, **fields):
    data = _json_safe({**object_scope(obj), **(extra or {}), "event": event})
    if obj is not None:
        fields.setdefault("content_type", ContentType.objects.get_for_model(obj))
        fields.setdefault("object_pk", str(obj.pk))
        fields.setdefault("object_repr", str(obj))
        if isinstance(obj.pk, int):
            fields.setdefault("object_id", obj.pk)
    return LogEntry.objects.create(
        action=LogEntry.Action.ACCESS,
        actor=actor,
        actor_email=getattr(actor, "email", None) if actor else None,
        remote_addr=_remote_addr(request),
        additional_data=data,
        **fields,
    )


def audit_access(*, request, obj: Model, event: str, extra: dict | None = None) -> LogEntry:
    """Record an access ``event`` ("view", "download", "export", …) to ``obj``.

    Call it after the permission check succeeded, so the trail shows what was actually
    seen, not what was refused (refusals answer 404 and look like missing objects).
    """
    return _write(request=request, actor=_actor(request), obj=obj, event=event, extra=extra)


def audit_account_event(*, request, user, username: str, event: str, extra=None) -> LogEntry:
    """Record a login, failed login, logout or lockout.

    ``user`` is None for a username nobody has: the row then names the username as typed
    (object type User, object id and representation the username), so attempts on
    invented accounts show in the trail too.
    """
    actor = user if event in (AccessEvent.LOGIN, AccessEvent.LOGOUT) else None
    if user is not None:
        return _write(request=request, actor=actor, obj=user, event=event, extra=extra)
    name = (username or "")[:150]
    return _write(
        request=request,
        actor=None,
        obj=None,
        event=event,
        extra={**(extra or {}), "username": name},
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_pk=name,
        object_repr=name,
    )
