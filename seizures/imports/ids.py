"""A row of a UNODC Individual Drug Seizures (IDS) extract to a record."""

from __future__ import annotations

from django.utils.translation import gettext as _

from seizures.choices import DetectionMethod

from . import vocab
from .normalise import (
    Context,
    Record,
    Rejected,
    _text,
    countries_in,
    country_route,
    item_quantity,
    parse_amount,
    parse_when,
    port_calls_for,
    route_steps,
    substance_item,
)


def ids_record(line: int, row: dict[str, str], ctx: Context) -> Record:
    flags: list[tuple[str, str]] = []
    country = row.get("COUNTRY", "")
    if not vocab.is_unknown(country):
        code = vocab.country_code(country)
        if code is None:
            raise Rejected(
                "COUNTRY", _("“%(name)s” is not a country we know.") % {"name": country[:60]}
            )
        if code != ctx.unit_country:
            raise Rejected(
                "COUNTRY",
                _("This seizure was made in %(country)s; the unit works in %(unit)s.")
                % {"country": country.strip()[:60], "unit": ctx.unit_country},
            )
    place = row.get("PLACE", "")
    port, flag = ctx.remember(("place", place), lambda: _place(place, ctx))
    if flag:
        flags.append(flag)
    occurred_at = parse_when(row.get("SEIZURE_DATE", ""), "SEIZURE_DATE", ctx.zone(port), ctx)
    drug = row.get("DRUG_NAME", "")
    base, drug_flags = ctx.remember(("drug", drug), lambda: _drug(drug))
    item = dict(base)
    flags += drug_flags
    amount = parse_amount(row.get("AMOUNT", ""), "AMOUNT", ctx)
    item["quantity"], item["quantity_unit"] = item_quantity(
        amount=amount,
        unit_text=row.get("DRUG_UNIT", ""),
        category=item["category"],
        substance=item["substance"],
        column="DRUG_UNIT",
    )
    hiding = row.get("HIDING_PLACE", "")
    route_ports, transit = route_steps(row.get("ROUTING", ""), "ROUTING", ctx, flags)
    fields = {
        "occurred_at": occurred_at,
        "port_id": port,
        "terminal": _text(row.get("INSTALLATION", ""), "INSTALLATION", 120),
        "detection_method": DetectionMethod.UNKNOWN,
        "concealment_method": vocab.concealment_of(hiding),
        "concealment_details": _text(hiding, "HIDING_PLACE", 2000),
        "transport_mode": vocab.transport_of(row.get("TRANSPORT", "")),
    }
    countries = (
        tuple(countries_in(row.get("PRODUCING_COUNTRY", ""), "PRODUCING_COUNTRY", flags, ctx)),
        tuple(countries_in(row.get("DEPARTURE_COUNTRY", ""), "DEPARTURE_COUNTRY", flags, ctx)),
        tuple(transit),
        tuple(countries_in(row.get("DESTINATION_COUNTRY", ""), "DESTINATION_COUNTRY", flags, ctx)),
    )
    # Shared between records with the same countries: never changed after this.
    route = ctx.remember(("country route", countries), lambda: country_route(*countries))
    return Record(line, fields, [item], port_calls_for(route_ports), route, flags=flags)


def _place(place: str, ctx: Context) -> tuple[str, tuple[str, str] | None]:
    """The port a PLACE names, or the unit's port with a remark saying so."""
    port = None if vocab.is_unknown(place) else ctx.place_port(place)
    if port is not None:
        return port, None
    if vocab.is_unknown(place):
        return ctx.unit_port, ("PLACE", _("Place unknown: recorded at the unit's port."))
    return ctx.unit_port, (
        "PLACE",
        _("“%(place)s” is not a port in the gazetteer: recorded at the unit's port.")
        % {"place": place.strip()[:60]},
    )


def _drug(name: str) -> tuple[dict, list]:
    flags: list = []
    return substance_item(name, "DRUG_NAME", flags), flags
