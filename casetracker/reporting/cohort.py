"""The figures of a cohort of seizures: the funnel over the ladder, the time to each rung,
the flags' shares and how many have stalled.

They are read from the kept ladder (``models.SeizureProgress``) with aggregates, never by
walking the seizures in Python:

- one aggregate query gives the cohort's size, the funnel (seizures at rung r or above,
  for every r), each flag's count and the number stalled, in one pass over the cohort.
  The seizures at rung r or above are also those with a date for rung r, the ones its
  time is measured over: the ladder row's check constraint
  (``models.rung_dates_condition``) holds the database to it, so that is not counted
  twice.
  The progress row is joined with a LEFT JOIN: a seizure without one stands on rung 0
  and raised no flag, and still counts in the cohort's size. The stalled are counted
  with ``ladder.stalled_condition``, so the definition is the one the rest of the
  application uses;
- the time to each rung is measured in days from the seizure's instant to the instant the
  rung was first reached, over the seizures that reached it. On PostgreSQL the quartiles
  are ``percentile_cont`` (continuous, interpolated) aggregates inside the same query.
  SQLite has no such aggregate: there the durations of one rung at a time are read sorted
  by the database (one query per rung that someone reached) and interpolated the same way
  ``percentile_cont`` does. SQLite serves development and tests; the cohorts evaluators
  look at are computed on PostgreSQL.

Shares are fractions of the cohort (0 to 1); for an empty cohort they are ``None``, as are
the times of a rung nobody reached.

The cohort is read as its seizures' keys alone (``_keys``): the columns, the container
count and the joins that only the evaluators' row listing needs are left out of the query
(``bench/cohort.py`` measures it against a hand-written funnel query).
"""

from __future__ import annotations

import datetime as dt
import math

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    F,
    FloatField,
    ForeignKey,
    Q,
    QuerySet,
)
from django.db.models.expressions import Col, ExpressionWrapper
from django.db.models.sql.constants import INNER

from . import ladder
from .choices import RUNG_FIELDS, Flag, Rung

QUARTILES = (0.25, 0.5, 0.75)
SECONDS_PER_DAY = 86400


class DaysQuartiles(Aggregate):
    """PostgreSQL: the quartiles of an interval, in days (``percentile_cont``, which
    ignores nulls, so the seizures that did not reach the rung drop out by themselves)."""

    function = "percentile_cont"
    # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT gives a numeric, and sorting
    # numerics (compared digit by digit, held by reference) costs several times what
    # sorting the same days as double precision does; percentile_cont reads doubles anyway.
    template = (
        "%(function)s(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP "
        f"(ORDER BY date_part('epoch', %(expressions)s) / {SECONDS_PER_DAY})"
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


def _keys(queryset: QuerySet) -> QuerySet:
    """The cohort as its seizures' keys, joined only to the tables its filters read.

    ``values("pk")`` drops the selected columns (and ``evaluation_seizures``' container
    count) but Django keeps the INNER JOINs that fetched them: the port's and the unit's
    columns cost two hash joins per seizure, a third of the figures' time on a million
    seizures. An inner join along a non-null foreign key keeps every seizure exactly once,
    so leaving out the ones nothing else refers to changes no row; Django's compiler
    leaves out the joins whose reference count is zero.
    """
    keys = queryset.order_by().values("pk")
    query = keys.query
    needed = _aliases_read(query)
    for alias in list(needed):  # a join's own parents stay too
        while alias in query.alias_map and query.alias_map[alias].parent_alias:
            alias = query.alias_map[alias].parent_alias
            needed.add(alias)
    for alias, join in query.alias_map.items():
        if alias not in needed and _keeps_every_row(join):
            query.alias_refcount[alias] = 0
    if query.distinct:
        # A filter that may repeat a seizure (the countries' filter asks for DISTINCT):
        # a semi-join removes the repeats, where DISTINCT over the aggregate's every
        # input column would sort them.
        query.distinct = False
        keys = queryset.model._default_manager.filter(pk__in=keys).values("pk")
    return keys


def _aliases_read(query) -> set[str]:
    """The tables the query's filters read, their subqueries' outer references included."""
    aliases = set()
    for condition in query.where.leaves():
        # An empty cohort's NothingNode reads no table.
        for node in getattr(condition, "flatten", tuple)():
            if isinstance(node, Col):
                aliases.add(node.alias)
            inner = getattr(node, "query", node)  # Subquery and Exists hold a query
            aliases.update(getattr(inner, "external_aliases", ()))
    return aliases


def _keeps_every_row(join) -> bool:
    field = getattr(join, "join_field", None)
    return (
        join.join_type == INNER
        and isinstance(field, ForeignKey)
        and not field.null
        and join.table_name == field.related_model._meta.db_table
    )


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def cohort_figures(queryset: QuerySet, *, now: dt.datetime | None = None) -> dict:
    """The figures of the seizures of ``queryset`` (any queryset of seizures, plain or
    ``.values()``, as ``evaluation.evaluation_seizures`` gives after filtering).

    Returns ``{"seizures", "funnel", "time_to_rung", "flags", "stalled", "stalled_days"}``:
    ``funnel`` has one entry per rung 0..8 (count and share at that rung or above),
    ``time_to_rung`` one per rung 1..8 (how many reached it, and the quartiles of the days
    it took), ``flags`` one per flag (count and share)."""
    cohort = _keys(queryset)
    aggregates = {"n": Count("pk"), "stalled": Count("pk", filter=ladder.stalled_condition(now))}
    for rung in RUNG_FIELDS:
        # Also how many have a date for the rung, so how many durations its quartiles
        # are taken over: a row is dated up to its rung and no further (a constraint).
        aggregates[f"rung_{rung}"] = Count("pk", filter=Q(ladder__rung__gte=rung))
    for flag in Flag:
        aggregates[f"flag_{flag.value}"] = Count(f"ladder__{flag.value}")
    postgres = connection.vendor == "postgresql"
    if postgres:
        for rung in RUNG_FIELDS:
            aggregates[f"days_{rung}"] = DaysQuartiles(_interval(rung))
    counts = ladder.with_ladder(cohort).aggregate(**aggregates)
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
        reached = counts[f"rung_{rung}"]
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
        "stalled": counts["stalled"],
        "stalled_days": ladder.stalled_days(),
    }
