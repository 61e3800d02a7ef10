"""Everything an evaluator reads about a cohort besides its funnel: breakdowns by unit,
country, commodity and route; the stalled seizures; each recipient's responsiveness;
declines and closures with their reasons; mutual legal assistance.

``cohort_report`` gathers these with ``cohort.cohort_figures`` into the one dictionary
the dashboard, the API and the reports (PDF, CSV, XLSX) are drawn from, so the three
never disagree. Every figure is an aggregate computed by the database over the cohort's
seizures; the only rows listed one by one are the stalled seizures, by reference, unit,
port and dates (the allow-list of ``evaluation.py``), never a person or a free text.

What is deliberately not here: decline explanations, refusal grounds, outcome
justifications, places of arrest, sentences. They are free text written by officers and
name people; evaluators get the reason codes, never the prose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from casetracker.core.models import Port
from referrals.choices import (
    ClosingOutcome,
    DeclineReason,
    LegalBasis,
    MlaResult,
    OutcomeKind,
    RecipientKind,
    ReferralStatus,
)
from referrals.models import Outcome, Referral
from seizures.choices import CommodityCategory, PortCallRole, RouteCountryRole, Substance
from seizures.models import PortCall, Seizure

from . import evaluation, ladder
from .choices import Rung
from .cohort import QUARTILES, SECONDS_PER_DAY, cohort_figures, interpolated
from .models import SeizureProgress

T = TypeVar("T")

# How many stalled seizures a page or report lists (the count is always the whole cohort;
# the CSV and XLSX exports list them all).
STALLED_LISTED = 100
UNKNOWN = "unknown"  # the key of a group whose value was not recorded

BREAKDOWNS = {
    "unit": _("Seizing unit"),
    "country": _("Country of seizure"),
    "commodity": _("Commodity"),
    "route": _("Route (departure → destination)"),
}


class Median(Aggregate):
    """PostgreSQL's continuous median (``percentile_cont(0.5)``) of an expression."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False
    empty_result_set_value = None


def _seconds(expression) -> Func:
    """An interval in seconds, on either database (PostgreSQL ``EXTRACT``, SQLite's
    microseconds integer)."""
    if connection.vendor == "postgresql":
        return Func(
            expression,
            template="EXTRACT(EPOCH FROM %(expressions)s)",
            output_field=FloatField(),
        )
    return Func(expression, template="(%(expressions)s / 1000000.0)", output_field=FloatField())


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- breakdowns ------------------------------------------------------------------------


def _funnel_aggregates(*, now: dt.datetime) -> dict:
    """Per group: seizures at each rung or above, and how many are stalled. Over a
    queryset passed through ``ladder.with_ladder``, whose condition this counts."""
    aggregates = {"seizures": Count("pk")}
    for rung in Rung:
        if rung:
            aggregates[f"rung_{int(rung)}"] = Count("pk", filter=Q(ladder__rung__gte=rung))
    aggregates["stalled"] = Count("pk", filter=ladder.stalled_condition(now))
    return aggregates


def _group(key: str, name: str, counts: dict) -> dict:
    seizures = counts["seizures"]
    funnel = [seizures] + [counts[f"rung_{int(r)}"] for r in Rung if r]
    return {
        "key": key,
        "name": name,
        "seizures": seizures,
        "funnel": funnel,
        "referred_share": _share(funnel[Rung.REFERRED], seizures),
        "investigating_share": _share(funnel[Rung.INVESTIGATING], seizures),
        "arrested_share": _share(funnel[Rung.ARRESTED], seizures),
        "convicted_share": _share(funnel[Rung.CONVICTED], seizures),
        "stalled": counts["stalled"],
    }


def _sorted_groups(groups: list[dict]) -> list[dict]:
    # Largest first; ties by name so the same cohort always lists in the same order.
    return sorted(groups, key=lambda g: (-g["seizures"], str(g["name"]), g["key"]))


def _grouped(cohort: QuerySet, column, *, now: dt.datetime) -> list[dict]:
    rows = (
        ladder.with_ladder(cohort)
        .annotate(group_key=column)
        .values("group_key")
        .annotate(**_funnel_aggregates(now=now))
        .order_by()
    )
    return list(rows)


