"""The evaluators' seizure page: non-personal facts of every unit's seizures.

Everything shown comes from ``evaluation.py``; this module only filters, pages and labels.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from seizures.paging import keyset_page
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
    queryset = cohort.qs  # no seizure when a filter is invalid (EvaluationFilter.qs)
    page = keyset_page(
        queryset, older=request.GET.get("older"), newer=request.GET.get("newer"), size=PAGE_SIZE
    )
    rows, newer_cursor, older_cursor = page.rows, page.newer_cursor, page.older_cursor
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
