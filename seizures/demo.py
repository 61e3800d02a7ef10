"""Demo data: the organisations, one user per role, and seizures along real routes.

Two ways to write the seizures, one generator for both so a seed gives the same data:

* a few hundred (``make run``) go through ``services.seizure_log``, so the demo is valid by
  construction and exercises the real reference numbering and grants;
* a benchmark's hundred thousand are written with ``bulk_create`` in batches (seizures,
  parts and guardian rows), with the reference counters reserved under lock first, so
  ``seizure_log`` carries on numbering afterwards without a gap or a clash. Route
  distances are computed once per route template, not per seizure.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from geopy.distance import geodesic

from casetracker.core.choices import Role
from casetracker.core.models import Agency, Port, Unit, User
from casetracker.core.timezones import local_date

from . import demo_data as data
from . import services
from .choices import PartyKind, PartyRole, PortCallRole, QuantityUnit, SeizureStatus
from .models import (
    Container,
    Party,
    PortCall,
    ReferenceCounter,
    SeizedItem,
    Seizure,
    SeizureGroupObjectPermission,
)
from .validators import imo_check_digit, iso6346_check_digit

DEFAULT_SEIZURES = 300
# Above this many seizures the bulk writer is used; below it, the real service.
BULK_ABOVE = 1000
BATCH = 2000
PERIOD_DAYS = 548  # eighteen months back from today
DRAFT_SHARE_RECENT = 0.6  # drafts are mostly recent: somebody is still completing them
DRAFT_SHARE_OLDER = 0.17  # …which gives about one seizure in five as a draft overall
# How long after the seizure it was typed in (the demo pretends it was logged back then).
LOGGED_AFTER = dt.timedelta(minutes=45)


@dataclass(frozen=True)
class SeedResult:
    created: int
    bulk: bool
    seconds: float


# --- organisations and users ------------------------------------------------------------


def demo_locodes() -> set[str]:
    codes = {unit.port for unit in data.UNITS if unit.port}
    for template in data.ROUTES:
        codes.update(locode for _role, locode in template.route)
    return codes


def ports_ensure() -> None:
    """Load the gazetteer when the Port table is empty, so seed_demo works on its own."""
    if not Port.objects.exists():
        from casetracker.core.gazetteer import ports_load

        ports_load()
    missing = demo_locodes() - set(
        Port.objects.filter(locode__in=demo_locodes()).values_list("locode", flat=True)
    )
    if missing:
        raise RuntimeError(
            f"The gazetteer lacks ports the demo routes use: {', '.join(sorted(missing))}"
        )


@transaction.atomic
def organisations_ensure() -> dict[str, Unit]:
    """Agencies, units and demo users; running it again changes nothing."""
    agencies: dict[str, Agency] = {}
    for country, rows in data.AGENCIES.items():
        for name, kind in rows:
            agencies[name], _ = Agency.objects.get_or_create(
                country=country, name=name, defaults={"kind": kind}
            )
    units: dict[str, Unit] = {}
    for spec in data.UNITS:
        unit = Unit.objects.filter(code=spec.code).first()
        if unit is None:
            unit = Unit(
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                country=spec.country,
                port_id=spec.port,
                email=f"{spec.code.lower()}@demo.example.org",
            )
            unit.full_clean(exclude=["group"])
            unit.save()
            unit.agencies.set([agencies[name] for name in spec.agencies])
        units[spec.code] = unit

    hashed = None  # hashing is slow on purpose: once for all users
    for spec in data.USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        hashed = hashed or make_password(data.DEMO_PASSWORD)
        admin = spec.role == Role.ADMINISTRATOR
        user = User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@demo.example.org",
            role=spec.role,
            unit=units[spec.unit] if spec.unit else None,
            is_staff=admin,
            is_superuser=admin,
            password=hashed,
        )
        user.full_clean()
        validate_password(data.DEMO_PASSWORD, user)  # as if the user had chosen it
        user.save()
    return units


def demo_users_table() -> list[tuple[str, str, str, str]]:
    """(username, role, unit, password) of every demo user, for the command's output."""
    labels = dict(Role.choices)
    return [
        (spec.username, str(labels[spec.role]), spec.unit or "—", data.DEMO_PASSWORD)
        for spec in data.USERS
    ]