def by_unit(cohort: QuerySet, *, now: dt.datetime) -> list[dict]:
    names = dict(
        Seizure.objects.filter(pk__in=cohort.values("pk"))
        .order_by()
        .values_list("unit__code", "unit__name")
        .distinct()
    )
    return _sorted_groups(
        [
            _group(row["group_key"], names.get(row["group_key"], row["group_key"]), row)
            for row in _grouped(cohort, F("unit__code"), now=now)
        ]
    )


def by_country(cohort: QuerySet, *, now: dt.datetime) -> list[dict]:
    return _sorted_groups(
        [
            _group(row["group_key"], countries.name(row["group_key"]) or row["group_key"], row)
            for row in _grouped(cohort, F("port__country"), now=now)
        ]
    )


def commodity_codes() -> list[tuple[str, str]]:
    """Each commodity category, then each substance (drugs split by substance)."""
    return [(v, str(label)) for v, label in CommodityCategory.choices] + [
        (v, str(label)) for v, label in Substance.choices if v
    ]


def by_commodity(cohort: QuerySet, *, now: dt.datetime) -> list[dict]:
    """A seizure of several commodities counts in each of them, so the groups overlap.

    One query that unnests each seizure's ``commodities`` list and groups by the code.
    Written in SQL because the ORM cannot join a set-returning function; the ORM's
    alternative, one filtered count per code and column (33 codes × 10 columns), took
    half a second just to compile. The cohort comes in as the ORM's own SQL and
    parameters, and the rest holds no value from a user.
    """
    try:
        keys_sql, keys_params = cohort.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (``pk__in=[]``)
        return []
    if connection.vendor == "postgresql":
        elements, code = "jsonb_array_elements_text(s.commodities) AS c(code)", "c.code"
    else:
        elements, code = "json_each(s.commodities) AS c", "c.value"
    rows = _grouped_sql(
        select=code,
        joins=f"CROSS JOIN {elements}",
        group_by=code,
        keys=(keys_sql, keys_params),
        now=now,
    )
    labels = dict(commodity_codes())
    return _sorted_groups([_group(row[0], labels.get(row[0], row[0]), row[1]) for row in rows])


_COUNT_NAMES = ["seizures"] + [f"rung_{int(r)}" for r in Rung if r] + ["stalled"]


def _grouped_sql(
    *, select: str, joins: str, group_by: str, keys, now, params=(), select_params=()
) -> list:
    """The funnel aggregates of ``_funnel_aggregates`` per group, in SQL, for the
    breakdowns the ORM cannot express efficiently. ``select`` and ``group_by`` name the
    group (one or more columns, ``group_by`` as many as ``select``); returns ``[(group
    values..., counts)]`` with counts keyed as ``_funnel_aggregates``. ``keys`` is the
    cohort as the ORM's SQL and parameters; ``params`` are ``joins``' own and
    ``select_params`` ``select``'s."""
    keys_sql, keys_params = keys
    quote = connection.ops.quote_name
    seizures = quote(Seizure._meta.db_table)
    progress = quote(SeizureProgress._meta.db_table)
    rung = "COALESCE(p.rung, 0)"
    at_or_above = ", ".join(
        f"SUM(CASE WHEN {rung} >= {int(r)} THEN 1 ELSE 0 END)" for r in Rung if r
    )
    sql = (
        f"SELECT {select}, COUNT(*), {at_or_above}, "  # noqa: S608 (no user value in it)
        f"SUM(CASE WHEN {rung} < {int(Rung.DISMANTLED)} "
        "AND COALESCE(p.last_progress_at, s.occurred_at) < %s THEN 1 ELSE 0 END) "
        f"FROM {seizures} s {joins} "
        f"LEFT JOIN {progress} p ON p.seizure_id = s.id "
        f"WHERE s.id IN ({keys_sql}) GROUP BY {group_by}"
    )
    since = connection.ops.adapt_datetimefield_value(ladder.stalled_since(now))
    width = len(group_by.split(","))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*select_params, since, *params, *keys_params])
        return [
            (*row[:width], dict(zip(_COUNT_NAMES, row[width:], strict=True)))
            for row in cursor.fetchall()
        ]


