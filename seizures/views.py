"""The seizure list and detail pages. Reads go through the selectors only."""

from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET

from casetracker.core import access
from casetracker.core.audit.services import audit_access
from casetracker.core.roles import Action, can

from . import panels, route_diagram
from .choices import SUBSTANCE_CATEGORY, CommodityCategory, QuantityUnit, SeizureStatus, Substance
from .filters import SeizureFilter
from .forms import NoteForm, ShareForm, marking_agencies
from .models import Container, PortCall, SeizedItem, Seizure, SeizureShare
from .paging import keyset_page
from .selectors import FULL_VIEW, handling_level, seizure_get, visible_pieces
from .selectors import seizure_list as select_seizures

PAGE_SIZE = 50

_CATEGORY_LABELS = dict(CommodityCategory.choices)
_SUBSTANCE_LABELS = dict(Substance.choices)
_UNIT_LABELS = dict(QuantityUnit.choices)


def commodity_labels(codes: list[str]) -> list[str]:
    """Human labels for a seizure's commodity codes: the substances, and each category
    for which no substance is named (so "cocaine, drugs" reads "Cocaine")."""
    substances = [code for code in codes if code in _SUBSTANCE_LABELS and code]
    covered = {SUBSTANCE_CATEGORY.get(code) for code in substances}
    labels = [str(_SUBSTANCE_LABELS[code]) for code in substances]
    labels += [
        str(_CATEGORY_LABELS[code])
        for code in codes
        if code in _CATEGORY_LABELS and code not in covered
    ]
    return labels


def quantity_summary(items) -> list[str]:
    """Quantities added up per unit (money per currency), e.g. ["250.5 kilograms"]."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in items:
        currency = item.currency if item.quantity_unit == QuantityUnit.CURRENCY else ""
        totals[(item.quantity_unit, currency)] += item.quantity
    summary = []
    for (unit, currency), total in totals.items():
        amount = number_format(total.normalize(), force_grouping=True)
        summary.append(f"{amount} {currency or _UNIT_LABELS.get(unit, unit)}")
    return summary


@require_GET
@login_required
def seizure_list(request):
    """The unit's seizures, newest first, 50 a page.

    Pages are "newer / older" from a cursor (seizures/paging.py) instead of numbered: a
    COUNT or an OFFSET over a hundred thousand seizures costs more than the page itself,
    and officers browse back in time, not to page 312.
    """
    if not can(request.user, Action.SEIZURE_VIEW):
        # Evaluators read seizures through their own pseudonymised path only.
        raise PermissionDenied
    visible = select_seizures(user=request.user)
    filterset = SeizureFilter(request.GET or None, queryset=visible)
    queryset = filterset.qs.prefetch_related(
        Prefetch("containers", queryset=Container.objects.only("id", "seizure_id", "number")),
        Prefetch(
            "items",
            queryset=SeizedItem.objects.only(
                "id", "seizure_id", "quantity", "quantity_unit", "currency"
            ),
        ),
    )
    page = keyset_page(
        queryset,
        older=request.GET.get("older"),
        newer=request.GET.get("newer"),
        size=PAGE_SIZE,
    )
    rows = page.rows
    for seizure in rows:
        seizure.commodity_labels = commodity_labels(seizure.commodities)
        items = seizure.items.all()
        seizure.quantities = quantity_summary(items)
        seizure.container_list = list(seizure.containers.all())
    return render(
        request,
        "seizures/list.html",
        {
            "seizures": rows,
            "filter": filterset,
            "newer_cursor": page.newer_cursor,
            "older_cursor": page.older_cursor,
            "filtered": any(v for k, v in request.GET.items() if k not in ("older", "newer")),
        },
    )


def detail_context(request, seizure: Seizure, **extra) -> dict:
    """Everything the detail page shows; other views that re-render the page (e.g. after a
    refused upload) build on it so the page never differs by how it was reached."""
    port_calls = list(
        PortCall.objects.filter(seizure=seizure).select_related("port").order_by("sequence")
    )
    stops = route_diagram.stops_from_port_calls(port_calls)
    # The unit's grant on this seizure, then the role: both must allow each action.
    unit_may_change = access.restrict(
        request.user, "seizures.change_seizure", Seizure.objects.filter(pk=seizure.pk)
    ).exists()
    user = request.user
    can_change = unit_may_change and can(user, Action.SEIZURE_EDIT)
    may_attach = unit_may_change and can(user, Action.ATTACHMENT_ADD)
    items = list(seizure.items.all())
    for item in items:
        # 250.500 is stored; 250.5 is what was weighed.
        item.quantity_display = number_format(item.quantity.normalize(), force_grouping=True)
    # Parties, attachments and notes as the viewer may see them: everything for the owning
    # unit, what the share's level allows for a recipient (see selectors.visible_pieces).
    level = handling_level(user=request.user, seizure=seizure)
    full_view = level is FULL_VIEW
    received_share = None
    if not full_view:
        received_share = (
            SeizureShare.objects.filter(
                seizure=seizure, unit_id=request.user.unit_id, revoked_at__isnull=True
            )
            .select_related("shared_by")
            .first()
        )
        if received_share is not None:
            by = received_share.shared_by
            # A share granted by the system (a referral rule) has no person behind it.
            received_share.by_name = (by.get_full_name() or by.username) if by else "—"
    may_add_note = unit_may_change and can(user, Action.NOTE_ADD)
    may_share = unit_may_change and can(user, Action.SEIZURE_SHARE)
    agencies = marking_agencies(seizure.unit) if unit_may_change else []
    context = {
        "seizure": seizure,
        "full_view": full_view,
        "received_share": received_share,
        "parties": list(visible_pieces(seizure.parties.select_related("agency"), level=level)),
        "seizure_attachments": list(
            visible_pieces(seizure.attachments.select_related("uploaded_by", "agency"), level=level)
        ),
        "notes": list(
            visible_pieces(seizure.notes.select_related("author", "agency"), level=level)
        ),
        "note_form": NoteForm(agencies=agencies) if may_add_note else None,
        "attachment_form": _attachment_form(agencies) if may_attach else None,
        "may_share": may_share,
        "shares": (
            list(seizure.shares.filter(revoked_at__isnull=True).select_related("unit", "shared_by"))
            if may_share
            else []
        ),
        "share_form": ShareForm(seizure=seizure) if may_share else None,
        "containers": list(seizure.containers.all()),
        "items": items,
        "quantities": quantity_summary(items),
        "commodity_labels": commodity_labels(seizure.commodities),
        "port_calls": port_calls,
        "route_schematic": route_diagram.route_schematic_svg(stops),
        "route_map": route_diagram.route_map_svg(stops),
        "total_distance": route_diagram.distance_label(seizure.total_distance_km),
        "can_change": can_change,
        "can_submit": (
            unit_may_change
            and can(user, Action.SEIZURE_SUBMIT)
            and seizure.status == SeizureStatus.DRAFT
        ),
    }
    context["extra_panels"] = panels.render(request, seizure)
    context.update(extra)
    return context


def _attachment_form(agencies):
    # Imported late: attachment_views imports this module for detail_context.
    from .attachment_views import AttachmentForm

    return AttachmentForm(agencies=agencies)


@require_GET
@login_required
def seizure_detail(request, public_id):
    seizure = seizure_get(user=request.user, public_id=public_id)
    response = render(request, "seizures/detail.html", detail_context(request, seizure))
    audit_access(request=request, obj=seizure, event="view")
    return response
