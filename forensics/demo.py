"""Demo forensic work: the drug samples the demo sent to the lab are examined.

Each sample at the lab (or on its way there) gets a drug profiling request from the officer
who bagged it; the lab accepts most and reports on some. Reported profiles come from a few
signature classes, so samples of different seizures match and links are proposed. All of
it goes through the services: every move is recorded and every e-mail written.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from reportlab.pdfgen import canvas

from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import User
from evidence.choices import ItemKind, ItemState
from evidence.models import EvidenceItem

from . import services
from .choices import TaskKind
from .models import SeizureLink

SIGNATURES = ("CP-2026-017", "CP-2026-022", "CP-2026-031")


@dataclass
class Result:
    tasks: int
    reported: int
    links: int
    seconds: float


def _report_pdf(label: str, signature: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, invariant=1)
    sheet.drawString(72, 760, f"Laboratory report: {label}")
    sheet.drawString(72, 740, f"Cocaine hydrochloride, profile class {signature}.")
    sheet.save()
    return SimpleUploadedFile(f"report-{label}.pdf", buffer.getvalue(), "application/pdf")


def forensics_seed(*, seed: int = 1) -> Result:
    started = time.perf_counter()
    rng = random.Random(seed)
    at_or_to_lab = Q(custodian_unit__kind=UnitKind.FORENSIC_LAB) | Q(
        state=ItemState.IN_TRANSIT, transit_to_unit__kind=UnitKind.FORENSIC_LAB
    )
    samples = (
        EvidenceItem.objects.filter(at_or_to_lab, kind=ItemKind.DRUG_SAMPLE)
        .exclude(state=ItemState.DISPOSED)
        .filter(forensic_tasks__isnull=True)
        .select_related("seizure", "created_by", "transit_to_unit", "custodian_unit")
        .order_by("pk")
    )
    now = timezone.now()
    created = reported = 0
    for sample in samples:
        lab = sample.transit_to_unit if sample.transit_to_id else sample.custodian_unit
        examiner = (
            User.objects.filter(unit=lab, role=Role.EXAMINER, is_active=True).order_by("pk").first()
        )
        task = services.task_request(
            by=sample.created_by,
            seizure=sample.seizure,
            kind=TaskKind.DRUG_PROFILING,
            lab=lab,
            questions="Identify the substance, its purity and its profile class.",
            due_at=now + dt.timedelta(days=rng.choice([3, 10, 21])),
            item=sample,
        )
        created += 1
        if examiner is None or sample.state == ItemState.IN_TRANSIT or rng.random() < 0.25:
            continue
        task = services.task_accept(by=examiner, task=task)
        if rng.random() < 0.4:
            continue
        signature = rng.choice(SIGNATURES)
        services.task_report(
            by=examiner,
            task=task,
            results={
                "substance": "Cocaine hydrochloride",
                "purity_percent": f"{rng.uniform(55, 92):.2f}",
                "adulterants": rng.choice(["Levamisole", "Phenacetin", "None detected"]),
                "profile_signature": signature,
                "conclusions": f"Cocaine hydrochloride of the {signature} profile class.",
            },
            upload=_report_pdf(sample.label, signature),
        )
        reported += 1
    return Result(
        tasks=created,
        reported=reported,
        links=SeizureLink.objects.count(),
        seconds=time.perf_counter() - started,
    )
