"""Benchmark: seed N seizures, then time the seizure list page, the API list and API create.

Run from the repository root:  .venv/bin/python bench/run.py [--seizures 100000] [--reuse]

Prints one JSON object: query counts, server time p50/p95 in milliseconds, the targets of
issue 2 and whether each is met. Requests go through django.test.Client in this process,
so "server time" is the whole Django request cycle without a network in between. The
settings are production-like (DEBUG off) unless --debug is given.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_bench"
TARGETS = {"list_queries_max": 10, "list_p95_ms": 150.0, "api_create_p95_ms": 100.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seizures already seeded if there are enough"
    )
    parser.add_argument("--requests", type=int, default=60, help="timed requests per figure")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--allow-sqlite",
        action="store_true",
        help="run without DATABASE_URL on a separate SQLite file (var/bench.sqlite3)",
    )
    parser.add_argument("--debug", action="store_true", help="measure with DEBUG on")
    return parser.parse_args(argv)


def configure(args: argparse.Namespace) -> str:
    """Environment for Django, before it is imported; returns the database vendor asked for."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")
    if not args.debug:
        os.environ["DJANGO_DEBUG"] = "false"
        os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
        os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
        # Production serves hashed static names from a manifest: collected below.
        os.environ.setdefault("DJANGO_STATIC_ROOT", str(ROOT / "var" / "bench-static"))
    if args.allow_sqlite:
        return "sqlite" if not os.environ.get("DATABASE_URL") else "postgresql"
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    return "postgresql"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def measure(
    send: Callable[[], Any], *, requests: int, expect: int, warm_up: int = 3
) -> dict[str, Any]:
    """Time ``send`` ``requests`` times; counts the queries of every call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _n in range(warm_up):
        response = send()
        if response.status_code == 404:
            return {"status": "unavailable", "http_status": 404}
        if response.status_code != expect:
            return {
                "status": "failed",
                "http_status": response.status_code,
                "body": response.content[:400].decode(errors="replace"),
            }
    timings, queries, db_times = [], [], []
    for _n in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = send()
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != expect:
            return {"status": "failed", "http_status": response.status_code}
        queries.append(len(captured.captured_queries))
        # Time inside the database (as Django's cursor wrapper sees it): tells a slow query
        # from slow Python when a figure misses its target.
        db_times.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return {
        "status": "ok",
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "max_ms": round(max(timings), 1),
        "db_p50_ms": round(statistics.median(db_times), 1),
        "queries_min": min(queries),
        "queries_max": max(queries),
    }


def combine(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One figure over several URLs (pages 1, deep, filtered): worst p95 and query count."""
    done = [f for f in figures.values() if f["status"] == "ok"]
    result: dict[str, Any] = {"by_request": figures}
    if len(done) != len(figures):
        bad = next(f for f in figures.values() if f["status"] != "ok")
        result["status"] = bad["status"]
        return result
    result.update(
        status="ok",
        requests=sum(f["requests"] for f in done),
        p50_ms=max(f["p50_ms"] for f in done),
        p95_ms=max(f["p95_ms"] for f in done),
        queries_max=max(f["queries_max"] for f in done),
    )
    return result


def seizure_payload(number: int) -> dict[str, Any]:
    """A full seizure as an API client sends it, with a fresh valid container number."""
    from seizures.demo import container_number, imo_number

    return {
        "occurred_at": "2026-01-15T08:30:00+01:00",
        "port": "BEANR",
        "terminal": "MSC PSA European Terminal",
        "detection_method": "profiling",
        "vessel_name": "MSC Aurelia Bay",
        "imo_number": imo_number("MSC Aurelia Bay"),
        "voyage": "QA512N",
        "bill_of_lading": f"MEDUANR{number:08d}",
        "declared_goods": "Fresh bananas",
        "hs_code": "080390",
        "concealment_method": "rip_on",
        "containers": [
            {"number": container_number("MSCU", number % 1_000_000), "seal_numbers": "ML-1"},
            {"number": container_number("MEDU", number % 1_000_000), "seal_numbers": "ML-2"},
        ],
        "items": [
            {
                "category": "drugs",
                "substance": "cocaine",
                "quantity": "412.5",
                "quantity_unit": "kg",
                "estimated_value": "13200000",
                "currency": "EUR",
            },
            {"category": "other", "quantity": "2", "quantity_unit": "piece"},
        ],
        "port_calls": [
            {"role": "loading", "port": "ECGYE"},
            {"role": "transhipment", "port": "PAMIT"},
            {"role": "discharge", "port": "BEANR"},
        ],
        "parties": [
            {"role": "shipper", "kind": "company", "name": "Frutas del Sol S.A.", "country": "EC"},
            {"role": "consignee", "kind": "company", "name": "Schelde Fresh NV", "country": "BE"},
            {"role": "arrested", "kind": "person", "name": "Dries Claes", "country": "BE"},
        ],
    }


