"""Creating an import run and carrying it out, batch by batch.

Speed comes from doing per batch what the service does per seizure: one query for the
fingerprints already stored, one locked update of the (unit, year) reference counters for
a block of numbers per year, and one bulk insert per table (seizures, items, route, containers,
the unit's object permissions, the issues). Each batch is its own transaction, so a
failure loses at most one batch, and a rerun skips what is already stored.

Imported seizures are stored as submitted but never announced: ``seizure_submitted`` is
not sent and bulk inserts send no ``post_save``, so no routing job and no referral comes
of them (README, "Historic import").
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from django.contrib.auth.models import Permission
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from geopy.distance import geodesic

from casetracker.core.models import Port
from seizures.choices import QuantityUnit, SeizureStatus
from seizures.models import (
    Container,
    PortCall,
    ReferenceCounter,
    SeizedItem,
    Seizure,
    SeizureGroupObjectPermission,
)

from .bulk import JsonText, allocate_ids, insert_tuples
from .choices import ImportLayout, IssueKind
from .ids import ids_record
from .models import ImportIssue, ImportRun
from .normalise import Context, Record, Rejected, check_cells
from .pipeline import Occurrences
from .reader import CellTooLong
from .template import template_record

logger = logging.getLogger(__name__)

BATCH = 2000
PREVIEW_ROWS = 20
OWNER_PERMS = ("view_seizure", "change_seizure")  # as services.OWNER_PERMS
# The seizure columns _Writer._insert gives first, in its order; the record's fields follow.
SEIZURE_COLUMNS = (
    "id",
    "reference",
    "public_id",
    "total_distance_km",
    "commodities",
    "route_countries",
    "import_line",
    "import_fingerprint",
    "occurred_on",
    "unit_id",
    "status",
    "submitted_at",
    "created_by_id",
    "import_run_id",
)
PORT_CALL_COLUMNS = ("seizure_id", "sequence", "role", "port_id", "leg_distance_km")
ISSUE_COLUMNS = ("run_id", "line", "kind", "column", "message")


class _Outcome:
    __slots__ = ("line", "record", "rejection", "rows")

    def __init__(self, line, record=None, rejection=None, rows=1):
        self.line, self.record, self.rejection = line, record, rejection
        # The file's rows it stands for (a template seizure spans several): the progress
        # counts rows, as the file's line count it is measured against does.
        self.rows = rows


class _Draft(NamedTuple):
    """A record's rows as tuples, short of the seizure's id (and, for the seizure row,
    its reference), which only the writer can take from the database."""

    year: int  # local year of the seizure, which its reference number goes by
    seizure: tuple  # SEIZURE_COLUMNS after id and reference, then the record's fields
    items: list[tuple]
    calls: list[tuple]  # PORT_CALL_COLUMNS after seizure_id
    containers: list[str]
    flags: list[tuple]  # issue rows (ISSUE_COLUMNS), stored if the record is new


class _Batch:
    """A batch ready for the writer: what ``_Writer.prepare`` built without the database."""

    __slots__ = (
        "outcomes",
        "records",
        "fingerprints",
        "issues",
        "names",
        "item_names",
        "drafts",
        "same",
        "stored",
    )

    def __init__(self, outcomes, records, fingerprints, same=()):
        self.outcomes, self.records, self.fingerprints = outcomes, records, fingerprints
        self.issues: list[tuple] = []  # rejected rows, as ISSUE_COLUMNS
        self.names: list[str] = []  # the records' field names, in their order
        self.item_names: list[str] = []
        self.drafts: list[_Draft | None] = []  # None: stored already when prepared
        self.same = same
        self.stored: dict[str, int] = {}  # fingerprint → import run, as _Writer._stored


def _context(unit, chosen_mark: str | None = None) -> tuple[Context, dict]:
    ports, points, names = {}, {}, []
    for locode, country, zone, lat, lon, name, aliases in Port.objects.values_list(
        "locode", "country", "timezone", "latitude", "longitude", "name", "aliases"
    ):
        ports[locode] = (country, zone)
        points[locode] = (lat, lon)
        if country == str(unit.country.code):
            names.append((locode, name, aliases))
    ctx = Context(unit=unit, ports=ports, chosen_mark=chosen_mark)
    ctx.add_place_names(names)
    return ctx, points


def _outcomes(source, ctx: Context) -> Iterator[_Outcome]:
    columns = source.columns
    if source.layout == ImportLayout.IDS:
        for line, cells in source.rows:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are not rows
            try:
                check_cells(columns, cells)
                row = dict(zip(columns, cells, strict=True))
                yield _Outcome(line, record=ids_record(line, row, ctx))
            except Rejected as error:
                yield _Outcome(line, rejection=error)
        return
    yield from _template_outcomes(source, ctx)


def _template_outcomes(source, ctx: Context) -> Iterator[_Outcome]:
    """Rows with the same ``seizure`` key that follow each other make one seizure.

    A bad row rejects its whole seizure, every row reported with its line: stored without
    that row, the seizure would be incomplete, and the fixed file would bring it again,
    whole, as another seizure (its fingerprint differs). So a row refused by
    ``check_cells`` still joins its seizure, by its key where that can be read. A seizure
    whose rows are split by other seizures' is rejected whole too, which only a pass over
    the file's keys before any row is written can tell (``split_keys``)."""
    columns = source.columns
    key_at = columns.index("seizure")
    split = split_keys(source.rows_again(), key_at)
    group: list[tuple[int, dict | None, Rejected | None]] = []  # (line, row, refusal)
    key = ""  # the group's

    for line, cells in source.rows:
        if not any(cell.strip() for cell in cells):
            continue
        row, refusal = None, None
        try:
            check_cells(columns, cells)
            row = dict(zip(columns, cells, strict=True))
        except Rejected as error:
            refusal = error
        row_key = _row_key(cells, key_at)
        if not row_key:
            # No key, or none that can be read: most likely a further row of the seizure
            # above typed without it, so it rejects that seizure with it rather than leave
            # it stored without a row.
            refusal = refusal or Rejected("seizure", _no_key())
            if group:
                group.append((line, None, refusal))
            else:
                yield _Outcome(line, rejection=refusal)
            continue
        if group and row_key != key:
            yield from _group_outcomes(group, key, ctx, split)
            group = []
        key = row_key
        group.append((line, row, refusal))
    if group:
        yield from _group_outcomes(group, key, ctx, split)


