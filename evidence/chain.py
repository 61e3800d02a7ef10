"""The custody hash chain: how an event is hashed, and how a chain is checked.

Each event's hash is SHA-256 over the previous event's hash and the event's own canonical
content (its fields as sorted, compact JSON, instants in UTC to the microsecond). The first
event of an item chains from a genesis hash of the item's public id, so events cannot be
moved to another item, and the item keeps the hash of its last event (``chain_head``), so
cutting events off the end is noticed too. Anyone can recompute this from the rows alone;
the method is written in the README.

``canonical`` is the definition. Verification of many events goes through ``row_hash``,
which writes the same bytes for a row as a tuple with less overhead; the property tests
hold the two to the same output for any value.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.utils.translation import gettext as _

from .choices import EventKind, ItemState

# The fields that make up an event's content, in the order the canonical JSON sorts them
# anyway; ``item`` is covered by the genesis hash and ``hash``/``prev_hash`` are the chain.
HASHED_FIELDS = (
    "seq",
    "kind",
    "purpose",
    "from_user_id",
    "from_unit_id",
    "to_user_id",
    "to_unit_id",
    "occurred_at",
    "place",
    "seal_check",
    "seals",
    "condition",
    "note",
    "witness_id",
    "details",
    "recorded_by_id",
    "recorded_at",
)

_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def genesis(item_public_id) -> str:
    return hashlib.sha256(f"casetracker custody chain {item_public_id}".encode()).hexdigest()


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: dict) -> bytes:
    content = {}
    for name in HASHED_FIELDS:
        value = values[name]
        if isinstance(value, dt.datetime):
            value = _instant(value)
        content[name] = value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, values: dict) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(values)).hexdigest()


def event_values(event) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


# --- the same hash for a row given as a tuple (verification of many events) -------------

# Positions in a row tuple: HASHED_FIELDS in order, then prev_hash and hash.
ROW_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")
_SEQ, _KIND = 0, 1
_TO_USER, _TO_UNIT = 5, 6
_SEALS, _CONDITION = 10, 11
_PREV, _HASH = len(HASHED_FIELDS), len(HASHED_FIELDS) + 1
# The canonical JSON's keys in its (sorted) order, each with its row position.
_SORTED = sorted((name, position) for position, name in enumerate(HASHED_FIELDS))
_KEYS = tuple(encode_basestring(name) + ":" for name, _position in _SORTED)
_POSITIONS = tuple(position for _name, position in _SORTED)


def _value_json(value) -> str:
    # Exactly what json.dumps writes inside the canonical object: its C encoder uses this
    # very encode_basestring for str and int.__repr__ for int. The common shapes of a row
    # (plain str, int, None, UTC instants, a list of seal strings, no details) are written
    # here; anything else (bools, floats, subclasses, nested values) goes to the encoder.
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is dt.datetime:
        if value.tzinfo is not dt.UTC:
            value = value.astimezone(dt.UTC)
        if value.year >= 1000:
            # isoformat pads the year to four digits, strftime does not below 1000.
            return '"' + value.isoformat(timespec="microseconds")[:26] + 'Z"'
        return '"' + _instant(value) + '"'
    if kind is list and all(type(element) is str for element in value):
        return "[" + ",".join(map(encode_basestring, value)) + "]"
    if kind is dict and not value:
        return "{}"
    if isinstance(value, dt.datetime):
        return '"' + _instant(value) + '"'
    return _ENCODE(value)


_TEMPLATE = "{" + ",".join(key + "%s" for key in _KEYS) + "}"
_sorted_values = operator.itemgetter(*_POSITIONS)


def row_canonical(row: Sequence) -> bytes:
    """``canonical`` of a row tuple (values in HASHED_FIELDS order)."""
    return (_TEMPLATE % tuple(map(_value_json, _sorted_values(row)))).encode()


def row_hash(prev_hash: str, row: Sequence) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + row_canonical(row)).hexdigest()


# --- checking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first link of an item's chain that does not hold."""

    item_id: int
    label: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        if self.seq is None:
            return f"{self.label}: {self.reason}"
        return _("%(label)s, event %(seq)s: %(reason)s") % {
            "label": self.label,
            "seq": self.seq,
            "reason": self.reason,
        }


