"""Checking custody chains against the rows in the database.

``verify_items`` walks items in id order, a batch at a time, and reads each batch's events
in one query as plain tuples (no model instances, no dicts), so memory stays flat however
many events there are. Rows are read with raw SQL and decoded here rather than by the
ORM's converters: a value altered into something its column type cannot hold (text in a
JSON or date column on SQLite) is then reported as a broken link of that item instead of
stopping the whole run. On PostgreSQL, outside a transaction, ``workers`` processes can
share the id range. ``manage.py verify_custody`` and the item page's "verify chain" button
use it.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, connections
from django.db.models import Max, Min, QuerySet

from .chain import HASHED_FIELDS, Break, ItemHead, check_rows
from .models import CustodyEvent, EvidenceItem

BATCH = 2000
# Items per task when several processes share the work: large enough that starting a task
# costs nothing next to it, small enough that the two processes finish together.
CHUNK = 20_000
_HEAD_FIELDS = (
    "id",
    "public_id",
    "label",
    "chain_head",
    "event_count",
    "custodian_id",
    "state",
    "custodian_unit_id",
    "transit_to_id",
    "seal_numbers",
    "condition",
)
_JSON = tuple(HASHED_FIELDS.index(name) for name in ("seals", "details"))
_INSTANTS = tuple(HASHED_FIELDS.index(name) for name in ("occurred_at", "recorded_at"))
# chain._instant's format in to_char's words.
_PG_INSTANT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


@dataclass
class Report:
    items: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def add(self, other: Report) -> None:
        self.items += other.items
        self.events += other.events
        self.breaks.extend(other.breaks)


def _events_sql() -> str:
    quote = connection.ops.quote_name
    columns = [
        quote(CustodyEvent._meta.get_field(name.removesuffix("_id")).column)
        for name in ("item_id", *HASHED_FIELDS, "prev_hash", "hash")
    ]
    selected = list(columns)
    for position in _INSTANTS:
        column = columns[position + 1]
        if connection.vendor == "postgresql":
            # The canonical text of the instant, written by the server: cheaper than
            # building a datetime per value only to format it again (see _instant).
            selected[position + 1] = f"to_char({column} AT TIME ZONE 'UTC', '{_PG_INSTANT}')"
        elif connection.vendor == "sqlite":
            # The driver would parse these itself and stop the whole query at a value that
            # is not a date; as text they are parsed (or reported) row by row in _Decoder.
            selected[position + 1] = f"CAST({column} AS TEXT)"
    # Table and column names come from the model; the id bounds are parameters.
    return (
        f"SELECT {', '.join(selected)} FROM {quote(CustodyEvent._meta.db_table)} "  # noqa: S608
        f"WHERE {columns[0]} >= %s AND {columns[0]} <= %s ORDER BY {columns[0]}, {columns[1]}"
    )


def _instant(value, *, server_text: bool):
    if type(value) is str:
        if server_text:
            # Already chain._instant's text (to_char in _events_sql), except that strftime
            # does not pad a year below 1000 and to_char does.
            return value.lstrip("0") if value.startswith("0") else value
        value = dt.datetime.fromisoformat(value)  # SQLite keeps instants as text, in UTC
    if value.tzinfo is None:
        # In UTC, as the ORM reads them (never the server's local time).
        value = value.replace(tzinfo=dt.UTC)
    return value


class _Decoder:
    """Turns raw rows into rows as the ORM would give them (JSON parsed, instants aware or
    already in their canonical text), without item_id; a row that cannot be read comes back
    as ``(seq,)``. Consecutive events of an item mostly repeat their seals and details: the
    last text of each JSON column is remembered instead of parsed again (the parsed values
    are only read, never changed)."""

    def __init__(self):
        self.last = dict.fromkeys(_JSON, (None, None))
        self.server_text = connection.vendor == "postgresql"

    def __call__(self, raw: tuple) -> tuple:
        row = list(raw[1:])
        try:
            for position in _JSON:
                value = row[position]
                if type(value) is str:
                    text, parsed = self.last[position]
                    if value != text:
                        parsed = json.loads(value)
                        self.last[position] = (value, parsed)
                    row[position] = parsed
            for position in _INSTANTS:
                row[position] = _instant(row[position], server_text=self.server_text)
        except (TypeError, ValueError, AttributeError):
            return (row[0],)
        return tuple(row)


def _grouped(rows: Iterable[tuple], heads: list[ItemHead]) -> Iterator[tuple[ItemHead, list]]:
    """Each head with its decoded rows; ``rows`` are sorted by item id, then seq, and may
    hold items that are not among ``heads`` (filtered out of the queryset)."""
    rows = iter(rows)
    decode = _Decoder()
    pending = next(rows, None)
    for head in heads:
        while pending is not None and pending[0] < head.id:
            pending = next(rows, None)
        mine = []
        while pending is not None and pending[0] == head.id:
            mine.append(decode(pending))
            pending = next(rows, None)
        yield head, mine


def _fetch(sql: str, low: int, high: int) -> Iterator[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, high])
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def verify_item(item: EvidenceItem) -> Break | None:
    head = ItemHead(**{name: getattr(item, name) for name in _HEAD_FIELDS})
    ((_head, rows),) = _grouped(_fetch(_events_sql(), item.pk, item.pk), [head])
    return check_rows(head, rows)


def _batches(items: QuerySet) -> Iterator[list[ItemHead]]:
    last = None
    while True:
        page = items if last is None else items.filter(pk__gt=last)
        heads = [ItemHead(*row) for row in page.order_by("pk").values_list(*_HEAD_FIELDS)[:BATCH]]
        if not heads:
            return
        yield heads
        last = heads[-1].id


def _verify(items: QuerySet, on_batch: Callable[[Report], None] | None = None) -> Report:
    report = Report()
    sql = _events_sql()
    for heads in _batches(items):
        rows = _fetch(sql, heads[0].id, heads[-1].id)
        for head, events in _grouped(rows, heads):
            report.items += 1
            report.events += len(events)
            found = check_rows(head, events)
            if found is not None:
                report.breaks.append(found)
        if on_batch is not None:
            on_batch(report)
    return report


def _verify_range(query, low: int, high: int) -> Report:
    """One worker's share: the items of ``query`` with ``low <= id < high``."""
    items = EvidenceItem.objects.all()
    items.query = query
    try:
        return _verify(items.filter(pk__gte=low, pk__lt=high))
    finally:
        connection.close()


def _parallel(items: QuerySet, workers: int, on_batch) -> Report:
    bounds = items.aggregate(low=Min("pk"), high=Max("pk"))
    report = Report()
    if bounds["low"] is None:
        return report
    ranges = [
        (low, min(low + CHUNK, bounds["high"] + 1))
        for low in range(bounds["low"], bounds["high"] + 1, CHUNK)
    ]
    # Children must not share the parent's database session: close it before forking; each
    # child opens its own, and the parent reconnects when it next queries.
    connections.close_all()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(_verify_range, items.query, low, high) for low, high in ranges]
        for future in futures:  # in id order, so breaks are listed as one process would
            report.add(future.result())
            if on_batch is not None:
                on_batch(report)
    return report


def verify_items(items: QuerySet | None = None, *, on_batch=None, workers: int = 1) -> Report:
    """Check every item of ``items`` (all items by default); the report lists each broken
    chain's first broken link.

    ``workers`` > 1 shares the work among that many processes, on PostgreSQL and outside a
    transaction only (each process has its own connection and must see committed rows);
    elsewhere it is ignored.
    """
    items = EvidenceItem.objects.all() if items is None else items
    if workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _parallel(items, workers, on_batch)
    return _verify(items, on_batch)
