"""The custody hash chain: how an event is hashed, and how a chain is checked.

Each event's hash is SHA-256 over the previous event's hash and the event's own canonical
content (its fields as sorted, compact JSON, instants in UTC to the microsecond). The first
event of an item chains from a genesis hash of the item's public id, so events cannot be
moved to another item, and the item keeps the hash of its last event (``chain_head``), so
cutting events off the end is noticed too. Anyone can recompute this from the rows alone;
the method is written in the README.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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


# Who holds the item and in which state after each kind of event, replayed from the chain
# and compared with the item row: a custodian changed in the item table alone is caught.
def _replay(holder, state, values: dict):
    kind = values["kind"]
    if kind == EventKind.INTAKE:
        return values["to_user_id"], ItemState.IN_CUSTODY
    if kind == EventKind.TRANSFER:
        return holder, ItemState.IN_TRANSIT
    if kind == EventKind.RECEIVED:
        return values["to_user_id"], ItemState.IN_CUSTODY
    if kind in (EventKind.REJECTED, EventKind.CANCELLED):
        return holder, ItemState.IN_CUSTODY
    if kind == EventKind.DISPOSED:
        return holder, ItemState.DISPOSED
    return holder, state


def check_item(head: ItemHead, events: Iterable[dict]) -> Break | None:
    """The first broken link of one item's chain, or None when it holds.

    ``events`` are the item's event rows (dicts with HASHED_FIELDS, ``prev_hash`` and
    ``hash``) in ``seq`` order.
    """
    expected_prev = genesis(head.public_id)
    holder, state = None, None
    count = 0
    for values in events:
        count += 1
        seq = values["seq"]
        if seq != count:
            return Break(head.id, head.label, seq, _("event %(n)s is missing") % {"n": count})
        if values["prev_hash"] != expected_prev:
            return Break(head.id, head.label, seq, _("it does not follow the event before it"))
        if event_hash(expected_prev, values) != values["hash"]:
            return Break(
                head.id, head.label, seq, _("its content was changed after it was recorded")
            )
        expected_prev = values["hash"]
        holder, state = _replay(holder, state, values)
    if count == 0:
        return Break(head.id, head.label, None, _("it has no custody event"))
    if count != head.event_count or expected_prev != head.chain_head:
        return Break(
            head.id,
            head.label,
            count + 1,
            _("the chain ends before its recorded head (events were removed)"),
        )
    if holder != head.custodian_id or state != head.state:
        return Break(
            head.id,
            head.label,
            None,
            _("the item's custodian or state differs from what its events say"),
        )
    return None


def check_items(
    heads: Iterable[ItemHead], events_by_item: dict[int, list[dict]]
) -> Iterator[tuple[ItemHead, Break | None]]:
    for head in heads:
        yield head, check_item(head, events_by_item.get(head.id, ()))
