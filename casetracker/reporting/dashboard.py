"""The evaluators' dashboard: one cohort's figures as charts with their numbers beside them.

Every figure comes from ``figures.cohort_report`` (the dictionary the API and the reports
are drawn from too), so the page and the PDF never disagree. This module only chooses the
cohort, formats numbers the reader's way and lays the figures out as chart rows and table
rows; the template looks nothing up itself.

The page runs a fixed number of queries whatever the cohort's size: ``cohort_report``
aggregates in the database, and the one list it returns row by row (the stalled seizures)
is capped. An empty cohort skips the figures altogether: there is nothing to draw.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import charts, evaluation, figures
from .charts import rounded
from .filters import EvaluationFilter

# Query-string keys of the seizure list's pager: not part of the cohort.
PAGER_KEYS = ("older", "newer")
REPORT_FORMATS = (("pdf", "PDF"), ("csv", "CSV"), ("xlsx", "XLSX"))
# The breakdown drawn as a chart (the others are tables only: four charts of the same
# shares would repeat one another).
CHARTED_BREAKDOWN = "unit"


# --- formatting: the reader's locale, not Python's -------------------------------------------


def count(value: int | None) -> str:
    """A whole number with the locale's grouping ("1,234", "1 234")."""
    return "—" if value is None else rounded(value)


def decimal(value: float | None, places: int = 1) -> str:
    """A measured time, to ``places`` decimals in the locale's notation ("2.5", "2,5")."""
    return "—" if value is None else rounded(value, places)


def percent(share: float | None) -> str:
    """A share of 0..1 as a percentage ("81 %"), whole unless under 1 % but not nil
    ("0.7 %": 2 seizures of 300 are not "0 %") or over 99 % but not all ("99.7 %": 299
    of 300 are not "100 %"); "—" when there is no cohort."""
    if share is None:
        return "—"
    value = share * 100
    places = 1 if 0 < value < 1 or 99 < value < 100 else 0
    return f"{rounded(value, places)}\u00a0%"


def _percent_value(value: float) -> str:
    # The bar charts of shares carry percentages (0..100) as their values.
    return f"{rounded(value)}\u00a0%"


def _days_value(value: float) -> str:
    # Chart figures and axis ticks: "200" on the axis, "15.6" beside a box.
    return decimal(value, 0 if float(value).is_integer() else 1)


# --- the cohort ------------------------------------------------------------------------------


def cohort_summary(queryset) -> dict:
    """Size, units, countries and the first and last day of the cohort: one query."""
    return (
        queryset.order_by()
        .values("pk")
        .aggregate(
            seizures=Count("id"),
            units=Count("unit", distinct=True),
            countries=Count("port__country", distinct=True),
            first=Min("occurred_on"),  # dates at the ports, as the period is chosen
            last=Max("occurred_on"),
        )
    )


def _cohort_query(request) -> str:
    """The cohort's filter as a query string, for the seizure list and the reports."""
    params = request.GET.copy()
    for key in PAGER_KEYS:
        params.pop(key, None)
    return params.urlencode()


# --- sections: chart rows and table rows -------------------------------------------------------


def funnel_section(report: dict) -> dict:
    rows = [
        {
            "rung": e["rung"],
            "name": e["name"],
            "count": count(e["count"]),
            "share": percent(e["share"]),
        }
        for e in report["funnel"]
    ]
    chart = charts.bar_chart(
        [
            {"label": e["name"], "value": e["count"], "note": percent(e["share"])}
            for e in report["funnel"]
        ],
        title=_("Seizures at each rung or above"),
        value_format=count,
    )
    return {"rows": rows, "chart": charts.svg(chart)}


def _quartile_rows(entries, *, name, n, q1, median, q3) -> list[dict]:
    return [
        {"label": e[name], "n": e[n], "q1": e[q1], "median": e[median], "q3": e[q3]}
        for e in entries
    ]


