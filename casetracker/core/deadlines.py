"""The walk every deadline check shares: find the rows whose moment has come and that are
not stamped yet, and hand each to a handler, a batch at a time.

The app keeps what is particular to it (which rows, who is told, what a stamp means); the
handler locks the row, stamps it and notifies in one transaction. The walk reads the rows
in the order of the moment (then id) and moves on past each batch, so a handler that
finds a row already done (another run got there first) cannot make it loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Q, QuerySet

BATCH = 200


def walk_due(
    queryset: QuerySet,
    *,
    stamp: str,
    when: str,
    now: dt.datetime,
    handle: Callable[[int], int],
    batch: int = BATCH,
) -> int:
    """Call ``handle(pk)`` for every row of ``queryset`` whose ``stamp`` is empty and
    whose ``when`` is at or before ``now``; return the sum of what the handler returned
    (1 for a row it dealt with, 0 for one it left)."""
    due = queryset.filter(**{f"{stamp}__isnull": True, f"{when}__lte": now})
    handled = 0
    after: tuple[dt.datetime, int] | None = None
    while True:
        rows = due
        if after is not None:
            moment, pk = after
            rows = rows.filter(Q(**{f"{when}__gt": moment}) | Q(**{when: moment, "pk__gt": pk}))
        page = list(rows.order_by(when, "pk").values_list(when, "pk")[:batch])
        for _moment, pk in page:
            handled += handle(pk)
        if len(page) < batch:
            return handled
        after = page[-1]
