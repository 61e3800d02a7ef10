"""Historic import: the decimal mark the uploader chooses reads "12,000" and "1.500" from
the first row, and refuses an amount written with the other mark."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from casetracker.core.choices import Role
from seizures.imports.choices import DecimalMark, ImportStatus, IssueKind
from seizures.imports.models import ImportRun
from seizures.imports.normalise import Context, Rejected, parse_amount
from seizures.imports.reader import IDS_COLUMNS, TEMPLATE_COLUMNS
from seizures.imports.services import import_run_confirm, import_run_create
from seizures.models import Seizure
from tests import factories as f
from tests.mfa import verified_login


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    def run(data: bytes, *, name="ids.csv", dry_run=False, **mark) -> ImportRun:
        with django_capture_on_commit_callbacks(execute=True):
            created = import_run_create(
                user=world,
                unit=world.unit,
                upload=SimpleUploadedFile(name, data),
                dry_run=dry_run,
                **mark,
            )
        created.refresh_from_db()
        assert created.status == ImportStatus.DONE, created.error
        return created

    return run


def _ids(*amounts: str) -> bytes:
    lines = [";".join(IDS_COLUMNS)]
    for day, amount in enumerate(amounts, start=1):
        row = {
            "COUNTRY": "Ecuador",
            "PLACE": "Guayaquil",
            "SEIZURE_DATE": f"2019-03-{day:02d}",
            "DRUG_NAME": "Cocaine",
            "AMOUNT": amount,
            "DRUG_UNIT": "Kilogram",
        }
        lines.append(";".join(row.get(column, "") for column in IDS_COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def _quantities(run: ImportRun) -> dict[int, Decimal]:
    return {s.import_line: s.items.get().quantity for s in Seizure.objects.filter(import_run=run)}


def _rejected(run: ImportRun) -> dict[int, str]:
    return dict(run.issues.filter(kind=IssueKind.REJECTED).values_list("line", "message"))


def _ctx(world, mark: DecimalMark) -> Context:
    return Context(unit=world.unit, ports={}, chosen_mark=mark.character)


@pytest.mark.parametrize(
    ("mark", "text", "amount"),
    [
        (DecimalMark.POINT, "12,000", Decimal("12000")),
        (DecimalMark.POINT, "1.500", Decimal("1.5")),
        (DecimalMark.POINT, "1,234,567", Decimal("1234567")),
        (DecimalMark.POINT, "1,234.5", Decimal("1234.5")),
        (DecimalMark.COMMA, "12,000", Decimal("12")),
        (DecimalMark.COMMA, "1.500", Decimal("1500")),
        (DecimalMark.COMMA, "1.234,5", Decimal("1234.5")),
        (DecimalMark.COMMA, "2,5", Decimal("2.5")),
        (DecimalMark.COMMA, "12000", Decimal("12000")),
    ],
)
def test_the_chosen_decimal_mark_reads_every_amount_from_the_first(world, mark, text, amount):
    assert parse_amount(text, "AMOUNT", _ctx(world, mark)) == amount


@pytest.mark.parametrize(
    ("mark", "text"),
    [
        (DecimalMark.COMMA, "1,234.5"),
        (DecimalMark.COMMA, "0.5"),
        (DecimalMark.COMMA, "1,234,567"),
        (DecimalMark.COMMA, "1,23,456"),
        (DecimalMark.POINT, "1.234,5"),
        (DecimalMark.POINT, "2,5"),
        (DecimalMark.POINT, "1.234.567"),
    ],
)
def test_an_amount_written_with_the_other_mark_is_refused_with_the_reason(world, mark, text):
    with pytest.raises(Rejected) as rejected:
        parse_amount(text, "AMOUNT", _ctx(world, mark))
    assert "does not fit the decimal mark chosen" in rejected.value.message
    assert f"“{mark.character}”" in rejected.value.message


def test_a_file_of_ambiguous_amounts_is_still_rejected_when_it_is_left_to_tell(run_import):
    run = run_import(_ids("12,000", "1.500"))
    assert run.decimal_mark == DecimalMark.AUTO
    assert (run.imported_count, run.rejected_count) == (0, 2)
    assert "could be 12 or 12000" in _rejected(run)[2]


@pytest.mark.parametrize(
    ("mark", "expected"),
    [
        (DecimalMark.POINT, {2: Decimal("12000"), 3: Decimal("1.5")}),
        (DecimalMark.COMMA, {2: Decimal("12"), 3: Decimal("1500")}),
    ],
)
def test_a_file_of_ambiguous_amounts_imports_with_the_mark_chosen(run_import, mark, expected):
    run = run_import(_ids("12,000", "1.500"), decimal_mark=mark)
    assert run.decimal_mark == mark
    assert run.rejected_count == 0, _rejected(run)
    assert _quantities(run) == expected


def test_an_amount_against_the_chosen_mark_rejects_its_line_alone(run_import):
    run = run_import(_ids("12,000", "1,234.5"), decimal_mark=DecimalMark.COMMA)
    assert _quantities(run) == {2: Decimal("12")}
    assert "“1,234.5” does not fit the decimal mark chosen" in _rejected(run)[3]


def test_a_confirmed_dry_run_keeps_the_mark_chosen(
    run_import, world, django_capture_on_commit_callbacks
):
    dry = run_import(_ids("12,000"), dry_run=True, decimal_mark=DecimalMark.COMMA)
    assert (dry.imported_count, dry.rejected_count) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        real = import_run_confirm(user=world, run=dry)
    real.refresh_from_db()
    assert real.decimal_mark == DecimalMark.COMMA
    assert _quantities(real) == {2: Decimal("12")}


def test_a_workbooks_number_cells_read_right_whatever_the_mark(run_import):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(TEMPLATE_COLUMNS))
    row = {"seizure": "S1", "date": "2019-03-14", "substance": "Cocaine", "unit": "kg"}
    sheet.append([2.5 if c == "quantity" else row.get(c, "") for c in TEMPLATE_COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    run = run_import(out.getvalue(), name="t.xlsx", decimal_mark=DecimalMark.COMMA)
    assert run.rejected_count == 0, _rejected(run)
    assert _quantities(run) == {2: Decimal("2.5")}


def test_the_upload_form_takes_the_mark_and_the_runs_page_shows_it(
    client, world, django_capture_on_commit_callbacks
):
    verified_login(client, world)
    form = client.get(reverse("seizures:import")).content.decode()
    assert 'name="decimal_mark"' in form
    body = {"file": SimpleUploadedFile("ids.csv", _ids("12,000")), "decimal_mark": "point"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("seizures:import"), body)
    run = ImportRun.objects.get()
    assert run.decimal_mark == DecimalMark.POINT
    assert _quantities(run) == {2: Decimal("12000")}
    page = client.get(response["Location"]).content.decode()
    assert "Decimal mark" in page and "Point: 1,234.5" in page


def test_the_upload_form_refuses_a_mark_it_does_not_offer(client, world):
    verified_login(client, world)
    body = {"file": SimpleUploadedFile("ids.csv", _ids("12,000")), "decimal_mark": "dot"}
    response = client.post(reverse("seizures:import"), body)
    assert response.status_code == 400
    assert not ImportRun.objects.exists()