# --- the generator ----------------------------------------------------------------------


@dataclass
class SeizureSpec:
    unit_code: str
    creator: str
    occurred_at: dt.datetime
    template: data.RouteTemplate
    fields: dict[str, Any]
    containers: list[dict[str, Any]]
    items: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    submitted_at: dt.datetime | None
    public_id: uuid.UUID


def container_number(owner_code: str, serial: int) -> str:
    first_ten = f"{owner_code}{serial:06d}"
    return f"{first_ten}{iso6346_check_digit(first_ten)}"


def imo_number(vessel_name: str) -> str:
    """A stable, valid IMO number per made-up vessel: the same ship always has the same."""
    first_six = f"9{zlib.crc32(vessel_name.encode()) % 100000:05d}"
    return f"{first_six}{imo_check_digit(first_six)}"


def _quantity(rng: random.Random, load: data.Load) -> Decimal:
    # Log-uniform: many small seizures, a few very large ones, as in real seizure data.
    raw = math.exp(rng.uniform(math.log(load.low), math.log(load.high)))
    if load.unit in (QuantityUnit.KILOGRAM, QuantityUnit.TONNE):
        return Decimal(str(round(raw, 1))) or Decimal("0.1")
    if load.unit == QuantityUnit.STICK:
        return Decimal(max(1, round(raw / 10_000)) * 10_000)
    if load.unit == QuantityUnit.CURRENCY:
        return Decimal(max(1, round(raw / 50)) * 50)
    return Decimal(max(1, round(raw)))


def _item(rng: random.Random, load: data.Load, currency: str) -> dict[str, Any]:
    quantity = _quantity(rng, load)
    value = None
    if load.value_per_unit is not None:
        value = (quantity * load.value_per_unit).quantize(Decimal("1"))
    needs_currency = value is not None or load.unit == QuantityUnit.CURRENCY
    return {
        "category": load.category,
        "substance": load.substance,
        "description": load.description,
        "quantity": quantity,
        "quantity_unit": load.unit,
        "estimated_value": value,
        "currency": currency if needs_currency else "",
    }


def _company(rng: random.Random, country: str) -> str:
    names = data.COMPANY_NAMES[data.LANGUAGE.get(country, "en")]
    return f"{rng.choice(names)} {data.LEGAL_FORM.get(country, 'Ltd')}"


def _person(rng: random.Random, country: str) -> dict[str, Any]:
    first, last = data.PERSON_NAMES[country]
    number = rng.randrange(10_000_000, 99_999_999)
    return {
        "kind": PartyKind.PERSON,
        "name": f"{rng.choice(first)} {rng.choice(last)} {rng.choice(last)}"
        if country == "EC"
        else f"{rng.choice(first)} {rng.choice(last)}",
        "country": country,
        "identifiers": f"ID {number}",
        "phone_numbers": f"{data.PHONE_PREFIX[country]}{rng.randrange(10_000_000, 99_999_999)}",
    }


def _parties(rng: random.Random, template: data.RouteTemplate, seizing: str) -> list[dict]:
    loading = template.route[0][1][:2]
    unloading = next(
        (code for role, code in template.route if role == PortCallRole.DISCHARGE),
        template.route[-1][1],
    )[:2]
    parties = [
        {"role": PartyRole.SHIPPER, "kind": PartyKind.COMPANY, "name": _company(rng, loading)},
        {"role": PartyRole.CONSIGNEE, "kind": PartyKind.COMPANY, "name": _company(rng, unloading)},
    ]
    parties[0]["country"], parties[1]["country"] = loading, unloading
    if rng.random() < 0.5:
        parties.append(
            {
                "role": PartyRole.NOTIFY,
                "kind": PartyKind.COMPANY,
                "name": _company(rng, unloading),
                "country": unloading,
            }
        )
    if rng.random() < 0.4:
        parties.append(
            {
                "role": PartyRole.FORWARDER,
                "kind": PartyKind.COMPANY,
                "name": f"{_company(rng, loading)} Logistics",
                "country": loading,
            }
        )
    if rng.random() < 0.2:
        parties.append({"role": PartyRole.DRIVER, **_person(rng, seizing)})
    if rng.random() < template.arrest_rate:
        for _n in range(rng.randint(1, 3)):
            parties.append({"role": PartyRole.ARRESTED, **_person(rng, seizing)})
    return parties


