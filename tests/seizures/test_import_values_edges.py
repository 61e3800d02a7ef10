"""Historic import, the edges of values and of template seizures: what a supervisor would
otherwise find stored wrong (a partial seizure, twelve kilograms for twelve thousand, a
midnight moved to noon, a bar stuck at a quarter, ninety million tonnes)."""

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from casetracker.core.choices import Role
from seizures.imports.choices import IssueKind
from seizures.imports.models import ImportRun
from seizures.imports.normalise import Context, Rejected, parse_amount, parse_when
from seizures.imports.reader import IDS_COLUMNS, TEMPLATE_COLUMNS
from seizures.imports.runner import _Writer
from seizures.imports.services import import_run_create
from seizures.models import Seizure
from tests import factories as f

IDS_HEADER = ";".join(IDS_COLUMNS)
GUAYAQUIL = ZoneInfo("America/Guayaquil")


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    def run(data: bytes, *, name: str = "ids.csv") -> ImportRun:
        with django_capture_on_commit_callbacks(execute=True):
            created = import_run_create(
                user=world, unit=world.unit, upload=SimpleUploadedFile(name, data), dry_run=False
            )
        created.refresh_from_db()
        return created

    return run


def _ids(*rows: dict) -> bytes:
    lines = [IDS_HEADER]
    for row in rows:
        values = {
            "COUNTRY": "Ecuador",
            "PLACE": "Guayaquil",
            "SEIZURE_DATE": "2019-03-14",
            "DRUG_NAME": "Cocaine",
            "DRUG_UNIT": "Kilogram",
            **row,
        }
        lines.append(";".join(values.get(column, "") for column in IDS_COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def _template(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in TEMPLATE_COLUMNS])
    return out.getvalue().encode()


def _item(key: str, substance: str, quantity: str = "1", **more) -> dict:
    return {"seizure": key, "substance": substance, "quantity": quantity, "unit": "kg", **more}


def _rejected(run: ImportRun) -> dict[int, str]:
    return dict(run.issues.filter(kind=IssueKind.REJECTED).values_list("line", "message"))


def _items(seizure: Seizure) -> list[str]:
    return sorted(seizure.items.values_list("substance", flat=True))


# --- a template seizure is imported whole or not at all ------------------------------------


def test_a_formula_in_one_item_row_rejects_the_whole_seizure_and_the_fixed_file_adds_it_once(
    run_import,
):
    rows = [
        _item("S1", "Cocaine", "100", date="2019-03-14"),
        _item("S1", "Heroin", "5", description='=HYPERLINK("x")'),
        _item("S2", "Opium", date="2019-03-15"),
    ]
    run = run_import(_template(*rows), name="t.csv")
    assert (run.imported_count, run.rejected_count) == (1, 2)
    assert list(Seizure.objects.values_list("import_line", flat=True)) == [4]
    rejected = _rejected(run)
    assert "formula" in rejected[3]
    assert "“S1”" in rejected[2] and "line 3" in rejected[2]

    rows[1]["description"] = "bricks"
    fixed = run_import(_template(*rows), name="t-fixed.csv")
    assert (fixed.imported_count, fixed.duplicate_count, fixed.rejected_count) == (1, 1, 0)
    assert Seizure.objects.count() == 2
    assert _items(Seizure.objects.get(import_run=fixed)) == ["cocaine", "heroin"]


def test_an_item_row_with_the_wrong_cell_count_rejects_its_seizure_by_the_key_it_has(
    run_import,
):
    data = _template(
        _item("S1", "Cocaine", date="2019-03-14"), _item("S2", "Opium", date="2019-03-15")
    )
    lines = data.decode().splitlines()
    lines.insert(2, "S1,,,,,,,,,,,,,,,,,,Heroin,,5,kg")  # a cell short, under S1
    run = run_import(("\n".join(lines) + "\n").encode(), name="t.csv")
    assert list(Seizure.objects.values_list("import_line", flat=True)) == [4]
    rejected = _rejected(run)
    assert set(rejected) == {2, 3}
    assert "cells where the header has" in rejected[3]


def test_a_row_without_a_seizure_key_rejects_the_seizure_above_it(run_import):
    # A merged "seizure" cell in a workbook reads as empty on the rows below its first.
    rows = [
        _item("S1", "Cocaine", date="2019-03-14"),
        _item("", "Heroin"),
        _item("S2", "Opium", date="2019-03-15"),
    ]
    run = run_import(_template(*rows), name="t.csv")
    assert list(Seizure.objects.values_list("import_line", flat=True)) == [4]
    rejected = _rejected(run)
    assert set(rejected) == {2, 3}
    assert "seizure column is empty" in rejected[3]


def test_a_bad_item_reports_every_row_of_its_seizure_with_its_line(run_import):
    rows = [
        _item("S1", "Cocaine", date="2019-03-14"),
        _item("S1", "Heroin", unit="barrels"),
        _item("S1", "Opium"),
    ]
    run = run_import(_template(*rows), name="t.csv")
    assert not Seizure.objects.exists()
    rejected = _rejected(run)
    assert set(rejected) == {2, 3, 4}
    assert "not a unit we know" in rejected[3]
    assert "line 3" in rejected[2] and "line 3" in rejected[4]
    assert run.rejected_count == 3


# --- progress of a template file ----------------------------------------------------------


def test_the_progress_of_a_template_file_counts_its_rows_not_its_seizures(run_import, monkeypatch):
    rows = [_item("S1", s, date="2019-03-14") for s in ("Cocaine", "Heroin", "Opium", "Khat")]
    rows.append(_item("S2", "Cocaine", date="2019-03-15"))
    seen = []
    commit = _Writer.commit

    def committing(writer, batch):
        commit(writer, batch)
        run = ImportRun.objects.get(pk=writer.run.pk)
        seen.append((run.processed_rows, run.percent))

    monkeypatch.setattr("seizures.imports.services.BATCH", 1)  # a batch per seizure
    monkeypatch.setattr(_Writer, "commit", committing)
    run = run_import(_template(*rows), name="t.csv")
    assert seen == [(4, 80), (5, 99)]
    assert (run.total_rows, run.processed_rows, run.imported_count) == (5, 5, 2)


# --- amounts: thousands or decimals --------------------------------------------------------


def _ctx(world) -> Context:
    return Context(unit=world.unit, ports={})


@pytest.mark.parametrize("text", ["12,000", "1.500", "100,250"])
def test_an_amount_that_could_be_thousands_or_decimals_is_refused_while_the_file_is_silent(
    world, text
):
    with pytest.raises(Rejected) as rejected:
        parse_amount(text, "AMOUNT", _ctx(world))
    assert "could be" in rejected.value.message


@pytest.mark.parametrize(
    ("earlier", "text", "amount"),
    [
        ("2,5", "12,000", Decimal("12")),
        ("2,5", "1.500", Decimal("1500")),
        ("1.234,5", "1.500", Decimal("1500")),
        ("0.5", "12,000", Decimal("12000")),
        ("0.5", "1.500", Decimal("1.5")),
        ("1,234.5", "1,500", Decimal("1500")),
    ],
)
def test_the_files_decimal_mark_settles_an_amount_that_could_be_either(
    world, earlier, text, amount
):
    ctx = _ctx(world)
    parse_amount(earlier, "AMOUNT", ctx)
    assert parse_amount(text, "AMOUNT", ctx) == amount


def test_a_file_that_uses_both_decimal_marks_settles_nothing(world):
    ctx = _ctx(world)
    parse_amount("2,5", "AMOUNT", ctx)
    parse_amount("0.5", "AMOUNT", ctx)
    with pytest.raises(Rejected):
        parse_amount("12,000", "AMOUNT", ctx)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234,5", Decimal("1234.5")),
        ("1,234.5", Decimal("1234.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1,234,567", Decimal("1234567")),
        ("1.234.567", Decimal("1234567")),
        ("12000", Decimal("12000")),
        ("2,5", Decimal("2.5")),
        ("0,500", Decimal("0.5")),
        ("1234,567", Decimal("1234.567")),
    ],
)
def test_an_amount_that_says_which_mark_is_which_reads_the_same_in_any_file(world, text, amount):
    assert parse_amount(text, "AMOUNT", _ctx(world)) == amount


