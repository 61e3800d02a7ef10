"""One row (or, in the template, the rows of one seizure) to a record as it would be
stored, or the reason it cannot be.

Unknown stays unknown: an empty or "Unknown" hiding place is stored as an unknown
concealment, an unknown transport as unknown, an unknown country is left out of the
route. What cannot be left unknown (the date, the amount, its unit) rejects the row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.core.geocoder import locode_of
from seizures.choices import (
    SUBSTANCE_CATEGORY,
    TABLET_SUBSTANCES,
    CommodityCategory,
    PortCallRole,
    QuantityUnit,
    RouteCountryRole,
    Substance,
    allowed_units,
)
from seizures.models import EARLIEST_SEIZURE

from . import vocab
from .vocab import fold

MAX_QUANTITY = Decimal("99999999999.999")  # SeizedItem.quantity: 14 digits, 3 decimals
MEMO_SIZE = 50_000
_FORMULA_START = frozenset("=@+-\t\r ")
_FORMULA = re.compile(r"^[=@]|^[+\-](?![\d.,\s]*$)")
_ROUTE_SPLIT = re.compile(r"\s*(?:>|;|\||/|,|→|\s-\s)\s*")
# 12,000 or 1.500: thousands or three decimals, which only the file's other amounts can tell.
# (0,500 is not among them: nobody writes a thousand-something with a leading zero.)
_AMBIGUOUS_AMOUNT = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")
# 1,234,567 or 1.234.567: a separator repeated between groups of three marks thousands.
_GROUPED_AMOUNT = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})+")
# Beyond these, in the unit stored, a row is a typo or a wrong unit, not a seizure: a
# thousand tonnes is forty times the largest drug seizures on record, and a billion
# tablets, pieces or cigarettes is a thousand tonnes at a gram apiece. Money has no such
# cap (currencies differ ten-thousandfold): MAX_QUANTITY only.
PLAUSIBLE_QUANTITY = {
    QuantityUnit.TONNE: Decimal(1_000),
    QuantityUnit.KILOGRAM: Decimal(1_000_000),
    QuantityUnit.GRAM: Decimal(1_000_000_000),
    QuantityUnit.LITRE: Decimal(1_000_000),
    QuantityUnit.MILLILITRE: Decimal(1_000_000_000),
    QuantityUnit.TABLET: Decimal(1_000_000_000),
    QuantityUnit.PIECE: Decimal(1_000_000_000),
    QuantityUnit.STICK: Decimal(1_000_000_000),
}
# 14/03/2024, 14.03.2024, 14-03-2024: what "%d/%m/%Y" and its kin in _DATE_FORMATS read,
# matched without strptime (the commonest dates of IDS extracts after ISO).
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")


_allowed_units = lru_cache(maxsize=256)(allowed_units)


class Rejected(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class Record:
    """A seizure as it would be stored (plain values: ids and codes, no model objects)."""

    line: int
    fields: dict
    items: list[dict]
    port_calls: list[tuple[str, str]]  # (role, locode)
    route_countries: list[list[str]]
    containers: list[str] = field(default_factory=list)
    flags: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def content_digest(self, unit_code: str) -> bytes:
        """What makes two records the same seizure: everything stored, not the line."""
        # The values in the order the layout's code builds them (codes are str enums, whose
        # str() is the stored value); cheap enough for hundreds of thousands of rows.
        parts = [unit_code, *map(str, self.fields.values())]
        for item in self.items:
            parts += map(str, item.values())
        parts += [f"{role}:{code}" for role, code in self.port_calls]
        parts += [f"{role}:{code}" for role, code in self.route_countries]
        parts += self.containers
        return hashlib.sha256("\x1f".join(parts).encode()).digest()


class Context:
    """What every row of one run is checked against, loaded once."""

    def __init__(self, *, unit, ports: dict[str, tuple[str, str]], chosen_mark: str | None = None):
        # ports: locode → (country code, time zone), every port of the gazetteer.
        self.unit = unit
        self.unit_country = str(unit.country.code)
        self.unit_port = unit.port_id
        self.ports = ports
        self._zones: dict[str, ZoneInfo] = {}
        # Parsed cells by (kind, text): files repeat dates, routes and country lists.
        self.memo: dict[tuple, object] = {}
        # Port names of the unit's country, folded; a name two ports share is ambiguous.
        self._places: dict[str, str | None] = {}
        # The decimal marks the file's amounts have shown so far ("2,5", "1,234.5"): they
        # tell whether its "12,000" is twelve or twelve thousand (parse_amount).
        self.decimal_marks: set[str] = set()
        # The decimal mark the uploader chose ("." or ","), None to let the file tell: it
        # settles every amount from the first row, and an amount showing the other is
        # refused.
        self.chosen_mark = chosen_mark

    @property
    def decimal_mark(self) -> str | None:
        """The mark chosen, or else the file's, if its amounts so far used one only."""
        if self.chosen_mark:
            return self.chosen_mark
        return next(iter(self.decimal_marks)) if len(self.decimal_marks) == 1 else None

    def add_place_names(self, rows) -> None:
        for locode, name, aliases in rows:
            for value in [name, *(aliases or [])]:
                key = fold(value)
                if key:
                    known = self._places.get(key, locode)
                    self._places[key] = locode if known == locode else None

    def place_port(self, place: str) -> str | None:
        code = locode_of(place)
        if code and code in self.ports and code[:2] == self.unit_country:
            return code
        return self._places.get(fold(place))

    def remember(self, key: tuple, compute):
        """``compute()`` once per key; bounded, so memory stays flat on any file."""
        try:
            return self.memo[key]
        except KeyError:
            pass
        if len(self.memo) > MEMO_SIZE:
            self.memo.clear()
        value = self.memo[key] = compute()
        return value

    def zone(self, locode: str) -> ZoneInfo:
        name = self.ports[locode][1]
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]


