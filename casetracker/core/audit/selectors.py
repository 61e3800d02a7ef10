"""Reading the audit trail: who may see which rows, and the filters of the trail pages."""

import datetime as dt
import uuid
from dataclasses import dataclass

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from casetracker.core.roles import Action, can

_CRUD = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}


def may_view_trail(user) -> bool:
    return can(user, Action.AUDIT_VIEW_ALL) or (
        can(user, Action.AUDIT_VIEW_UNIT) and user.unit_id is not None
    )


def entry_list(*, user) -> QuerySet[LogEntry]:
    """The rows ``user`` may read: all for administrators; for a supervisor the unit's.

    A unit's trail is what its members did (whatever the object) and what anybody did to
    the unit's data (its seizures and their pieces, its members, the unit itself). The
    object's unit is stored on the row when it is written (``object_unit``), so it stays
    right after the object is deleted. The actor's unit is their unit now: a user who moves
    takes their history along; users rarely move, and administrators see every row.
    """
    queryset = LogEntry.objects.select_related("actor", "actor__unit", "content_type")
    if can(user, Action.AUDIT_VIEW_ALL):
        return queryset
    if can(user, Action.AUDIT_VIEW_UNIT) and user.unit_id is not None:
        return queryset.filter(
            Q(actor__unit_id=user.unit_id) | Q(additional_data__object_unit=user.unit_id)
        )
    return queryset.none()


@dataclass(frozen=True)
class TrailFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    actor: str = ""
    action: str = ""
    object_type: ContentType | None = None
    object_ref: str = ""
    remote_addr: str = ""


def apply_filters(queryset: QuerySet[LogEntry], filters: TrailFilters) -> QuerySet[LogEntry]:
    if filters.start:
        queryset = queryset.filter(timestamp__gte=_day_start(filters.start))
    if filters.end:
        queryset = queryset.filter(timestamp__lt=_day_start(filters.end + dt.timedelta(days=1)))
    if filters.actor:
        queryset = queryset.filter(
            **{f"actor__{get_user_model().USERNAME_FIELD}__iexact": filters.actor}
        )
    if filters.action in _CRUD:
        queryset = queryset.filter(action=_CRUD[filters.action])
    elif filters.action:
        queryset = queryset.filter(
            action=LogEntry.Action.ACCESS, additional_data__event=filters.action
        )
    if filters.object_type:
        queryset = queryset.filter(content_type=filters.object_type)
    if filters.object_ref:
        queryset = queryset.filter(_object_match(filters.object_ref))
    if filters.remote_addr:
        queryset = queryset.filter(remote_addr=filters.remote_addr)
    return queryset


def _object_match(ref: str) -> Q:
    """A row about the object with this id, or about the seizure with this reference or
    public identifier (the seizure and every piece of it)."""
    ref = ref.strip()
    match = Q(object_pk=ref) | Q(additional_data__seizure__iexact=ref)
    try:
        public_id = uuid.UUID(ref)
    except ValueError:
        return match
    from seizures.models import Seizure  # the trail reads seizures; seizures never read it

    # Only narrows rows the reader may already see: an unknown or hidden id adds nothing.
    reference = (
        Seizure.objects.filter(public_id=public_id).values_list("reference", flat=True).first()
    )
    return match | Q(additional_data__seizure=reference) if reference else match


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audited_types() -> list[ContentType]:
    """The object types rows can be about, for the filter's choices."""
    models = [*auditlog.get_models(), get_user_model()]
    types = ContentType.objects.get_for_models(*models)
    return sorted(set(types.values()), key=lambda ct: str(ct.model_class()._meta.verbose_name))


def page(queryset: QuerySet[LogEntry], *, older: str | None, newer: str | None, size: int):
    """Up to ``size`` rows newest first, with the cursors of the pages around them.

    Rows are only ever added, with growing ids, so the id alone is a stable position: a
    keyset page costs the same on the first page and the thousandth.
    """
    older_id, newer_id = _cursor(older), _cursor(newer)
    if newer_id is not None and older_id is None:
        rows = list(queryset.filter(id__gt=newer_id).order_by("id")[: size + 1])
        more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return rows, (rows[0].id if more and rows else None), (rows[-1].id if rows else None)
    if older_id is not None:
        queryset = queryset.filter(id__lt=older_id)
    rows = list(queryset.order_by("-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    newer_cursor = rows[0].id if rows and older_id is not None else None
    return rows, newer_cursor, (rows[-1].id if more else None)


def _cursor(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
