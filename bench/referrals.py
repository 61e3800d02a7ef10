"""Benchmark of issue 4: routing through real workers, and an investigator's inbox.

Run from the repository root:  .venv/bin/python bench/referrals.py [--seizures 10000] [--reuse]

(a) Routing: ``--seizures`` submitted seizures get a RoutingJob each (the demo's default
rules apply), one task per job is published to a private redis-server, and one Celery
worker with ``--workers`` prefork processes routes them on PostgreSQL. Figure: referrals
created per second, end to end (first publish to last job done).

(b) Inbox: the investigator of the unit with the most referrals, topped up to
``--inbox`` referrals: ``selectors.inbox(user=, view="open")[:50]`` materialised plus its
count, and the inbox page through django.test.Client; query count and p50/p95 ms.

``--inbox-only`` skips (a): ``--inbox`` referrals to one investigating unit (EC-INV) are
written with bulk inserts (not through routing; seizures are seeded in bulk when fewer
than that are submitted), then (b) is measured on them: the open tab, its page in the
middle, and the "all" tab.

Prints one JSON object. The database (default ``ct_refbench``) is created if missing and
seeded once; routing tables are emptied at each run (never run it on a real database).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run as bench_run  # noqa: E402  (bench/run.py: settings, timing helpers)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_refbench"
QUEUE = "bench-routing"
TARGETS = {"inbox_p95_ms": 150.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=10_000, help="seizures routed (a)")
    parser.add_argument("--seed-seizures", type=int, default=20_000, help="seizures seeded")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded seizures")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (a)")
    parser.add_argument("--inbox", type=int, default=5_000, help="referrals in the inbox (b)")
    parser.add_argument("--requests", type=int, default=50, help="timed runs per figure (b)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for routing")
    parser.add_argument("--debug", action="store_true", help="measure with DEBUG on")
    parser.add_argument(
        "--no-migrate", action="store_true", help="skip migrate (another app's is unfinished)"
    )
    parser.add_argument(
        "--inbox-only", action="store_true", help="seed one inbox in bulk and measure (b) only"
    )
    return parser.parse_args(argv)


def setup(args: argparse.Namespace) -> None:
    bench_run.postgres_django(DEFAULT_DATABASE_URL, debug=args.debug)
    from django.core.management import call_command

    if not args.no_migrate:
        call_command("migrate", verbosity=0, interactive=False)
    if not args.debug:
        call_command("collectstatic", verbosity=0, interactive=False)


def seizures_ensure(args: argparse.Namespace) -> float | None:
    from django.core.management import call_command
    from django.db import connection

    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port
    from seizures import demo
    from seizures.models import Seizure

    if args.reuse and Seizure.objects.filter(status="submitted").count() >= args.seizures:
        return None
    if Seizure.objects.exists():
        call_command("flush", verbosity=0, interactive=False)
    started = time.perf_counter()
    if not Port.objects.exists():
        ports_load()
    demo.seizures_seed(count=args.seed_seizures, seed=1, progress=bench_run._progress)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - started, 1)


def routing_reset() -> None:
    """Empty what routing writes (referrals, their events and notifications, jobs, and the
    recipient units' shares), so each run routes the same seizures from scratch."""
    from django.db import connection

    from casetracker.core.models import Unit
    from referrals import demo as referrals_demo
    from referrals.models import Recipient
    from seizures.models import SeizureGroupObjectPermission, SeizureShare

    recipients = referrals_demo.recipients_ensure()
    referrals_demo.rules_ensure(recipients)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE referrals_notification, referrals_referralevent, referrals_referral, "
            "referrals_routingjob"
        )
    units = Recipient.objects.filter(unit__isnull=False).values_list("unit_id", flat=True)
    SeizureShare.objects.filter(unit_id__in=units).delete()
    groups = Unit.objects.filter(pk__in=units).values_list("group_id", flat=True)
    SeizureGroupObjectPermission.objects.filter(group_id__in=groups).delete()


