"""The seizure list as CSV: one generator builds the rows and knows who may see what.

Rows are built a chunk of seizures at a time, with one query per part type per chunk, so a
100 000-row export runs in constant memory and its query count grows with the number of
chunks, never with the number of rows. Parties go through ``selectors.visible_pieces`` at
the level the reader sees each seizure, like every other path out of the app.
"""

import csv
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import reduce
from itertools import islice

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .choices import CommodityCategory, Substance
from .models import Container, Party, PortCall, SeizedItem, Seizure, SeizureShare
from .selectors import FULL_VIEW, visible_pieces

CHUNK_SIZE = 1000

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_SUBSTANCE_LABELS = dict(Substance.choices)
_CATEGORY_LABELS = dict(CommodityCategory.choices)


def header() -> list[str]:
    return [
        _("Reference"),
        _("Status"),
        _("Seizing unit"),
        _("Port (UN/LOCODE)"),
        _("Port name"),
        _("Date and time (local)"),
        _("Time zone"),
        _("Detection method"),
        _("Vessel"),
        _("IMO number"),
        _("Voyage"),
        _("Bill of lading"),
        _("Containers"),
        _("Route"),
        _("Route distance (km)"),
        _("Declared goods"),
        _("HS code"),
        _("Concealment method"),
        _("Items"),
        _("Parties"),
    ]


def share_levels(*, user) -> dict[int, int]:
    """The level of each active share with the user's unit, fetched once per export."""
    if user.unit_id is None:
        return {}
    return dict(
        SeizureShare.objects.filter(unit_id=user.unit_id, revoked_at__isnull=True).values_list(
            "seizure_id", "handling_level"
        )
    )


def _level(user, seizure: Seizure, shares: dict[int, int]) -> int | None | bool:
    """Like ``selectors.handling_level`` without a query: FULL_VIEW, a share level, or False
    when the reader holds no share (then no restricted piece is shown at all)."""
    if user.is_superuser or (user.unit_id is not None and user.unit_id == seizure.unit_id):
        return FULL_VIEW
    return shares.get(seizure.pk, False)


def _visible_parties(user, chunk: list[Seizure], shares: dict[int, int]) -> QuerySet[Party]:
    """One query for the chunk: the parties each seizure shows at its reader's level."""
    by_level: dict[int | None, list[int]] = defaultdict(list)
    for seizure in chunk:
        level = _level(user, seizure, shares)
        if level is not False:
            by_level[level].append(seizure.pk)
    # OR-ing querysets of one model merges their WHERE clauses: still one query.
    parties = reduce(
        operator.or_,
        (
            visible_pieces(Party.objects.filter(seizure_id__in=ids), level=level)
            for level, ids in by_level.items()
        ),
        Party.objects.none(),
    )
    return parties.order_by("seizure_id", "id")


def _grouped(queryset: QuerySet) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for obj in queryset:
        grouped[obj.seizure_id].append(obj)
    return grouped


def _item_label(item: SeizedItem) -> str:
    amount = number_format(item.quantity.normalize(), force_grouping=True)
    unit = item.currency if item.quantity_unit == "currency" else item.quantity_unit
    what = _SUBSTANCE_LABELS.get(item.substance) if item.substance else None
    what = what or _CATEGORY_LABELS.get(item.category, item.category)
    text = f"{amount} {unit} {what}"
    return f"{text} ({item.description})" if item.description else text


def _party_label(party: Party) -> str:
    text = f"{party.get_role_display()}: {party.name}"
    return f"{text} ({party.country.code})" if party.country else text


def _local(seizure: Seizure) -> str:
    return seizure.local_occurred_at.strftime("%Y-%m-%d %H:%M")


def _distance(km: float | None) -> str:
    return "" if km is None else str(round(km))


def _chunk_rows(user, chunk: list[Seizure], shares: dict[int, int]) -> Iterator[list[str]]:
    ids = [seizure.pk for seizure in chunk]
    containers = _grouped(Container.objects.filter(seizure_id__in=ids).only("seizure_id", "number"))
    items = _grouped(SeizedItem.objects.filter(seizure_id__in=ids).order_by("seizure_id", "id"))
    calls = _grouped(
        PortCall.objects.filter(seizure_id__in=ids)
        .only("seizure_id", "sequence", "port_id")
        .order_by("seizure_id", "sequence")
    )
    parties = _grouped(_visible_parties(user, chunk, shares))
    for s in chunk:
        yield [
            s.reference,
            s.get_status_display(),
            s.unit.code,
            s.port_id,
            s.port.name,
            _local(s),
            s.port.timezone,
            s.get_detection_method_display(),
            s.vessel_name,
            s.imo_number,
            s.voyage,
            s.bill_of_lading,
            " ".join(c.number for c in containers[s.pk]),
            " > ".join(call.port_id for call in calls[s.pk]),
            _distance(s.total_distance_km),
            s.declared_goods,
            s.hs_code,
            s.get_concealment_method_display(),
            "; ".join(_item_label(item) for item in items[s.pk]),
            "; ".join(_party_label(party) for party in parties[s.pk]),
        ]


def seizure_rows(*, user, queryset: QuerySet[Seizure]) -> Iterator[list[str]]:
    """The header, then one row per seizure of ``queryset`` (already permission-filtered)."""
    yield header()
    shares = share_levels(user=user)
    seizures = (
        queryset.select_related("unit", "port")
        .order_by("-occurred_at", "-id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    while chunk := list(islice(seizures, CHUNK_SIZE)):
        yield from _chunk_rows(user, chunk, shares)


def neutralise(cell: str) -> str:
    """Keep a spreadsheet from running a cell as a formula: prefix an apostrophe."""
    return f"'{cell}" if cell.startswith(_FORMULA_TRIGGERS) else cell


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """CSV text, one line at a time, UTF-8 BOM first so Excel reads the accents right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow([neutralise(str(cell)) for cell in row])