class _RouteCountry(Func):
    """The ISO code of the first route country with a role, from the
    ``route_countries`` list of [role, code] pairs that imported seizures carry."""

    output_field = CharField()

    def __init__(self, role: str):
        super().__init__(Value(role))

    def as_postgresql(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        table = compiler.quote_name_unless_alias(Seizure._meta.db_table)
        # A quoted table name and a parameter placeholder: nothing from a user.
        query = (
            f"(SELECT pair->>1 FROM jsonb_array_elements({table}.route_countries) AS pair "  # noqa: S608
            f"WHERE pair->>0 = {sql} LIMIT 1)"
        )
        return query, params

    def as_sqlite(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        table = compiler.quote_name_unless_alias(Seizure._meta.db_table)
        query = (
            f"(SELECT json_extract(pair.value, '$[1]') FROM json_each({table}.route_countries) "  # noqa: S608
            f"AS pair WHERE json_extract(pair.value, '$[0]') = {sql} LIMIT 1)"
        )
        return query, params


def _port_call_country(roles: list[str], *, last: bool) -> Subquery:
    calls = PortCall.objects.filter(seizure=OuterRef("pk"), role__in=roles).order_by(
        "-sequence" if last else "sequence"
    )
    return Subquery(calls.values("port__country")[:1], output_field=CharField())


def route_end(end: str):
    """The route's country of departure or of destination, from the port calls (logged
    seizures) or else the countries of an imported record; empty when neither says."""
    if end == "departure":
        calls = _port_call_country([PortCallRole.LOADING], last=False)
        record = _RouteCountry(RouteCountryRole.DEPARTURE)
    else:
        calls = _port_call_country(
            [PortCallRole.DISCHARGE, PortCallRole.FINAL_DESTINATION], last=True
        )
        record = _RouteCountry(RouteCountryRole.DESTINATION)
    return Coalesce(calls, record, Value(""), output_field=CharField())


def _country_name(code: str) -> str:
    return countries.name(code) or code if code else str(_("Unknown"))


def _routes_orm(cohort: QuerySet, *, now: dt.datetime) -> list[tuple]:
    """SQLite: each seizure's two ends by correlated subqueries (``route_end``)."""
    rows = (
        ladder.with_ladder(cohort)
        .annotate(departure=route_end("departure"), destination=route_end("destination"))
        .values("departure", "destination")
        .annotate(**_funnel_aggregates(now=now))
        .order_by()
    )
    return [(row["departure"], row["destination"], row) for row in rows]


def _routes_sql(cohort: QuerySet, *, now: dt.datetime) -> list[tuple]:
    """PostgreSQL: the same ends, the port calls' read once for the whole cohort and
    joined by hash (``DISTINCT ON`` keeps each seizure's first port of loading and last
    port of discharge or destination) instead of two index lookups per seizure, three to
    four times faster on 100 000 seizures."""
    keys_sql, keys_params = cohort.values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    calls, ports = quote(PortCall._meta.db_table), quote(Port._meta.db_table)

    def end(roles: list[str], order: str) -> str:
        marks = ", ".join(["%s"] * len(roles))
        return (
            f"(SELECT DISTINCT ON (pc.seizure_id) pc.seizure_id, pt.country "  # noqa: S608
            f"FROM {calls} pc JOIN {ports} pt ON pt.locode = pc.port_id "
            f"WHERE pc.role IN ({marks}) AND pc.seizure_id IN ({keys_sql}) "
            f"ORDER BY pc.seizure_id, pc.sequence {order})"
        )

    recorded = (
        "(SELECT pair->>1 FROM jsonb_array_elements(s.route_countries) AS pair "
        "WHERE pair->>0 = %s LIMIT 1)"
    )

    loading = [PortCallRole.LOADING]
    arriving = [PortCallRole.DISCHARGE, PortCallRole.FINAL_DESTINATION]
    departure = f"COALESCE(dep.country, {recorded}, '')"
    destination = f"COALESCE(dst.country, {recorded}, '')"
    return _grouped_sql(
        select=f"{departure}, {destination}",
        joins=(
            f"LEFT JOIN {end(loading, 'ASC')} dep ON dep.seizure_id = s.id "
            f"LEFT JOIN {end(arriving, 'DESC')} dst ON dst.seizure_id = s.id"
        ),
        group_by="1, 2",
        keys=(keys_sql, keys_params),
        now=now,
        params=[*loading, *keys_params, *arriving, *keys_params],
        select_params=[RouteCountryRole.DEPARTURE, RouteCountryRole.DESTINATION],
    )


def by_route(cohort: QuerySet, *, now: dt.datetime) -> list[dict]:
    if connection.vendor == "postgresql":
        try:
            rows = _routes_sql(cohort, now=now)
        except EmptyResultSet:  # a filter that can match nothing (``pk__in=[]``)
            return []
    else:
        rows = _routes_orm(cohort, now=now)
    groups = []
    for departure, destination, row in rows:
        departure, destination = departure or "", destination or ""
        key = f"{departure or UNKNOWN}-{destination or UNKNOWN}"
        name = f"{_country_name(departure)} → {_country_name(destination)}"
        groups.append(_group(key, name, row))
    return _sorted_groups(groups)


BREAKDOWN_FUNCTIONS = {
    "unit": by_unit,
    "country": by_country,
    "commodity": by_commodity,
    "route": by_route,
}


# --- stalled seizures ------------------------------------------------------------------


def stalled_seizures(cohort: QuerySet, *, now: dt.datetime, limit: int | None) -> list[dict]:
    """The cohort's stalled seizures, longest without progress first: reference, unit,
    port, day seized, rung and the days since the last progress."""
    rows = (
        ladder.stalled(Seizure.objects.filter(pk__in=cohort.values("pk")), now=now)
        .order_by("ladder_last_progress_at", "id")
        .values(
            "reference",
            "unit__code",
            "port_id",
            "port__country",
            "port__timezone",
            "occurred_at",
            "ladder_rung",
            "ladder_last_progress_at",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        {
            "reference": row["reference"],
            "unit": row["unit__code"],
            "port": row["port_id"],
            "port_country": row["port__country"],
            "occurred_at": row["occurred_at"],
            # The day at the port (as the evaluators' seizure list dates seizures).
            "occurred_on": evaluation.port_local(row["occurred_at"], row["port__timezone"]).date(),
            "rung": row["ladder_rung"],
            "rung_name": str(Rung(row["ladder_rung"]).label),
            "last_progress_at": row["ladder_last_progress_at"],
            "days_without_progress": (now - row["ladder_last_progress_at"]).days,
        }
        for row in rows
    ]


# --- recipients ------------------------------------------------------------------------


def _cohort_referrals(cohort: QuerySet) -> QuerySet:
    # Withdrawn referrals were taken back by the sender: not the recipient's doing.
    return Referral.objects.filter(seizure__in=cohort.values("pk")).exclude(
        status=ReferralStatus.WITHDRAWN
    )


def _ack_hours():
    return _seconds(
        ExpressionWrapper(F("acknowledged_at") - F("sent_at"), output_field=DurationField())
    )


def responsiveness(cohort: QuerySet, *, now: dt.datetime) -> list[dict]:
    """Per recipient of the cohort's referrals: received, acknowledged, acknowledged in
    time (of those whose acknowledgement was due by ``now`` or came), the median hours to
    acknowledge, declines and their reasons.

    The recipient is named by its ``name`` (an agency or an office); its e-mail address and
    the people behind it are never read."""
    referrals = _cohort_referrals(cohort)
    postgres = connection.vendor == "postgresql"
    aggregates = {
        "received": Count("pk"),
        "acknowledged": Count("acknowledged_at"),
        "due": Count("pk", filter=Q(acknowledged_at__isnull=False) | Q(ack_due_at__lt=now)),
        "in_time": Count("pk", filter=Q(acknowledged_at__lte=F("ack_due_at"))),
        "declined": Count("pk", filter=Q(status=ReferralStatus.DECLINED)),
    }
    if postgres:
        aggregates["median_seconds"] = Median(_ack_hours())
    rows = list(
        referrals.values("recipient_id", "recipient__name", "recipient__kind")
        .annotate(**aggregates)
        .order_by()
    )
    medians: dict[int, float | None] = {}
    if not postgres:
        durations = defaultdict(list)
        for recipient_id, seconds in (
            referrals.filter(acknowledged_at__isnull=False)
            .annotate(seconds=_ack_hours())
            .values_list("recipient_id", "seconds")
        ):
            durations[recipient_id].append(seconds)
        medians = {k: statistics.median(v) for k, v in durations.items()}
    reasons = defaultdict(dict)
    for recipient_id, reason, n in (
        referrals.filter(status=ReferralStatus.DECLINED)
        .values_list("recipient_id", "decline_reason")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        reasons[recipient_id][reason] = n
    decline_labels = dict(DeclineReason.choices)
    result = []
    for row in rows:
        seconds = row["median_seconds"] if postgres else medians.get(row["recipient_id"])
        result.append(
            {
                "recipient_key": row["recipient_id"],
                "recipient": row["recipient__name"],
                "kind": row["recipient__kind"],
                "kind_name": str(RecipientKind(row["recipient__kind"]).label),
                "received": row["received"],
                "acknowledged": row["acknowledged"],
                "due": row["due"],
                "acknowledged_in_time": row["in_time"],
                "in_time_share": _share(row["in_time"], row["due"]),
                "median_hours_to_ack": seconds / 3600 if seconds is not None else None,
                "declined": row["declined"],
                "decline_reasons": _reason_list(reasons[row["recipient_id"]], decline_labels),
            }
        )
    # Names need not be unique: the id settles ties, so a report's bytes never depend on
    # the order the database happened to return.
    result.sort(key=lambda r: (-r["received"], r["recipient"], r["recipient_key"]))
    for row in result:
        del row["recipient_key"]
    return result


def _reason_list(counts: dict[str, int], labels: dict) -> list[dict]:
    return sorted(
        (
            {"reason": code or UNKNOWN, "name": str(labels.get(code, _("Not given"))), "count": n}
            for code, n in counts.items()
        ),
        key=lambda r: (-r["count"], r["reason"]),
    )


def stop_reasons(cohort: QuerySet) -> dict:
    """Why follow-up stopped: the reasons of declined and of closed referrals."""
    referrals = _cohort_referrals(cohort)
    declines = dict(
        referrals.filter(status=ReferralStatus.DECLINED)
        .values_list("decline_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closures = dict(
        referrals.filter(status=ReferralStatus.CLOSED)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "declined": _reason_list(declines, dict(DeclineReason.choices)),
        "closed": _reason_list(closures, dict(ClosingOutcome.choices)),
    }


# --- mutual legal assistance ---------------------------------------------------------------


def mla(cohort: QuerySet) -> dict:
    """Requests sent and received over the cohort's seizures: by result, legal basis and
    counterpart country, and the days from request to answer (median and quartiles are
    over the answered requests)."""
    requests = Outcome.objects.filter(
        seizure__in=cohort.values("pk"),
        kind__in=[OutcomeKind.MLA_SENT, OutcomeKind.MLA_RECEIVED],
    ).exclude(referral__status=ReferralStatus.WITHDRAWN)
    totals = requests.aggregate(
        sent=Count("pk", filter=Q(kind=OutcomeKind.MLA_SENT)),
        received=Count("pk", filter=Q(kind=OutcomeKind.MLA_RECEIVED)),
        answered=Count("answered_on"),
        convention=Count("pk", filter=Q(legal_basis=LegalBasis.CONVENTION_1988)),
    )
    total = totals["sent"] + totals["received"]

    def counted(column: str, labels) -> list[dict]:
        rows = (
            requests.values_list(column)
            .annotate(
                sent=Count("pk", filter=Q(kind=OutcomeKind.MLA_SENT)),
                received=Count("pk", filter=Q(kind=OutcomeKind.MLA_RECEIVED)),
            )
            .order_by()
        )
        return sorted(
            (
                {
                    "key": code or UNKNOWN,
                    "name": labels(code) if code else str(_("Not given")),
                    "sent": sent,
                    "received": received,
                    "count": sent + received,
                }
                for code, sent, received in rows
            ),
            key=lambda r: (-r["count"], r["key"]),
        )

    results = dict(MlaResult.choices)
    bases = dict(LegalBasis.choices)
    days = sorted(
        (answered - asked).days
        for asked, answered in requests.filter(answered_on__isnull=False).values_list(
            "occurred_on", "answered_on"
        )
    )
    return {
        "requests": total,
        "sent": totals["sent"],
        "received": totals["received"],
        "answered": totals["answered"],
        "convention_share": _share(totals["convention"], total),
        "by_result": counted("mla_result", lambda c: str(results.get(c, c))),
        "by_legal_basis": counted("legal_basis", lambda c: str(bases.get(c, c))),
        "by_country": counted("counterpart_country", lambda c: countries.name(c) or c),
        "days_to_answer": _quartiles(days),
    }


def _quartiles(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "q1": None, "median": None, "q3": None}
    q1, median, q3 = (interpolated(values, q) for q in QUARTILES)
    return {"n": len(values), "q1": q1, "median": median, "q3": q3}


# --- clocks ------------------------------------------------------------------------------


def clocks(cohort: QuerySet) -> dict:
    """Hours from seizure to first referral and from referral to acknowledgement, over the
    seizures whose ladder has the clock (quartiles, as ``percentile_cont``)."""
    rows = SeizureProgress.objects.filter(seizure__in=cohort.values("pk"))
    result = {}
    for clock in ("hours_to_referral", "hours_to_ack"):
        values = list(
            rows.filter(**{f"{clock}__isnull": False}).order_by(clock).values_list(clock, flat=True)
        )
        result[clock] = _quartiles(values)
    return result


# --- the whole report --------------------------------------------------------------------


def cohort_report(
    queryset: QuerySet,
    *,
    now: dt.datetime | None = None,
    stalled_limit: int | None = STALLED_LISTED,
) -> dict:
    """Every figure of the cohort ``queryset`` (seizures, as ``evaluation_seizures`` gives
    after filtering) as of ``now``: ``cohort_figures`` plus ``clocks``, ``breakdowns``
    (one list of groups per key of ``BREAKDOWNS``), ``stalled_seizures`` (at most
    ``stalled_limit``, ``None`` for all), ``responsiveness``, ``stop_reasons`` and
    ``mla``."""
    now = now or timezone.now()
    cohort = queryset.order_by().values("pk")
    figures = cohort_figures(queryset, now=now)
    figures["as_of"] = now
    figures["clocks"] = clocks(cohort)
    figures["breakdowns"] = {key: BREAKDOWN_FUNCTIONS[key](cohort, now=now) for key in BREAKDOWNS}
    figures["stalled_seizures"] = stalled_seizures(cohort, now=now, limit=stalled_limit)
    figures["responsiveness"] = responsiveness(cohort, now=now)
    figures["stop_reasons"] = stop_reasons(cohort)
    figures["mla"] = mla(cohort)
    return figures


def cached(compute: Callable[[], T], *, filters: list[tuple[str, list[str]]]) -> T:
    """What ``compute`` returns for a cohort, kept in the cache for
    ``CASETRACKER_EVALUATION_CACHE_SECONDS`` under the cohort's ``filters`` (the query
    string's names and values) and the language of its labels. Every evaluator reads the
    same figures for the same filters (the evaluators' path has no per-user view), so one
    computation serves them all until it expires; the report's ``as_of`` says when it was
    made."""
    seconds = settings.CASETRACKER_EVALUATION_CACHE_SECONDS
    if not seconds:
        return compute()
    parts = {
        "filters": sorted((name, sorted(values)) for name, values in filters),
        "language": get_language(),
        "stalled_days": ladder.stalled_days(),
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    key = f"evaluation:cohort:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


__all__ = ["BREAKDOWNS", "cohort_report", "cached", "SECONDS_PER_DAY"]
