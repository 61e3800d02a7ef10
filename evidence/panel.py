"""The evidence section of a seizure's page (registered in apps.py through seizures.panels).

Items show as a tree: each sub-item right under the item it was taken from. One query for
the items the viewer may see, however many there are.
"""

from __future__ import annotations

from django.template.loader import render_to_string

from casetracker.core.roles import Action, can

from . import selectors


def tree_order(items: list) -> list:
    """``items`` with each child right after its parent, ``depth`` set for indenting. A
    sub-item whose parent the viewer cannot see starts a tree of its own."""
    by_parent: dict[int | None, list] = {}
    ids = {item.pk for item in items}
    for item in items:
        parent = item.parent_id if item.parent_id in ids else None
        by_parent.setdefault(parent, []).append(item)
    ordered = []

    def walk(parent_id, depth):
        for item in by_parent.get(parent_id, []):
            item.depth, item.depth_range = depth, range(depth)
            ordered.append(item)
            walk(item.pk, depth + 1)

    walk(None, 0)
    return ordered


def evidence_panel(request, seizure):
    user = request.user
    items = tree_order(list(selectors.items_of_seizure(user=user, seizure=seizure)))
    may_bag = can(user, Action.EVIDENCE_CUSTODY)
    if not items and not may_bag:
        return None
    return render_to_string(
        "evidence/_panel.html",
        {"seizure": seizure, "items": items, "may_bag": may_bag},
        request=request,
    )
