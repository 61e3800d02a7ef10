"""Benchmark: seed N seizures, then time the seizure list page, the API list and API create.

Run from the repository root:  .venv/bin/python bench/run.py [--seizures 100000] [--reuse]

Prints one JSON object: query counts, server time p50/p95 in milliseconds, the targets of
issues 2 and 3 and whether each is met. The "recipient" scenario (issue 3) adds units up to
--units and shares --shared seizures with one investigating unit, then measures what that
unit's investigator gets: the permission filter must not slow lists down.

Requests go through django.test.Client in this process, so "server time" is the whole
Django request cycle without a network in between. The settings are production-like
(DEBUG off) unless --debug is given.
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
RECIPIENT_UNIT = "BENCH-INV"
RECIPIENT_USER = "bench.investigator"
# Other units' shares, so the permission table is not the recipient's alone.
BACKGROUND_SHARES_PER_UNIT = 20
BACKGROUND_SHARING_UNITS = 500


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
    parser.add_argument(
        "--no-migrate",
        action="store_true",
        help="measure the schema as it is (e.g. while a migration of the tree is unfinished)",
    )
    parser.add_argument("--units", type=int, default=1000, help="units in all (recipient)")
    parser.add_argument(
        "--shared", type=int, default=2000, help="seizures shared with the recipient unit"
    )
    parser.add_argument(
        "--scenarios",
        default="owner,recipient",
        help="comma-separated: owner (issue 2 figures), recipient (issue 3)",
    )
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


def database_ensure(url: str) -> None:
    """Create the benchmark's own PostgreSQL database when it is missing."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def postgres_django(default_url: str, *, debug: bool = True) -> None:
    """Django set up on ``DATABASE_URL`` (``default_url`` when unset), a PostgreSQL
    database of the benchmark's own, created when missing. Migrating is the caller's."""
    os.environ.setdefault("DATABASE_URL", default_url)
    database_ensure(os.environ["DATABASE_URL"])
    configure(argparse.Namespace(debug=debug, allow_sqlite=False))
    import django

    django.setup()


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

    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Port
    from seizures import demo
    from seizures.models import Seizure

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        raise SystemExit("bench/run.py measures PostgreSQL; pass --allow-sqlite to run on SQLite.")

    if not args.no_migrate:
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

    scenarios = {name.strip() for name in args.scenarios.split(",") if name.strip()}
    result: dict[str, Any] = {
        "database": connection.vendor,
        "debug": args.debug,
        "seizures": Seizure.objects.count(),
        "seed_seconds": seed_seconds,
        "targets": TARGETS,
    }
    if "owner" in scenarios:
        result.update(owner_figures(args))
    if "recipient" in scenarios:
        result["recipient"] = recipient_figures(args)
    return result