def routing_figures(args: argparse.Namespace, redis, work: Path) -> dict[str, Any]:
    """(a): N routing tasks through a private Redis to one prefork worker."""
    from django.db import connection

    from casetracker.celery import app
    from referrals.models import Referral, RoutingJob
    from referrals.tasks import referrals_route_seizure
    from seizures.models import Seizure
    from tests.services import database_url

    seizure_ids = list(
        Seizure.objects.filter(status="submitted")
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[: args.seizures]
    )
    RoutingJob.objects.bulk_create([RoutingJob(seizure_id=pk) for pk in seizure_ids], 2000)
    job_ids = list(RoutingJob.objects.order_by("pk").values_list("pk", flat=True))

    worker = None
    try:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="casetracker.settings",
            DATABASE_URL=database_url(connection.settings_dict),
            CELERY_BROKER_URL=redis.url,
            CASETRACKER_PRIVATE_MEDIA_ROOT=str(work / "media"),
            # Routing only: the e-mail tasks it publishes wait on the default queue.
            CASETRACKER_EMAIL_FILE_PATH=str(work / "mail"),
        )
        log = (work / "worker.log").open("wb")
        worker = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "casetracker",
                "worker",
                "--pool=prefork",
                f"--concurrency={args.workers}",
                "-Q",
                QUEUE,
                "-n",
                "refbench@%h",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(3)  # the worker connects while we publish; its start is not timed
        app.conf.update(task_always_eager=False, broker_url=redis.url)
        started = time.perf_counter()
        with app.producer_or_acquire() as producer:
            for pk in job_ids:
                referrals_route_seizure.apply_async(args=(pk,), queue=QUEUE, producer=producer)
        published = time.perf_counter() - started
        deadline = started + args.timeout
        while RoutingJob.objects.filter(done_at__isnull=True).exists():
            if time.perf_counter() > deadline or worker.poll() is not None:
                raise SystemExit(f"routing did not finish; see {work / 'worker.log'}")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=60)
    referrals = Referral.objects.count()
    return {
        "seizures": len(job_ids),
        "worker_processes": args.workers,
        "referrals": referrals,
        "seconds": round(elapsed, 1),
        "publish_seconds": round(published, 1),
        "seizures_per_second": round(len(job_ids) / elapsed, 1),
        "referrals_per_second": round(referrals / elapsed, 1),
    }


def inbox_owner(target: int):
    """The investigator of the unit with the most referrals, with ``target`` of them: more
    seizures of that country are routed in this process when routing gave fewer."""
    from django.db.models import Count

    from casetracker.core.choices import Role
    from casetracker.core.models import User
    from referrals import routing
    from referrals.models import Recipient, Referral, RoutingJob
    from seizures.models import Seizure

    top = (
        Recipient.objects.filter(unit__isnull=False)
        .annotate(n=Count("referrals"))
        .order_by("-n")
        .first()
    )
    have = top.n
    if have < target:
        extra = list(
            Seizure.objects.filter(
                status="submitted", unit__country=top.unit.country, routing_job__isnull=True
            ).values_list("pk", flat=True)[: target - have]
        )
        RoutingJob.objects.bulk_create([RoutingJob(seizure_id=pk) for pk in extra], 2000)
        for pk in extra:
            routing.seizure_route(seizure_id=pk)
    user = User.objects.filter(unit=top.unit, role=Role.INVESTIGATOR, is_active=True).first()
    return user, Referral.objects.filter(recipient=top).count()