def times_section(report: dict) -> dict:
    times = _quartile_rows(
        report["time_to_rung"],
        name="name",
        n="reached",
        q1="q1_days",
        median="median_days",
        q3="q3_days",
    )
    clock_names = {
        "hours_to_referral": _("Seizure to first referral"),
        "hours_to_ack": _("Referral to acknowledgement"),
    }
    clocks = [{"label": clock_names[key], **report["clocks"][key]} for key in clock_names]
    return {
        "rows": [_formatted_quartiles(row) for row in times],
        "chart": charts.svg(
            charts.quartile_chart(
                times,
                title=_("Days from seizure to each rung"),
                unit_label=_("d"),
                value_format=_days_value,
            )
        ),
        "clock_rows": [_formatted_quartiles(row) for row in clocks],
        "clock_chart": charts.svg(
            charts.quartile_chart(
                clocks,
                title=_("The two clocks, in hours"),
                unit_label=_("h"),
                value_format=_days_value,
            )
        ),
    }


def _formatted_quartiles(row: dict) -> dict:
    return {
        "label": row["label"],
        "n": count(row["n"]),
        "q1": decimal(row["q1"]),
        "median": decimal(row["median"]),
        "q3": decimal(row["q3"]),
    }


def flags_section(report: dict) -> dict:
    return {
        "rows": [
            {"name": e["name"], "count": count(e["count"]), "share": percent(e["share"])}
            for e in report["flags"]
        ],
        "chart": charts.svg(
            charts.bar_chart(
                [
                    {"label": e["name"], "value": e["count"], "note": percent(e["share"])}
                    for e in report["flags"]
                ],
                title=_("Seizures with each flag"),
                value_format=count,
            )
        ),
    }


def breakdowns_section(report: dict) -> list[dict]:
    tables = []
    for key, label in figures.BREAKDOWNS.items():
        groups = report["breakdowns"][key]
        table = {
            "key": key,
            "title": label,
            "rows": [
                {
                    "name": g["name"],
                    "seizures": count(g["seizures"]),
                    "referred": percent(g["referred_share"]),
                    "investigating": percent(g["investigating_share"]),
                    "arrested": percent(g["arrested_share"]),
                    "convicted": percent(g["convicted_share"]),
                    "stalled": count(g["stalled"]),
                }
                for g in groups
            ],
            "chart": None,
        }
        if key == CHARTED_BREAKDOWN:
            table["chart"] = charts.svg(
                charts.bar_chart(
                    [
                        {
                            "label": g["name"],
                            "value": 100 * (g["referred_share"] or 0),
                            "note": _("%(n)s seizures") % {"n": count(g["seizures"])},
                        }
                        for g in groups
                    ],
                    title=_("Share referred, by seizing unit"),
                    value_format=_percent_value,
                )
            )
        tables.append(table)
    return tables


def stalled_section(report: dict) -> dict:
    listed = report["stalled_seizures"]
    by_unit = [g for g in report["breakdowns"]["unit"] if g["stalled"]]
    return {
        "count": count(report["stalled"]),
        "days": report["stalled_days"],
        "listed": len(listed),
        "more": report["stalled"] > len(listed),
        "rows": [
            {
                "reference": s["reference"],
                "unit": s["unit"],
                "port": s["port"],
                "occurred_on": s["occurred_on"],
                "rung": s["rung"],
                "rung_name": s["rung_name"],
                "days": count(s["days_without_progress"]),
            }
            for s in listed
        ],
        "chart": charts.svg(
            charts.bar_chart(
                [{"label": g["name"], "value": g["stalled"]} for g in by_unit],
                title=_("Stalled seizures, by seizing unit"),
                value_format=count,
            )
        ),
    }


def _reasons(reasons: list[dict], limit: int | None = None) -> list[dict]:
    return [{"name": r["name"], "count": count(r["count"])} for r in reasons[:limit]]