def deep_cursor(client, url: str, hops: int) -> str:
    """The URL of a page ``hops`` pages down the API list (cursor pagination)."""
    for _n in range(hops):
        response = client.get(url)
        if response.status_code != 200:
            break
        following = response.json().get("next")
        if not following:
            break
        url = following.replace("http://testserver", "")
    return url


def run(args: argparse.Namespace) -> dict[str, Any]:
    import django

    vendor = configure(args)
    if vendor == "sqlite":
        from django.conf import settings

        # Never the demo's own database: a benchmark seeds and flushes.
        settings.DATABASES["default"]["NAME"] = ROOT / "var" / "bench.sqlite3"
        (ROOT / "var").mkdir(exist_ok=True)
    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from casetracker.core.choices import Role
    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port, Unit, User
    from seizures import demo
    from seizures.models import Seizure

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        raise SystemExit("bench/run.py measures PostgreSQL; pass --allow-sqlite to run on SQLite.")

    call_command("migrate", verbosity=0, interactive=False)
    if not args.debug:
        call_command("collectstatic", verbosity=0, interactive=False)
    seed_seconds = None
    existing = Seizure.objects.count()
    if not (args.reuse and existing >= args.seizures):
        if existing:
            call_command("flush", verbosity=0, interactive=False)
        started = time.perf_counter()
        if not Port.objects.exists():
            ports_load()
        demo.seizures_seed(count=args.seizures, seed=args.seed, progress=_progress)
        seed_seconds = round(time.perf_counter() - started, 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    unit = Unit.objects.annotate(n=Count("seizures")).filter(n__gt=0).order_by("-n", "code").first()
    officer = User.objects.filter(unit=unit, role=Role.OFFICER).order_by("username").first()
    visible = unit.n
    client = Client()
    client.force_login(officer)
    n = args.requests
    per_url = max(1, n // 3)
    # Halfway back through the unit's seizures, as the "Older" links would get there.
    from seizures.paging import encode_cursor
    from seizures.selectors import seizure_list

    middle = seizure_list(user=officer).order_by("-occurred_at", "-id")[visible // 2]

    pages = {
        "page_1": "/seizures/",
        "page_deep": f"/seizures/?older={encode_cursor(middle)}",
        "filtered_search": "/seizures/?commodity=cocaine&status=submitted&q=MSCU",
    }
    list_page = combine(
        {
            name: measure(lambda url=url: client.get(url), requests=per_url, expect=200)
            for name, url in pages.items()
        }
    )
    api_urls = {
        "page_1": "/api/v1/seizures/",
        "page_deep": deep_cursor(client, "/api/v1/seizures/", 20),
        "filtered_search": "/api/v1/seizures/?commodity=cocaine&status=submitted&q=MSCU",
    }
    api_list = combine(
        {
            name: measure(lambda url=url: client.get(url), requests=per_url, expect=200)
            for name, url in api_urls.items()
        }
    )
    counter = iter(range(1, 10**9))
    api_create = measure(
        lambda: client.post(
            "/api/v1/seizures/",
            data=json.dumps(seizure_payload(next(counter))),
            content_type="application/json",
        ),
        requests=n,
        expect=201,
    )
    return {
        "database": connection.vendor,
        "debug": args.debug,
        "seizures": Seizure.objects.count(),
        "seed_seconds": seed_seconds,
        "user": {"username": officer.username, "unit": unit.code, "visible_seizures": visible},
        "list_page": list_page,
        "api_list": api_list,
        "api_create": api_create,
        "targets": TARGETS,
        "met": {
            "list_page_queries": _met(list_page, "queries_max", TARGETS["list_queries_max"]),
            "api_list_queries": _met(api_list, "queries_max", TARGETS["list_queries_max"]),
            "list_page_p95": _met(list_page, "p95_ms", TARGETS["list_p95_ms"], strict=True),
            "api_list_p95": _met(api_list, "p95_ms", TARGETS["list_p95_ms"], strict=True),
            "api_create_p95": _met(api_create, "p95_ms", TARGETS["api_create_p95_ms"], strict=True),
        },
    }


def _met(figure: dict[str, Any], key: str, limit: float, strict: bool = False) -> Any:
    if figure.get("status") != "ok":
        return figure.get("status")
    return figure[key] < limit if strict else figure[key] <= limit


def _progress(done: int, total: int) -> None:
    print(f"seeded {done}/{total}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(run(parse_args()), indent=2))
