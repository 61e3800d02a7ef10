"""Historic import: a template seizure whose rows are split by other seizures' rows is
imported whole or not at all, never from the stretch of rows read first."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from casetracker.core.choices import Role
from seizures.imports.choices import ImportStatus, IssueKind
from seizures.imports.models import ImportRun
from seizures.imports.reader import TEMPLATE_COLUMNS
from seizures.imports.runner import split_keys
from seizures.imports.services import import_run_create
from seizures.models import Seizure
from tests import factories as f


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    def run(data: bytes, *, name: str = "t.csv", dry_run: bool = False) -> ImportRun:
        with django_capture_on_commit_callbacks(execute=True):
            created = import_run_create(
                user=world, unit=world.unit, upload=SimpleUploadedFile(name, data), dry_run=dry_run
            )
        created.refresh_from_db()
        assert created.status == ImportStatus.DONE, created.error
        return created

    return run


def _item(key: str, substance: str, date: str = "", quantity: str = "1") -> dict:
    return {
        "seizure": key,
        "date": date,
        "substance": substance,
        "quantity": quantity,
        "unit": "kg",
    }


def _cells(row: dict) -> list[str]:
    return [row.get(column, "") for column in TEMPLATE_COLUMNS]


def _csv(*rows: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows(_cells(row) for row in rows)
    return out.getvalue().encode()


def _xlsx(*rows: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(TEMPLATE_COLUMNS))
    for row in rows:
        sheet.append(_cells(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Seizure A's rows on lines 2-3 and 5, B's on line 4, C's on line 6.
SPLIT = (
    _item("A", "Cocaine", "2019-03-14", "100"),
    _item("A", "Heroin", quantity="5"),
    _item("B", "Opium", "2019-03-15"),
    _item("A", "Khat", quantity="2"),
    _item("C", "Cocaine", "2019-03-16"),
)


def _rejected(run: ImportRun) -> dict[int, str]:
    return dict(run.issues.filter(kind=IssueKind.REJECTED).values_list("line", "message"))


@pytest.mark.parametrize(("make", "name"), [(_csv, "t.csv"), (_xlsx, "t.xlsx")])
def test_a_seizure_split_by_another_is_not_imported_and_each_of_its_rows_says_why(
    run_import, make, name
):
    run = run_import(make(*SPLIT), name=name)
    assert sorted(Seizure.objects.values_list("import_line", flat=True)) == [4, 6]
    assert (run.imported_count, run.rejected_count, run.processed_rows) == (2, 3, 5)
    rejected = _rejected(run)
    assert set(rejected) == {2, 3, 5}
    for message in rejected.values():
        assert "“A”" in message
        assert "Keep a seizure's rows together" in message
        assert "lines 2, 5" in message


def test_a_dry_run_reports_a_split_seizure_as_the_import_would(run_import):
    run = run_import(_csv(*SPLIT), dry_run=True)
    assert (run.imported_count, run.rejected_count) == (2, 3)
    assert set(_rejected(run)) == {2, 3, 5}
    assert [row["line"] for row in run.preview] == [4, 6]
    assert not Seizure.objects.exists()


def test_the_split_seizure_is_rejected_however_far_down_it_comes_back(run_import):
    rows = [_item("A", "Cocaine", "2019-03-14")]
    rows += [_item(f"S{n}", "Opium", f"2019-04-{n:02d}") for n in range(1, 21)]
    rows += [_item("A", "Heroin"), _item("Z", "Khat", "2019-05-01"), _item("A", "Opium")]
    run = run_import(_csv(*rows))
    assert set(_rejected(run)) == {2, 23, 25}
    assert "lines 2, 23, 25" in _rejected(run)[2]
    assert Seizure.objects.count() == 21


def test_rows_without_a_key_and_blank_lines_do_not_split_a_seizure(run_import):
    data = _csv(_item("A", "Cocaine", "2019-03-14"), _item("A", "Heroin"))
    lines = data.decode().splitlines()
    lines.insert(2, "")  # a blank line between A's rows
    run = run_import(("\n".join(lines) + "\n").encode())
    assert (run.imported_count, run.rejected_count) == (1, 0), _rejected(run)


def test_a_file_with_its_seizures_together_imports_once(run_import):
    together = (SPLIT[0], SPLIT[1], SPLIT[3], SPLIT[2], SPLIT[4])
    first = run_import(_csv(*together))
    assert (first.imported_count, first.rejected_count) == (3, 0), _rejected(first)
    again = run_import(_csv(*together))
    assert (again.imported_count, again.duplicate_count, again.rejected_count) == (0, 3, 0)
    assert Seizure.objects.count() == 3


def test_split_keys_names_the_lines_where_a_seizure_starts_again():
    rows = [(n, [key]) for n, key in enumerate(["A", "A", "B", "", "B", "A", "C", "A"], start=2)]
    assert split_keys(iter(rows), 0) == {hash("A"): [7, 9]}