def responsiveness_section(report: dict) -> dict:
    recipients = report["responsiveness"]
    # A recipient with nothing due yet has no share to draw: a bar at "0 %" would say it
    # acknowledged nothing in time, where its table row rightly says "—" (0/0).
    charted = [r for r in recipients if r["in_time_share"] is not None]
    not_due = [r["recipient"] for r in recipients if r["in_time_share"] is None]
    return {
        "rows": [
            {
                "recipient": r["recipient"],
                "kind": r["kind_name"],
                "received": count(r["received"]),
                "acknowledged": count(r["acknowledged"]),
                "in_time": count(r["acknowledged_in_time"]),
                "due": count(r["due"]),
                "in_time_share": percent(r["in_time_share"]),
                "median_hours": decimal(r["median_hours_to_ack"]),
                "declined": count(r["declined"]),
                "reasons": _reasons(r["decline_reasons"], 3),
            }
            for r in recipients
        ],
        "chart": charts.svg(
            charts.bar_chart(
                [
                    {
                        "label": r["recipient"],
                        "value": 100 * r["in_time_share"],
                        "note": _("%(n)s due") % {"n": count(r["due"])},
                    }
                    for r in charted
                ],
                title=_("Acknowledged in time, by recipient"),
                value_format=_percent_value,
            )
        ),
        "not_charted": (
            _("Not in the chart, nothing being due yet: %(recipients)s")
            % {"recipients": ", ".join(not_due)}
            if not_due
            else ""
        ),
        "declined": _reasons(report["stop_reasons"]["declined"]),
        "closed": _reasons(report["stop_reasons"]["closed"]),
    }


def _mla_rows(groups: list[dict]) -> list[dict]:
    return [
        {
            "name": g["name"],
            "sent": count(g["sent"]),
            "received": count(g["received"]),
            "count": count(g["count"]),
        }
        for g in groups
    ]


def mla_section(report: dict) -> dict:
    mla = report["mla"]
    days = mla["days_to_answer"]
    return {
        "requests": count(mla["requests"]),
        "any": bool(mla["requests"]),
        "sent": count(mla["sent"]),
        "received": count(mla["received"]),
        "answered": count(mla["answered"]),
        "convention_share": percent(mla["convention_share"]),
        "by_result": _mla_rows(mla["by_result"]),
        "by_legal_basis": _mla_rows(mla["by_legal_basis"]),
        "by_country": _mla_rows(mla["by_country"]),
        "days": {
            "n": count(days["n"]),
            "q1": decimal(days["q1"]),
            "median": decimal(days["median"]),
            "q3": decimal(days["q3"]),
        },
        "chart": charts.svg(
            charts.bar_chart(
                [{"label": g["name"], "value": g["count"]} for g in mla["by_result"]],
                title=_("Mutual legal assistance requests, by result"),
                value_format=count,
            )
        ),
    }


def sections(report: dict) -> dict:
    return {
        "funnel": funnel_section(report),
        "times": times_section(report),
        "flags": flags_section(report),
        "breakdowns": breakdowns_section(report),
        "stalled": stalled_section(report),
        "responsiveness": responsiveness_section(report),
        "mla": mla_section(report),
    }


# --- the view --------------------------------------------------------------------------------


def _figures(queryset) -> tuple[dict, dict | None]:
    summary = cohort_summary(queryset)
    return summary, figures.cohort_report(queryset) if summary["seizures"] else None


@require_GET
@login_required
def dashboard(request):
    """The chosen cohort's follow-up: funnel, times, flags, breakdowns, stalled seizures,
    recipients' responsiveness and mutual legal assistance.

    A role page, as the evaluators' seizure list: a user who may not evaluate is told so
    (403).
    """
    if not evaluation.may_evaluate(request.user):
        raise PermissionDenied
    cohort = EvaluationFilter(
        request.GET or None, queryset=evaluation.evaluation_seizures(user=request.user)
    )
    queryset = cohort.qs  # no seizure when a filter is invalid (EvaluationFilter.qs)
    chosen = [(k, v) for k, v in request.GET.lists() if k not in PAGER_KEYS and any(v)]
    # The summary is kept with the figures: both describe the same moment.
    summary, report = figures.cached(lambda: _figures(queryset), filters=chosen)
    data = (
        cohort.form.cleaned_data if cohort.is_bound and hasattr(cohort.form, "cleaned_data") else {}
    )
    return render(
        request,
        "reporting/dashboard.html",
        {
            "filter": cohort,
            "filtered": any(v for k, v in request.GET.items() if k not in PAGER_KEYS),
            "summary": {
                **summary,
                "seizures_label": count(summary["seizures"]),
                "period_from": data.get("date_from") or summary["first"],
                "period_to": data.get("date_to") or summary["last"],
            },
            "query": _cohort_query(request),
            "report_formats": REPORT_FORMATS,
            "report": report,
            "sections": sections(report) if report else None,
        },
    )
