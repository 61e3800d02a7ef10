"""Checking custody chains against the rows in the database.

``verify_items`` walks items in id order, a batch at a time, reading each batch's events in
one query as plain values (no model instances), so memory stays flat however many events
there are. ``manage.py verify_custody`` and the item page's "verify chain" button use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet

from .chain import HASHED_FIELDS, Break, ItemHead, check_item
from .models import CustodyEvent, EvidenceItem

BATCH = 2000
_HEAD_FIELDS = ("id", "public_id", "label", "chain_head", "event_count", "custodian_id", "state")
_EVENT_FIELDS = ("item_id", *HASHED_FIELDS, "prev_hash", "hash")


@dataclass
class Report:
    items: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks


def verify_item(item: EvidenceItem) -> Break | None:
    head = ItemHead(**{name: getattr(item, name) for name in _HEAD_FIELDS})
    events = CustodyEvent.objects.filter(item_id=item.pk).order_by("seq").values(*_EVENT_FIELDS)
    return check_item(head, events.iterator())


def _batches(items: QuerySet) -> Iterator[list[ItemHead]]:
    last = 0
    while True:
        heads = [
            ItemHead(**row)
            for row in items.filter(pk__gt=last).order_by("pk").values(*_HEAD_FIELDS)[:BATCH]
        ]
        if not heads:
            return
        yield heads
        last = heads[-1].id


def verify_items(items: QuerySet | None = None, *, on_batch=None) -> Report:
    """Check every item of ``items`` (all items by default); the report lists each broken
    chain's first broken link."""
    items = EvidenceItem.objects.all() if items is None else items
    report = Report()
    for heads in _batches(items):
        events = (
            CustodyEvent.objects.filter(item_id__gte=heads[0].id, item_id__lte=heads[-1].id)
            .order_by("item_id", "seq")
            .values(*_EVENT_FIELDS)
        )
        by_item: dict[int, list[dict]] = {}
        for row in events.iterator(chunk_size=5000):
            by_item.setdefault(row["item_id"], []).append(row)
            report.events += 1
        for head in heads:
            report.items += 1
            found = check_item(head, by_item.get(head.id, ()))
            if found is not None:
                report.breaks.append(found)
        if on_batch is not None:
            on_batch(report)
    return report