# An ItemHead field left at this value is not compared with the chain.
NOT_CHECKED = "-"


@dataclass(frozen=True)
class ItemHead:
    """What the item row says about its chain, to compare with the events."""

    id: int
    public_id: object
    label: str
    chain_head: str
    event_count: int
    custodian_id: int
    state: str
    custodian_unit_id: object = NOT_CHECKED
    transit_to_id: object = NOT_CHECKED
    seal_numbers: object = NOT_CHECKED
    condition: object = NOT_CHECKED


@dataclass
class _Replay:
    """Who holds the item, in which state, under which seals, replayed from its events."""

    custodian_id: object = None
    custodian_unit_id: object = None
    state: object = None
    transit_to_id: object = None
    seal_numbers: object = None
    condition: object = None

    def apply(self, row: Sequence) -> None:
        kind = row[_KIND]
        if kind in (EventKind.INTAKE, EventKind.RECEIVED):
            self.custodian_id, self.custodian_unit_id = row[_TO_USER], row[_TO_UNIT]
            self.state, self.transit_to_id = ItemState.IN_CUSTODY, None
        elif kind == EventKind.TRANSFER:
            self.state, self.transit_to_id = ItemState.IN_TRANSIT, row[_TO_USER]
        elif kind in (EventKind.REJECTED, EventKind.CANCELLED):
            self.state, self.transit_to_id = ItemState.IN_CUSTODY, None
        elif kind == EventKind.DISPOSED:
            self.state = ItemState.DISPOSED
        # Every event restates the item's seals and condition as they are after it.
        self.seal_numbers, self.condition = row[_SEALS], row[_CONDITION]

    def differs(self, head: ItemHead) -> list[str]:
        names = [
            "custodian_id",
            "custodian_unit_id",
            "state",
            "transit_to_id",
            "seal_numbers",
            "condition",
        ]
        return [
            name
            for name in names
            if getattr(head, name) != NOT_CHECKED and getattr(head, name) != getattr(self, name)
        ]


def check_rows(head: ItemHead, rows: Iterable[Sequence]) -> Break | None:
    """``check_item`` for rows given as tuples in ROW_FIELDS order, in ``seq`` order.

    A row that could not be read (a value altered into something the column cannot hold)
    is given as ``(seq, None)``.
    """
    expected_prev = genesis(head.public_id)
    replay = _Replay()
    count = 0
    for row in rows:
        count += 1
        seq = row[_SEQ]
        if seq != count:
            if isinstance(seq, int) and seq > count:
                return Break(head.id, head.label, count, _("this event is missing"))
            return Break(
                head.id,
                head.label,
                seq,
                _("it is out of sequence (event %(n)s expected)") % {"n": count},
            )
        if len(row) != len(ROW_FIELDS):
            return Break(head.id, head.label, seq, _("its content cannot be read"))
        if row[_PREV] != expected_prev:
            return Break(head.id, head.label, seq, _("it does not follow the event before it"))
        if row_hash(expected_prev, row) != row[_HASH]:
            return Break(
                head.id, head.label, seq, _("its content was changed after it was recorded")
            )
        expected_prev = row[_HASH]
        replay.apply(row)
    if count == 0 and head.event_count == 0:
        return Break(head.id, head.label, None, _("it has no custody event"))
    if count != head.event_count or expected_prev != head.chain_head:
        return Break(
            head.id,
            head.label,
            count + 1,
            _("the chain ends before its recorded head (events were removed)"),
        )
    if replay.differs(head):
        return Break(
            head.id,
            head.label,
            None,
            _("the item's custodian, state or seals differ from what its events say"),
        )
    return None


def check_item(head: ItemHead, events: Iterable[dict]) -> Break | None:
    """The first broken link of one item's chain, or None when it holds.

    ``events`` are the item's event rows (dicts with HASHED_FIELDS, ``prev_hash`` and
    ``hash``) in ``seq`` order.
    """
    return check_rows(head, (tuple(values[name] for name in ROW_FIELDS) for values in events))


def check_items(
    heads: Iterable[ItemHead], events_by_item: dict[int, list[dict]]
) -> Iterator[tuple[ItemHead, Break | None]]:
    for head in heads:
        yield head, check_item(head, events_by_item.get(head.id, ()))
