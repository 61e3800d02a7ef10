"""Loading the shipped UN/LOCODE gazetteer (fixtures/ports.json) into the Port table."""

from __future__ import annotations

import json
import zoneinfo
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from .models import Port
from .signals import ports_rezoned

PORTS_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "ports.json"

# The columns the fixture sets; anything else on Port is left alone.
FIELDS = ("name", "country", "subdivision", "latitude", "longitude", "timezone", "aliases")
BATCH = 500


@dataclass(frozen=True)
class PortsLoaded:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _port_from_row(index: int, row: object) -> Port:
    """Validate one fixture row; the error names the locode so a fix is one search away."""
    if not isinstance(row, dict) or not isinstance(row.get("locode"), str):
        raise ValidationError(_("Row %(index)s has no UN/LOCODE.") % {"index": index + 1})
    locode = row["locode"]
    try:
        aliases = row.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValidationError({"aliases": _("Aliases must be a list of names.")})
        port = Port(
            locode=locode,
            name=row.get("name") or "",
            country=row.get("country") or "",
            subdivision=row.get("subdivision") or "",
            latitude=row.get("latitude"),
            longitude=row.get("longitude"),
            timezone=row.get("timezone") or "",
            aliases=aliases,
        )
        # Uniqueness is checked for the whole file below, in one pass instead of one query
        # per row; the country against a set, as CountryField's own check rebuilds its
        # 250 choices for every row (seconds for the whole file).
        if port.country.code not in _country_codes():
            raise ValidationError({"country": _("Unknown country.")})
        port.full_clean(exclude=["country"], validate_unique=False, validate_constraints=False)
        try:
            zoneinfo.ZoneInfo(port.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError({"timezone": _("Unknown time zone.")}) from exc
    except ValidationError as exc:
        raise ValidationError(
            _("Port %(locode)s in the gazetteer is invalid: %(errors)s")
            % {"locode": locode, "errors": "; ".join(_flatten(exc))}
        ) from exc
    return port


@cache
def _country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in countries)


def _flatten(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
    return list(exc.messages)


def _values(port: Port) -> tuple:
    return tuple(
        str(port.country.code) if name == "country" else getattr(port, name) for name in FIELDS
    )


def ports_load(*, path: Path | str = PORTS_FIXTURE) -> PortsLoaded:
    """Insert or update every port of the gazetteer file; all rows or none.

    Idempotent: rows already equal to the file are not written, so a second run reports
    them all as unchanged. Ports missing from the file are kept (seizures refer to them).
    """
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise ValidationError(_("The gazetteer file must hold a list of ports."))
    ports: dict[str, Port] = {}
    for index, row in enumerate(rows):
        port = _port_from_row(index, row)
        if port.locode in ports:
            raise ValidationError(
                _("Port %(locode)s appears twice in the gazetteer.") % {"locode": port.locode}
            )
        ports[port.locode] = port

    with transaction.atomic():
        # The whole table is a few thousand rows: one read beats a huge IN clause.
        existing = {p.locode: p for p in Port.objects.all()}
        to_create = [p for locode, p in ports.items() if locode not in existing]
        to_update = [
            p
            for locode, p in ports.items()
            if locode in existing and _values(existing[locode]) != _values(p)
        ]
        Port.objects.bulk_create(to_create, batch_size=BATCH)
        Port.objects.bulk_update(to_update, FIELDS, batch_size=BATCH)
        # bulk_update sends no signal: say which ports now keep another calendar.
        rezoned = [p.pk for p in to_update if existing[p.pk].timezone != p.timezone]
        if rezoned:
            ports_rezoned.send(sender=Port, locodes=rezoned)
    return PortsLoaded(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(ports) - len(to_create) - len(to_update),
    )
