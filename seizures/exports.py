"""The seizure list as CSV: one generator builds the rows and knows who may see what.

Rows are built a chunk of seizures at a time, with one query per part type per chunk, so a
100 000-row export runs in constant memory and its query count grows with the number of
chunks, never with the number of rows. Parties go through ``selectors.visible_pieces`` at
the level the reader sees each seizure, like every other path out of the app.
"""

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.db.models import QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .choices import CommodityCategory, Substance
from .models import Container, Party, PortCall, SeizedItem, Seizure
from .selectors import visible_pieces_of_many

CHUNK_SIZE = 1000

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).

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


def _visible_parties(user, chunk: list[Seizure]) -> QuerySet[Party]:
    """One query for the chunk: the parties each seizure shows at its reader's level."""
    ids = [seizure.pk for seizure in chunk]
    return visible_pieces_of_many(Party.objects.filter(seizure_id__in=ids), user=user).order_by(
        "seizure_id", "id"
    )


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


def _chunk_rows(user, chunk: list[Seizure]) -> Iterator[list[str]]:
    ids = [seizure.pk for seizure in chunk]
    containers = _grouped(Container.objects.filter(seizure_id__in=ids).only("seizure_id", "number"))
    items = _grouped(SeizedItem.objects.filter(seizure_id__in=ids).order_by("seizure_id", "id"))
    calls = _grouped(
        PortCall.objects.filter(seizure_id__in=ids)
        .only("seizure_id", "sequence", "port_id")
        .order_by("seizure_id", "sequence")
    )
    parties = _grouped(_visible_parties(user, chunk))
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
    seizures = (
        queryset.select_related("unit", "port")
        .order_by("-occurred_at", "-id")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    while chunk := list(islice(seizures, CHUNK_SIZE)):
        yield from _chunk_rows(user, chunk)