def test_an_ids_file_reads_twelve_thousand_or_twelve_as_its_own_amounts_say(run_import):
    run = run_import(
        _ids(
            {"AMOUNT": "12,000"},
            {"AMOUNT": "2,5", "SEIZURE_DATE": "2019-03-15"},
            {"AMOUNT": "1.500", "SEIZURE_DATE": "2019-03-16"},
            {"AMOUNT": "12,000", "SEIZURE_DATE": "2019-03-17"},
        )
    )
    assert "could be 12 or 12000" in _rejected(run)[2]
    stored = {s.import_line: s.items.get().quantity for s in Seizure.objects.all()}
    assert stored == {3: Decimal("2.5"), 4: Decimal("1500"), 5: Decimal("12")}


# --- dates: a time given is kept, even midnight -------------------------------------------


@pytest.mark.parametrize(
    ("text", "hour"),
    [
        ("2019-03-14", 12),
        ("2019-03-14T00:00", 0),
        ("2019-03-14 00:00:00", 0),
        ("2019-03-14T06:30", 6),
        ("14/03/2019", 12),
    ],
)
def test_a_date_alone_is_stored_at_noon_and_a_time_given_is_kept_even_midnight(text, hour):
    assert parse_when(text, "date", GUAYAQUIL).hour == hour