def _row_key(cells: list[str], key_at: int) -> str:
    """The row's seizure key; "" when it has none that can be read."""
    key = cells[key_at].strip() if key_at < len(cells) else ""
    return "" if key == CellTooLong.MARK else key


# The lines named where a split seizure's stretches of rows start: enough to find them.
SPLIT_LINES_SHOWN = 3


def split_keys(rows, key_at: int) -> dict[int, list[int]]:
    """The seizure keys of the file whose rows do not all follow each other, as
    ``hash(key)`` → the lines where its rows start again after other seizures' rows
    (its first stretch is not known to be one of several when it is read).

    Grouped as ``_template_outcomes`` groups them: blank rows and rows without a key
    break no seizure. Every key is held as its hash, an int in a set: 60 to 100 bytes per
    seizure of the file (20 to 30 MB for 300 000), however long the keys. Two keys with the same
    64-bit hash (about one chance in 10^9 for a million keys) would both be taken as split
    if one were: a seizure rejected with its reason, never one stored in part."""
    seen: set[int] = set()
    split: dict[int, list[int]] = {}
    current = None
    for line, cells in rows:
        key = _row_key(cells, key_at)
        if not key:
            continue
        hashed = hash(key)
        if hashed == current:
            continue
        if hashed in seen:
            starts = split.setdefault(hashed, [])
            if len(starts) <= SPLIT_LINES_SHOWN:  # one more than shown: tells there are more
                starts.append(line)
        seen.add(hashed)
        current = hashed
    return split