def check_cells(columns: list[str], cells: list[str]) -> None:
    """Refuse a row with a cell too long or looking like a spreadsheet formula."""
    from .reader import MAX_CELL, CellTooLong

    if cells == [CellTooLong.MARK]:
        raise Rejected(
            "",
            _(
                "A cell is longer than 131 072 characters: probably a quote opened and never "
                "closed. The row was skipped."
            ),
        )
    if len(cells) != len(columns):
        raise Rejected(
            "",
            _("The row has %(found)s cells where the header has %(expected)s.")
            % {"found": len(cells), "expected": len(columns)},
        )
    if max(map(len, cells), default=0) <= MAX_CELL and not (
        {cell[:1] for cell in cells} & _FORMULA_START
    ):
        return
    for column, cell in zip(columns, cells, strict=True):
        if len(cell) > MAX_CELL:
            raise Rejected(
                column,
                _("%(column)s holds %(length)s characters; at most %(max)s are accepted.")
                % {"column": column or "?", "length": len(cell), "max": MAX_CELL},
            )
        if cell and cell[0] in _FORMULA_START and _FORMULA.match(cell.strip()):
            raise Rejected(
                column,
                _(
                    "%(column)s starts like a spreadsheet formula (%(start)s…). Formulas are "
                    "never evaluated: type the value itself."
                )
                % {"column": column or "?", "start": cell.strip()[:12]},
            )


# --- values ------------------------------------------------------------------------------

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%Y/%m/%d",
)


def parse_when(value: str, column: str, zone: ZoneInfo, ctx: Context | None = None) -> dt.datetime:
    if ctx is None:
        return _parse_when(value, column, zone)
    return ctx.remember(("when", value, zone.key), lambda: _parse_when(value, column, zone))


def _parse_when(value: str, column: str, zone: ZoneInfo) -> dt.datetime:
    """A seizure date (or date-time). A date alone is stored at noon local time, so the
    day is the same whichever time zone reads it."""
    text = value.strip()
    if vocab.is_unknown(text):
        raise Rejected(column, _("The seizure date is missing; a seizure needs its date."))
    when = None
    try:
        # A date alone; a time given is kept, even 00:00, which is a time like any other.
        # (Workbook date cells arrive without a time: reader._as_text.)
        when = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(12))
    except ValueError:
        try:
            iso = text.replace(" ", "T", 1) if "T" not in text else text
            when = dt.datetime.fromisoformat(iso)
        except ValueError:
            when = _day_month_year(text)
    if when is None:
        for fmt in _DATE_FORMATS:
            try:
                when = dt.datetime.strptime(text, fmt).replace(hour=12)
                break
            except ValueError:
                continue
    if when is None:
        raise Rejected(
            column,
            _("“%(value)s” is not a date (or no such day exists); write it as 2024-03-14.")
            % {"value": text[:40]},
        )
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    if when > timezone.now():
        raise Rejected(column, _("%(value)s is in the future.") % {"value": text[:40]})
    if when < EARLIEST_SEIZURE:
        raise Rejected(column, _("%(value)s is before 1970.") % {"value": text[:40]})
    return when


def _day_month_year(text: str) -> dt.datetime | None:
    """The day a numeric day-month-year date names, at noon; None if it is not one (or
    no such day exists: the formats of _DATE_FORMATS then have their say)."""
    found = _DAY_MONTH_YEAR.fullmatch(text)
    if found is None:
        return None
    day, _sep, month, year = found.groups()
    try:
        return dt.datetime(int(year), int(month), int(day), 12)
    except ValueError:
        return None