def owner_figures(args: argparse.Namespace) -> dict[str, Any]:
    """Issue 2: the officer of the unit with the most seizures, lists and API create."""
    from django.db.models import Count
    from django.test import Client

    from casetracker.core.choices import Role
    from casetracker.core.models import Unit, User
    from seizures.paging import encode_cursor
    from seizures.selectors import seizure_list

    unit = Unit.objects.annotate(n=Count("seizures")).filter(n__gt=0).order_by("-n", "code").first()
    officer = User.objects.filter(unit=unit, role=Role.OFFICER).order_by("username").first()
    visible = unit.n
    client = Client()
    client.force_login(officer)
    n = args.requests
    per_url = max(1, n // 3)
    # Halfway back through the unit's seizures, as the "Older" links would get there.
    middle = seizure_list(user=officer).order_by("-occurred_at", "-id")[visible // 2]
    list_page, api_list = list_figures(
        client, middle_cursor=encode_cursor(middle), requests=per_url
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
        "user": {"username": officer.username, "unit": unit.code, "visible_seizures": visible},
        "list_page": list_page,
        "api_list": api_list,
        "api_create": api_create,
        "met": {
            "list_page_queries": _met(list_page, "queries_max", TARGETS["list_queries_max"]),
            "api_list_queries": _met(api_list, "queries_max", TARGETS["list_queries_max"]),
            "list_page_p95": _met(list_page, "p95_ms", TARGETS["list_p95_ms"], strict=True),
            "api_list_p95": _met(api_list, "p95_ms", TARGETS["list_p95_ms"], strict=True),
            "api_create_p95": _met(api_create, "p95_ms", TARGETS["api_create_p95_ms"], strict=True),
        },
    }


def list_figures(client, *, middle_cursor: str, requests: int):
    """The list page and the API list: first page, a page far back, a filtered search."""
    pages = {
        "page_1": "/seizures/",
        "page_deep": f"/seizures/?older={middle_cursor}",
        "filtered_search": "/seizures/?commodity=cocaine&status=submitted&q=MSCU",
    }
    list_page = combine(
        {
            name: measure(lambda url=url: client.get(url), requests=requests, expect=200)
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
            name: measure(lambda url=url: client.get(url), requests=requests, expect=200)
            for name, url in api_urls.items()
        }
    )
    return list_page, api_list


def recipient_figures(args: argparse.Namespace) -> dict[str, Any]:
    """Issue 3: an investigator of a unit that received ``--shared`` seizures among
    ``--units`` units; the lists must keep a fixed query count and p95 < 150 ms."""
    from django.test import Client

    from seizures.paging import encode_cursor
    from seizures.selectors import seizure_list

    started = time.perf_counter()
    investigator, created_units, created_shares = recipients_seed(
        units=args.units, shared=args.shared
    )
    setup_seconds = round(time.perf_counter() - started, 1)
    visible = seizure_list(user=investigator).count()
    client = Client()
    client.force_login(investigator)
    # Fifty-one requests at least per URL: p95 over fewer is the maximum in disguise.
    per_url = max(51, args.requests // 3)
    middle = seizure_list(user=investigator).order_by("-occurred_at", "-id")[visible // 2]
    list_page, api_list = list_figures(
        client, middle_cursor=encode_cursor(middle), requests=per_url
    )
    return {
        "user": {
            "username": investigator.username,
            "unit": RECIPIENT_UNIT,
            "visible_seizures": visible,
        },
        "units": _unit_count(),
        "setup": {
            "seconds": setup_seconds,
            "units_created": created_units,
            "shares_created": created_shares,
        },
        "list_page": list_page,
        "api_list": api_list,
        "fixed_query_count": _fixed(list_page) and _fixed(api_list),
        "met": {
            "list_page_queries": _met(list_page, "queries_max", TARGETS["list_queries_max"]),
            "api_list_queries": _met(api_list, "queries_max", TARGETS["list_queries_max"]),
            "list_page_p95": _met(list_page, "p95_ms", TARGETS["list_p95_ms"], strict=True),
            "api_list_p95": _met(api_list, "p95_ms", TARGETS["list_p95_ms"], strict=True),
        },
    }


def _unit_count() -> int:
    from casetracker.core.models import Unit

    return Unit.objects.count()


def _fixed(figure: dict[str, Any]) -> Any:
    """Every URL of the figure (first page, deep, filtered) ran the same number of queries.

    Compared on ``queries_min``: once a minute a request also writes the session's last
    activity (idle timeout), which adds the same few queries to any page.
    """
    if figure.get("status") != "ok":
        return figure.get("status")
    return len({f["queries_min"] for f in figure["by_request"].values()}) == 1


def recipients_seed(*, units: int, shared: int):
    """Units up to ``units`` in all, an investigating unit with one investigator, and
    ``shared`` seizures shared with it, spread evenly over time; idempotent.

    Written in bulk, mirroring ``seizures.sharing.seizure_share`` row for row (a
    SeizureShare record and the unit group's guardian view permission per seizure): the
    service's one-seizure-at-a-time path would take minutes for thousands.
    """
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction

    from casetracker.core.choices import Role
    from casetracker.core.models import Unit, User
    from seizures.models import Seizure, SeizureShare

    view = Permission.objects.get(content_type__app_label="seizures", codename="view_seizure")
    with transaction.atomic():
        created_units = _units_ensure(units)
        unit = Unit.objects.get(code=RECIPIENT_UNIT)
        investigator = User.objects.filter(username=RECIPIENT_USER).first()
        if investigator is None:
            investigator = User.objects.create_user(
                username=RECIPIENT_USER, unit=unit, role=Role.INVESTIGATOR, password=None
            )
        shared_by = User.objects.filter(role=Role.SUPERVISOR).order_by("username").first()
        created_shares = 0
        if not SeizureShare.objects.filter(unit=unit, revoked_at__isnull=True).exists():
            ids = list(Seizure.objects.order_by("occurred_at", "id").values_list("id", flat=True))
            step = max(1, len(ids) // shared)
            chosen = ids[::step][:shared]
            created_shares += _share_bulk(chosen, unit=unit, shared_by=shared_by, perm=view)
            # Background: other units hold shares too, as they would after a year of use.
            others = list(
                Unit.objects.filter(code__startswith="BENCH-U").order_by("code")[
                    :BACKGROUND_SHARING_UNITS
                ]
            )
            for position, other in enumerate(others):
                offset = (position * 7919) % len(ids)
                picked = [
                    ids[(offset + k * 4999) % len(ids)] for k in range(BACKGROUND_SHARES_PER_UNIT)
                ]
                created_shares += _share_bulk(picked, unit=other, shared_by=shared_by, perm=view)
    if (created_units or created_shares) and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return investigator, created_units, created_shares


def _units_ensure(total: int) -> int:
    """The recipient unit plus numbered units until there are ``total``; groups first, as
    ``Unit.save`` would create them (bulk_create skips save)."""
    from django.contrib.auth.models import Group
    from django_countries import countries

    from casetracker.core.choices import UnitKind
    from casetracker.core.models import Unit

    codes = [RECIPIENT_UNIT]
    missing = max(0, total - Unit.objects.exclude(code=RECIPIENT_UNIT).count() - 1)
    existing_numbered = Unit.objects.filter(code__startswith="BENCH-U").count()
    codes += [
        f"BENCH-U{n:04d}" for n in range(existing_numbered + 1, existing_numbered + 1 + missing)
    ]
    codes = [code for code in codes if not Unit.objects.filter(code=code).exists()]
    if not codes:
        return 0
    Group.objects.bulk_create([Group(name=f"unit:{code}") for code in codes], ignore_conflicts=True)
    groups = dict(
        Group.objects.filter(name__in=[f"unit:{code}" for code in codes]).values_list("name", "id")
    )
    country_codes = [code for code, _name in countries]
    kinds = [UnitKind.INVESTIGATING, UnitKind.NCB, UnitKind.PROSECUTION, UnitKind.FIU]
    Unit.objects.bulk_create(
        [
            Unit(
                code=code,
                name=f"Benchmark unit {code}",
                kind=UnitKind.INVESTIGATING if n == 0 else kinds[n % len(kinds)],
                country="EC" if n == 0 else country_codes[n % len(country_codes)],
                group_id=groups[f"unit:{code}"],
            )
            for n, code in enumerate(codes)
        ],
        batch_size=2000,
    )
    return len(codes)


def _share_bulk(seizure_ids: list[int], *, unit, shared_by, perm) -> int:
    from seizures.models import SeizureGroupObjectPermission, SeizureShare

    SeizureShare.objects.bulk_create(
        [
            SeizureShare(
                seizure_id=pk,
                unit=unit,
                handling_level=1,
                reason="bench",
                shared_by=shared_by,
            )
            for pk in seizure_ids
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    SeizureGroupObjectPermission.objects.bulk_create(
        [
            SeizureGroupObjectPermission(
                permission_id=perm.pk, group_id=unit.group_id, content_object_id=pk
            )
            for pk in seizure_ids
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(seizure_ids)


def _met(figure: dict[str, Any], key: str, limit: float, strict: bool = False) -> Any:
    if figure.get("status") != "ok":
        return figure.get("status")
    return figure[key] < limit if strict else figure[key] <= limit


def _progress(done: int, total: int) -> None:
    print(f"seeded {done}/{total}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(run(parse_args()), indent=2))
