"""Every read of evidence goes through here.

An item is visible to:
- whoever may see its seizure (the seizing unit, units it is shared with);
- the unit holding it (its store) and the unit it is on its way to;
- a unit granted the item itself (a lab the item was sent to for examination, granted by
  the forensic work through ``access.unit_grant``), and nobody else.
Evaluators see no item: they read pseudonymised figures only.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from casetracker.core import access
from casetracker.core.choices import Role
from casetracker.core.roles import Action, can
from seizures.selectors import seizure_list

from .choices import ItemState
from .models import CustodyEvent, EvidenceItem

ITEM_VIEW = "evidence.view_evidenceitem"


def item_list(*, user) -> QuerySet[EvidenceItem]:
    items = EvidenceItem.objects.select_related("seizure", "custodian", "custodian_unit")
    if not user.is_authenticated or not user.is_active or user.role == Role.EVALUATOR:
        return items.none()
    if user.is_superuser:
        return items
    visible = Q(custodian_unit_id=user.unit_id) | Q(transit_to_unit_id=user.unit_id)
    if can(user, Action.SEIZURE_VIEW):
        visible |= Q(seizure__in=seizure_list(user=user).values("pk"))
    return items.filter(visible | access.granted(user, ITEM_VIEW, EvidenceItem))


def item_get(*, user, label: str) -> EvidenceItem:
    try:
        return (
            item_list(user=user)
            .select_related("parent", "transit_to", "created_by")
            .get(label=label)
        )
    except EvidenceItem.DoesNotExist:
        raise Http404 from None


def items_of_seizure(*, user, seizure) -> QuerySet[EvidenceItem]:
    return item_list(user=user).filter(seizure=seizure).select_related("transit_to")


def items_held(*, user) -> QuerySet[EvidenceItem]:
    """Items in the user's own custody, newest first."""
    return (
        item_list(user=user)
        .filter(custodian=user)
        .exclude(state=ItemState.DISPOSED)
        .select_related("transit_to")
        .order_by("-created_at")
    )


def items_incoming(*, user) -> QuerySet[EvidenceItem]:
    """Items handed to the user and waiting for their confirmation."""
    return item_list(user=user).filter(transit_to=user, state=ItemState.IN_TRANSIT)


def items_in_store(*, user) -> QuerySet[EvidenceItem]:
    """Items held by anyone of the user's unit (the store), newest first."""
    if user.unit_id is None:
        return EvidenceItem.objects.none()
    return (
        item_list(user=user)
        .filter(custodian_unit_id=user.unit_id)
        .exclude(state=ItemState.DISPOSED)
        .select_related("transit_to")
        .order_by("-created_at")
    )


def events_of(item: EvidenceItem) -> QuerySet[CustodyEvent]:
    """An item's whole chain in order, with every name the page shows: one query."""
    return item.events.select_related(
        "from_user", "from_unit", "to_user", "to_unit", "witness", "recorded_by"
    ).order_by("seq")


def children_of(item: EvidenceItem, *, user) -> QuerySet[EvidenceItem]:
    return item_list(user=user).filter(parent=item)


def seizure_visible(*, user, item: EvidenceItem) -> bool:
    """Whether the viewer of ``item`` may open its seizure too (a lab may not)."""
    return (
        can(user, Action.SEIZURE_VIEW)
        and seizure_list(user=user).filter(pk=item.seizure_id).exists()
    )
