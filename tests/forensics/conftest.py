"""Forensic work on a Guayaquil seizure: the ``officer`` bags an ``item`` and asks the Quito
lab (``lab``: an ``examiner``, a second examiner ``examiner_two``, a ``lab_custodian`` and a
``lab_supervisor``) to examine it. ``rival_examiner`` works at another lab (Guayas) and
must see none of it."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.pdfgen import canvas

from casetracker.core.choices import Role, UnitKind
from forensics import services
from forensics.choices import TaskKind

from .. import factories as f
from ..evidence.conftest import bag

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def lab(db):
    return f.UnitFactory(
        code="EC-LAB",
        kind=UnitKind.FORENSIC_LAB,
        port=None,
        country="EC",
        name="Lab Quito",
        email="lab@example.org",
    )


@pytest.fixture
def examiner(lab):
    return f.UserFactory(username="examiner", unit=lab, role=Role.EXAMINER)


@pytest.fixture
def examiner_two(lab):
    return f.UserFactory(username="examiner_two", unit=lab, role=Role.EXAMINER)


@pytest.fixture
def lab_custodian(lab):
    return f.UserFactory(username="lab_custodian", unit=lab, role=Role.CUSTODIAN)


@pytest.fixture
def lab_supervisor(lab):
    return f.UserFactory(username="lab_boss", unit=lab, role=Role.SUPERVISOR)


@pytest.fixture
def rival_lab(db):
    return f.UnitFactory(
        code="EC-LAB2", kind=UnitKind.FORENSIC_LAB, port=None, country="EC", name="Lab Guayas"
    )


@pytest.fixture
def rival_examiner(rival_lab):
    return f.UserFactory(username="rival_examiner", unit=rival_lab, role=Role.EXAMINER)


@pytest.fixture
def item(seizure, officer):
    return bag(seizure, officer, kind="drug_sample", description="Sample of brick 1")


def pdf_bytes(text: str = "Lab report") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def pdf_upload(name: str = "report.pdf", text: str = "Lab report") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), "application/pdf")


def request_task(by, seizure, lab, *, item=None, kind=TaskKind.DRUG_PROFILING, days=10):
    return services.task_request(
        by=by,
        seizure=seizure,
        kind=kind,
        lab=lab,
        questions="Identify the substance, its purity and its profile.",
        due_at=timezone.now() + days * DAY,
        item=item,
    )


DRUG_RESULT = {
    "substance": "Cocaine hydrochloride",
    "purity_percent": "83.50",
    "adulterants": "Levamisole",
    "profile_signature": "CP-2025-017",
    "conclusions": "High-purity cocaine of the CP-2025-017 profile class.",
}


def report(task, examiner, results=None, upload=None):
    """Accept (if needed) and file the result of ``task`` as ``examiner``."""
    if task.status == "requested":
        task = services.task_accept(by=examiner, task=task)
    return services.task_report(
        by=examiner,
        task=task,
        results=results or DRUG_RESULT,
        upload=upload or pdf_upload(),
    )


@pytest.fixture
def task(officer, seizure, lab, item, examiner):
    return request_task(officer, seizure, lab, item=item)
