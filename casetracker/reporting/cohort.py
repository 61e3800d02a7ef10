"""The figures of a cohort of seizures: the funnel over the ladder, the time to each rung,
the flags' shares and how many have stalled.

They are read from the kept ladder (``models.SeizureProgress``) with aggregates, never by
walking the seizures in Python:

- one aggregate query gives the cohort's size, the funnel (seizures at rung r or above,
  for every r) and each flag's count. The progress row is joined with a LEFT JOIN: a
  seizure without one stands on rung 0 and raised no flag, and still counts in the
  cohort's size;
- the number stalled is ``ladder.stalled`` counted (one query), so the definition is the
  one the rest of the application uses;
- the time to each rung is measured in days from the seizure's instant to the instant the
  rung was first reached, over the seizures that reached it. On PostgreSQL the quartiles
  are ``percentile_cont`` (continuous, interpolated) aggregates inside the first query.
  SQLite has no such aggregate: there the durations of one rung at a time are read sorted
  by the database (one query per rung that someone reached) and interpolated the same way
  ``percentile_cont`` does. SQLite serves development and tests; the cohorts evaluators
  look at are computed on PostgreSQL.

Shares are fractions of the cohort (0 to 1); for an empty cohort they are ``None``, as are
the times of a rung nobody reached.
"""

from __future__ import annotations

import datetime as dt
import math

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, FloatField, Q, QuerySet
from django.db.models.expressions import ExpressionWrapper

from . import ladder
from .choices import RUNG_FIELDS, Flag, Rung

QUARTILES = (0.25, 0.5, 0.75)
SECONDS_PER_DAY = 86400


class DaysQuartiles(Aggregate):
    """PostgreSQL: the quartiles of an interval, in days (``percentile_cont``, which
    ignores nulls, so the seizures that did not reach the rung drop out by themselves)."""

    function = "percentile_cont"
    template = (
        "%(function)s(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP "
        f"(ORDER BY EXTRACT(EPOCH FROM %(expressions)s) / {SECONDS_PER_DAY})"
    )
    output_field = ArrayField(FloatField())
    allow_distinct = False
    empty_result_set_value = None


def flag_key(flag: Flag) -> str:
    """The flag's name in the figures: its column without ``_at`` (``jit``, ``mla``…)."""
    return flag.value.removesuffix("_at")


def _interval(rung: int) -> ExpressionWrapper:
    return ExpressionWrapper(
        F(f"ladder__{RUNG_FIELDS[rung]}") - F("occurred_at"), output_field=DurationField()
    )


def interpolated(values: list[float], q: float) -> float:
    """``percentile_cont``'s value at fraction ``q`` of ``values`` (sorted, not empty)."""
    position = q * (len(values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return values[low] + (values[high] - values[low]) * (position - low)


def _sorted_days(cohort: QuerySet, rung: int) -> list[float]:
    """SQLite's fallback: one rung's durations, in days, sorted by the database."""
    durations = (
        cohort.filter(**{f"ladder__{RUNG_FIELDS[rung]}__isnull": False})
        .annotate(cohort_interval=_interval(rung))
        .order_by("cohort_interval")
        .values_list("cohort_interval", flat=True)
    )
    return [d.total_seconds() / SECONDS_PER_DAY for d in durations]


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def cohort_figures(queryset: QuerySet, *, now: dt.datetime | None = None) -> dict:
    """The figures of the seizures of ``queryset`` (any queryset of seizures, plain or
    ``.values()``, as ``evaluation.evaluation_seizures`` gives after filtering).

    Returns ``{"seizures", "funnel", "time_to_rung", "flags", "stalled", "stalled_days"}``:
    ``funnel`` has one entry per rung 0..8 (count and share at that rung or above),
    ``time_to_rung`` one per rung 1..8 (how many reached it, and the quartiles of the days
    it took), ``flags`` one per flag (count and share)."""
    cohort = queryset.order_by().values("pk")
    aggregates = {"n": Count("pk")}
    for rung in RUNG_FIELDS:
        aggregates[f"rung_{rung}"] = Count("pk", filter=Q(ladder__rung__gte=rung))
        aggregates[f"reached_{rung}"] = Count(f"ladder__{RUNG_FIELDS[rung]}")
    for flag in Flag:
        aggregates[f"flag_{flag.value}"] = Count(f"ladder__{flag.value}")
    postgres = connection.vendor == "postgresql"
    if postgres:
        for rung in RUNG_FIELDS:
            aggregates[f"days_{rung}"] = DaysQuartiles(_interval(rung))
    counts = cohort.aggregate(**aggregates)
    total = counts["n"]

    funnel = [{"rung": int(Rung.LOGGED), "count": total, "share": _share(total, total)}]
    times = []
    for rung in RUNG_FIELDS:
        funnel.append(
            {
                "rung": int(rung),
                "count": counts[f"rung_{rung}"],
                "share": _share(counts[f"rung_{rung}"], total),
            }
        )
        reached = counts[f"reached_{rung}"]
        quartiles: list[float | None] = [None, None, None]
        if reached and postgres:
            quartiles = list(counts[f"days_{rung}"])
        elif reached:
            days = _sorted_days(cohort, rung)
            quartiles = [interpolated(days, q) for q in QUARTILES]
        times.append(
            {
                "rung": int(rung),
                "reached": reached,
                "q1_days": quartiles[0],
                "median_days": quartiles[1],
                "q3_days": quartiles[2],
            }
        )
    for entry in funnel + times:
        entry["name"] = str(Rung(entry["rung"]).label)
    flags = [
        {
            "flag": flag_key(flag),
            "name": str(flag.label),
            "count": counts[f"flag_{flag.value}"],
            "share": _share(counts[f"flag_{flag.value}"], total),
        }
        for flag in Flag
    ]
    return {
        "seizures": total,
        "funnel": funnel,
        "time_to_rung": times,
        "flags": flags,
        "stalled": ladder.stalled(cohort, now=now).count(),
        "stalled_days": ladder.stalled_days(),
    }