def test_a_template_seizure_at_midnight_stays_at_midnight(run_import):
    run_import(_template(_item("S1", "Cocaine", date="2019-03-14T00:00")), name="t.csv")
    stored = Seizure.objects.get().occurred_at.astimezone(GUAYAQUIL)
    assert (stored.date(), stored.hour, stored.minute) == (dt.date(2019, 3, 14), 0, 0)


def test_a_workbook_date_cell_without_a_time_is_stored_at_noon(run_import):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(TEMPLATE_COLUMNS))
    row = _item("S1", "Cocaine", date=dt.datetime(2019, 3, 14))
    sheet.append([row.get(column, "") for column in TEMPLATE_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    run_import(out.getvalue(), name="t.xlsx")
    assert Seizure.objects.get().occurred_at.astimezone(GUAYAQUIL).hour == 12


# --- quantities beyond any seizure -----------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "unit"),
    [("90000000000", "Kilogram"), ("2000", "Ton"), ("5000000000", "Tablet"), ("2000000", "Litre")],
)
def test_a_quantity_beyond_any_seizure_rejects_its_row_with_the_reason(run_import, amount, unit):
    run = run_import(_ids({"AMOUNT": amount, "DRUG_UNIT": unit, "DRUG_NAME": "Ecstasy"}))
    assert run.imported_count == 0
    assert "check the amount and its unit" in _rejected(run)[2]


def test_the_largest_real_seizures_still_import(run_import):
    run = run_import(
        _ids(
            {"AMOUNT": "25000", "DRUG_UNIT": "Kilogram"},
            {"AMOUNT": "1000", "DRUG_UNIT": "Ton", "SEIZURE_DATE": "2019-03-15"},
            {
                "AMOUNT": "84000000",
                "DRUG_UNIT": "Tablet",
                "DRUG_NAME": "Captagon",
                "SEIZURE_DATE": "2019-03-16",
            },
        )
    )
    assert (run.imported_count, run.rejected_count) == (3, 0), _rejected(run)