def _group_outcomes(group, key: str, ctx: Context, split: dict) -> Iterator[_Outcome]:
    """The seizure of a group of rows, or every row of it rejected."""
    starts = split.get(hash(key))
    if starts is not None:
        if group[0][0] < starts[0]:
            # The seizure's first stretch, which the first pass could not know was one:
            # its later stretches name it too.
            starts.insert(0, group[0][0])
        because = Rejected("seizure", _split(key, starts))
        for line, _row, _refusal in group:
            yield _Outcome(line, rejection=because)
        return
    refused = {line: refusal for line, _row, refusal in group if refusal is not None}
    if not refused:
        try:
            record = template_record([(line, row) for line, row, _r in group], ctx)
        except Rejected as error:
            refused = {getattr(error, "line", group[0][0]): error}
        else:
            yield _Outcome(group[0][0], record=record, rows=len(group))
            return
    because = Rejected("seizure", _with_its_seizure(key, min(refused)))
    for line, _row, _refusal in group:
        yield _Outcome(line, rejection=refused.get(line, because))


def _no_key() -> str:
    from django.utils.translation import gettext as _

    return _("The seizure column is empty; it groups the rows of one seizure.")


def _split(key: str, starts: list[int]) -> str:
    from django.utils.translation import gettext as _

    lines = ", ".join(map(str, starts[:SPLIT_LINES_SHOWN]))
    if len(starts) > SPLIT_LINES_SHOWN:
        lines += ", …"
    return _(
        "Seizure “%(key)s” is not imported: its rows are not together but split by other "
        "seizures' rows (its rows start at lines %(lines)s). Keep a seizure's rows "
        "together, one after the other, and import the file again."
    ) % {"key": key[:40], "lines": lines}


def _with_its_seizure(key: str, line: int) -> str:
    from django.utils.translation import gettext as _

    return _(
        "Not imported: seizure “%(key)s” is rejected for its line %(line)s, and a seizure is "
        "imported whole or not at all."
    ) % {"key": key[:40], "line": line}