class Generator:
    """Draws seizures from the route templates with one seeded random stream."""

    def __init__(self, *, seed: int, units: dict[str, Unit], end: dt.datetime):
        self.rng = random.Random(seed)
        self.units = units
        self.end = end
        self.creators = {
            code: list(
                User.objects.filter(unit=unit, role__in=[Role.OFFICER, Role.SUPERVISOR])
                .order_by("role", "username")
                .values_list("username", flat=True)
            )
            for code, unit in units.items()
            if code in data.UNIT_SHARE
        }
        self.templates = {
            code: [t for t in data.ROUTES if t.unit == code] for code in data.UNIT_SHARE
        }

    def headers(self, count: int) -> list[tuple[dt.datetime, str]]:
        """When and by which unit, oldest first: numbers are then given out in date order."""
        codes = list(data.UNIT_SHARE)
        weights = list(data.UNIT_SHARE.values())
        span = PERIOD_DAYS * 86400
        headers = [
            (
                self.end - dt.timedelta(seconds=self.rng.randrange(3600, span)),
                self.rng.choices(codes, weights)[0],
            )
            for _n in range(count)
        ]
        headers.sort()
        return headers

    def spec(self, occurred_at: dt.datetime, unit_code: str) -> SeizureSpec:
        rng = self.rng
        unit = self.units[unit_code]
        templates = self.templates[unit_code]
        template = rng.choices(templates, [t.weight for t in templates])[0]
        carrier_key = rng.choice(template.carriers)
        carrier = data.CARRIERS[carrier_key]
        vessel = rng.choice(carrier.vessels)
        goods, hs_code = rng.choice(template.goods)
        concealment = rng.choice(template.concealments)
        currency = data.CURRENCY[unit_code]
        load = rng.choice(template.loads)
        items = [_item(rng, load, currency)]
        if template.extras and rng.random() < 0.3:
            items.append(_item(rng, rng.choice(template.extras), currency))
        drugs = load.category in ("drugs", "precursors")
        fields = {
            "occurred_at": occurred_at,
            "port": unit.port,
            "terminal": rng.choice(data.TERMINALS[unit_code]),
            "detection_method": rng.choice(template.detections),
            "vessel_name": vessel,
            "imo_number": imo_number(vessel),
            "voyage": f"{rng.choice('FNQVX')}{rng.choice('ABCDEFGHJK')}"
            f"{rng.randrange(100, 999)}{rng.choice('NSEW')}",
            "bill_of_lading": f"{carrier.bl_prefix}{unit.port_id[2:]}{rng.randrange(10**8)}",
            "declared_goods": goods,
            "hs_code": hs_code,
            "concealment_method": concealment,
            "concealment_details": rng.choice(data.CONCEALMENT_DETAILS[concealment]),
            "packaging_markings": rng.choice(data.MARKINGS) if drugs else "",
        }
        size_type = rng.choice(template.size_types)
        containers = [
            {
                "number": container_number(
                    rng.choice(carrier.owner_codes), rng.randrange(1_000_000)
                ),
                "seal_numbers": f"{carrier.bl_prefix[:2]}{rng.randrange(1_000_000, 9_999_999)}",
                "size_type": size_type,
            }
            for _n in range(rng.randint(*template.containers))
        ]
        parties = _parties(rng, template, unit.country.code)
        recent = occurred_at > self.end - dt.timedelta(days=30)
        draft = rng.random() < (DRAFT_SHARE_RECENT if recent else DRAFT_SHARE_OLDER)
        submitted_at = None
        if not draft:
            submitted_at = min(
                occurred_at + dt.timedelta(minutes=rng.randrange(60, 36 * 60)), timezone.now()
            )
        creators = self.creators[unit_code]
        creator = creators[0] if rng.random() < 0.85 else creators[-1]
        return SeizureSpec(
            unit_code=unit_code,
            creator=creator,
            occurred_at=occurred_at,
            template=template,
            fields=fields,
            containers=_unique_containers(containers),
            items=items,
            parties=parties,
            submitted_at=submitted_at,
            # Random, not seeded: seeding twice with one seed must not reuse public ids.
            public_id=uuid.uuid4(),
        )


