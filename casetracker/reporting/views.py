"""The evaluators' seizure page: non-personal facts of every unit's seizures.

Everything shown comes from ``evaluation.py``; this module only filters, pages and labels.
"""

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_GET
from django_countries import countries

from seizures.choices import (
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    PortCallRole,
    QuantityUnit,
    SeizureStatus,
    Substance,
)
from seizures.paging import decode_cursor, encode_cursor
from seizures.views import commodity_labels

from . import evaluation
from .filters import EvaluationFilter

PAGE_SIZE = 50

_LABELS = {
    "category": dict(CommodityCategory.choices),
    "substance": dict(Substance.choices),
    "quantity_unit": dict(QuantityUnit.choices),
    "detection_method": dict(DetectionMethod.choices),
    "concealment_method": dict(ConcealmentMethod.choices),
    "status": dict(SeizureStatus.choices),
    "role": dict(PortCallRole.choices),
}


@require_GET
@login_required
def seizure_list(request):
    """Every unit's seizures in the chosen cohort, newest first, with the cohort's counts.

    A role page, not an object: a user whose role may not evaluate is told so (403).
    """
    if not evaluation.may_evaluate(request.user):
        raise PermissionDenied
    cohort = EvaluationFilter(
        request.GET or None, queryset=evaluation.evaluation_seizures(user=request.user)
    )
    queryset = cohort.qs
    rows, newer_cursor, older_cursor = _keyset_page(
        queryset, older=request.GET.get("older"), newer=request.GET.get("newer")
    )
    return render(
        request,
        "reporting/seizures.html",
        {
            "summary": evaluation.evaluation_summary(queryset),
            "seizures": [_labelled(row) for row in evaluation.evaluation_rows(rows)],
            "filter": cohort,
            "newer_cursor": newer_cursor,
            "older_cursor": older_cursor,
            "filtered": any(v for k, v in request.GET.items() if k not in ("older", "newer")),
        },
    )


def _cursor(row: dict) -> str:
    return encode_cursor(SimpleNamespace(occurred_at=row["occurred_at"], pk=row["id"]))


def _keyset_page(queryset: QuerySet, *, older: str | None, newer: str | None):
    """A page of rows and the cursors around it (see seizures/paging.py for why keyset).

    The seizure list's paging works on model instances; these rows are dicts, so the same
    cursors are applied here.
    """
    position = decode_cursor(older) or decode_cursor(newer)
    going_back = position is not None and decode_cursor(older) is None
    if position is None:
        rows = list(queryset[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        return rows, None, (_cursor(rows[-1]) if more else None)
    stamp, pk = position
    if going_back:
        later = queryset.filter(
            Q(occurred_at__gte=stamp), Q(occurred_at__gt=stamp) | Q(id__gt=pk)
        ).order_by("occurred_at", "id")
        rows = list(later[: PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = list(reversed(rows[:PAGE_SIZE]))
        return (
            rows,
            _cursor(rows[0]) if more and rows else None,
            _cursor(rows[-1]) if rows else None,
        )
    earlier = queryset.filter(
        Q(occurred_at__lte=stamp), Q(occurred_at__lt=stamp) | Q(id__lt=pk)
    ).order_by(*evaluation.ORDERING)
    rows = list(earlier[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (_cursor(rows[0]) if rows else None), (_cursor(rows[-1]) if more else None)


def _amount(value) -> str:
    return number_format(value.normalize(), force_grouping=True)


def _labelled(row: dict) -> dict:
    """Display labels beside the codes; the template never looks anything up itself."""
    row["status_label"] = _LABELS["status"].get(row["status"], row["status"])
    row["detection_label"] = _LABELS["detection_method"].get(row["detection_method"], "")
    row["concealment_label"] = _LABELS["concealment_method"].get(row["concealment_method"], "")
    row["port_country_name"] = countries.name(row["port_country"]) if row["port_country"] else ""
    row["unit_country_name"] = countries.name(row["unit_country"]) if row["unit_country"] else ""
    row["commodity_labels"] = commodity_labels(row["commodities"])
    for item in row["items"]:
        item["what"] = _LABELS["substance"].get(item["substance"]) or _LABELS["category"].get(
            item["category"], item["category"]
        )
        unit = item["quantity_unit"]
        measure = (
            item["currency"]
            if unit == QuantityUnit.CURRENCY
            else _LABELS["quantity_unit"].get(unit, unit)
        )
        item["quantity_label"] = f"{_amount(item['quantity'])} {measure}"
        item["value_label"] = (
            f"{_amount(item['estimated_value'])} {item['currency']}"
            if item["estimated_value"] is not None
            else ""
        )
    for call in row["route"]:
        call["role_label"] = _LABELS["role"].get(call["role"], call["role"])
    return row
