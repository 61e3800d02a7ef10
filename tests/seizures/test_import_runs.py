"""Historic import, end to end: what a run stores, reports and refuses to store twice."""

import datetime as dt
import gc
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from casetracker.core.choices import Role, UnitKind
from casetracker.reporting.evaluation import evaluation_seizures
from referrals.models import Recipient, RecipientKind, RoutingJob, RoutingRule
from seizures import selectors
from seizures.choices import ConcealmentMethod, DetectionMethod, SeizureStatus, TransportMode
from seizures.imports.choices import ImportStatus, IssueKind
from seizures.imports.services import import_run_confirm, import_run_create
from seizures.imports.template import template_csv, template_xlsx
from seizures.models import PortCall, Seizure
from tests import factories as f

DATA = Path(__file__).parent / "data"
IDS_SAMPLE = (DATA / "ids_sample.csv").read_bytes()
TEMPLATE_SAMPLE = (DATA / "template_sample.csv").read_bytes()


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    supervisor = f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)
    return supervisor


@pytest.fixture
def run_import(world, django_capture_on_commit_callbacks):
    def run(data=IDS_SAMPLE, *, name="ids.csv", dry_run=False, user=None, unit=None):
        user = user or world
        with django_capture_on_commit_callbacks(execute=True):
            created = import_run_create(
                user=user,
                unit=unit or user.unit,
                upload=SimpleUploadedFile(name, data),
                dry_run=dry_run,
            )
        created.refresh_from_db()
        return created

    return run


def _by_line(run) -> dict[int, Seizure]:
    return {s.import_line: s for s in Seizure.objects.filter(import_run=run)}


def test_an_ids_extract_is_imported_row_by_row_and_each_bad_row_is_reported_with_its_line(
    run_import,
):
    run = run_import()
    assert run.status == ImportStatus.DONE
    assert (run.imported_count, run.rejected_count, run.duplicate_count) == (8, 5, 0)
    assert run.processed_rows == 13
    rejected = {i.line: i.message for i in run.issues.filter(kind=IssueKind.REJECTED)}
    assert set(rejected) == {5, 6, 9, 10, 13}
    assert "2019-02-30" in rejected[5]
    assert "negative" in rejected[6]
    assert "formula" in rejected[9]
    assert "Peru" in rejected[10]
    assert "Plant" in rejected[13]
    assert sorted(_by_line(run)) == [2, 3, 4, 7, 8, 11, 12, 14]


def test_each_imported_seizure_keeps_its_file_and_line(run_import):
    run = run_import()
    seizure = _by_line(run)[2]
    assert seizure.import_run.original_name == "ids.csv"
    assert seizure.import_run.sha256 == __import__("hashlib").sha256(IDS_SAMPLE).hexdigest()
    assert seizure.import_run.uploaded_by.username == "supervisor"
    assert seizure.created_by.username == "supervisor"


def test_ids_values_are_mapped_to_the_apps_codes_and_units(run_import):
    seizures = _by_line(run_import())
    cocaine = seizures[2]
    item = cocaine.items.get()
    assert (item.substance, item.quantity, item.quantity_unit) == (
        "cocaine",
        Decimal("250.5"),
        "kg",
    )
    assert item.description == "Cocaine hydrochloride"
    assert cocaine.port_id == "ECGYE"
    assert cocaine.transport_mode == TransportMode.SEA
    assert cocaine.concealment_method == ConcealmentMethod.WITHIN_GOODS
    assert cocaine.route_countries == [
        ["producing", "CO"],
        ["departure", "EC"],
        ["transit", "PA"],
        ["destination", "NL"],
    ]
    assert cocaine.commodities == ["cocaine", "drugs"]
    # A date alone is stored at noon, local time of the port.
    assert cocaine.local_occurred_at.replace(tzinfo=None) == dt.datetime(2019, 3, 14, 12)
    assert seizures[7].items.get().quantity_unit == "tablet"  # Ecstasy, Tablet
    assert seizures[8].items.get().quantity_unit == "tablet"  # Tramadol, Unit
    assert seizures[11].items.get().quantity == Decimal("2.5")  # decimal comma
    assert seizures[11].route_countries == [["producing", "BO"], ["destination", "CI"]]
    assert seizures[14].items.get().quantity_unit == "l"
    assert list(seizures[14].port_calls.values_list("port_id", "role")) == [
        ("ECGYE", "loading"),
        ("PAMIT", "transhipment"),
        ("BEANR", "discharge"),
    ]
    assert seizures[14].total_distance_km > 10000