def parse_amount(value: str, column: str, ctx: Context | None = None) -> Decimal:
    """A positive number; "1 234,5" and "1,234.5" both read as 1234.5.

    "12,000" and "1.500" could be thousands or three decimals: the decimal mark the
    file's amounts have shown before settles it (``Context.decimal_marks``); while they
    have shown none, or both, the row is rejected rather than stored a thousand times
    off, silently. A decimal mark chosen for the import (``Context.chosen_mark``) settles
    them instead, and an amount that shows the other mark is rejected."""
    text = value.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if not text or (not text[0].isdigit() and vocab.is_unknown(text)):
        raise Rejected(column, _("The amount is missing; an item needs its quantity."))
    mark = None  # the decimal mark this amount shows, if it shows one
    shown = None  # the decimal mark it cannot be read without, where that is not ``mark``
    if "," in text and "." in text:
        mark = "." if text.rfind(".") > text.rfind(",") else ","
        text = text.replace(",", "") if mark == "." else text.replace(".", "").replace(",", ".")
    elif "," in text or "." in text:
        separator = "," if "," in text else "."
        if text.count(separator) > 1:
            if _GROUPED_AMOUNT.fullmatch(text):
                mark = "." if separator == "," else ","
                text = text.replace(separator, "")
            elif separator == ",":
                # 1,23,456: commas that are no decimal mark, though they teach the file nothing
                shown = "."
                text = text.replace(",", "")
        elif _AMBIGUOUS_AMOUNT.fullmatch(text):
            settled = ctx.decimal_mark if ctx is not None else None
            if settled is None:
                raise Rejected(column, _ambiguous_amount(value.strip(), text, separator))
            text = text.replace(",", ".") if settled == separator else text.replace(separator, "")
        else:
            mark = separator
            text = text.replace(",", ".")  # a decimal comma, as semicolon-separated files use
    chosen = ctx.chosen_mark if ctx is not None else None
    if chosen and (shown or mark) not in (None, chosen):
        raise Rejected(column, _contradicts_mark(value.strip(), chosen))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Rejected(
            column, _("“%(value)s” is not a number.") % {"value": value.strip()[:40]}
        ) from None
    if not amount.is_finite():
        raise Rejected(column, _("“%(value)s” is not a number.") % {"value": value.strip()[:40]})
    if amount < 0:
        raise Rejected(column, _("The amount %(value)s is negative.") % {"value": value.strip()})
    if amount == 0:
        raise Rejected(column, _("The amount is zero."))
    if mark is not None and ctx is not None:
        ctx.decimal_marks.add(mark)
    return amount


def _contradicts_mark(value: str, chosen: str) -> str:
    return _(
        "“%(value)s” does not fit the decimal mark chosen for this import, “%(mark)s”: "
        "correct the amount, or upload the file again with the decimal mark it uses."
    ) % {"value": value[:40], "mark": chosen}


def _ambiguous_amount(value: str, text: str, separator: str) -> str:
    small = format(Decimal(text.replace(separator, ".")).normalize(), "f")
    large = text.replace(separator, "")
    return _(
        "“%(value)s” could be %(small)s or %(large)s, and the amounts before it in the file do "
        "not show which mark is the decimal one: write %(large)s or %(small)s."
    ) % {"value": value[:40], "small": small, "large": large}


def item_quantity(
    *, amount: Decimal, unit_text: str, category: str, substance: str, column: str
) -> tuple[Decimal, str]:
    """The amount in one of the app's units, converted where the file's unit is not one."""
    unit, factor = _unit_for(unit_text, category, substance, column)
    quantity = (amount * factor).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    if quantity <= 0:
        raise Rejected(column, _("The amount is too small to store (under 0.001)."))
    limit = PLAUSIBLE_QUANTITY.get(unit)
    if limit is not None and quantity > limit:
        raise Rejected(
            column,
            _(
                "%(quantity)s %(unit)s is more than any seizure holds (at most %(limit)s "
                "%(unit)s): check the amount and its unit."
            )
            % {
                "quantity": format(quantity.normalize(), "f"),
                "unit": QuantityUnit(unit).label,
                "limit": format(limit, "f"),
            },
        )
    if quantity > MAX_QUANTITY:
        raise Rejected(column, _("The amount is too large to store."))
    return quantity, unit


@lru_cache(maxsize=1024)
def _unit_for(unit_text: str, category: str, substance: str, column: str) -> tuple[str, Decimal]:
    if vocab.is_unknown(unit_text):
        raise Rejected(column, _("The unit of the amount is missing."))
    found = vocab.unit_of(unit_text)
    if found is None:
        raise Rejected(column, _("“%(unit)s” is not a unit we know.") % {"unit": unit_text[:40]})
    unit, factor = found
    if unit == vocab.COUNT:
        if substance in TABLET_SUBSTANCES:
            unit = QuantityUnit.TABLET
        elif category not in (CommodityCategory.DRUGS, CommodityCategory.PRECURSORS):
            unit = QuantityUnit.PIECE
    if unit not in _allowed_units(category, substance):
        what = dict(Substance.choices).get(substance) or dict(CommodityCategory.choices)[category]
        raise Rejected(
            column,
            _("%(what)s cannot be counted in “%(unit)s”; give its weight or volume.")
            % {"what": what, "unit": unit_text[:40]},
        )
    return unit, factor


