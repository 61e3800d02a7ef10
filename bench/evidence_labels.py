"""Benchmark: evidence labels for 100 items (issue 5: < 2 s) and a 500-event custody form.

Run from the repository root:
    .venv/bin/python bench/evidence_labels.py                # PostgreSQL (DATABASE_URL, ct_bench)
    .venv/bin/python bench/evidence_labels.py --allow-sqlite # var/bench-labels.sqlite3

Seeds once (found again on later runs, never flushes): a control unit BENCHLBL-PCU, its
officer, one seizure at Guayaquil with --items evidence items bagged through
``evidence.services.item_create`` (two seals each), the first of them checked until its
chain holds --events events. Then, after 3 warm-up renders, times --renders renders of:
the labels of all items in every size (``label_data`` + ``render_labels``, items loaded
fresh each time so the queries count), the officer's download of the seizure's labels
through the view (``evidence:labels-pdf``, the whole request cycle in-process, audit row
included), and the chain-of-custody form of the long-chained item through its view.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from run import configure, measure, percentile

ROOT = Path(__file__).resolve().parent.parent
TARGET_LABELS_S = 2.0
UNIT_CODE = "BENCHLBL-PCU"
OFFICER = "bench.labels.officer"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--events", type=int, default=500, help="events of the custody form")
    parser.add_argument("--renders", type=int, default=20, help="timed renders per figure")
    parser.add_argument(
        "--allow-sqlite",
        action="store_true",
        help="run without DATABASE_URL on a separate SQLite file (var/bench-labels.sqlite3)",
    )
    parser.add_argument("--debug", action="store_true", help="measure with DEBUG on")
    parser.add_argument("--no-migrate", action="store_true")
    return parser.parse_args(argv)


def seed(args: argparse.Namespace):
    """The seizure and its items, created on the first run and found on later ones."""
    from django.db import transaction

    with transaction.atomic():  # all of it or nothing, so a failed run leaves no half seed
        return _seed(args)


def _seed(args: argparse.Namespace):
    from django.utils import timezone

    from casetracker.core.choices import Role, UnitKind
    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port, Unit, User
    from evidence.choices import Condition, ItemKind, SealCheck
    from evidence.models import EvidenceItem
    from evidence.services import item_check, item_create
    from seizures import services
    from seizures.models import Seizure

    seizure = Seizure.objects.filter(unit__code=UNIT_CODE).order_by("id").first()
    if seizure is not None:
        return seizure, User.objects.get(username=OFFICER)
    if not Port.objects.filter(locode="ECGYE").exists():
        ports_load()
    port = Port.objects.get(locode="ECGYE")
    unit = Unit.objects.create(
        code=UNIT_CODE,
        name="Bench labels port control unit",
        kind=UnitKind.PORT_CONTROL,
        country="EC",
        port=port,
        email="benchlbl@aduana.example",
    )
    officer = User.objects.create_user(
        username=OFFICER,
        email="bench.labels@aduana.example",
        first_name="Bench",
        last_name="Labeller",
        unit=unit,
        role=Role.OFFICER,
    )
    seizure = services.seizure_log(
        user=officer,
        fields={
            "occurred_at": timezone.now(),
            "port": port,
            "detection_method": "profiling",
            "concealment_method": "rip_on",
        },
        parts=services.SeizureParts(
            items=[
                {
                    "category": "drugs",
                    "substance": "cocaine",
                    "quantity": Decimal("412.5"),
                    "quantity_unit": "kg",
                }
            ],
            port_calls=[{"role": "loading", "port": port}],
        ),
    )
    kinds = [ItemKind.PACKAGE, ItemKind.DRUG_SAMPLE, ItemKind.PHONE, ItemKind.DOCUMENT]
    for n in range(args.items):
        item_create(
            seizure=seizure,
            by=officer,
            kind=kinds[n % len(kinds)],
            description=f"Brick {n + 1} wrapped in black tape, logo of a scorpion",
            storage_location="Port store, cage B, shelf 4",
            seal_numbers=[f"EC-{100000 + 2 * n}", f"EC-{100001 + 2 * n}"],
        )
    first = EvidenceItem.objects.filter(seizure=seizure).order_by("number").first()
    for n in range(args.events - 1):
        item_check(
            item=first,
            by=officer,
            seal_check=SealCheck.INTACT,
            condition=Condition.GOOD,
            storage_location=f"Port store, cage B, shelf {n % 9 + 1}",
        )
    return seizure, officer


def _timed(render, renders: int) -> tuple[dict[str, Any], bytes]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(3):
        content = render()
    timings, queries = [], []
    for _n in range(renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            content = render()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return {
        "renders": renders,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "queries": max(queries),
        "pdf_bytes": len(content),
        "pages": int(content.split(b"/Count ", 1)[1].split(maxsplit=1)[0].strip(b"/>")),
        "same_bytes": render() == content,
    }, content


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    vendor = configure(SimpleNamespace(debug=args.debug, allow_sqlite=args.allow_sqlite))
    if vendor == "sqlite":
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = ROOT / "var" / "bench-labels.sqlite3"
        (ROOT / "var").mkdir(exist_ok=True)
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from evidence import labels
    from evidence.models import EvidenceItem

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        raise SystemExit(
            "bench/evidence_labels.py measures PostgreSQL; pass --allow-sqlite for SQLite."
        )
    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if not args.debug:
        call_command("collectstatic", verbosity=0, interactive=False)
    seizure, officer = seed(args)
    items = EvidenceItem.objects.filter(seizure=seizure).order_by("number")

    by_size = {}
    for size in labels.SIZES:

        def render(size=size) -> bytes:
            fresh = list(items.select_related("seizure__port"))
            return labels.render_labels(labels.label_data(fresh), size=size)

        by_size[size], _content = _timed(render, args.renders)

    client = Client()
    client.force_login(officer)
    batch_url = reverse("evidence:labels-pdf", kwargs={"public_id": seizure.public_id})
    view = measure(lambda: client.get(batch_url), requests=args.renders, expect=200)
    long_chained = items.first()
    custody_url = reverse("evidence:custody-pdf", kwargs={"label": long_chained.label})
    custody = measure(lambda: client.get(custody_url), requests=args.renders, expect=200)
    custody_pages = client.get(custody_url).content
    custody["pages"] = int(custody_pages.split(b"/Count ", 1)[1].split(maxsplit=1)[0].strip(b"/>"))
    target_ms = TARGET_LABELS_S * 1000
    return {
        "database": connection.vendor,
        "debug": args.debug,
        "seizure": seizure.reference,
        "items": items.count(),
        "labels": by_size,
        "labels_view": view,
        "custody_form_events": long_chained.event_count,
        "custody_form_view": custody,
        "target_labels_p95_ms": target_ms,
        "met": {
            "labels_p95": all(figure["p95_ms"] < target_ms for figure in by_size.values()),
            "labels_view_p95": view.get("status") == "ok" and view["p95_ms"] < target_ms,
        },
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(parse_args()), indent=2))