def test_unknown_cells_are_stored_as_unknown_not_invented(run_import):
    seizure = _by_line(run_import())[3]
    assert seizure.detection_method == DetectionMethod.UNKNOWN
    assert seizure.concealment_method == ConcealmentMethod.UNKNOWN
    assert seizure.transport_mode == TransportMode.UNKNOWN
    assert seizure.concealment_details == ""
    assert seizure.terminal == ""
    assert seizure.route_countries == []
    assert not seizure.port_calls.exists()


def test_a_place_that_is_no_port_puts_the_seizure_at_the_units_port_with_a_remark(run_import):
    run = run_import()
    assert _by_line(run)[4].port_id == "ECGYE"
    remarks = {i.line: i.message for i in run.issues.filter(kind=IssueKind.FLAGGED)}
    assert "Puerto Bolivar" in remarks[4]
    assert "unknown" in remarks[3].lower()
    assert run.flagged_count == 2


def test_a_place_the_gazetteer_names_is_resolved_to_its_port(run_import, world):
    f.PortFactory(locode="ECPBO", name="Puerto Bolívar", latitude=-3.26, longitude=-80.0)
    run = run_import()
    assert _by_line(run)[4].port_id == "ECPBO"


def test_importing_the_same_file_twice_adds_nothing(run_import):
    first = run_import()
    second = run_import(name="again.csv")
    assert second.imported_count == 0
    assert second.duplicate_count == first.imported_count == 8
    assert Seizure.objects.count() == 8


def test_identical_rows_in_one_file_are_two_seizures(run_import):
    seizures = _by_line(run_import())
    assert seizures[11].import_fingerprint != seizures[12].import_fingerprint


def test_the_database_refuses_a_second_copy_of_an_imported_record(run_import):
    from django.db import IntegrityError, transaction

    seizure = _by_line(run_import())[2]
    copy = Seizure.objects.get(pk=seizure.pk)
    copy.pk, copy.public_id, copy.reference = None, __import__("uuid").uuid4(), "X-1"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_records_another_run_stored_after_the_batch_was_read_are_left_out_and_the_rest_stored(
    run_import, world
):
    """A batch's stored fingerprints are looked up before its transaction (on PostgreSQL
    by the reading thread, while the writer stores the batch before); when another run
    stores some of its records meanwhile, the insert fails on the unique fingerprint and
    the batch is stored again without them."""
    from unittest import mock

    from seizures.imports.runner import _Writer

    header, *rows = IDS_SAMPLE.decode().splitlines()
    earlier = run_import("\n".join([header, *rows[:3]]).encode(), name="first-part.csv")
    assert earlier.imported_count == 3
    real_stored = _Writer._stored
    looks = []

    def stale_then_real(self, fingerprints):
        looks.append(len(fingerprints))
        return {} if len(looks) == 1 else real_stored(self, fingerprints)

    with mock.patch.object(_Writer, "_stored", stale_then_real):
        run = run_import(name="whole.csv")
    assert len(looks) == 2  # the insert failed once and the batch was looked at again
    assert (run.status, run.imported_count, run.duplicate_count) == (ImportStatus.DONE, 5, 3)
    assert run.rejected_count == 5
    assert Seizure.objects.count() == 8
    stored = Seizure.objects.filter(import_run=run)
    assert [seizure.items.count() for seizure in stored] == [1] * 5
    assert PortCall.objects.filter(seizure__import_run=run).count() == 3  # one routed record
    references = sorted(Seizure.objects.values_list("reference", flat=True))
    assert len(set(references)) == 8
    # The failed attempt gave its numbers back: the year's numbering has no gap.
    numbers_2019 = sorted(int(r.rsplit("-", 1)[1]) for r in references if "-2019-" in r)
    assert numbers_2019 == list(range(1, len(numbers_2019) + 1))


def test_imported_seizures_are_submitted_but_never_routed(run_import, world):
    unit = f.UnitFactory(code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC")
    f.UserFactory(username="investigator", unit=unit, role=Role.INVESTIGATOR)
    recipient = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=unit, country="EC"
    )
    RoutingRule.objects.create(name="Every seizure", recipient=recipient)
    run = run_import()
    assert set(Seizure.objects.values_list("status", flat=True)) == {SeizureStatus.SUBMITTED}
    assert not RoutingJob.objects.filter(seizure__import_run=run).exists()
    # The same rule does route a seizure submitted by hand: the check above can fail.
    officer = f.UserFactory(username="officer", unit=world.unit, role=Role.OFFICER)
    logged = f.log_seizure(officer, submit=True)
    assert RoutingJob.objects.filter(seizure=logged).exists()


