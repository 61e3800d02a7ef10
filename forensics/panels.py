"""The forensic sections of a seizure's page and of an evidence item's page (registered in
apps.py through seizures.panels and evidence.panels).

The seizure's section lists its tasks the viewer may see, offers to request one, and shows
its links to other seizures: the other seizure's reference only to a viewer who may see
that seizure too; others read that a link exists, on which basis, and nothing more.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors, services
from .views import _may_see_proposals, item_url


def _mark(tasks):
    now = timezone.now()
    for task in tasks:
        task.overdue = task.is_open and task.due_at < now
        task.item_link = item_url(task.item) if task.item_id else None
    return tasks


def seizure_panel(request, seizure):
    user = request.user
    tasks = _mark(list(selectors.tasks_of_seizure(user=user, seizure=seizure)))
    links = selectors.links_of_seizure(user=user, seizure=seizure)
    may_request = services.may_request(user, seizure)
    if not tasks and not links and not may_request:
        return None
    return render_to_string(
        "forensics/_seizure_panel.html",
        {
            "seizure": seizure,
            "tasks": tasks,
            "links": links,
            "may_request": may_request,
            "may_decide": _may_see_proposals(user),
        },
        request=request,
    )


def item_panel(request, item):
    user = request.user
    tasks = _mark(list(selectors.tasks_of_item(user=user, item=item)))
    may_request = item.state != "disposed" and services.may_request(user, item.seizure)
    if not tasks and not may_request:
        return None
    return render_to_string(
        "forensics/_item_panel.html",
        {"item": item, "tasks": tasks, "may_request": may_request},
        request=request,
    )
