"""Historic import, the files that used to lose rows without a word: a quote never closed,
a workbook with several sheets, a stale or missing sheet size, merged cells, a header
without rows, a zip bomb. Each is either read whole or refused whole, with the reason."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from casetracker.core.choices import Role
from seizures.imports import reader
from seizures.imports.choices import ImportStatus, IssueKind
from seizures.imports.models import ImportRun
from seizures.imports.reader import IDS_COLUMNS, FileRefused, open_source
from seizures.imports.services import import_run_create, import_run_execute
from seizures.models import Seizure
from tests import factories as f

HEADER = ";".join(IDS_COLUMNS)


def ids_row(date="2019-03-14", drug="Cocaine", hiding="", routing="") -> str:
    return ";".join(
        [
            "Americas",
            "South America",
            "Ecuador",
            "Guayas",
            "Guayaquil",
            date,
            drug,
            "10",
            "Kilogram",
            hiding,
            "",
            "Sea",
            "",
            "",
            "",
            routing,
        ]
    )


def ids_file(rows, newline="\n") -> bytes:
    return (newline.join([HEADER, *rows]) + newline).encode()


def ten_days() -> list[str]:
    return [ids_row(date=f"2019-03-{day:02d}") for day in range(1, 11)]


def workbook(sheets, dimension=None) -> bytes:
    """An XLSX with the sheets given as (title, rows); ``dimension`` replaces the size the
    first sheet declares ("" removes it), as other applications write it wrong."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    if dimension is None:
        return out.getvalue()
    source, changed = zipfile.ZipFile(out), io.BytesIO()
    with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', dimension.encode(), data)
            target.writestr(info, data)
    return changed.getvalue()


def cells(row: str) -> list:
    return row.split(";")


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    def run(data, *, name="ids.csv"):
        with django_capture_on_commit_callbacks(execute=True):
            created = import_run_create(
                user=world, unit=world.unit, upload=SimpleUploadedFile(name, data), dry_run=False
            )
        created.refresh_from_db()
        return created

    return run


def refusal(run_import, data, **kwargs) -> str:
    with pytest.raises(ValidationError) as refused:
        run_import(data, **kwargs)
    assert not ImportRun.objects.exists() and not Seizure.objects.exists()
    return " ".join(refused.value.messages)


# --- quotes ----------------------------------------------------------------------------


def test_a_quote_never_closed_refuses_the_file_naming_the_line_where_it_opened(run_import):
    rows = ten_days()
    rows[2] = ids_row(date="2019-03-03", hiding='"12 inch pipes')
    message = refusal(run_import, ids_file(rows))
    assert "quote opened on line 4 is never closed" in message


def test_a_quote_opened_on_the_last_line_of_a_file_without_a_final_newline_is_found():
    data = ids_file(ten_days()) + ids_row(routing='"ECGYE > PAMIT').encode()
    with pytest.raises(FileRefused, match="line 12 is never closed"):
        open_source(io.BytesIO(data))


def test_a_quoted_cell_over_128_kib_across_lines_refuses_the_file(run_import):
    rows = ten_days()
    rows[1] = ids_row(hiding='"' + ("x" * 999 + "\n") * 200 + '"')
    message = refusal(run_import, ids_file(rows))
    assert "quote opened on line 3 is not closed within 131 072 characters" in message


def test_quotes_that_close_keep_the_rows_around_them(run_import):
    rows = ten_days()
    rows[0] = ids_row(hiding='"In a bag\nbehind the seats"')
    rows[1] = ids_row(date="2019-03-02", hiding='12" pipes')  # an inch mark, not a quote
    run = run_import(ids_file(rows))
    assert (run.status, run.imported_count, run.rejected_count) == (ImportStatus.DONE, 10, 0)
    assert run.total_rows == 10


def test_a_file_refused_when_it_runs_stores_nothing_and_says_why(run_import):
    """A dry run checked before quotes were checked, confirmed now: the run fails before
    its first batch instead of importing the rows above the quote."""
    run = run_import(ids_file(ten_days()))
    Seizure.objects.all().delete()
    rows = ten_days()
    rows[5] = ids_row(date="2019-03-06", hiding='"12 inch pipes')
    run.file.save("upload", ContentFile(ids_file(rows)), save=False)
    ImportRun.objects.filter(pk=run.pk).update(file=run.file.name, status=ImportStatus.QUEUED)
    run = import_run_execute(run_id=run.pk)
    assert run.status == ImportStatus.FAILED
    assert "line 7 is never closed" in run.error
    assert not Seizure.objects.exists()


