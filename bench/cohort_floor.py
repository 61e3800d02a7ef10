"""How near the hand-written funnel any exact computation of the cohort figures can come.

Run from the repository root, after ``bench/cohort.py`` has seeded its database:

    .venv/bin/python bench/cohort_floor.py                   # ct_cohort (100 000 seizures)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_cohort_1m \
        .venv/bin/python bench/cohort_floor.py

Issue 6 asks the cohort figures to take no more than twice the time of one hand-written
SQL query computing the funnel. The figures hold more than the funnel: the time to each
rung as exact quartiles (``percentile_cont``), the flags and the stalled. This script times
hand-written SQL, not the application, for the whole cohort (every seizure), each variant
in turns with the funnel (one of each, then again) on the application's connection
settings (no parallel plans, no JIT), and prints the median of the per-turn ratios:

- ``funnel``: ``bench/cohort.py``'s query, the yardstick;
- ``figures``: every figure ``cohort_figures`` gives, in one statement, written by hand;
- ``counts``: the same without the quartiles;
- ``quartiles``: the quartiles alone (the join reads the seizure's instant, which every
  duration is measured from);
- ``quartiles_stored``: the quartiles alone over a copy of the ladder that stores each
  rung's duration in days (built once in a temporary table, not timed): what keeping the
  durations on the ladder row would leave;
- ``histogram_stored``: whole days counted per rung (``GROUP BY``) over that copy instead
  of sorted, the other way to exact quartiles (of whole days);
- ``figures_parallel`` and ``funnel_parallel``: both with parallel plans allowed (two
  workers), for a fair comparison of the two.

If a variant that computes the quartiles is above 2 here, no implementation of the figures
on this database and machine can meet the ratio: the application's query is one of them.
Read-only apart from the temporary table; never run it on a real database.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import cohort as cohort_bench  # noqa: E402  (bench/cohort.py: the funnel query, the settings)
import run as bench_run  # noqa: E402

RUNGS = range(1, 9)
STALLED_SINCE = "now() - interval '90 days'"
PARALLEL = "SET LOCAL max_parallel_workers_per_gather = 2"


def rung_columns() -> dict[int, str]:
    from casetracker.reporting.choices import RUNG_FIELDS

    return {int(rung): column for rung, column in RUNG_FIELDS.items()}


def flag_columns() -> list[str]:
    from casetracker.reporting.choices import Flag

    return [flag.value for flag in Flag]


def quartiles(expression: str) -> str:
    return f"percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY {expression})"


def days_since_seizure(column: str) -> str:
    return f"date_part('epoch', p.{column} - s.occurred_at) / 86400"


def join(ladder: str = "reporting_seizureprogress") -> str:
    return f" FROM seizures_seizure s LEFT JOIN {ladder} p ON p.seizure_id = s.id"


def counts_sql() -> str:
    counts = [
        "count(*)",
        f"count(*) FILTER (WHERE COALESCE(p.last_progress_at, s.occurred_at) < {STALLED_SINCE}"
        " AND COALESCE(p.rung, 0) < 8)",
        *(f"count(*) FILTER (WHERE p.rung >= {r})" for r in RUNGS),
        *(f"count(p.{column})" for column in flag_columns()),
    ]
    return ", ".join(counts)


def quartiles_sql() -> str:
    return ", ".join(quartiles(days_since_seizure(c)) for c in rung_columns().values())


def variants() -> dict[str, list[str]]:
    """Each variant as its statements; the last one's rows are read."""
    stored = ", ".join(quartiles(f"p.days_{r}") for r in RUNGS)
    histogram = (
        "SELECT u.rung, u.days, count(*)"
        + join("bench_floor_ladder")
        + " CROSS JOIN LATERAL unnest(p.days) WITH ORDINALITY u(days, rung)"
        " GROUP BY u.rung, u.days"
    )
    figures = f"SELECT {counts_sql()}, {quartiles_sql()}" + join()
    return {
        "funnel": [cohort_bench.funnel_sql("")],
        "figures": [figures],
        "counts": [f"SELECT {counts_sql()}" + join()],
        "quartiles": [f"SELECT {quartiles_sql()}" + join()],
        "quartiles_stored": [f"SELECT {stored}" + join("bench_floor_ladder")],
        "histogram_stored": [histogram],
        "funnel_parallel": [PARALLEL, cohort_bench.funnel_sql("")],
        "figures_parallel": [PARALLEL, figures],
    }


def stored_copy(cursor) -> None:
    """The ladder with each rung's duration in days (float) and the whole days (int[])."""
    durations = ", ".join(
        f"{days_since_seizure(column)} AS days_{rung}" for rung, column in rung_columns().items()
    )
    whole = ", ".join(
        f"floor({days_since_seizure(column)})::int" for column in rung_columns().values()
    )
    cursor.execute(
        "CREATE TEMPORARY TABLE bench_floor_ladder AS "  # noqa: S608 (this module's own text)
        f"SELECT p.seizure_id, {durations}, array_remove(ARRAY[{whole}], NULL) AS days "
        "FROM reporting_seizureprogress p JOIN seizures_seizure s ON s.id = p.seizure_id "
        "ORDER BY p.seizure_id"
    )
    cursor.execute("ALTER TABLE bench_floor_ladder ADD PRIMARY KEY (seizure_id)")
    cursor.execute("ANALYZE bench_floor_ladder")


def run_once(cursor, statements: list[str]) -> float:
    started = time.perf_counter()
    cursor.execute("BEGIN")
    for statement in statements:
        cursor.execute(statement)
    cursor.fetchall()
    cursor.execute("COMMIT")
    return (time.perf_counter() - started) * 1000


def main() -> dict[str, Any]:
    bench_run.postgres_django(cohort_bench.DEFAULT_DATABASE_URL)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM seizures_seizure")
        seizures = cursor.fetchone()[0]
        if not seizures:
            raise SystemExit("no seizures: run bench/cohort.py first")
        stored_copy(cursor)
        result: dict[str, Any] = {"seizures": seizures, "variants": {}}
        runs = int(os.environ.get("FLOOR_RUNS", "5"))
        queries = variants()
        funnel = queries.pop("funnel")
        funnel_times: list[float] = []
        for name, statements in queries.items():
            run_once(cursor, statements)  # warm-up
            ratios, times = [], []
            for _ in range(runs):
                base = run_once(cursor, funnel)
                took = run_once(cursor, statements)
                funnel_times.append(base)
                times.append(took)
                ratios.append(took / base)
            result["variants"][name] = {
                "p50_ms": round(statistics.median(times), 1),
                "ratio_to_funnel": round(statistics.median(ratios), 2),
            }
        result["funnel_p50_ms"] = round(statistics.median(funnel_times), 1)
    result["load"] = os.getloadavg()
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