class _Writer:
    def __init__(self, run: ImportRun, ctx: Context, points: dict):
        self.run, self.ctx, self.points = run, ctx, points
        self.unit = run.unit
        self.occurrences = Occurrences()
        self.distances: dict[tuple, tuple] = {}
        # JSON of the commodities and country routes: a file repeats a few of them.
        self.json: dict[tuple, JsonText] = {}
        self.perm_ids = list(
            Permission.objects.filter(
                content_type__app_label="seizures", codename__in=OWNER_PERMS
            ).values_list("pk", flat=True)
        )
        self.preview: list[dict] = []

    def fingerprints(self, records: list[Record]) -> list[str]:
        digests = [record.content_digest(self.unit.code) for record in records]
        # The n-th identical record of a file is another seizure (two couriers with the
        # same load on one day), so the occurrence counts; the same file again gives the
        # same fingerprints and adds nothing.
        numbers = self.occurrences.number([digest[:16] for digest in digests])
        return [
            hashlib.sha256(digest + n.to_bytes(4, "big")).hexdigest()
            for digest, n in zip(digests, numbers, strict=True)
        ]

    def _legs(self, calls) -> tuple[list, float | None]:
        locodes = tuple(code for _role, code in calls)
        if locodes not in self.distances:
            legs, total = [None] * min(1, len(locodes)), 0.0
            for a, b in zip(locodes, locodes[1:], strict=False):
                leg = round(geodesic(self.points[a], self.points[b]).km, 1)
                legs.append(leg)
                total += leg
            self.distances[locodes] = (legs, round(total, 1) if len(locodes) > 1 else None)
        return self.distances[locodes]

    def prepare(self, outcomes: list[_Outcome]) -> _Batch:
        """What can be done for a batch before its transaction: fingerprints, which of
        them are stored already, and the new records' rows as tuples, waiting only for
        their seizure's id and reference.

        On PostgreSQL this runs in the reading thread, on its own connection, while the
        writer stores the batch before, so that the writer, the slowest of the two, only
        does what must happen in the batch's transaction. Looking the fingerprints up
        early is safe: a file's fingerprints are all different (the occurrence number is
        in them), so the batches the writer is storing meanwhile hold none of them; a
        record another run stores meanwhile makes the insert fail, and the writer then
        looks again (``commit``)."""
        records = [o.record for o in outcomes if o.record is not None]
        fingerprints = self.fingerprints(records)
        run = self.run
        # The same for every seizure of the batch: unit, status, submitted_at, created_by,
        # import_run (SEIZURE_COLUMNS).
        same = (self.unit.pk, SeizureStatus.SUBMITTED, timezone.now(), run.uploaded_by_id, run.pk)
        batch = _Batch(outcomes, records, fingerprints, same)
        batch.issues = [
            (
                run.pk,
                o.line,
                IssueKind.REJECTED,
                o.rejection.column[:40],
                o.rejection.message[:500],
            )
            for o in outcomes
            if o.rejection is not None
        ]
        if records:
            batch.stored = self._stored(fingerprints)
            batch.names = list(records[0].fields)
            batch.item_names = next((list(r.items[0]) for r in records if r.items), [])
            batch.drafts = [
                None if fp in batch.stored else self._draft(r, fp, batch)
                for r, fp in zip(records, fingerprints, strict=True)
            ]
        return batch

    def _draft(self, record: Record, fingerprint: str, batch: _Batch) -> _Draft:
        """One record's rows without the seizure's id and reference: see ``_Batch``."""
        legs, total = self._legs(record.port_calls)
        fields = record.fields
        names, item_names, run_id = batch.names, batch.item_names, self.run.pk
        local = fields["occurred_at"].astimezone(self.ctx.zone(fields["port_id"]))
        seizure = (
            uuid.uuid4(),
            total,
            self._commodities(record.items),
            self._route_json(record.route_countries),
            record.line,
            fingerprint,
            local.date(),  # Seizure.occurred_on, which save() would keep
            *batch.same,
            *[fields[name] for name in names],
        )
        return _Draft(
            local.year,
            seizure,
            [tuple(item[name] for name in item_names) for item in record.items],
            [
                (n, role, code, leg)
                for n, ((role, code), leg) in enumerate(
                    zip(record.port_calls, legs, strict=True), start=1
                )
            ],
            record.containers,
            [
                (run_id, record.line, IssueKind.FLAGGED, column[:40], message[:500])
                for column, message in record.flags
            ],
        )

    def flush(self, outcomes: list[_Outcome]) -> None:
        self.commit(self.prepare(outcomes))

    def commit(self, batch: _Batch) -> None:
        """Store one batch and move the progress on, in one transaction."""
        # A batch's own transaction need not wait for its WAL to reach the disk: the run
        # is marked done afterwards by a commit that does wait, and PostgreSQL writes its
        # log in order, so a done run has every batch on disk. A crash of the database in
        # between loses at most the last batches with their progress, and the rerun the
        # page then asks for stores them again. (Not inside a caller's transaction: SET
        # LOCAL would reach beyond this batch.)
        relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
        for attempt in range(2):
            try:
                with transaction.atomic():
                    if relaxed:
                        with connection.cursor() as cursor:
                            cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    self._progress(self._write(batch, again_look=attempt > 0))
                break
            except IntegrityError:
                # Another run stored some of these records meanwhile: look again.
                if attempt:
                    raise

    def _progress(self, counts: dict) -> None:
        ImportRun.objects.filter(pk=self.run.pk).update(
            processed_rows=F("processed_rows") + counts["processed"],
            imported_count=F("imported_count") + counts["imported"],
            duplicate_count=F("duplicate_count") + counts["duplicates"],
            rejected_count=F("rejected_count") + counts["rejected"],
            flagged_count=F("flagged_count") + counts["flagged"],
        )

    def _write(self, batch: _Batch, again_look: bool) -> dict:
        run, outcomes, records = self.run, batch.outcomes, batch.records
        if again_look:
            batch.stored = self._stored(batch.fingerprints)
        stored = batch.stored
        new = [
            # A record stored when the batch was prepared but no longer (rare) has no draft.
            (record, draft or self._draft(record, fp, batch))
            for record, draft, fp in zip(records, batch.drafts, batch.fingerprints, strict=True)
            if fp not in stored
        ]
        # Rerun after a lost worker: what this run stored before counts as imported.
        again = sum(1 for fp in batch.fingerprints if stored.get(fp) == run.pk)
        issues = list(batch.issues)
        for _record, draft in new:
            issues += draft.flags
        references = [None] * len(new) if run.dry_run else self._reserve(new)
        for (record, _draft), reference in zip(new, references, strict=True):
            if len(self.preview) < PREVIEW_ROWS:
                self.preview.append(preview_of(record, reference, self.ctx))
        if not run.dry_run and new:
            self._insert(batch, new, references)
        insert_tuples(ImportIssue, ISSUE_COLUMNS, issues)
        return {
            "processed": sum(outcome.rows for outcome in outcomes),
            "imported": len(new) + again,
            "duplicates": len(records) - len(new) - again,
            "rejected": len(batch.issues),
            "flagged": sum(1 for record, _draft in new if record.flags),
        }

    def _stored(self, fingerprints: list[str]) -> dict[str, int]:
        """Fingerprint → import run of the records of this batch already stored."""
        if connection.vendor == "postgresql":
            # One text parameter split by the database: Django and psycopg would otherwise
            # spell out and parse 2 000 placeholders (or quote 2 000 array elements) per
            # batch, a good part of a second import's time. Fingerprints are hex digits.
            #
            # One index probe per fingerprint, on the unique (unit, fingerprint) index,
            # whatever the table's statistics say. Asked as one condition over the table,
            # the planner trusted statistics gathered before the import began (a few
            # hundred seizures for the unit, where there were 300 000), walked every
            # seizure of the unit and compared each with the 2 000 fingerprints: 140 ms
            # per batch and growing with the table, where the probes take 10 to 20 ms.
            # LIMIT 1 keeps the planner from turning the probes back into that join.
            table, column = Seizure._meta.db_table, "import_fingerprint"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT s.{column}, s.import_run_id "  # noqa: S608 (model names)
                    "FROM unnest(string_to_array(%s, ',')) AS f(fingerprint) "
                    f"CROSS JOIN LATERAL (SELECT {column}, import_run_id FROM {table} "
                    f"WHERE unit_id = %s AND {column} = f.fingerprint LIMIT 1) AS s",
                    [",".join(fingerprints), self.unit.pk],
                )
                return dict(cursor.fetchall())
        # No ORDER BY: with the model's ordering SQLite walks the unit's date index over
        # every seizure of the unit instead of looking the fingerprints up.
        return dict(
            Seizure.objects.filter(unit=self.unit, import_fingerprint__in=fingerprints)
            .order_by()
            .values_list("import_fingerprint", "import_run_id")
        )

    def _reserve(self, new) -> list[str]:
        """A block of reference numbers per (unit, local year), continuing the counter
        seizure_log uses, under the same row lock.

        All the batch's years at once (a file spans a dozen years; a query or three per
        year and batch added up): counters missing are created, then all are locked in
        year order (as every import locks them, so two runs cannot deadlock), moved on
        and saved in one update."""
        years = [draft.year for _r, draft in new]
        wanted = Counter(years)
        counters = self._locked_counters(wanted)
        if len(counters) < len(wanted):
            ReferenceCounter.objects.bulk_create(
                # In year order too: two runs inserting the same new years in the order
                # their files met them would each wait on the other's uncommitted row.
                [
                    ReferenceCounter(unit=self.unit, year=y)
                    for y in sorted(wanted)
                    if y not in counters
                ],
                ignore_conflicts=True,  # seizure_log may create one meanwhile
            )
            counters = self._locked_counters(wanted)
        last = {}
        for year, counter in counters.items():
            last[year] = counter.last_number
            counter.last_number += wanted[year]
        ReferenceCounter.objects.bulk_update(counters.values(), ["last_number"])
        references = []
        for year in years:
            last[year] += 1
            references.append(f"{self.unit.code}-{year}-{last[year]:04d}")
        return references

    def _locked_counters(self, years) -> dict[int, ReferenceCounter]:
        counters = (
            ReferenceCounter.objects.select_for_update()
            .filter(unit=self.unit, year__in=list(years))
            .order_by("year")
        )
        return {counter.year: counter for counter in counters}

    def _insert(self, batch: _Batch, new, references) -> None:
        """The batch's new seizures and their rows: the drafts with ids and references."""
        ids = allocate_ids(Seizure, len(new))
        seizures, items, calls, containers = [], [], [], []
        for pk, (_record, draft), reference in zip(ids, new, references, strict=True):
            seizures.append((pk, reference, *draft.seizure))
            items += [(pk, *cells) for cells in draft.items]
            calls += [(pk, *cells) for cells in draft.calls]
            containers += [(pk, number) for number in draft.containers]
        insert_tuples(Seizure, (*SEIZURE_COLUMNS, *batch.names), seizures)
        insert_tuples(SeizedItem, ("seizure_id", *batch.item_names), items)
        insert_tuples(PortCall, PORT_CALL_COLUMNS, calls)
        insert_tuples(Container, ("seizure_id", "number"), containers)
        self._grant(ids)

    def _grant(self, ids: list[int]) -> None:
        """The unit's group may see and change its seizures, as seizure_log grants: two
        rows per seizure, the most numerous rows of an import."""
        model, group_id = SeizureGroupObjectPermission, self.unit.group_id
        columns = ("permission_id", "group_id", "content_object_id")
        if connection.vendor != "postgresql":
            insert_tuples(model, columns, [(p, group_id, pk) for pk in ids for p in self.perm_ids])
            return
        # PostgreSQL makes the rows from the ids itself, so Python neither builds nor
        # sends one per row.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
                "SELECT perm, %s, seizure FROM unnest(%s::integer[]) AS perm, "
                "unnest(string_to_array(%s, ',')::bigint[]) AS seizure",
                [group_id, self.perm_ids, ",".join(map(str, ids))],
            )

    def _cached_json(self, key: tuple, value) -> JsonText:
        if len(self.json) > 10_000:
            self.json.clear()  # memory stays flat on a file of endless variety
        text = self.json[key] = JsonText(json.dumps(value))
        return text

    def _commodities(self, items: list[dict]) -> JsonText:
        key = ("commodities", *((i["category"], i["substance"]) for i in items))
        return self.json.get(key) or self._cached_json(
            key, sorted({c for c, _s in key[1:]} | {s for _c, s in key[1:] if s})
        )

    def _route_json(self, route: list[list[str]]) -> JsonText:
        key = ("route", *map(tuple, route))
        return self.json.get(key) or self._cached_json(key, route)


def preview_of(record: Record, reference: str | None, ctx: Context) -> dict:
    """A record as the run's page shows it: plain strings, ready for JSON."""
    local = record.fields["occurred_at"].astimezone(ctx.zone(record.fields["port_id"]))
    units = dict(QuantityUnit.choices)
    return {
        "line": record.line,
        "reference": reference or "",
        "occurred_at": local.strftime("%Y-%m-%d %H:%M"),
        "port": record.fields["port_id"],
        "transport": record.fields.get("transport_mode", ""),
        "concealment": record.fields.get("concealment_method", ""),
        "items": [
            f"{number_format(i['quantity'])} {units[i['quantity_unit']]} "
            f"{i['substance'] or i['category']}"
            for i in record.items
        ],
        "route": " → ".join(code for _role, code in record.port_calls),
        "countries": " → ".join(f"{code} ({role})" for role, code in record.route_countries),
        "flags": [message for _column, message in record.flags],
    }
