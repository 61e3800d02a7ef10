"""Keyset ("newer / older") paging for seizure lists (the unit's list, the evaluators').

An OFFSET makes the database walk past every earlier row: page 450 of 100 000 seizures
costs ~100 ms on PostgreSQL before a single row is shown. A cursor that names the last row
seen lets the planner start right there on the (occurred_at, id) index, so every page costs
the same. The cursor names the row by its date and reference number — never the database
id, so nobody learns the row numbering — and is only ever used as a position.
"""

import base64
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list
    newer_cursor: str | None
    older_cursor: str | None


def _field(row, name: str):
    # The unit's list pages model instances, the evaluators' list pages dicts.
    return row[name] if isinstance(row, dict) else getattr(row, name)


def encode_cursor(row) -> str:
    raw = f"{_field(row, 'occurred_at').isoformat()}|{_field(row, 'reference')}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, str] | None:
    """The position a cursor names, or None for a missing or tampered one (first page)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, reference = raw.split("|")
        occurred_at = dt.datetime.fromisoformat(stamp)
    except (ValueError, UnicodeDecodeError):
        return None
    if occurred_at.tzinfo is None or not reference or "\x00" in reference:
        return None
    return occurred_at, reference


def keyset_page(queryset: QuerySet, *, older: str | None, newer: str | None, size: int) -> Page:
    """Up to ``size`` rows, newest first, after ``older`` or before ``newer``."""
    position = decode_cursor(older) or decode_cursor(newer)
    going_back = position is not None and decode_cursor(older) is None
    pk = None
    if position is not None:
        # One small look-up turns the reference back into the index's tie-breaker.
        pk = (
            queryset.model._base_manager.filter(reference=position[1])
            .values_list("pk", flat=True)
            .first()
        )
    if pk is None:
        rows = list(queryset.order_by("-occurred_at", "-id")[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return Page(rows, None, encode_cursor(rows[-1]) if more else None)

    stamp = position[0]
    if going_back:
        # The boundary on occurred_at alone is what the index can seek to; the OR
        # refines ties on the same instant.
        later = queryset.filter(
            Q(occurred_at__gte=stamp), Q(occurred_at__gt=stamp) | Q(id__gt=pk)
        ).order_by("occurred_at", "id")
        rows = list(later[: size + 1])
        more = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            rows,
            encode_cursor(rows[0]) if more and rows else None,
            encode_cursor(rows[-1]) if rows else None,
        )
    earlier = queryset.filter(
        Q(occurred_at__lte=stamp), Q(occurred_at__lt=stamp) | Q(id__lt=pk)
    ).order_by("-occurred_at", "-id")
    rows = list(earlier[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        encode_cursor(rows[0]) if rows else None,
        encode_cursor(rows[-1]) if more else None,
    )
