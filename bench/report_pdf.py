"""Benchmark of the cohort report as PDF (issue 6, "Speed"): 100 000 seizures < 10 s.

Run from the repository root:  .venv/bin/python bench/report_pdf.py [--seizures 100000] [--reuse]

Seeds its own PostgreSQL database (default ``ct_reportbench``, created if missing, flushed
when re-seeded) the way ``bench/ladder.py`` does: ``--seizures`` demo seizures in bulk,
about 60 % of them referred with one to three referrals at various stages and a few
outcomes, then the kept ladder rebuilt (``ladder.rebuild``). So the report has recipients,
declines, closures and mutual legal assistance to show, not only a funnel.

It then builds the report exactly as the Celery task does (``reports.report_content``:
the demo evaluator's read path, every seizure, the figures as of now, then the PDF), after
one warm-up build, ``--runs`` times (default 3), and prints one JSON object: the seconds of
each run and their median (p50), the figures' share of it, the pages and bytes of the PDF,
and whether the 10 s target is met. Never run it on a real database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import ladder as bench_ladder  # noqa: E402  (bench/ladder.py: its seeding)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_reportbench"
EVALUATOR = "eval.evaluator"  # seizures/demo_data.py
TARGET_SECONDS = 10.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seizures", type=int, default=100_000)
    parser.add_argument("--referred", type=float, default=0.6, help="share of seizures referred")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data")
    parser.add_argument("--runs", type=int, default=3, help="timed builds")
    parser.add_argument("--out", type=Path, help="write the last PDF here")
    return parser.parse_args(argv)


def seed(args) -> float | None:
    """Seizures, referrals, outcomes and the ladder; ``None`` when ``--reuse`` found them."""
    from django.db import connection

    from casetracker.reporting import ladder
    from casetracker.reporting.models import SeizureProgress

    started = time.perf_counter()
    seeded = bench_ladder.seed(args)
    if seeded is None and SeizureProgress.objects.exists():
        return None
    ladder.rebuild(batch=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner must know the ladder rows just written
    return round(time.perf_counter() - started, 1)


def main(argv=None) -> dict[str, Any]:
    args = parse_args(argv)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    bench_ladder.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from casetracker.reporting import reports
    from casetracker.reporting.models import ReportRun
    from referrals.models import Outcome, Referral
    from seizures.models import Seizure

    result: dict[str, Any] = {"seed_seconds": seed(args)}
    result["data"] = {
        "seizures": Seizure.objects.count(),
        "referrals": Referral.objects.count(),
        "outcomes": Outcome.objects.count(),
    }
    evaluator = get_user_model().objects.get(username=EVALUATOR)
    # An unsaved run: the bench measures the build, not the storage of the file.
    run = ReportRun(
        requested_by=evaluator,
        format=ReportRun.Format.PDF,
        filters={},
        language="en",
        as_of=timezone.now().replace(microsecond=0),
    )
    figures_at: list[float] = []

    def build() -> bytes:
        started = time.perf_counter()
        content = reports.report_content(
            run, progress=lambda p: figures_at.append(time.perf_counter() - started)
        )
        return content

    content = build()  # warm-up: fonts, caches, the database's buffers
    seconds, figures = [], []
    for _run in range(args.runs):
        figures_at.clear()
        started = time.perf_counter()
        again = build()
        seconds.append(time.perf_counter() - started)
        figures.append(figures_at[0])
        assert again == content, "the same run must give the same bytes"
    if args.out:
        args.out.write_bytes(content)
    p50 = statistics.median(seconds)
    result["pdf"] = {
        "runs": args.runs,
        "seconds": [round(s, 2) for s in seconds],
        "p50_seconds": round(p50, 2),
        "figures_p50_seconds": round(statistics.median(figures), 2),
        "pages": len(re.findall(rb"/Type /Page[^s]", content)),
        "bytes": len(content),
        "same_bytes_every_run": True,
    }
    result["target"] = {"seconds": TARGET_SECONDS, "met": p50 < TARGET_SECONDS}
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