def _unique_containers(containers: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for container in containers:
        seen.setdefault(container["number"], container)
    return list(seen.values())


# --- writing ----------------------------------------------------------------------------


def seizures_seed(
    *,
    count: int = DEFAULT_SEIZURES,
    seed: int = 1,
    bulk_above: int = BULK_ABOVE,
    progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Ports, organisations, users and ``count`` seizures over the last eighteen months.

    Seizures are dated up to yesterday from today's midnight (UTC), so a seed gives the same
    seizures all day long.
    """
    started = timezone.now()
    ports_ensure()
    units = organisations_ensure()
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    generator = Generator(seed=seed, units=units, end=end)
    headers = generator.headers(count)
    ports = {p.locode: p for p in Port.objects.filter(locode__in=demo_locodes())}
    routes = {template: _route(template, ports) for template in data.ROUTES}
    users = {u.username: u for u in User.objects.filter(unit__in=units.values())}
    bulk = count > bulk_above
    writer = _write_bulk if bulk else _write_with_service
    writer(generator, headers, routes, users, progress or (lambda done, total: None))
    return SeedResult(created=count, bulk=bulk, seconds=(timezone.now() - started).total_seconds())


@dataclass(frozen=True)
class Route:
    calls: tuple[tuple[str, Port, float | None], ...]  # role, port, leg distance
    total_km: float | None


def _route(template: data.RouteTemplate, ports: dict[str, Port]) -> Route:
    """Leg distances computed as services._apply_distances does, once per template."""
    calls, total, previous = [], 0.0, None
    for role, locode in template.route:
        port = ports[locode]
        leg = None
        if previous is not None:
            leg = round(geodesic(previous.point, port.point).km, 1)
            total += leg
        calls.append((role, port, leg))
        previous = port
    return Route(tuple(calls), round(total, 1) if len(calls) > 1 else None)


def _backdate(seizure_ids: list[int]) -> None:
    """The demo pretends each seizure was typed in shortly after it was made (and last
    changed when it was submitted)."""
    logged = F("occurred_at") + LOGGED_AFTER
    Seizure.objects.filter(pk__in=seizure_ids).update(
        created_at=logged, updated_at=Coalesce(F("submitted_at"), logged)
    )


@transaction.atomic  # one commit instead of one per seizure: seconds, not minutes
def _write_with_service(generator, headers, routes, users, progress) -> None:
    for done, (occurred_at, unit_code) in enumerate(headers, start=1):
        spec = generator.spec(occurred_at, unit_code)
        parts = services.SeizureParts(
            containers=spec.containers,
            items=spec.items,
            port_calls=[
                {"role": role, "port": port} for role, port, _leg in routes[spec.template].calls
            ],
            parties=spec.parties,
        )
        seizure = services.seizure_log(
            user=users[spec.creator],
            fields=spec.fields,
            parts=parts,
            submit=spec.submitted_at is not None,
        )
        if spec.submitted_at:
            # The service stamps "now"; the demo's seizure was submitted back then.
            Seizure.objects.filter(pk=seizure.pk).update(submitted_at=spec.submitted_at)
        _backdate([seizure.pk])
        if done % 100 == 0:
            progress(done, len(headers))


def _reserve_references(headers, units: dict[str, Unit]) -> list[str]:
    """Reference numbers for every header, in order, continuing each unit's counter.

    The counters are created if needed and then locked until the seeding commits, so a
    seizure_log at the same time waits and then continues after the reserved range.
    """
    years: dict[tuple[str, int], int] = {}
    local_years = []
    for occurred_at, unit_code in headers:
        year = occurred_at.astimezone(ZoneInfo(units[unit_code].port.timezone)).year
        local_years.append(year)
        years[(unit_code, year)] = 0
    counters = {}
    for unit_code, year in years:
        counter, _ = ReferenceCounter.objects.get_or_create(unit=units[unit_code], year=year)
        counters[(unit_code, year)] = counter.pk
    locked = ReferenceCounter.objects.select_for_update().in_bulk(list(counters.values()))
    last = {key: locked[pk].last_number for key, pk in counters.items()}
    references = []
    for (_occurred_at, unit_code), year in zip(headers, local_years, strict=True):
        last[(unit_code, year)] += 1
        references.append(f"{units[unit_code].code}-{year}-{last[(unit_code, year)]:04d}")
    for key, pk in counters.items():
        locked[pk].last_number = last[key]
    ReferenceCounter.objects.bulk_update(locked.values(), ["last_number"])
    return references


def _commodities(items: list[dict[str, Any]]) -> list[str]:
    """What services._commodities stores, from the item dicts."""
    substances = {item["substance"] for item in items if item["substance"]}
    return sorted({item["category"] for item in items} | substances)


def _chunks(count: int, size: int) -> Iterator[range]:
    for start in range(0, count, size):
        yield range(start, min(start + size, count))


@transaction.atomic
def _write_bulk(generator, headers, routes, users, progress) -> None:
    units = generator.units
    references = _reserve_references(headers, units)
    perms = list(
        Permission.objects.filter(
            content_type__app_label="seizures", codename__in=["view_seizure", "change_seizure"]
        ).values_list("pk", flat=True)
    )
    for chunk in _chunks(len(headers), BATCH):
        specs = [generator.spec(*headers[i]) for i in chunk]
        seizures = []
        for index, spec in zip(chunk, specs, strict=True):
            route = routes[spec.template]
            seizures.append(
                Seizure(
                    public_id=spec.public_id,
                    reference=references[index],
                    unit=units[spec.unit_code],
                    status=SeizureStatus.SUBMITTED if spec.submitted_at else SeizureStatus.DRAFT,
                    submitted_at=spec.submitted_at,
                    created_by=users[spec.creator],
                    total_distance_km=route.total_km,
                    commodities=_commodities(spec.items),
                    # bulk_create does not call save(), which keeps this date otherwise.
                    occurred_on=local_date(
                        spec.fields["occurred_at"], spec.fields["port"].timezone
                    ),
                    **spec.fields,
                )
            )
        Seizure.objects.bulk_create(seizures, batch_size=BATCH)
        parts: dict[type, list] = defaultdict(list)
        for seizure, spec in zip(seizures, specs, strict=True):
            # Plain ids rather than objects: building a million model instances is most of
            # the time here, and the related-object descriptors add half again.
            pk, group_id = seizure.pk, seizure.unit.group_id
            parts[Container] += [Container(seizure_id=pk, **c) for c in spec.containers]
            parts[SeizedItem] += [SeizedItem(seizure_id=pk, **i) for i in spec.items]
            parts[Party] += [Party(seizure_id=pk, **p) for p in spec.parties]
            parts[PortCall] += [
                PortCall(seizure_id=pk, sequence=n, role=role, port_id=port.pk, leg_distance_km=leg)
                for n, (role, port, leg) in enumerate(routes[spec.template].calls, start=1)
            ]
            parts[SeizureGroupObjectPermission] += [
                SeizureGroupObjectPermission(
                    permission_id=perm, group_id=group_id, content_object_id=pk
                )
                for perm in perms
            ]
        for model, objects in parts.items():
            model.objects.bulk_create(objects, batch_size=BATCH)
        _backdate([s.pk for s in seizures])
        progress(chunk.stop, len(headers))
