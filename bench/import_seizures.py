"""Benchmark: import a generated N-row IDS extract (default 300 000 rows), then again.

Run from the repository root:
    .venv/bin/python bench/import_seizures.py                  # PostgreSQL, ct_import
    .venv/bin/python bench/import_seizures.py --allow-sqlite   # var/bench-import.sqlite3
    .venv/bin/python bench/import_seizures.py --rows 20000

The database is flushed first (it is the benchmark's own: ``ct_import`` or the SQLite
file above, never the demo's). The file is written to var/ as a semicolon-separated IDS
extract with the variety real extracts have (places that are ports and places that are
not, "Unknown" cells, countries by UN name, amounts with 0 to 3 decimals, a few bad rows).

Prints one JSON object: rows per second for the first import (everything new) and the
second (everything already there), peak RSS, and RSS sampled while the import ran, to
show that memory stays flat as rows go by.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import threading
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ct_import"
TARGET_ROWS_PER_SECOND = 5000

HEADER = (
    "REGION;SUBREGION;COUNTRY;ADMINISTRATIVE_DIVISION;PLACE;SEIZURE_DATE;DRUG_NAME;AMOUNT;"
    "DRUG_UNIT;HIDING_PLACE;INSTALLATION;TRANSPORT;PRODUCING_COUNTRY;DEPARTURE_COUNTRY;"
    "DESTINATION_COUNTRY;ROUTING"
)
PLACES = ["Guayaquil", "Guayaquil", "Puerto Bolivar", "Manta", "Esmeraldas", "Quito", "Unknown"]
DRUGS = [
    ("Cocaine hydrochloride", "Kilogram"),
    ("Cocaine-type", "Gram"),
    ("Cannabis herb", "Kilogram"),
    ("Cannabis resin", "Gram"),
    ("Heroin", "Gram"),
    ("Ecstasy", "Tablet"),
    ("Tramadol", "Unit"),
    ("Methamphetamine", "Gram"),
    ("Unknown", "Gram"),
]
HIDING = ["In a container of bananas", "Luggage", "Unknown", "", "Reefer unit", "Hull"]
TRANSPORT = ["Sea", "Sea", "Air", "Road", "Unknown", "Mail"]
COUNTRIES = [
    "Colombia",
    "Peru",
    "Bolivia (Plurinational State of)",
    "Unknown",
    "Netherlands (Kingdom of the)",
    "Spain",
    "Belgium",
    "Türkiye",
    "United States of America",
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--allow-sqlite", action="store_true")
    return parser.parse_args(argv)


def configure(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casetracker.settings")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    os.environ["CASETRACKER_PRIVATE_MEDIA_ROOT"] = str(ROOT / "var" / "bench-import-private")
    if not args.allow_sqlite:
        os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for n in range(rows):
            drug, unit = rng.choice(DRUGS)
            day = f"{rng.randint(2012, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.3:
                day = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
            # One decimal mark per file, as an export has; 0 to 3 decimals, so some amounts
            # (12.500) could be thousands and the file's clearer ones (0.25) settle it.
            amount = f"{rng.uniform(0.1, 900):.{rng.randint(0, 3)}f}"
            if n % 997 == 0:
                amount = "-1"  # a few bad rows, as real files have
            origin, via, to = rng.choice(COUNTRIES), rng.choice(COUNTRIES), rng.choice(COUNTRIES)
            out.write(
                f"Americas;South America;Ecuador;Guayas;{rng.choice(PLACES)};{day};{drug};"
                f"{amount};{unit};{rng.choice(HIDING)};Terminal {rng.randint(1, 4)};"
                f"{rng.choice(TRANSPORT)};{origin};Ecuador;{to};{via}\n"
            )


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sampler(threading.Thread):
    """RSS against the run's progress, every half second."""

    def __init__(self, run_id: int):
        super().__init__(daemon=True)
        self.run_id, self.samples, self.stop = run_id, [], threading.Event()

    def run(self):
        from django.db import connection

        from seizures.imports.models import ImportRun

        while not self.stop.wait(0.5):
            done = ImportRun.objects.filter(pk=self.run_id).values_list("processed_rows", flat=1)
            self.samples.append((done.first() or 0, round(rss_mb(), 1)))
        connection.close()


def import_once(path: Path, user, unit) -> dict:
    from django.core.files import File

    from seizures.imports.models import ImportRun
    from seizures.imports.services import import_run_create, import_run_execute

    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        started = time.perf_counter()
        # Eager Celery would run the import inside create; the benchmark starts it itself
        # so that the sampler can watch.
        with mock.patch("seizures.imports.services._enqueue"):
            run = import_run_create(user=user, unit=unit, upload=upload, dry_run=False)
        stored = time.perf_counter() - started
    sampler = Sampler(run.pk)
    sampler.start()
    started, cpu = time.perf_counter(), time.process_time()
    import_run_execute(run_id=run.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sampler.stop.set()
    sampler.join()
    run = ImportRun.objects.get(pk=run.pk)
    return {
        "status": run.status,
        "rows": run.processed_rows,
        "imported": run.imported_count,
        "already_imported": run.duplicate_count,
        "rejected": run.rejected_count,
        "flagged": run.flagged_count,
        "upload_seconds": round(stored, 2),
        "import_seconds": round(seconds, 2),
        "rows_per_second": round(run.processed_rows / seconds),
        # This process's CPU time (the database server's is not in it): what the Python
        # side needs per row whatever else the machine is doing.
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(run.processed_rows / cpu),
        "load_average_after": [round(x, 1) for x in os.getloadavg()],
        "rss_mb_by_rows_done": sampler.samples[:: max(1, len(sampler.samples) // 8)],
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    configure(args)
    import django

    django.setup()
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # Never the demo's database: the benchmark flushes what it uses.
        settings.DATABASES["default"]["NAME"] = ROOT / "var" / "bench-import.sqlite3"
    from django.core.management import call_command
    from django.db import connection

    from casetracker.core.choices import Role, UnitKind
    from casetracker.core.gazetteer import ports_load
    from casetracker.core.models import Unit, User

    notes = []
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    ports_load()
    unit = Unit(code="ECGYE-PCU", name="Guayaquil PCU", kind=UnitKind.PORT_CONTROL)
    unit.country, unit.port_id = "EC", "ECGYE"
    unit.save()
    user = User.objects.create(username="bench.supervisor", role=Role.SUPERVISOR, unit=unit)
    path = ROOT / "var" / f"bench-import-{args.rows}.csv"
    path.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    write_file(path, args.rows, args.seed)
    file_seconds = time.perf_counter() - started
    before = round(rss_mb(), 1)
    first = import_once(path, user, unit)
    second = import_once(path, user, unit)
    result = {
        "database": connection.vendor,
        "rows": args.rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "file_seconds": round(file_seconds, 1),
        "rss_mb_before_import": before,
        "first_import": first,
        "second_import_same_file": second,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "target_rows_per_second": TARGET_ROWS_PER_SECOND,
        "target_met": first["rows_per_second"] >= TARGET_ROWS_PER_SECOND,
        "notes": notes,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
