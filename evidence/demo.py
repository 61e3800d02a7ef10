"""Demo evidence: items bagged from the demo seizures, samples taken, some sent to the lab.

Everything goes through the services, so every chain is real and verifies; the same seed
gives the same items.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import User
from seizures.choices import SeizureStatus
from seizures.models import Seizure

from . import services
from .choices import Condition, ItemKind, Purpose, SealCheck
from .models import EvidenceItem

PER_UNIT = 20


@dataclass
class Result:
    items: int
    events: int
    seconds: float


def _officer(unit) -> User | None:
    return User.objects.filter(unit=unit, role=Role.OFFICER, is_active=True).order_by("pk").first()


def evidence_seed(*, seed: int = 1, per_unit: int = PER_UNIT) -> Result:
    started = time.perf_counter()
    rng = random.Random(seed)
    lab_custodian = (
        User.objects.filter(role=Role.CUSTODIAN, unit__kind=UnitKind.FORENSIC_LAB, is_active=True)
        .order_by("pk")
        .first()
    )
    items_before = EvidenceItem.objects.count()
    now = timezone.now()
    control_units = (
        Seizure.objects.filter(status=SeizureStatus.SUBMITTED)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    for unit_id in sorted(set(control_units)):
        seizures = list(
            Seizure.objects.filter(unit_id=unit_id, status=SeizureStatus.SUBMITTED)
            .select_related("unit")
            .order_by("-occurred_at")[:per_unit]
        )
        officer = _officer(seizures[0].unit) if seizures else None
        if officer is None:
            continue
        for number, seizure in enumerate(seizures):
            with transaction.atomic():
                _bag_seizure(seizure, officer, lab_custodian, rng, number, now)
    items = EvidenceItem.objects.count() - items_before
    return Result(
        items=items,
        events=sum(EvidenceItem.objects.values_list("event_count", flat=True)),
        seconds=time.perf_counter() - started,
    )


def _shelf(seizure, rng) -> str:
    return f"{seizure.unit.code} store, shelf {rng.choice('ABCD')}{rng.randint(1, 9)}"


def _bag_seizure(seizure, officer, lab_custodian, rng, number, now) -> None:
    bagged = min(seizure.occurred_at + dt.timedelta(hours=2), now)
    goods = seizure.items.first()
    package = services.item_create(
        seizure=seizure,
        by=officer,
        kind=ItemKind.PACKAGE,
        description=rng.choice(
            ["Brick wrapped in black tape", "Holdall with 20 packages", "Sports bag, blue"]
        ),
        storage_location=_shelf(seizure, rng),
        seal_numbers=[f"{seizure.unit.code[:5]}-{rng.randint(100000, 999999)}"],
        seized_item=goods,
        occurred_at=bagged,
    )
    if rng.random() < 0.3:
        services.item_create(
            seizure=seizure,
            by=officer,
            kind=ItemKind.PHONE,
            description="Mobile phone found with the consignment",
            storage_location=package.storage_location,
            seal_numbers=[f"{seizure.unit.code[:5]}-{rng.randint(100000, 999999)}"],
            occurred_at=bagged,
        )
    if rng.random() < 0.6:
        sample = services.item_create(
            seizure=seizure,
            by=officer,
            kind=ItemKind.DRUG_SAMPLE,
            description="Sample for purity and profiling, 5 g",
            storage_location=package.storage_location,
            seal_numbers=[f"S-{rng.randint(100000, 999999)}"],
            parent=package,
            occurred_at=bagged + dt.timedelta(minutes=30),
        )
        if lab_custodian is not None and number % 3 != 2:
            services.transfer_start(
                item=sample,
                by=officer,
                to=lab_custodian,
                purpose=Purpose.LABORATORY,
                place=f"{seizure.port.name} port",
                occurred_at=bagged + dt.timedelta(hours=4),
            )
            # Most samples arrived; the newest few are still on their way to the lab.
            if number >= 2:
                services.transfer_confirm(
                    item=sample,
                    by=lab_custodian,
                    seal_check=SealCheck.INTACT,
                    condition=Condition.GOOD,
                    storage_location=f"Vault {rng.randint(1, 4)}",
                    occurred_at=min(bagged + dt.timedelta(days=2), now),
                )