def test_reference_numbers_continue_the_units_counter(run_import, world):
    run_import()
    officer = f.UserFactory(username="officer", unit=world.unit, role=Role.OFFICER)
    logged = f.log_seizure(officer, occurred_at=dt.datetime(2019, 8, 1, 12, tzinfo=dt.UTC))
    assert logged.reference == "ECGYE-PCU-2019-0008"  # seven 2019 seizures were imported


def test_the_unit_sees_its_imported_seizures_and_another_unit_does_not(run_import, world):
    run_import()
    officer = f.UserFactory(username="officer", unit=world.unit, role=Role.OFFICER)
    other = f.UserFactory(username="other", unit=f.pcu("BEANR"), role=Role.OFFICER)
    assert selectors.seizure_list(user=officer).count() == 8
    assert selectors.seizure_list(user=other).count() == 0


def test_evaluators_read_imported_seizures_through_their_pseudonymised_path(run_import):
    run_import()
    unit = f.UnitFactory(code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT")
    evaluator = f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)
    rows = list(evaluation_seizures(user=evaluator))
    assert len(rows) == 8
    assert {"cocaine", "heroin", "mdma"} <= {c for row in rows for c in row["commodities"]}


def test_a_dry_run_shows_what_would_be_imported_and_stores_no_seizure(run_import):
    run = run_import(dry_run=True)
    assert run.status == ImportStatus.DONE
    assert (run.imported_count, run.rejected_count) == (8, 5)
    assert not Seizure.objects.exists()
    assert [row["line"] for row in run.preview] == [2, 3, 4, 7, 8, 11, 12, 14]
    assert run.preview[0]["countries"].startswith("CO (producing)")
    assert run.issues.filter(kind=IssueKind.REJECTED).count() == 5


def test_a_confirmed_dry_run_imports_the_same_bytes(
    run_import, world, django_capture_on_commit_callbacks
):
    dry = run_import(dry_run=True)
    with django_capture_on_commit_callbacks(execute=True):
        real = import_run_confirm(user=world, run=dry)
    real.refresh_from_db()
    assert (real.imported_count, real.confirms, real.sha256) == (8, dry, dry.sha256)
    assert Seizure.objects.count() == 8


def test_the_template_groups_item_rows_into_seizures(run_import):
    run = run_import(TEMPLATE_SAMPLE, name="template.csv")
    assert (run.imported_count, run.rejected_count) == (2, 3), list(
        run.issues.values_list("line", "message")
    )
    first = Seizure.objects.get(import_line=2)
    assert [(i.category, i.quantity_unit) for i in first.items.all()] == [
        ("drugs", "kg"),
        ("cash", "currency"),
    ]
    assert first.containers.get().number == "CSQU3054383"
    assert first.imo_number == "9074729"
    assert first.detection_method == DetectionMethod.SCANNER
    assert list(first.port_calls.values_list("port_id", flat=True)) == ["ECGYE", "PAMIT", "BEANR"]
    rejected = {i.line: i.message for i in run.issues.filter(kind=IssueKind.REJECTED)}
    assert "Check digit" in rejected[5]
    # GYE-2's rows are split by other seizures': none of them is imported.
    assert "not together" in rejected[4] and "not together" in rejected[7]


@pytest.mark.parametrize("make", [template_csv, template_xlsx], ids=["csv", "xlsx"])
def test_the_downloadable_template_imports_as_it_is(run_import, make):
    run = run_import(make(), name=f"template.{make.__name__[-4:].strip('_')}")
    assert run.status == ImportStatus.DONE, run.error
    assert (run.imported_count, run.rejected_count) == (2, 0), list(
        run.issues.values_list("message", flat=True)
    )
    resin = Seizure.objects.get(items__substance="cannabis_resin")
    assert resin.items.get().quantity == Decimal("1.5")
    assert resin.route_countries == [
        ["producing", "PE"],
        ["departure", "EC"],
        ["destination", "NL"],
    ]


def test_an_officer_may_not_import_and_a_supervisor_not_into_another_unit(run_import, world):
    officer = f.UserFactory(username="officer", unit=world.unit, role=Role.OFFICER)
    with pytest.raises(PermissionDenied):
        run_import(user=officer)
    with pytest.raises(PermissionDenied):
        run_import(unit=f.pcu("BEANR"))


