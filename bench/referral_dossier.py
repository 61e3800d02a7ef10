"""Benchmark: the referral dossier PDF of a seizure with photos (issue 4: p95 < 1 s).

Run from the repository root:
    .venv/bin/python bench/referral_dossier.py                # PostgreSQL (DATABASE_URL, ct_bench)
    .venv/bin/python bench/referral_dossier.py --allow-sqlite # var/bench-dossier.sqlite3

Seeds once (found again on later runs, never flushes): a control unit BENCHDOS-PCU, its
officer, one submitted seizure Guayaquil → Manzanillo → Antwerp with two containers, two
items, --parties parties and --photos camera-sized photos (thumbnails made), referred at
H2 to an external counterpart. Then renders its dossier --renders times (after 3 warm-up
renders), twice over: ``dossier_pdf`` alone (loading the referral fresh each time, so the
queries count) and the sending officer's download through the view
(``referrals:dossier``, the whole Django request cycle in-process). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from run import configure, measure, percentile

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 1000.0
UNIT_CODE = "BENCHDOS-PCU"
OFFICER = "bench.dossier.officer"
RECIPIENT = "Bench dossier counterpart (Antwerp)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50, help="timed renders per figure")
    parser.add_argument("--photos", type=int, default=6)
    parser.add_argument("--parties", type=int, default=8)
    parser.add_argument(
        "--allow-sqlite",
        action="store_true",
        help="run without DATABASE_URL on a separate SQLite file (var/bench-dossier.sqlite3)",
    )
    parser.add_argument("--debug", action="store_true", help="measure with DEBUG on")
    parser.add_argument("--no-migrate", action="store_true")
    return parser.parse_args(argv)


def _camera_jpeg(index: int) -> bytes:
    """A 2 000 × 1 500 JPEG with noise in it, so it compresses like a photo, not a flat fill."""
    from PIL import Image

    size = (2000, 1500)
    noise = Image.effect_noise(size, 40 + index)
    tint = Image.new("L", size, 90 + 20 * index % 120)
    photo = Image.merge("RGB", (noise, tint, Image.linear_gradient("L").resize(size)))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def seed(args: argparse.Namespace):
    """The referral to render, created on the first run and found on later ones."""
    from django.db import transaction

    with transaction.atomic():  # all of it or nothing, so a failed run leaves no half seed
        return _seed(args)


def _seed(args: argparse.Namespace):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.utils import timezone

    from casetracker.core.choices import HandlingCode, Role, UnitKind
    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port, Unit, User
    from referrals.choices import Origin, RecipientKind
    from referrals.models import Recipient, Referral
    from referrals.services import referral_send
    from seizures import services
    from seizures.attachments import attachment_add, attachment_thumbnail_make
    from seizures.models import Party

    found = (
        Referral.objects.filter(recipient__name=RECIPIENT, seizure__unit__code=UNIT_CODE)
        .order_by("id")
        .first()
    )
    if found is not None:
        return found, User.objects.get(username=OFFICER)
    if Port.objects.filter(locode__in=["ECGYE", "PAMIT", "BEANR"]).count() != 3:
        ports_load()
    unit = Unit.objects.create(
        code=UNIT_CODE,
        name="Bench dossier port control unit",
        kind=UnitKind.PORT_CONTROL,
        country="EC",
        port=Port.objects.get(locode="ECGYE"),
        email="benchdos@aduana.example",
    )
    officer = User.objects.create_user(
        username=OFFICER,
        email="bench.dossier@aduana.example",
        first_name="Bench",
        last_name="Officer",
        unit=unit,
        role=Role.OFFICER,
    )
    ports = {code: Port.objects.get(locode=code) for code in ("ECGYE", "PAMIT", "BEANR")}
    parties = [
        {
            "role": "consignee" if i % 2 else "shipper",
            "kind": "company" if i % 3 else "person",
            "name": f"Bench party {i}",
            "country": "BE" if i % 2 else "EC",
        }
        for i in range(args.parties)
    ]
    seizure = services.seizure_log(
        user=officer,
        fields={
            "occurred_at": timezone.now(),
            "port": ports["ECGYE"],
            "terminal": "Contecon",
            "detection_method": "profiling",
            "vessel_name": "MSC Aurelia Bay",
            "imo_number": "9074729",
            "voyage": "QA512N",
            "bill_of_lading": "MEDUGY00001234",
            "declared_goods": "Fresh bananas",
            "hs_code": "080390",
            "concealment_method": "rip_on",
        },
        parts=services.SeizureParts(
            containers=[
                {"number": "CSQU3054383", "seal_numbers": "ML-123456, ML-123457"},
                {"number": "MSCU1234566", "seal_numbers": "ML-223344"},
            ],
            items=[
                {
                    "category": "drugs",
                    "substance": "cocaine",
                    "quantity": Decimal("412.5"),
                    "quantity_unit": "kg",
                    "estimated_value": Decimal("13200000"),
                    "currency": "EUR",
                },
                {"category": "other", "quantity": Decimal("2"), "quantity_unit": "piece"},
            ],
            port_calls=[
                {"role": "loading", "port": ports["ECGYE"]},
                {"role": "transhipment", "port": ports["PAMIT"]},
                {"role": "discharge", "port": ports["BEANR"]},
            ],
            parties=parties,
        ),
        submit=True,
    )
    Party.objects.filter(seizure=seizure).update(handling_code=HandlingCode.H2)
    for i in range(args.photos):
        upload = SimpleUploadedFile(f"photo-{i}.jpg", _camera_jpeg(i), "image/jpeg")
        photo = attachment_add(
            user=officer,
            seizure=seizure,
            upload=upload,
            caption=f"Container doors {i}",
            handling_code=HandlingCode.H2,
        )
        attachment_thumbnail_make(attachment=photo)
    recipient = Recipient.objects.create(
        name=RECIPIENT, kind=RecipientKind.EXTERNAL, email="bench@police.example", country="BE"
    )
    with transaction.atomic():
        referral = referral_send(
            seizure=seizure,
            recipient=recipient,
            handling_code=HandlingCode.H2,
            ack_hours=48,
            respond_days=14,
            origin=Origin.MANUAL,
            reasons=[{"kind": "manual", "by": "Bench Officer"}],
            by=officer,
        )
    return referral, officer


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    os.environ.setdefault(
        "CASETRACKER_PRIVATE_MEDIA_ROOT", str(ROOT / "var" / "bench-dossier-media")
    )
    vendor = configure(SimpleNamespace(debug=args.debug, allow_sqlite=args.allow_sqlite))
    if vendor == "sqlite":
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = ROOT / "var" / "bench-dossier.sqlite3"
        (ROOT / "var").mkdir(exist_ok=True)
    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from referrals.dossier import dossier_pdf
    from referrals.models import Referral

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        raise SystemExit(
            "bench/referral_dossier.py measures PostgreSQL; pass --allow-sqlite for SQLite."
        )
    # The referral e-mails of the seeding must not print into the JSON.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if not args.debug:
        call_command("collectstatic", verbosity=0, interactive=False)
    referral, officer = seed(args)

    def render() -> bytes:
        fresh = Referral.objects.select_related(
            "seizure", "seizure__unit", "seizure__port", "recipient"
        ).get(pk=referral.pk)
        return dossier_pdf(referral=fresh)

    for _n in range(3):
        content = render()
    timings, queries = [], []
    for _n in range(args.renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            render()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    function = {
        "status": "ok",
        "renders": args.renders,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "queries": max(queries),
        "pdf_bytes": len(content),
        "pages": int(content.split(b"/Count ", 1)[1].split(maxsplit=1)[0].strip(b"/>")),
        "same_bytes": render() == content,
    }
    client = Client()
    client.force_login(officer)
    url = reverse("referrals:dossier", kwargs={"public_id": referral.public_id})
    view = measure(lambda: client.get(url), requests=args.renders, expect=200)
    return {
        "database": connection.vendor,
        "debug": args.debug,
        "seizure": referral.seizure.reference,
        "photos": referral.seizure.attachments.count(),
        "parties": referral.seizure.parties.count(),
        "dossier_pdf": function,
        "view": view,
        "target_p95_ms": TARGET_P95_MS,
        "met": {
            "dossier_pdf_p95": function["p95_ms"] < TARGET_P95_MS,
            "view_p95": view.get("status") == "ok" and view["p95_ms"] < TARGET_P95_MS,
        },
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(parse_args()), indent=2))
