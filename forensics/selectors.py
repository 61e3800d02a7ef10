"""Every read of forensic tasks and links between seizures goes through here.

A task is visible to:
- the members of its lab (examiners, custodians, the lab's supervisor): the lab's queue;
- whoever may see its seizure, except examiners: an examiner sees their lab's tasks only,
  and of the evidence only the items sent to the lab (granted on the item when requested);
- nobody else (404). Evaluators see no task.

A link between two seizures is visible to whoever sees either seizure; the page shows the
other seizure's reference only to a viewer who may see it too (see ``LinkView``). Only
someone who sees both may confirm or dismiss it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import Unit
from casetracker.core.roles import Action, can
from seizures.selectors import seizure_list

from .choices import LinkStatus, TaskStatus
from .models import ForensicTask, SeizureLink


def _lab_member(user) -> bool:
    return user.unit_id is not None and user.unit.kind == UnitKind.FORENSIC_LAB


def task_list(*, user) -> QuerySet[ForensicTask]:
    tasks = ForensicTask.objects.select_related(
        "seizure", "item", "lab", "assigned_to", "requested_by"
    )
    if not user.is_authenticated or not user.is_active or user.role == Role.EVALUATOR:
        return tasks.none()
    if user.is_superuser:
        return tasks
    visible = Q(pk__in=[])
    if _lab_member(user):
        visible |= Q(lab_id=user.unit_id)
    if user.role != Role.EXAMINER and can(user, Action.SEIZURE_VIEW):
        visible |= Q(seizure__in=seizure_list(user=user).values("pk"))
    return tasks.filter(visible)


def task_get(*, user, public_id) -> ForensicTask:
    try:
        return task_list(user=user).get(public_id=public_id)
    except ForensicTask.DoesNotExist:
        raise Http404 from None


def lab_queue(*, user, view: str = "open") -> QuerySet[ForensicTask]:
    """The user's lab's tasks, the one due first on top; ``view`` "open" or "done"."""
    if not _lab_member(user):
        return ForensicTask.objects.none()
    tasks = task_list(user=user).filter(lab_id=user.unit_id)
    if view == "done":
        return tasks.exclude(status__in=TaskStatus.open_states()).order_by("-due_at", "-id")
    return tasks.filter(status__in=TaskStatus.open_states()).order_by("due_at", "id")


def tasks_of_seizure(*, user, seizure) -> QuerySet[ForensicTask]:
    return task_list(user=user).filter(seizure=seizure).order_by("-requested_at", "-id")


def tasks_of_item(*, user, item) -> QuerySet[ForensicTask]:
    return task_list(user=user).filter(item=item).order_by("-requested_at", "-id")


def labs() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.FORENSIC_LAB).order_by("country", "name")


def lab_examiners(lab: Unit):
    return lab.members.filter(is_active=True, role=Role.EXAMINER).order_by(
        "last_name", "first_name", "username"
    )


# --- links between seizures ----------------------------------------------------------------


def _visible_ids(user) -> QuerySet:
    return seizure_list(user=user).values("pk")


def link_list(*, user) -> QuerySet[SeizureLink]:
    links = SeizureLink.objects.select_related("seizure_a", "seizure_b", "decided_by")
    if not can(user, Action.SEIZURE_VIEW):
        return links.none()
    visible = _visible_ids(user)
    return links.filter(Q(seizure_a__in=visible) | Q(seizure_b__in=visible))


def link_get(*, user, public_id) -> SeizureLink:
    try:
        return link_list(user=user).get(public_id=public_id)
    except SeizureLink.DoesNotExist:
        raise Http404 from None


def sees_both(user, link: SeizureLink) -> bool:
    return (
        seizure_list(user=user).filter(pk__in=[link.seizure_a_id, link.seizure_b_id]).count() == 2
    )


def proposals(*, user) -> QuerySet[SeizureLink]:
    """Proposed links whose two seizures the user both sees: those they may decide."""
    visible = _visible_ids(user)
    return (
        link_list(user=user)
        .filter(status=LinkStatus.PROPOSED, seizure_a__in=visible, seizure_b__in=visible)
        .order_by("-proposed_at", "-id")
    )


@dataclass
class LinkView:
    """A link as one viewer may see it from one seizure's page."""

    link: SeizureLink
    other_reference: str | None  # None: the viewer may not see the other seizure
    other_public_id: object | None


def links_of_seizure(*, user, seizure) -> list[LinkView]:
    """The seizure's confirmed and proposed links, with the other seizure named only when
    the viewer may see it. Two queries however many links."""
    links = list(
        link_list(user=user)
        .filter(Q(seizure_a=seizure) | Q(seizure_b=seizure))
        .exclude(status=LinkStatus.DISMISSED)
        .order_by("status", "-proposed_at")
    )
    others = {link.other(seizure.pk) for link in links}
    seen = set(seizure_list(user=user).filter(pk__in=others).values_list("pk", flat=True))
    views = []
    for link in links:
        other = link.seizure_b if link.seizure_a_id == seizure.pk else link.seizure_a
        shown = other.pk in seen
        views.append(
            LinkView(
                link,
                other.reference if shown else None,
                other.public_id if shown else None,
            )
        )
    return views


def linked_condition() -> Exists:
    """A condition on ``Seizure`` rows: the seizure has a confirmed link to another one.
    For the follow-up figures (``Seizure.objects.filter(linked_condition())``)."""
    return Exists(
        SeizureLink.objects.filter(
            Q(seizure_a=OuterRef("pk")) | Q(seizure_b=OuterRef("pk")),
            status=LinkStatus.CONFIRMED,
        )
    )


def linked_seizure_ids() -> set[int]:
    """Ids of every seizure with at least one confirmed link (whoever may see it: the
    figures that count them are pseudonymised)."""
    pairs = SeizureLink.objects.filter(status=LinkStatus.CONFIRMED).values_list(
        "seizure_a_id", "seizure_b_id"
    )
    return {pk for pair in pairs for pk in pair}