# --- a header and nothing else -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (ids_file([]), "ids.csv"),
        (ids_file(["", " ", ";;;"]), "ids.csv"),
        (workbook([("seizures", [cells(HEADER), [None] * 16])]), "ids.xlsx"),
    ],
    ids=["csv", "csv-blank-lines", "xlsx"],
)
def test_a_header_without_rows_is_refused_on_the_form(run_import, data, name):
    assert refusal(run_import, data, name=name) == "The file has a header but no rows."


# --- workbooks ---------------------------------------------------------------------------


def test_a_workbook_with_data_on_two_sheets_is_refused_naming_them(run_import):
    data = workbook(
        [
            ("2018", [cells(HEADER), cells(ids_row(date="2018-05-01"))]),
            ("Sheet2", []),
            ("2019", [cells(HEADER), cells(ids_row(date="2019-05-01"))]),
        ]
    )
    message = refusal(run_import, data, name="ids.xlsx")
    assert "“2018”, “2019”" in message and "Sheet2" not in message
    assert "one sheet per file" in message


def test_the_one_sheet_with_data_is_read_wherever_it_is(run_import):
    data = workbook([("Sheet1", []), ("seizures", [cells(HEADER), cells(ids_row())])])
    run = run_import(data, name="ids.xlsx")
    assert (run.status, run.imported_count) == (ImportStatus.DONE, 1)


def test_a_stale_sheet_size_does_not_drop_rows(run_import):
    rows = [cells(HEADER)] + [cells(ids_row(date=f"2019-03-{day:02d}")) for day in (1, 2, 3, 4)]
    run = run_import(workbook([("s", rows)], '<dimension ref="A1:P2"/>'), name="ids.xlsx")
    assert (run.imported_count, run.rejected_count, run.total_rows) == (4, 0, 4)


def test_a_sheet_without_a_size_reads_rows_with_empty_cells_at_the_end(run_import):
    short = cells(ids_row())[:13] + [None, None, None]
    rows = [cells(HEADER), short, cells(ids_row(date="2019-03-15")) + [None, None]]
    run = run_import(workbook([("s", rows)], ""), name="ids.xlsx")
    assert (run.imported_count, run.rejected_count) == (2, 0)
    assert run.total_rows == 2  # the progress bar has something to count against


def test_a_cell_with_text_beyond_the_header_still_rejects_its_row(run_import):
    rows = [cells(HEADER), cells(ids_row()) + ["a note"]]
    run = run_import(workbook([("s", rows)], ""), name="ids.xlsx")
    assert run.issues.get(kind=IssueKind.REJECTED).message == (
        "The row has 17 cells where the header has 16."
    )


def test_merged_cells_are_read_with_the_value_the_spreadsheet_shows(run_import):
    book = Workbook()
    sheet = book.active
    for row in [
        HEADER,
        ids_row(drug="Heroin"),
        ids_row(drug="", date="2019-03-15"),
        ids_row(drug="Cocaine", date="2019-03-16"),
    ]:
        sheet.append(cells(row))
    sheet.merge_cells("G2:G3")
    out = io.BytesIO()
    book.save(out)
    run = run_import(out.getvalue(), name="ids.xlsx")
    substances = {
        s.import_line: s.items.get().substance for s in Seizure.objects.filter(import_run=run)
    }
    assert substances == {2: "heroin", 3: "heroin", 4: "cocaine"}
    assert any("merged cells" in note for note in run.notes)


def test_a_zip_bomb_disguised_as_a_workbook_is_refused_before_it_is_unpacked(run_import):
    data = workbook([("s", [cells(HEADER), cells(ids_row())])])
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", b"<si><t>REGION</t></si>" * 1_000_000)
    message = refusal(run_import, bomb.getvalue(), name="ids.xlsx")
    assert "The workbook unpacks to 21.0" in message and "Save the sheet as CSV" in message


def test_shared_strings_held_in_memory_whole_have_their_own_cap(run_import, monkeypatch):
    monkeypatch.setattr(reader, "XLSX_MAX_PART", 50_000)
    text = "".join(f"<si><t>{n:x}{n * 7919 % 104729}</t></si>" for n in range(4000))
    data = workbook([("s", [cells(HEADER), cells(ids_row())])])
    changed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/sharedStrings.xml", f"<sst>{text}</sst>")
    message = refusal(run_import, changed.getvalue(), name="ids.xlsx")
    assert "part xl/sharedStrings.xml unpacks to" in message and "at most 48.8" in message


# --- progress ----------------------------------------------------------------------------


def test_a_file_with_carriage_returns_only_has_a_total_for_the_progress_bar():
    source = open_source(io.BytesIO(ids_file(ten_days(), newline="\r")))
    assert source.total_rows == 10
    assert [line for line, _cells in source.rows] == list(range(2, 12))
