"""The evaluators' read path: every seizure's non-personal facts, across all units.

Evaluators measure follow-up without ever seeing a person. That is not done by hiding
fields in a template: this module asks the database for an explicit allow-list of columns
(``.values()``), so a party's name, a note or a free-text field is never even loaded, and
every page, API response and export for evaluators is built from what it returns.

What is left out, and why:
- parties, notes and attachments: names, identifiers, phone numbers, addresses, photos;
- every free-text field (concealment details, packaging markings, declared goods, item
  descriptions, terminal): officers write names and phone numbers into them;
- the bill of lading: it names the shipper and the consignee in every real case;
- the vessel name, IMO number and voyage: a vessel is not a person, but small craft are
  often named after one, and with the date they lead straight to the crew list; the issue
  does not ask for them and no evaluation figure needs them;
- container numbers: not personal either, but an owner code and serial join the seizure
  to the carrier's booking records, which name shipper and consignee; evaluators get how
  many containers there were, not which;
- who logged the seizure (``created_by``): a user is a person;
- the public identifier: it is what operational URLs are built from. The reference is an
  operational number, not personal, and evaluators need something to quote; they cannot
  open it (they hold no object permission, so the detail page answers 404).
"""

from collections import defaultdict
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from casetracker.core import timezones
from casetracker.core.roles import Action, can
from seizures.choices import SeizureStatus
from seizures.models import Container, PortCall, SeizedItem, Seizure

# The only seizure columns an evaluator's query selects. "id" is the paging position and
# the key the items and route are fetched by; it is never shown.
SEIZURE_FIELDS = (
    "id",
    "reference",
    "status",
    "occurred_at",
    "submitted_at",
    "port_id",
    "port__name",
    "port__country",
    "port__timezone",
    "unit__code",
    "unit__country",
    "detection_method",
    "concealment_method",
    "hs_code",
    "commodities",
    "total_distance_km",
    "transport_mode",
    "route_countries",
)
ITEM_FIELDS = (
    "seizure_id",
    "category",
    "substance",
    "quantity",
    "quantity_unit",
    "estimated_value",
    "currency",
)
PORT_CALL_FIELDS = (
    "seizure_id",
    "sequence",
    "role",
    "port_id",
    "port__name",
    "port__country",
    "leg_distance_km",
)

ORDERING = ("-occurred_at", "-id")


def may_evaluate(user) -> bool:
    return can(user, Action.EVALUATION_VIEW)


def evaluation_seizures(*, user) -> QuerySet:
    """Every seizure of every unit, as dicts of the allowed facts, newest first.

    Rows carry the columns in ``SEIZURE_FIELDS`` and ``container_count``; filter and page
    this queryset, then pass the page to ``evaluation_rows`` for the items and route.
    """
    if not may_evaluate(user):
        raise PermissionDenied
    container_count = (
        Container.objects.filter(seizure=OuterRef("pk"))
        .order_by()
        .values("seizure")
        .annotate(n=Count("*"))
        .values("n")
    )
    return (
        Seizure.objects.order_by(*ORDERING)
        .values(*SEIZURE_FIELDS)
        .annotate(
            container_count=Coalesce(Subquery(container_count, output_field=IntegerField()), 0)
        )
    )


def evaluation_summary(queryset: QuerySet) -> dict[str, int]:
    """The cohort's counts, in one query: seizures, units, countries, ports, submitted."""
    # values("pk") drops the row columns and the container count from the counted query.
    return (
        queryset.order_by()
        .values("pk")
        .aggregate(
            seizures=Count("id"),
            units=Count("unit", distinct=True),
            countries=Count("port__country", distinct=True),
            ports=Count("port", distinct=True),
            submitted=Count("id", filter=Q(status=SeizureStatus.SUBMITTED)),
        )
    )


def evaluation_rows(rows) -> list[dict]:
    """The page's seizures with their items and route: two queries, however many rows."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    items: dict[int, list] = defaultdict(list)
    route: dict[int, list] = defaultdict(list)
    if ids:
        for item in (
            SeizedItem.objects.filter(seizure_id__in=ids).order_by("id").values(*ITEM_FIELDS)
        ):
            items[item.pop("seizure_id")].append(item)
        for call in (
            PortCall.objects.filter(seizure_id__in=ids)
            .order_by("seizure_id", "sequence")
            .values(*PORT_CALL_FIELDS)
        ):
            route[call["seizure_id"]].append(
                {
                    "sequence": call["sequence"],
                    "role": call["role"],
                    "port": call["port_id"],
                    "port_name": call["port__name"],
                    "port_country": call["port__country"],
                    "leg_distance_km": call["leg_distance_km"],
                }
            )
    return [_shaped(row, items[row["id"]], route[row["id"]]) for row in rows]


def _shaped(row: dict, items: list, route: list) -> dict:
    local = port_local(row["occurred_at"], row["port__timezone"])
    return {
        "reference": row["reference"],
        "status": row["status"],
        "occurred_at": row["occurred_at"],
        "occurred_at_local": local,
        "occurred_on": local.date(),
        "submitted_at": row["submitted_at"],
        "port": row["port_id"],
        "port_name": row["port__name"],
        "port_country": row["port__country"],
        "unit": row["unit__code"],
        "unit_country": row["unit__country"],
        "detection_method": row["detection_method"],
        "concealment_method": row["concealment_method"],
        "hs_code": row["hs_code"],
        "commodities": list(row["commodities"] or []),
        "total_distance_km": row["total_distance_km"],
        "transport_mode": row["transport_mode"],
        "route_countries": [
            {"role": role, "country": code} for role, code in row["route_countries"] or []
        ],
        "container_count": row["container_count"],
        "items": items,
        "route": route,
    }


def port_local(moment: datetime, zone_name: str) -> datetime:
    # The day that counts is the day at the port: a seizure at 23:30 in Guayaquil is not
    # one of the next day's seizures because it is already tomorrow in UTC.
    return moment.astimezone(timezones.zone(zone_name))
