"""The trail's rows as people read them: one description for the page and the CSV alike."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.utils.translation import gettext as _

from .choices import AccessEvent


@dataclass
class TrailRow:
    entry: LogEntry
    when: datetime
    actor: str
    actor_unit: str
    action: str
    object_type: str
    object_id: str
    object: str
    seizure: str
    remote_addr: str
    changes: list[str]


def action_label(entry: LogEntry) -> str:
    if entry.action == LogEntry.Action.ACCESS:
        event = (entry.additional_data or {}).get("event", "")
        return str(dict(AccessEvent.choices).get(event, event))
    return {
        LogEntry.Action.CREATE: _("Created"),
        LogEntry.Action.UPDATE: _("Changed"),
        LogEntry.Action.DELETE: _("Deleted"),
    }.get(entry.action, str(entry.action))


def change_lines(entry: LogEntry) -> list[str]:
    """One line per changed field: "field: old → new" for a change, the value alone for a
    creation or deletion, "field: + a, b" / "field: − a" for a many-to-many change."""
    lines = []
    for field, change in sorted((entry.changes_dict or {}).items()):
        if isinstance(change, dict) and change.get("type") == "m2m":
            sign = "+" if change.get("operation") == "add" else "−"
            lines.append(f"{field}: {sign} {', '.join(map(str, change.get('objects', [])))}")
        elif isinstance(change, list | tuple) and len(change) == 2 and field != "id":
            old, new = (_value(value) for value in change)
            if old == new == "—":
                continue
            if entry.action == LogEntry.Action.CREATE:
                lines.append(f"{field}: {new}")
            elif entry.action == LogEntry.Action.DELETE:
                lines.append(f"{field}: {old}")
            else:
                lines.append(f"{field}: {old} → {new}")
    return lines


def _value(value) -> str:
    return "—" if value in (None, "None", "") else str(value)


def describe(entry: LogEntry) -> TrailRow:
    data = entry.additional_data or {}
    model = entry.content_type.model_class() if entry.content_type_id else None
    actor = entry.actor
    return TrailRow(
        entry=entry,
        when=entry.timestamp,
        actor=actor.get_username() if actor else "",
        actor_unit=actor.unit.code if actor and actor.unit_id else "",
        action=action_label(entry),
        object_type=str(model._meta.verbose_name) if model else "",
        object_id=entry.object_pk,
        object=entry.object_repr,
        seizure=str(data.get("seizure") or ""),
        remote_addr=entry.remote_addr or "",
        changes=change_lines(entry),
    )


def header() -> list[str]:
    return [
        _("Time (UTC)"),
        _("User"),
        _("Unit"),
        _("What happened"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Seizure"),
        _("Address"),
        _("Changes"),
        _("Correlation id"),
    ]


def csv_rows(entries: Iterable[LogEntry]) -> Iterator[list[str]]:
    yield header()
    for entry in entries:
        row = describe(entry)
        yield [
            row.when.isoformat(timespec="seconds"),
            row.actor,
            row.actor_unit,
            row.action,
            row.object_type,
            row.object_id,
            row.object,
            row.seizure,
            row.remote_addr,
            "; ".join(row.changes),
            entry.cid or "",
        ]
