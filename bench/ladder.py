"""Benchmark of the follow-up ladder (issue 6, item 2): rebuild, refresh, page section.

Run from the repository root:  .venv/bin/python bench/ladder.py [--seizures 100000] [--reuse]

Seeds ``--seizures`` seizures (the demo generator, in bulk) into its own PostgreSQL database
(default ``ct_ladderbench``, created if missing, flushed when re-seeded), then gives about
``--referred`` of them (default 60 %) one to three referrals at various stages and a few
outcomes, written with bulk inserts (no signals: exactly what ``ladder_rebuild`` is for).
It measures:

- ``rebuild``: ``ladder.rebuild()`` over every seizure (seconds, seizures per second, the
  queries per batch);
- ``refresh``: ``ladder.refresh(id)`` alone, as an event's receiver runs it (p50/p95 ms and
  queries), over ``--requests`` referred seizures;
- ``panel``: the seizure page's ladder section for the seizing unit's officer (queries,
  p50/p95 ms) on the seizure with the most referrals and on one without any;
- ``stalled``: counting the stalled seizures of the whole database with ``ladder.stalled``.

Prints one JSON object. Never run it on a real database.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run as bench_run  # noqa: E402  (bench/run.py: settings)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_ladderbench"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument("--referred", type=float, default=0.6, help="share of seizures referred")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data")
    parser.add_argument("--requests", type=int, default=200, help="timed refreshes and panels")
    parser.add_argument("--batch", type=int, default=2000, help="rebuild batch")
    return parser.parse_args(argv)


def setup() -> None:
    bench_run.postgres_django(DEFAULT_DATABASE_URL)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def seed(args) -> float | None:
    from django.core.management import call_command
    from django.db import connection

    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port
    from seizures import demo
    from seizures.models import Seizure

    if args.reuse and Seizure.objects.filter(status="submitted").count() >= args.seizures * 0.9:
        return None
    if Seizure.objects.exists():
        call_command("flush", verbosity=0, interactive=False)
    started = time.perf_counter()
    if not Port.objects.exists():
        ports_load()
    demo.seizures_seed(count=args.seizures, seed=1, progress=bench_run._progress)
    follow_up_seed(args.referred)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def follow_up_seed(share: float) -> None:
    """Referrals and outcomes in bulk, dated after their seizure."""
    import datetime as dt

    from casetracker.core.choices import UnitKind
    from casetracker.core.models import Unit
    from referrals.choices import OutcomeKind, RecipientKind, ReferralStatus
    from referrals.models import Outcome, Recipient, Referral
    from referrals.routing import deadlines
    from seizures.models import Seizure

    rng = random.Random(6)
    recipients = []
    for unit in Unit.objects.filter(
        kind__in=[UnitKind.INVESTIGATING, UnitKind.NCB, UnitKind.PROSECUTION]
    ):
        recipient, _ = Recipient.objects.get_or_create(
            unit=unit,
            defaults={
                "name": unit.name,
                "kind": RecipientKind.UNIT,
                "country": unit.country,
                "email": "bench@example.org",
            },
        )
        recipients.append(recipient)
    recipients.append(
        Recipient.objects.get_or_create(
            name="Bench counterpart",
            defaults={"kind": RecipientKind.EXTERNAL, "email": "c@example.org", "country": "CO"},
        )[0]
    )
    kinds = [k for k in OutcomeKind if k != OutcomeKind.INVESTIGATION_CLOSED]
    rows = Seizure.objects.filter(status="submitted").values_list("pk", "occurred_at")
    referrals, plans = [], []
    for pk, occurred_at in rows.iterator(chunk_size=5000):
        if rng.random() > share:
            continue
        for recipient in rng.sample(recipients, rng.randint(1, 3)):
            sent = occurred_at + dt.timedelta(hours=rng.randint(1, 72))
            stage = rng.choice(["sent", "acknowledged", "accepted", "investigating", "declined"])
            fields = {}
            if stage != "sent":
                fields["acknowledged_at"] = sent + dt.timedelta(hours=rng.randint(1, 96))
            if stage == "investigating":
                fields["investigating_at"] = fields["acknowledged_at"] + dt.timedelta(days=3)
                fields["case_number"] = f"B-{pk}"
            referrals.append(
                Referral(
                    seizure_id=pk,
                    recipient=recipient,
                    status=ReferralStatus(stage),
                    handling_code=1,
                    origin="rule",
                    **deadlines(sent_at=sent, ack_hours=24, respond_days=7),
                    **fields,
                )
            )
            plans.append((pk, stage == "investigating", sent))
        if len(referrals) >= 5000:
            _flush(referrals, plans, kinds, rng, Referral, Outcome)
    _flush(referrals, plans, kinds, rng, Referral, Outcome)


def _flush(referrals, plans, kinds, rng, Referral, Outcome) -> None:
    import datetime as dt

    created = Referral.objects.bulk_create(referrals)
    outcomes = []
    for referral, (pk, investigating, sent) in zip(created, plans, strict=True):
        if investigating:
            for _ in range(rng.randint(0, 4)):
                day = (sent + dt.timedelta(days=rng.randint(1, 300))).date()
                outcomes.append(
                    Outcome(
                        referral_id=referral.pk,
                        seizure_id=pk,
                        kind=rng.choice(kinds),
                        occurred_on=day,
                        justification="bench",
                        recorded_via="api",
                    )
                )
    Outcome.objects.bulk_create(outcomes)
    referrals.clear()
    plans.clear()


def timed(fn, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured))
    times.sort()
    return {
        "runs": runs,
        "queries_min": min(queries),
        "queries_max": max(queries),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 2),
    }


def main(argv=None) -> dict[str, Any]:
    args = parse_args(argv)
    setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from casetracker.reporting import ladder
    from casetracker.reporting.models import ReferralProgress, SeizureProgress
    from casetracker.reporting.panel import ladder_panel
    from referrals.models import Outcome, Referral
    from seizures.models import Seizure

    result: dict[str, Any] = {"seed_seconds": seed(args)}
    seizures = Seizure.objects.count()
    result["data"] = {
        "seizures": seizures,
        "referrals": Referral.objects.count(),
        "outcomes": Outcome.objects.count(),
    }

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        done = ladder.rebuild(batch=args.batch)
        seconds = time.perf_counter() - started
    batches = -(-done // args.batch)
    result["rebuild"] = {
        "seizures": done,
        "seconds": round(seconds, 2),
        "seizures_per_second": round(done / seconds),
        "batch": args.batch,
        "queries_per_batch": round(len(captured) / max(1, batches), 1),
        "seizure_rows": SeizureProgress.objects.count(),
        "referral_rows": ReferralProgress.objects.count(),
    }

    rng = random.Random(1)
    referred = list(SeizureProgress.objects.values_list("seizure_id", flat=True)[:5000])
    sample = iter(rng.choices(referred, k=args.requests))

    def one_refresh():
        with transaction.atomic():
            ladder.refresh(next(sample))

    result["refresh"] = timed(one_refresh, args.requests)

    busiest = (
        Seizure.objects.annotate(n=Count("referrals")).order_by("-n").select_related("port").first()
    )
    quiet = Seizure.objects.filter(referrals=None, status="submitted").select_related("port")
    quiet = quiet.first()
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.filter(unit_id=busiest.unit_id).first()
    request = RequestFactory().get("/")
    request.user = officer
    result["panel"] = {
        "busiest_referrals": busiest.n,
        "busiest": timed(lambda: ladder_panel(request, busiest), args.requests),
        "no_referral": timed(lambda: ladder_panel(request, quiet), args.requests),
    }
    started = time.perf_counter()
    stalled = ladder.stalled(Seizure.objects.all()).count()
    result["stalled"] = {
        "count": stalled,
        "of": seizures,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