def timed(work, *, requests: int, warm_up: int = 3) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(warm_up):
        work()
    timings, queries = [], []
    for _n in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))
    return {
        "status": "ok",
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(bench_run.percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "queries_min": min(queries),
        "queries_max": max(queries),
    }


def inbox_figures(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from referrals import selectors

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user, count = inbox_owner(args.inbox)

    def selector():
        queryset = selectors.inbox(user=user, view="open")
        rows = list(queryset[:50])
        return rows, queryset.count()

    rows, total = selector()
    result: dict[str, Any] = {
        "user": user.username,
        "referrals": count,
        "open_referrals": total,
        "first_page_rows": len(rows),
        "selector": timed(selector, requests=args.requests),
    }
    client = Client()
    client.force_login(user)
    url = reverse("referrals:inbox")
    result["page"] = bench_run.measure(lambda: client.get(url), requests=args.requests, expect=200)
    page = result["page"]
    if page.get("status") == "failed" and page.get("http_status") == 501:
        page["status"] = "not written yet (501): selector only"
    return result


# --- (b) alone: one inbox written in bulk --------------------------------------------------

# The life-cycle states of the seeded inbox, in proportion: most still open, as in a busy unit.
INBOX_MIX = (
    ("sent", 45),
    ("acknowledged", 25),
    ("accepted", 10),
    ("investigating", 8),
    ("declined", 5),
    ("closed", 5),
    ("withdrawn", 2),
)


def inbox_seed(args: argparse.Namespace):
    """``--inbox`` referrals to EC-INV, one per submitted seizure, written with bulk inserts
    (referrals, shares and grants, a page of notifications); the referral tables are emptied
    first. Returns the unit's investigator."""
    import datetime as dt
    import random

    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.utils import timezone

    from casetracker.core.choices import Role
    from casetracker.core.models import User
    from referrals import demo as referrals_demo
    from referrals import routing
    from referrals.choices import Origin
    from referrals.models import Notification, Referral
    from seizures import demo
    from seizures.models import Seizure, SeizureGroupObjectPermission, SeizureShare

    started = time.perf_counter()
    submitted = Seizure.objects.filter(status="submitted")
    if submitted.count() < args.inbox:
        # About four in five demo seizures are submitted.
        demo.seizures_seed(count=int(args.inbox * 1.35), seed=2, progress=bench_run._progress)
    recipient = referrals_demo.recipients_ensure()["EC-INV"]
    user = User.objects.get(unit=recipient.unit, role=Role.INVESTIGATOR, is_active=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE referrals_notification, referrals_referralevent, referrals_referral, "
            "referrals_routingjob"
        )
        # Raw deletes: the ORM's would send thousands of audit signals.
        cursor.execute("DELETE FROM seizures_seizureshare WHERE unit_id = %s", [recipient.unit_id])
        cursor.execute(
            "DELETE FROM seizures_seizuregroupobjectpermission WHERE group_id = %s",
            [recipient.unit.group_id],
        )

    rng = random.Random(4)
    now = timezone.now()
    states = [state for state, weight in INBOX_MIX for _n in range(weight)]
    seizures = submitted.order_by("pk").values_list("pk", "submitted_at")[: args.inbox]
    referrals = []
    for pk, submitted_at in seizures:
        status = rng.choice(states)
        # Open ones spread around now (some overdue), the rest sent in the past months.
        if status in ("sent", "acknowledged"):
            sent = now - dt.timedelta(hours=rng.randint(1, 24 * 20))
        else:
            sent = min(submitted_at + dt.timedelta(minutes=5), now)
        fields = routing.deadlines(sent_at=sent, ack_hours=24, respond_days=14)
        referrals.append(
            Referral(
                seizure_id=pk,
                recipient=recipient,
                status=status,
                handling_code=rng.choice((1, 2, 3)),
                origin=Origin.RULE,
                reasons=[],
                acknowledged_at=sent if status != "sent" else None,
                **fields,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=1000)
    # What seizure_share leaves for an open referral (the share and the view grant), in
    # bulk; the declined and withdrawn ones keep theirs too, which the page does not read.
    view = Permission.objects.get(content_type__app_label="seizures", codename="view_seizure")
    SeizureShare.objects.bulk_create(
        [
            SeizureShare(
                seizure_id=r.seizure_id, unit=recipient.unit, handling_level=r.handling_code
            )
            for r in referrals
        ],
        batch_size=1000,
    )
    SeizureGroupObjectPermission.objects.bulk_create(
        [
            SeizureGroupObjectPermission(
                permission=view, group_id=recipient.unit.group_id, content_object_id=r.seizure_id
            )
            for r in referrals
        ],
        batch_size=1000,
    )
    Notification.objects.bulk_create(
        [
            Notification(
                referral=referral,
                key="sent",
                user=user,
                subject=f"New referral {referral.seizure_id}",
                body="—",
                sent_at=now,
                read_at=now if n % 3 else None,
            )
            for n, referral in enumerate(referrals[-30:])
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user, round(time.perf_counter() - started, 1)


def inbox_only_figures(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from referrals import selectors
    from referrals.models import Referral

    user, seconds = inbox_seed(args)

    def selector():
        queryset = selectors.inbox(user=user, view="open")
        return list(queryset[:50]), queryset.count()

    rows, total = selector()
    client = Client()
    client.force_login(user)
    url = reverse("referrals:inbox")
    middle = max(1, total // 50 // 2)
    pages = {
        "open": url,
        "open_middle_page": f"{url}?view=open&page={middle}",
        "all": f"{url}?view=all",
    }
    result: dict[str, Any] = {
        "seed_seconds": seconds,
        "user": user.username,
        "referrals": Referral.objects.filter(recipient__unit=user.unit).count(),
        "open_referrals": total,
        "first_page_rows": len(rows),
        "selector": timed(selector, requests=args.requests),
    }
    for name, target in pages.items():
        result[name] = bench_run.measure(
            lambda target=target: client.get(target), requests=args.requests, expect=200
        )
    return result


def main_inbox_only(args: argparse.Namespace) -> dict[str, Any]:
    inbox = inbox_only_figures(args)
    figures = [inbox[k] for k in ("selector", "open", "open_middle_page", "all")]
    ok = [f for f in figures if f.get("status") == "ok"]
    return {
        "targets": TARGETS,
        "inbox": inbox,
        "met": {
            "inbox_p95_ms": len(ok) == len(figures)
            and all(f["p95_ms"] < TARGETS["inbox_p95_ms"] for f in ok),
            "fixed_query_count": len({f["queries_min"] for f in ok[1:]}) == 1,
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    setup(args)
    if args.inbox_only:
        return main_inbox_only(args)
    seed_seconds = seizures_ensure(args)
    routing_reset()
    result: dict[str, Any] = {"seed_seconds": seed_seconds, "targets": TARGETS}
    from tests.services import PrivateRedis

    work = Path(tempfile.mkdtemp(prefix="ct-refbench-"))
    # Up until the end: the in-process routing of the inbox top-up publishes e-mails too.
    redis = PrivateRedis(work / "redis")
    redis.start()
    try:
        result["routing"] = routing_figures(args, redis, work)
        result["inbox"] = inbox_figures(args)
    finally:
        redis.stop()
    figures = [result["inbox"]["selector"], result["inbox"]["page"]]
    result["met"] = {
        "inbox_p95_ms": all(
            f.get("p95_ms", float("inf")) < TARGETS["inbox_p95_ms"]
            for f in figures
            if f.get("status") == "ok"
        ),
        "fixed_query_count": all(
            f["queries_min"] == f["queries_max"] for f in figures if f.get("status") == "ok"
        ),
    }
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
