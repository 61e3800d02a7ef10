"""The app's own import template: one row per seized item, rows of one seizure together.

The columns are documented in the README ("Historic import") and in the downloadable
template; ``template_record`` turns the rows of one seizure into a record.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from casetracker.core.currencies import is_currency
from seizures.choices import SUBSTANCE_CATEGORY, CommodityCategory, Substance
from seizures.validators import (
    normalise_container_number,
    normalise_imo_number,
    validate_container_number,
    validate_hs_code,
    validate_imo_number,
)

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
)
from .reader import TEMPLATE_COLUMNS

# Columns that describe the seizure, not the item: read from the seizure's first row; a
# later row of the same seizure may leave them empty but must not contradict them.
SEIZURE_COLUMNS = TEMPLATE_COLUMNS[:17]

EXAMPLE_ROWS = (
    {
        "seizure": "GYE-2019-017",
        "date": "2019-03-14",
        "port": "ECGYE",
        "terminal": "Contecon",
        "detection": "scanner",
        "transport": "sea",
        "vessel_name": "MSC Example",
        "imo_number": "9074729",
        "voyage": "FA245N",
        "bill_of_lading": "MEDUGY123456",
        "containers": "CSQU3054383",
        "declared_goods": "Bananas",
        "hs_code": "080390",
        "concealment": "rip_on",
        "concealment_details": "Sports bags behind the doors",
        "origin_country": "Colombia",
        "route": "ECGYE > PAMIT > BEANR",
        "commodity": "drugs",
        "substance": "Cocaine hydrochloride",
        "description": "Bricks marked with a crown",
        "quantity": "250.5",
        "unit": "kg",
        "estimated_value": "",
        "currency": "",
    },
    {
        "seizure": "GYE-2019-017",
        "commodity": "cash",
        "quantity": "12000",
        "unit": "currency",
        "estimated_value": "12000",
        "currency": "USD",
    },
    {
        "seizure": "GYE-2019-018",
        "date": "2019-04-02T06:30",
        "port": "",
        "transport": "Unknown",
        "origin_country": "Peru",
        "route": "Ecuador > Netherlands (Kingdom of the)",
        "substance": "Cannabis resin",
        "quantity": "1,5",
        "unit": "Kilogram",
    },
)


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for row in EXAMPLE_ROWS:
        writer.writerow([row.get(column, "") for column in TEMPLATE_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "seizures"
    sheet.append(list(TEMPLATE_COLUMNS))
    for row in EXAMPLE_ROWS:
        sheet.append([row.get(column, "") for column in TEMPLATE_COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.number_format = "@"  # text: Excel must not turn 080390 into 80390
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _validated(value: str, column: str, normalise, validate) -> str:
    text = _text(value, column, 60)
    if not text:
        return ""
    text = normalise(text)
    try:
        validate(text)
    except ValidationError as exc:
        raise Rejected(column, " ".join(exc.messages)) from None
    return text


def _item(line: int, row: dict[str, str], flags: list, ctx: Context) -> dict:
    substance_text = row.get("substance", "").strip()
    category = row.get("commodity", "").strip()
    if category:
        category = vocab.category_of(category)
        if category is None:
            raise Rejected(
                "commodity",
                _("“%(value)s” is not a commodity code (drugs, precursors, counterfeit, …).")
                % {"value": row["commodity"][:40]},
            )
    substance = ""
    if substance_text and not vocab.is_unknown(substance_text):
        substance = vocab.substance_of(substance_text)
        if substance is None:
            flags.append(
                (
                    "substance",
                    _("“%(name)s” is not a substance we list; stored as another drug.")
                    % {"name": substance_text[:60]},
                )
            )
            substance = Substance.OTHER_DRUG
    elif not category:
        raise Rejected("substance", _("Give the substance or the commodity of the item."))
    if substance and category and SUBSTANCE_CATEGORY.get(substance) != category:
        raise Rejected("substance", _("The substance does not belong to the commodity."))
    category = category or SUBSTANCE_CATEGORY.get(substance, CommodityCategory.DRUGS)
    if category in (CommodityCategory.DRUGS, CommodityCategory.PRECURSORS) and not substance:
        substance = (
            Substance.OTHER_DRUG
            if category == CommodityCategory.DRUGS
            else Substance.OTHER_PRECURSOR
        )
    amount = parse_amount(row.get("quantity", ""), "quantity", ctx)
    quantity, unit = item_quantity(
        amount=amount,
        unit_text=row.get("unit", ""),
        category=category,
        substance=substance,
        column="unit",
    )
    value_text = row.get("estimated_value", "").strip()
    value = parse_amount(value_text, "estimated_value", ctx) if value_text else None
    currency = row.get("currency", "").strip().upper()
    if currency and not is_currency(currency):
        raise Rejected("currency", _("Use the three-letter ISO 4217 code, e.g. USD or EUR."))
    if (value is not None or unit == "currency") and not currency:
        raise Rejected("currency", _("Give the currency of the amount."))
    description = row.get("description", "").strip() or (
        substance_text
        if substance_text and vocab.substance_of(substance_text) != substance_text
        else ""
    )
    return {
        "category": category,
        "substance": substance,
        "description": _text(description, "description", 200),
        "quantity": quantity,
        "quantity_unit": unit,
        "estimated_value": value.quantize(Decimal("0.01")) if value is not None else None,
        "currency": currency,
    }


def template_record(rows: list[tuple[int, dict[str, str]]], ctx: Context) -> Record:
    """The seizure of a group of rows. A bad row rejects the whole seizure (its parts
    would otherwise be stored incomplete); ``Rejected.line`` names the row."""
    first_line, first = rows[0]
    for line, row in rows[1:]:
        for column in SEIZURE_COLUMNS:
            if row.get(column, "").strip() and row[column].strip() != first.get(column, "").strip():
                error = Rejected(
                    column,
                    _("Rows of seizure “%(key)s” disagree on %(column)s.")
                    % {"key": first["seizure"][:40], "column": column},
                )
                error.line = line
                raise error
    flags: list[tuple[str, str]] = []
    port_text = first.get("port", "").strip()
    if vocab.is_unknown(port_text):
        port = ctx.unit_port
    else:
        port = ctx.place_port(port_text)
        if port is None:
            raise Rejected(
                "port",
                _("“%(port)s” is not a UN/LOCODE of the unit's country in the gazetteer.")
                % {"port": port_text[:20]},
            )
    detection = vocab.detection_of(first.get("detection", ""))
    if detection is None:
        raise Rejected(
            "detection",
            _("“%(value)s” is not a detection method code.") % {"value": first["detection"][:40]},
        )
    concealment = vocab.concealment_of(first.get("concealment", ""))
    route_ports, route_countries = route_steps(first.get("route", ""), "route", ctx, flags)
    containers = []
    for number in filter(None, (n.strip() for n in first.get("containers", "").split(","))):
        containers.append(
            _validated(number, "containers", normalise_container_number, validate_container_number)
        )
    fields = {
        "occurred_at": parse_when(first.get("date", ""), "date", ctx.zone(port)),
        "port_id": port,
        "terminal": _text(first.get("terminal", ""), "terminal", 120),
        "detection_method": detection,
        "transport_mode": vocab.transport_of(first.get("transport", "")),
        "vessel_name": _text(first.get("vessel_name", ""), "vessel_name", 120),
        "imo_number": _validated(
            first.get("imo_number", ""), "imo_number", normalise_imo_number, validate_imo_number
        ),
        "voyage": _text(first.get("voyage", ""), "voyage", 40),
        "bill_of_lading": _text(first.get("bill_of_lading", ""), "bill_of_lading", 60),
        "declared_goods": _text(first.get("declared_goods", ""), "declared_goods", 300),
        "hs_code": _validated(first.get("hs_code", ""), "hs_code", str.strip, validate_hs_code),
        "concealment_method": concealment,
        "concealment_details": _text(
            first.get("concealment_details", ""), "concealment_details", 2000
        ),
    }
    items = []
    for line, row in rows:
        try:
            items.append(_item(line, row, flags, ctx))
        except Rejected as error:
            error.line = line
            raise
    origin = countries_in(first.get("origin_country", ""), "origin_country", flags)
    departure = route_countries[:1] if len(route_countries) > 1 else []
    destination = route_countries[-1:] if len(route_countries) > 1 else route_countries
    transit = route_countries[1:-1]
    route = country_route(origin, departure, transit, destination)
    return Record(
        first_line,
        fields,
        items,
        port_calls_for(route_ports),
        route,
        containers=list(dict.fromkeys(containers)),
        flags=flags,
    )
