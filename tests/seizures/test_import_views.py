"""The import pages as a supervisor uses them: upload, follow the run, read the reasons."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from casetracker.core.choices import Role, UnitKind
from seizures.imports.choices import ImportStatus
from seizures.imports.models import ImportRun
from seizures.imports.reader import TEMPLATE_COLUMNS
from seizures.models import Seizure
from tests import factories as f
from tests.mfa import verified_login

IDS_SAMPLE = (Path(__file__).parent / "data" / "ids_sample.csv").read_bytes()


@pytest.fixture
def supervisor(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


@pytest.fixture
def page(client, supervisor):
    verified_login(client, supervisor)
    return client


def _upload(page, data=IDS_SAMPLE, *, dry_run=False, capture=None, **extra):
    body = {"file": SimpleUploadedFile("ids.csv", data), **extra}
    if dry_run:
        body["dry_run"] = "on"
    with capture(execute=True):
        return page.post(reverse("seizures:import"), body)


def test_an_upload_runs_in_the_background_and_lands_on_its_progress_page(
    page, django_capture_on_commit_callbacks
):
    response = _upload(page, capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("seizures:import-detail", args=[run.public_id])
    detail = page.get(response["Location"])
    content = detail.content.decode()
    assert run.status == ImportStatus.DONE
    assert 'http-equiv="refresh"' not in content  # finished: the page stops refreshing
    assert '<progress max="100" value="100"' in content
    assert "The amount -4 is negative." in content
    assert "ECGYE-PCU-2019-0001" in content


def test_a_running_import_page_refreshes_itself_without_inline_script(page, supervisor):
    run = ImportRun.objects.create(
        unit=supervisor.unit,
        file="imports/x",
        original_name="big.csv",
        sha256="0" * 64,
        size=1,
        layout="ids",
        uploaded_by=supervisor,
        status=ImportStatus.RUNNING,
        total_rows=1000,
        processed_rows=250,
    )
    content = page.get(reverse("seizures:import-detail", args=[run.public_id])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in content
    assert '<progress max="100" value="25"' in content
    assert "<script>" not in content


def test_a_dry_run_can_be_confirmed_from_its_page(page, django_capture_on_commit_callbacks):
    _upload(page, dry_run=True, capture=django_capture_on_commit_callbacks)
    dry = ImportRun.objects.get()
    content = page.get(reverse("seizures:import-detail", args=[dry.public_id])).content.decode()
    assert "The first seizures, as they would be stored" in content
    assert not Seizure.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(reverse("seizures:import-confirm", args=[dry.public_id]))
    real = ImportRun.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == reverse("seizures:import-detail", args=[real.public_id])
    assert Seizure.objects.count() == 8


def test_a_malformed_file_is_refused_on_the_form_with_its_reason(
    page, django_capture_on_commit_callbacks
):
    response = _upload(page, b"REGION|COUNTRY|PLACE\n", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "separated by vertical bars" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_issues_csv_lists_every_rejected_line_with_formulas_neutralised(
    page, django_capture_on_commit_callbacks
):
    _upload(page, capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    response = page.get(reverse("seizures:import-issues", args=[run.public_id]))
    text = b"".join(response.streaming_content).decode()
    lines = text.splitlines()
    assert len(lines) == 1 + 5 + 2  # header, rejected, remarks
    assert any(line.startswith("9,") and "=HYPERLINK" in line for line in lines)
    assert not any(",=" in line for line in lines)  # every cell starting with = is quoted


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_downloads_with_every_documented_column(page, fmt):
    response = page.get(reverse("seizures:import-template", args=[fmt]))
    assert response.status_code == 200
    assert f"seizure-import-template.{fmt}" in response["Content-Disposition"]
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    else:
        header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == list(TEMPLATE_COLUMNS)


def test_an_unknown_template_format_is_not_found(page):
    assert page.get(reverse("seizures:import-template", args=["ods"])).status_code == 404


def test_a_supervisor_of_another_unit_finds_no_run_of_this_one(
    client, page, supervisor, django_capture_on_commit_callbacks
):
    _upload(page, capture=django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    other = f.UserFactory(username="other", unit=f.pcu("BEANR"), role=Role.SUPERVISOR)
    client.logout()
    verified_login(client, other)
    for name in ("seizures:import-detail", "seizures:import-issues"):
        assert client.get(reverse(name, args=[run.public_id])).status_code == 404
    assert client.post(reverse("seizures:import-confirm", args=[run.public_id])).status_code == 404
    assert "ids.csv" not in client.get(reverse("seizures:import")).content.decode()


def test_an_administrator_chooses_the_unit_to_import_into(
    client, supervisor, django_capture_on_commit_callbacks
):
    hq = f.UnitFactory(code="HQ", kind=UnitKind.INVESTIGATING, port=None, country="EC")
    admin = f.UserFactory(username="admin", unit=hq, role=Role.ADMINISTRATOR)
    verified_login(client, admin)
    form = client.get(reverse("seizures:import")).content.decode()
    assert ">ECGYE-PCU Unit ECGYE-PCU</option>" in form
    assert ">HQ " not in form  # only control units take seizures
    _upload(client, unit=str(supervisor.unit.pk), capture=django_capture_on_commit_callbacks)
    assert Seizure.objects.filter(unit=supervisor.unit).count() == 8


def test_an_imported_seizure_shows_its_file_and_line_and_the_list_offers_the_import(
    page, django_capture_on_commit_callbacks
):
    _upload(page, capture=django_capture_on_commit_callbacks)
    seizure = Seizure.objects.get(import_line=2)
    content = page.get(reverse("seizures:detail", args=[seizure.public_id])).content.decode()
    assert "ids.csv, line 2" in content
    assert "CO → EC → PA → NL" in content
    assert reverse("seizures:import") in page.get(reverse("seizures:list")).content.decode()