def countries_in(value: str, column: str, flags: list, ctx: Context | None = None) -> list[str]:
    if ctx is None:
        return _countries_in(value, column, flags)

    def compute():
        found: list = []
        return _countries_in(value, column, found), found

    codes, new_flags = ctx.remember(("countries", value, column), compute)
    flags.extend(new_flags)
    return codes


def _countries_in(value: str, column: str, flags: list) -> list[str]:
    """ISO codes of the countries a cell names (several separated by , ; / or >)."""
    if vocab.is_unknown(value):
        return []
    code = vocab.country_code(value)
    if code:
        return [code]
    codes = []
    for part in _ROUTE_SPLIT.split(value.strip()):
        if vocab.is_unknown(part):
            continue
        code = vocab.country_code(part)
        if code:
            codes.append(code)
        else:
            flags.append(
                (column, _("“%(name)s” is not a country we know; left out.") % {"name": part[:60]})
            )
    return codes


def route_steps(value: str, column: str, ctx: Context, flags: list) -> tuple[list, list]:
    def compute():
        found: list = []
        return _route_steps(value, column, ctx, found), found

    steps, new_flags = ctx.remember(("route", value, column), compute)
    flags.extend(new_flags)
    return steps


def _route_steps(value: str, column: str, ctx: Context, flags: list) -> tuple[list, list]:
    """(port locodes, country codes) named by a route cell, in order."""
    if vocab.is_unknown(value):
        return [], []
    ports, countries = [], []
    for part in _ROUTE_SPLIT.split(value.strip()):
        if vocab.is_unknown(part):
            continue
        code = locode_of(part)
        if code and code in ctx.ports:
            ports.append(code)
            continue
        country = vocab.country_code(part)
        if country is None and "-" in part:
            # "Colombia-Spain": a dash joins countries when no name has one ("Timor-Leste"
            # does, and is found whole above).
            subs = [vocab.country_code(p) for p in part.split("-")]
            if all(subs):
                countries.extend(subs)
                continue
        if country:
            countries.append(country)
        else:
            flags.append(
                (
                    column,
                    _("Route step “%(step)s” is neither a port nor a country; left out.")
                    % {"step": part[:60]},
                )
            )
    return ports, countries


def port_calls_for(locodes: list[str]) -> list[tuple[str, str]]:
    """Roles by position: first loading, last discharge, the rest transhipment."""
    steps = [c for i, c in enumerate(locodes) if i == 0 or locodes[i - 1] != c]
    if len(steps) == 1:
        return [(PortCallRole.LOADING, steps[0])]
    roles = [PortCallRole.TRANSHIPMENT] * len(steps)
    if steps:
        roles[0], roles[-1] = PortCallRole.LOADING, PortCallRole.DISCHARGE
    return list(zip(roles, steps, strict=True))


def country_route(producing, departure, transit, destination) -> list[list[str]]:
    route = [[RouteCountryRole.PRODUCING, c] for c in producing]
    route += [[RouteCountryRole.DEPARTURE, c] for c in departure]
    ends = set(departure) | set(destination)
    route += [[RouteCountryRole.TRANSIT, c] for c in transit if c not in ends]
    route += [[RouteCountryRole.DESTINATION, c] for c in destination]
    return route


def substance_item(drug: str, column: str, flags: list) -> dict:
    """Category, substance and description for a free-text drug name."""
    if vocab.is_unknown(drug):
        # IDS rows are drug seizures: the drug is unknown, not the kind of goods.
        return {
            "category": CommodityCategory.DRUGS,
            "substance": Substance.OTHER_DRUG,
            "description": _("Unknown drug"),
        }
    substance = vocab.substance_of(drug)
    if substance is None:
        flags.append(
            (
                column,
                _(
                    "“%(name)s” is not a substance we list; stored as another drug, "
                    "with the name as description."
                )
                % {"name": drug[:60]},
            )
        )
        substance = Substance.OTHER_DRUG
    return {
        "category": SUBSTANCE_CATEGORY[substance],
        "substance": substance,
        "description": drug.strip()[:200],
    }


def _text(value: str, column: str, limit: int) -> str:
    text = value.strip()
    if vocab.is_unknown(text):
        return ""
    if len(text) > limit:
        raise Rejected(
            column,
            _("%(column)s is longer than %(limit)s characters.")
            % {"column": column, "limit": limit},
        )
    return text
