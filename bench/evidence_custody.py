"""Benchmark of issue 5: ``verify_custody`` over a million custody events, and an item's page.

Run from the repository root:  .venv/bin/python bench/evidence_custody.py [--reuse]

(a) Seeds ``--items`` evidence items with ``--events`` custody events each (default
100 000 x 10 = 1 000 000) on PostgreSQL, written with COPY in batches. Every event's hash
is computed in Python with ``chain.event_hash`` (the definition the services use), so the
chains are real and must all verify. The evidence tables are emptied first unless
``--reuse`` finds enough events already there.

(b) Times ``manage.py verify_custody`` over all of them, once per ``--workers`` value (each
run in a fresh process, so peak memory is the verification's own): seconds, events per
second, peak RSS of the process and of its worker processes.

(c) An item with ``--page-events`` events (default 500) and one with 10: the item page
(``evidence:item``) through django.test.Client as its custodian, query count and
p50/p95 ms; the query count must be the same for both.

Prints one JSON object. The database (default ``ct_evbench``) is created when missing;
never point it at a real database (it empties the evidence tables).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run as bench_run  # noqa: E402  (bench/run.py: settings, timing helpers)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_evbench"
COPY_BATCH = 20_000  # items per COPY round (and per transaction)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10, help="custody events per item")
    parser.add_argument("--reuse", action="store_true", help="keep the events already seeded")
    parser.add_argument(
        "--workers", default="1,2", help="verify_custody --workers values to time, e.g. 1,2"
    )
    parser.add_argument("--page-events", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30, help="timed page requests")
    parser.add_argument("--debug", action="store_true", help="measure with DEBUG on")
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    parser.add_argument("--verify-only", type=int, metavar="WORKERS", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def setup(args: argparse.Namespace, *, migrate: bool) -> None:
    bench_run.postgres_django(DEFAULT_DATABASE_URL, debug=args.debug)
    from django.core.management import call_command

    if migrate and not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if migrate and not args.debug:
        call_command("collectstatic", verbosity=0, interactive=False)


# --- seeding -----------------------------------------------------------------------------


def people():
    """The demo's seizures and people: an officer of a seizing unit, a colleague of theirs
    (a disposal's witness) and a lab custodian (created when the demo has none)."""
    from casetracker.core.choices import Role, UnitKind
    from casetracker.core.models import Unit, User
    from seizures import demo
    from seizures.models import Seizure

    if not Seizure.objects.exists():
        demo.seizures_seed(count=40, seed=1)
    seizure = Seizure.objects.order_by("pk").first()
    officers = User.objects.filter(unit=seizure.unit, role=Role.OFFICER, is_active=True)
    officer = officers.order_by("pk").first()
    witness = officers.exclude(pk=officer.pk).order_by("pk").first() or officer
    lab = User.objects.filter(
        role=Role.CUSTODIAN, unit__kind=UnitKind.FORENSIC_LAB, is_active=True
    ).first()
    if lab is None:
        unit = Unit.objects.filter(kind=UnitKind.FORENSIC_LAB).first() or Unit.objects.create(
            code="BENCH-LAB", kind=UnitKind.FORENSIC_LAB, country="EC", name="Bench lab"
        )
        lab = User.objects.create(username="bench.lab", unit=unit, role=Role.CUSTODIAN)
    seizures = list(Seizure.objects.filter(unit=seizure.unit).order_by("pk")[:20])
    return seizures, officer, witness, lab


def story(events: int, *, officer, lab, witness, seals: list[str], start: dt.datetime):
    """One item's events as value dicts, the way the services write them: bagged by the
    officer, checked, sent to the lab and back (one hand-over refused, one cancelled), and
    the item row that results."""
    from evidence.choices import EventKind, ItemState, Purpose, SealCheck

    cycle = [
        EventKind.CHECK,
        EventKind.TRANSFER,
        EventKind.RECEIVED,
        EventKind.CHECK,
        EventKind.TRANSFER,
        EventKind.REJECTED,
        EventKind.TRANSFER,
        EventKind.CANCELLED,
        EventKind.TRANSFER,
        EventKind.RECEIVED,
    ]
    holder, state, transit_to = officer, ItemState.IN_CUSTODY, None
    rows = []
    for seq in range(1, events + 1):
        # Plain str: the COPY adapter must not see an enum.
        kind = str(EventKind.INTAKE if seq == 1 else cycle[(seq - 2) % len(cycle)])
        other = lab if holder.pk == officer.pk else officer
        when = start + dt.timedelta(hours=seq, microseconds=seq)
        values = {
            "seq": seq,
            "kind": kind,
            "purpose": Purpose.LABORATORY if holder.pk == officer.pk else Purpose.STORAGE,
            "from_user_id": holder.pk,
            "from_unit_id": holder.unit_id,
            "to_user_id": None,
            "to_unit_id": None,
            "occurred_at": when,
            "place": "Port store, shelf A1" if holder.pk == officer.pk else "Lab vault 3",
            "seal_check": SealCheck.INTACT if kind != EventKind.TRANSFER else "",
            "seals": seals,
            "condition": "good",
            "note": "Refused: no request form" if kind == EventKind.REJECTED else "",
            "witness_id": None,
            "details": {},
            "recorded_by_id": holder.pk,
            "recorded_at": when,
        }
        if kind == EventKind.INTAKE:
            values |= {"from_user_id": None, "from_unit_id": None}
            values |= {"to_user_id": officer.pk, "to_unit_id": officer.unit_id}
        elif kind == EventKind.CHECK:
            values |= {"to_user_id": holder.pk, "to_unit_id": holder.unit_id}
        elif kind == EventKind.TRANSFER:
            transit_to, state = other, ItemState.IN_TRANSIT
            values |= {"to_user_id": other.pk, "to_unit_id": other.unit_id}
        elif kind == EventKind.RECEIVED:
            values |= {"from_user_id": holder.pk, "from_unit_id": holder.unit_id}
            holder, transit_to, state = transit_to, None, ItemState.IN_CUSTODY
            values |= {"to_user_id": holder.pk, "to_unit_id": holder.unit_id}
            values["recorded_by_id"] = holder.pk
        elif kind in (EventKind.REJECTED, EventKind.CANCELLED):
            values |= {"from_user_id": transit_to.pk, "from_unit_id": transit_to.unit_id}
            values |= {"to_user_id": holder.pk, "to_unit_id": holder.unit_id}
            if kind == EventKind.REJECTED:
                values["recorded_by_id"] = transit_to.pk
            transit_to, state = None, ItemState.IN_CUSTODY
        rows.append(values)
    final = {
        "custodian": holder,
        "state": state,
        "transit_to": transit_to,
        "witness": witness,
    }
    return rows, final


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    from evidence.models import CustodyEvent

    existing = CustodyEvent.objects.count()
    if args.reuse and existing >= args.items * args.events:
        return {"seed_seconds": None, "seeded_events": existing}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # TRUNCATE, not DELETE: the custody table refuses deletes (its trigger).
        cursor.execute("TRUNCATE evidence_custodyevent, evidence_evidenceitem CASCADE")
    seizures, officer, witness, lab = people()
    written = bulk_items(
        args.items, args.events, seizures, officer=officer, lab=lab, witness=witness, progress=True
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evidence_evidenceitem")
        cursor.execute("ANALYZE evidence_custodyevent")
    return {"seed_seconds": round(time.perf_counter() - started, 1), "seeded_events": written}


def bulk_items(count, events, seizures, *, officer, lab, witness, progress=False) -> int:
    """``count`` items of ``events`` events each, written with COPY; returns events written."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from evidence import chain
    from evidence.choices import ItemKind
    from evidence.models import CustodyEvent, EvidenceItem

    item_columns = [f.column for f in EvidenceItem._meta.concrete_fields]
    event_columns = ["item_id", *chain.HASHED_FIELDS, "prev_hash", "hash"]
    first_id = (EvidenceItem.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    numbers = {
        s.pk: (EvidenceItem.objects.filter(seizure=s).aggregate(n=Max("number"))["n"] or 0)
        for s in seizures
    }
    start = timezone.now() - dt.timedelta(days=400)
    written = 0
    for batch_start in range(0, count, COPY_BATCH):
        item_rows, event_rows = [], []
        for n in range(batch_start, min(count, batch_start + COPY_BATCH)):
            pk = first_id + n
            seizure = seizures[n % len(seizures)]
            numbers[seizure.pk] += 1
            public_id = uuid.uuid4()
            seals = [f"S-{pk:07d}"]
            rows, final = story(
                events, officer=officer, lab=lab, witness=witness, seals=seals, start=start
            )
            prev = chain.genesis(public_id)
            for values in rows:
                digest = chain.event_hash(prev, values)
                event_rows.append(
                    (
                        pk,
                        *(
                            json.dumps(values[f]) if f in ("seals", "details") else values[f]
                            for f in chain.HASHED_FIELDS
                        ),
                        prev,
                        digest,
                    )
                )
                prev = digest
            holder, transit_to = final["custodian"], final["transit_to"]
            values = {
                "id": pk,
                "public_id": public_id,
                "seizure_id": seizure.pk,
                "parent_id": None,
                "number": numbers[seizure.pk],
                "label": f"{seizure.reference}-E{numbers[seizure.pk]}",
                "kind": ItemKind.PACKAGE,
                "description": "Brick wrapped in black tape",
                "seized_item_id": None,
                "seal_numbers": json.dumps(seals),
                "storage_location": rows[-1]["place"],
                "condition": "good",
                "state": final["state"],
                "custodian_id": holder.pk,
                "custodian_unit_id": holder.unit_id,
                "transit_to_id": transit_to.pk if transit_to else None,
                "transit_to_unit_id": transit_to.unit_id if transit_to else None,
                "file": "",
                "file_name": "",
                "file_size": None,
                "file_sha256": "",
                "chain_head": prev,
                "event_count": len(rows),
                "created_by_id": officer.pk,
                "created_at": start,
            }
            item_rows.append(tuple(values[c] for c in item_columns))
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                f"COPY evidence_evidenceitem ({', '.join(item_columns)}) FROM STDIN"
            ) as copy:
                for row in item_rows:
                    copy.write_row(row)
            with raw.copy(
                f"COPY evidence_custodyevent ({', '.join(event_columns)}) FROM STDIN"
            ) as copy:
                for row in event_rows:
                    copy.write_row(row)
        written += len(event_rows)
        if progress:
            bench_run._progress(min(count, batch_start + COPY_BATCH), count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('evidence_evidenceitem', 'id'), "
            "(SELECT max(id) FROM evidence_evidenceitem))"
        )
    assert CustodyEvent.objects.filter(item_id__gte=first_id).count() >= written
    return written


# --- (b) verify_custody ----------------------------------------------------------------


def verify_in_fresh_process(workers: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--verify-only", str(workers)]
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    if done.returncode != 0:
        return {"status": "failed", "stderr": done.stderr[-2000:], "stdout": done.stdout[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify_only(workers: int) -> dict[str, Any]:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    try:
        call_command("verify_custody", workers=workers, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    seconds = time.perf_counter() - started
    summary = out.getvalue().strip().splitlines()[-1]
    events = int(summary.split(" items, ")[1].split(" ")[0])
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "status": "ok" if code == 0 else "broken chains",
        "workers": workers,
        "events": events,
        "seconds": round(seconds, 2),
        "events_per_second": round(events / seconds),
        "peak_rss_mb": round(own, 1),
        "peak_rss_worker_mb": round(children, 1) if workers > 1 else None,
        "summary": summary,
    }


# --- (c) the item page -------------------------------------------------------------------


def page_figures(args: argparse.Namespace) -> dict[str, Any]:
    """The custody page of an item with ``--page-events`` events and of one with 10, as its
    custodian: the same number of queries for both is the target."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from evidence.models import EvidenceItem

    seizures, officer, witness, lab = people()
    # The officer of the seizing unit sees every item of its seizures.
    sizes = {"events_500": args.page_events, "events_10": 10}
    figures: dict[str, Any] = {}
    client = Client()
    client.force_login(officer)
    for name, events in sizes.items():
        item = EvidenceItem.objects.filter(event_count=events).order_by("-pk").first()
        if item is None:
            bulk_items(1, events, seizures[:1], officer=officer, lab=lab, witness=witness)
            item = EvidenceItem.objects.order_by("-pk").first()
        try:
            url = reverse("evidence:item", kwargs={"label": item.label})
        except NoReverseMatch:
            return {"status": "unavailable", "reason": "no evidence:item URL yet"}
        figures[name] = bench_run.measure(
            lambda url=url: client.get(url), requests=args.requests, expect=200
        )
        figures[name]["item"] = item.label
    done = [f for f in figures.values() if f.get("status") == "ok"]
    figures["fixed_query_count"] = len(done) == len(sizes) and (
        len({f["queries_min"] for f in done}) == 1
    )
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.verify_only is not None:
        setup(args, migrate=False)
        result = verify_only(args.verify_only)
        print(json.dumps(result))
        return result
    setup(args, migrate=True)
    from django.db import connection

    result: dict[str, Any] = {"database": connection.vendor, "items": args.items}
    result.update(seed(args))
    connection.close()
    result["verify_custody"] = [
        verify_in_fresh_process(int(w)) for w in args.workers.split(",") if w.strip()
    ]
    if not args.skip_page:
        result["item_page"] = page_figures(args)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