def test_an_administrator_imports_into_any_control_unit(run_import):
    admin_unit = f.UnitFactory(code="HQ", kind=UnitKind.INVESTIGATING, port=None, country="EC")
    admin = f.UserFactory(username="admin", unit=admin_unit, role=Role.ADMINISTRATOR)
    run = run_import(user=admin, unit=f.pcu("ECGYE"))
    assert run.imported_count == 8
    assert Seizure.objects.filter(unit__code="ECGYE-PCU").count() == 8


def test_an_unreadable_file_is_refused_before_anything_is_queued(run_import, settings):
    with pytest.raises(ValidationError, match="empty"):
        run_import(b"")
    with pytest.raises(ValidationError, match="lacks required columns"):
        run_import(b"REGION;COUNTRY;PLACE\nA;B;C\n")
    settings.SEIZURE_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="at most 100"):
        run_import()


def test_a_huge_cell_rejects_its_row_only(run_import):
    header, first = IDS_SAMPLE.decode().splitlines()[:2]
    big = first.replace("In a container of bananas", "x" * 5000)
    unclosed = first.replace("In a container", '"In a container' + "y" * 140_000)
    data = "\n".join([header, big, first, unclosed]) + "\n"
    run = run_import(data.encode())
    rejected = {i.line: i.message for i in run.issues.filter(kind=IssueKind.REJECTED)}
    assert "5000 characters" in rejected[2]
    assert 3 not in rejected and run.imported_count == 1
    assert "quote" in rejected[4]


@pytest.mark.postgres
def test_on_postgresql_a_second_thread_writes_while_the_file_is_read(
    transactional_db, settings, tmp_path
):
    """The production path: batches go to a writer thread on its own connection. It needs
    committed data to work on, hence a transactional test (the other tests run serially
    inside their test transaction)."""
    from unittest import mock

    from seizures.imports import services

    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.SEIZURE_IMPORT_THREADED = True
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    supervisor = f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)
    header, *rows = IDS_SAMPLE.decode().splitlines()
    # Several batches' worth, each row a different seizure (the date moves on).
    many = [header] + [
        rows[0]
        .replace("2019-03-14", f"2018-{1 + n % 12:02d}-{1 + n % 28:02d}")
        .replace("250.5", str(1 + n))
        for n in range(services.BATCH * 2 + 7)
    ]
    with mock.patch.object(services, "_enqueue"):
        run = import_run_create(
            user=supervisor,
            unit=supervisor.unit,
            upload=SimpleUploadedFile("many.csv", "\n".join(many).encode()),
            dry_run=False,
        )
    interval, threshold = sys.getswitchinterval(), gc.get_threshold()
    with mock.patch.object(services, "Pipeline", wraps=services.Pipeline) as pipeline:
        services.import_run_execute(run_id=run.pk)
    assert pipeline.called
    # The import tunes the worker process for its run only.
    assert (sys.getswitchinterval(), gc.get_threshold()) == (interval, threshold)
    run.refresh_from_db()
    assert (run.status, run.imported_count) == (ImportStatus.DONE, services.BATCH * 2 + 7)
    # One block of numbers per batch, gap-free across the batches.
    references = Seizure.objects.filter(import_run=run).values_list("reference", flat=True)
    assert sorted(references) == [
        f"{supervisor.unit.code}-2018-{n:04d}" for n in range(1, services.BATCH * 2 + 8)
    ]


def test_an_unexpected_error_fails_the_run_with_a_message_instead_of_leaving_it_running(
    world,
):
    from unittest import mock

    from seizures.imports import services
    from seizures.imports.runner import _Writer

    with mock.patch.object(services, "_enqueue"):
        run = import_run_create(
            user=world,
            unit=world.unit,
            upload=SimpleUploadedFile("ids.csv", IDS_SAMPLE),
            dry_run=False,
        )
    threshold = gc.get_threshold()
    with (
        mock.patch.object(_Writer, "commit", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        services.import_run_execute(run_id=run.pk)
    assert gc.get_threshold() == threshold  # put back however the import ends
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "Upload the file again" in run.error
    # A redelivered task leaves a finished run alone.
    assert services.import_run_execute(run_id=run.pk).status == ImportStatus.FAILED


def test_a_currency_iso_4217_does_not_list_rejects_its_seizure(run_import):
    header, drugs, cash = TEMPLATE_SAMPLE.decode().splitlines()[:3]
    assert cash.endswith(",USD")
    data = "\n".join([header, drugs, cash.removesuffix("USD") + "ZZQ"]) + "\n"

    run = run_import(data.encode(), name="t.csv")

    assert run.imported_count == 0
    assert "ISO 4217" in run.issues.get(line=3).message
