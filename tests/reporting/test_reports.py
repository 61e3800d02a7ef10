"""Cohort reports as files (PDF, CSV, XLSX), built by a Celery task for their requester.

A hand-made cohort of three seizures: one investigated (rung 3), one referred (rung 1),
one never referred. Every personal or free-text field around them carries a marker
(party name, decline explanation, justification, refusal grounds, recipient e-mail) that
must never reach a file; a recipient named like a spreadsheet formula and a unit whose name
starts with "+" must come out as text.

PDF text is read with ``tests.seizures.test_exports._pdf_text`` (the content streams
decoded; reportlab writes the ASCII of the embedded font as readable text). Every "not in"
has a matching "in" on the same text, so a change of encoding fails instead of passing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from casetracker.core.choices import HandlingCode
from casetracker.reporting import report_pdf, reports, tasks
from casetracker.reporting.choices import RUNG_FIELDS
from casetracker.reporting.figures import cohort_report
from casetracker.reporting.models import ReportRun, SeizureProgress
from casetracker.reporting.report_tables import report_csv, report_sections, report_xlsx
from referrals.choices import (
    DeclineReason,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    RecipientKind,
    ReferralStatus,
)
from referrals.models import Outcome, Recipient, Referral
from referrals.routing import deadlines
from seizures.models import Seizure
from seizures.pdf import drawable

from .. import factories as f
from .. import services
from ..seizures.test_exports import _pdf_text

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
FORMULA_RECIPIENT = '=HYPERLINK("http://x")'
PLUS_UNIT = "+Unidad Guayaquil"
MARKERS = {
    "party name": "PARTYMARKERZyx",
    "decline text": "DECLINEMARKER",
    "justification": "JUSTIFICATIONMARKER",
    "refusal grounds": "REFUSALMARKER",
    "recipient e-mail": "recipient-marker@x.example",
}


@pytest.fixture(autouse=True)
def _private_media_and_stall(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.CASETRACKER_STALLED_DAYS = 90


def _referral(seizure, recipient, **state) -> Referral:
    made = Referral.objects.create(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        origin=Origin.MANUAL,
        **deadlines(sent_at=NOW - dt.timedelta(days=200), ack_hours=24, respond_days=14),
    )
    if state:
        Referral.objects.filter(pk=made.pk).update(**state)
    return made


def _progress(seizure, rung: int) -> None:
    """Rung r reached r days after the seizure, nothing since (so stalled by NOW)."""
    reached = {
        RUNG_FIELDS[r]: seizure.occurred_at + dt.timedelta(days=r) for r in range(1, rung + 1)
    }
    SeizureProgress.objects.update_or_create(
        seizure=seizure,
        defaults={
            "rung": rung,
            "last_progress_at": seizure.occurred_at + dt.timedelta(days=rung),
            **reached,
        },
    )


@pytest.fixture
def cohort(officer):
    """Three seizures of a unit named "+…"; markers in every free text around them."""
    officer.unit.name = PLUS_UNIT
    officer.unit.save()
    parts = f.seizure_parts(
        parties=[{"role": "shipper", "kind": "person", "name": MARKERS["party name"]}]
    )
    when = NOW - dt.timedelta(days=300)
    investigated, referred, alone = (
        f.log_seizure(officer, parts=parts, occurred_at=when + dt.timedelta(hours=i))
        for i in range(3)
    )
    formula = Recipient.objects.create(
        name=FORMULA_RECIPIENT,
        kind=RecipientKind.EXTERNAL,
        email=MARKERS["recipient e-mail"],
        country="CO",
    )
    accepted = _referral(investigated, formula, status=ReferralStatus.ACCEPTED)
    _referral(
        referred,
        formula,
        status=ReferralStatus.DECLINED,
        decline_reason=DeclineReason.NO_LINK,
        decline_text=MARKERS["decline text"],
    )
    Outcome.objects.create(
        referral=accepted,
        seizure=investigated,
        kind=OutcomeKind.MLA_SENT,
        occurred_on=(NOW - dt.timedelta(days=100)).date(),
        answered_on=(NOW - dt.timedelta(days=90)).date(),
        counterpart_country="CO",
        legal_basis=LegalBasis.CONVENTION_1988,
        mla_result=MlaResult.REFUSED,
        refusal_grounds=MARKERS["refusal grounds"],
        justification=MARKERS["justification"],
        offence="Trafficking",
        recorded_via="app",
    )
    # The ladder rows as this test wants them (the figures read the kept rows).
    SeizureProgress.objects.filter(seizure__in=[investigated, referred, alone]).delete()
    _progress(investigated, 3)
    _progress(referred, 1)
    return [investigated, referred, alone]


def _report(seizures, **kwargs) -> dict:
    ids = [s.pk for s in seizures]
    return cohort_report(Seizure.objects.filter(pk__in=ids), now=NOW, **kwargs)


def _pdf(seizures, summary="Units: ECGYE-PCU", **kwargs) -> bytes:
    return report_pdf.cohort_pdf(
        _report(seizures), filters_summary=summary, generated_at=NOW, language="en", **kwargs
    )


def _sections(seizures):
    return report_sections(
        _report(seizures, stalled_limit=None), filters_summary="All seizures", generated_at=NOW
    )


def _csv_rows(seizures) -> list[list[str]]:
    raw = report_csv(_sections(seizures), language="en")
    assert raw.startswith("\ufeff".encode())  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def _workbook(seizures):
    return load_workbook(io.BytesIO(report_xlsx(_sections(seizures), language="en", as_of=NOW)))


def _pages(content: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", content))


# --- PDF -----------------------------------------------------------------------------------


def test_the_pdf_says_page_x_of_y_with_the_filters_and_time_on_every_page(cohort):
    content = _pdf(cohort, summary="Units: ECGYE-PCU; Port: ECGYE")
    text = _pdf_text(content)
    pages = _pages(content)
    assert content.startswith(b"%PDF-")
    assert pages >= 4  # cover, method, sections
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}".encode() in text
    assert text.count(b"Units: ECGYE-PCU; Port: ECGYE") >= pages  # the footer
    assert text.count(b"generated 2026-06-01 12:00 UTC") >= pages  # the header


def test_the_pdf_has_the_method_notes_and_every_section(cohort):
    text = _pdf_text(_pdf(cohort))
    for heading in (
        b"Method: the follow-up ladder",
        b"Which referrals count",
        b"more than 90 days",
        b"Funnel over the rungs",
        b"Days from the seizure to each rung",
        b"Clocks",
        b"Flags",
        b"Seizing unit",
        b"Country of seizure",
        b"By route",
        b"Stalled seizures",
        b"Responsiveness of each recipient",
        b"Why follow-up stopped",
        b"Mutual legal assistance",
    ):
        assert heading in text, heading


def test_the_same_inputs_give_the_same_pdf_bytes_and_other_filters_other_bytes(cohort):
    first, second = _pdf(cohort), _pdf(cohort)
    assert first == second
    assert _pdf(cohort, summary="Units: BEANR-PCU") != first
    assert _pdf(cohort[:2]) != first


def test_an_empty_cohort_still_makes_a_report(db):
    content = _pdf([])
    assert b"None in this cohort." in _pdf_text(content)


@pytest.mark.parametrize(
    ("language", "shown", "other"),
    [
        ("en", [b"1,234.5", b"1,234", b"1,400.0", b": 2,345"], b"1 234"),
        # Django's fr and es formats (the PDF writes their non-breaking space as a space).
        ("fr", [b"1 234,5", b"1 234", b"1 400,0", b": 2 345"], b"1,234"),
        ("es", [b"1 234,5", b"1 234", b"1 400,0", b": 2 345"], b"1,234"),
    ],
)
def test_the_pdf_writes_every_number_in_the_reports_language(cohort, language, shown, other):
    report = _report(cohort)
    # Large and fractional figures, so grouping and the decimal mark both show, in the
    # chart of the times and in its table alike.
    report["time_to_rung"][1].update(
        reached=1234, q1_days=1234.5, median_days=1300.25, q3_days=1400
    )
    report["responsiveness"][0]["decline_reasons"][0]["count"] = 2345
    text = _pdf_text(
        report_pdf.cohort_pdf(report, filters_summary="All", generated_at=NOW, language=language)
    )
    for figure in shown:
        assert figure in text, figure
    assert other not in text


def test_characters_the_font_lacks_are_replaced_not_dropped():
    assert drawable("Ecuador → Belgium, Panamá, Côte d’Ivoire") == (
        "Ecuador -> Belgium, Panamá, Côte d’Ivoire"
    )
    assert drawable("北京") == "??"


# --- CSV and XLSX -------------------------------------------------------------------------


def test_the_csv_has_the_funnel_of_the_cohort(cohort):
    rows = _csv_rows(cohort)
    funnel = {int(row[1]): int(row[3]) for row in rows if row[0] == "funnel" and row[1].isdigit()}
    assert funnel == {0: 3, 1: 2, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0}
    header = next(row for row in rows if row[0] == "funnel")
    assert header[1:] == ["Rung", "Name", "Seizures at this rung or above", "Share of the cohort"]
    # Every stalled seizure is listed in the files (the PDF lists the first 100).
    stalled = [row for row in rows if row[0] == "stalled"][1:]
    assert {row[1] for row in stalled} == {s.reference for s in cohort}


def test_the_csv_keeps_machine_readable_numbers_in_every_language(cohort):
    report = _report(cohort, stalled_limit=None)
    report["time_to_rung"][1].update(reached=1234, q1_days=1234.5)
    report["responsiveness"][0]["decline_reasons"][0]["count"] = 2345
    sections = report_sections(report, filters_summary="All", generated_at=NOW)
    raw = report_csv(sections, language="fr").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    rung = str(report["time_to_rung"][1]["rung"])
    times = next(row for row in rows if row[0] == "time_to_rung" and row[1] == rung)
    assert times[3:5] == ["1234", "1234.5"]
    share = next(row for row in rows if row[0] == "funnel" and row[1] == "1")[4]
    assert share == str(round(2 / 3, 4))
    assert ": 2345" in raw and "2\xa0345" not in raw


def test_the_xlsx_has_a_sheet_per_section_and_the_funnel_as_numbers(cohort):
    workbook = _workbook(cohort)
    assert workbook.sheetnames == [
        "Summary",
        "Funnel",
        "Time to rung",
        "Flags",
        "By unit",
        "By country",
        "By commodity",
        "By route",
        "Stalled",
        "Recipients",
        "Stop reasons",
        "MLA",
    ]
    rows = list(workbook["Funnel"].iter_rows(values_only=True))
    funnel = {row[0]: row[2] for row in rows if isinstance(row[0], int)}
    assert funnel == {0: 3, 1: 2, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0}
    shares = {row[0]: row[3] for row in rows if isinstance(row[0], int)}
    assert shares[1] == pytest.approx(2 / 3, abs=1e-4)


def test_text_that_looks_like_a_formula_is_quoted_in_csv_and_xlsx(cohort):
    rows = _csv_rows(cohort)
    recipients = [row for row in rows if row[0] == "recipients"][1:]
    assert recipients[0][1] == "'" + FORMULA_RECIPIENT
    units = [row for row in rows if row[0] == "by_unit"][1:]
    assert units[0][2] == "'" + PLUS_UNIT
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    workbook = _workbook(cohort)
    cells = [c for sheet in workbook for row in sheet.iter_rows() for c in row if c.value]
    assert all(c.data_type != "f" for c in cells)
    recipient = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert (recipient.value, recipient.data_type) == ("'" + FORMULA_RECIPIENT, "s")
    unit = next(c for c in cells if "Unidad Guayaquil" in str(c.value))
    assert (unit.value, unit.data_type) == ("'" + PLUS_UNIT, "s")


def test_numbers_stay_numbers_in_the_xlsx(cohort):
    sheet = _workbook(cohort)["Recipients"]
    row = next(r for r in sheet.iter_rows() if r[0].value == "'" + FORMULA_RECIPIENT)
    received = row[2]
    assert (received.value, received.data_type) == (2, "n")


def test_no_personal_data_reaches_the_pdf_csv_or_xlsx(cohort):
    text = _pdf_text(_pdf(cohort)).decode("latin-1")
    csv_text = "\n".join(",".join(row) for row in _csv_rows(cohort))
    xlsx_text = "\n".join(
        str(c.value) for sheet in _workbook(cohort) for row in sheet.iter_rows() for c in row
    )
    for output in (text, csv_text, xlsx_text):
        # What is there: the reference of a stalled seizure and the recipient (an agency).
        assert cohort[0].reference in output
        assert "HYPERLINK" in output
        for what, marker in MARKERS.items():
            assert marker not in output, what


# --- runs: pages, permissions, the task ---------------------------------------------------


def _start_url(query: str = "") -> str:
    return reverse("reporting:report-start") + (f"?{query}" if query else "")


def test_an_evaluator_asks_for_a_report_and_downloads_it_when_ready(
    client, evaluator, cohort, django_capture_on_commit_callbacks
):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_start_url("unit=ECGYE-PCU&older=abc"), {"format": "pdf"})
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report-detail", args=[run.public_id])
    assert run.filters == {"unit": ["ECGYE-PCU"]}  # the page's cursor is not a filter
    assert (run.status, run.progress, run.requested_by) == ("done", 100, evaluator)

    page = client.get(response["Location"])
    download_url = reverse("reporting:report-download", args=[run.public_id])
    assert b"<progress" in page.content
    assert download_url.encode() in page.content
    assert b'http-equiv="refresh"' not in page.content  # finished: no more refreshing

    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="cohort-report-')
    content = b"".join(download.streaming_content)
    assert b"Units: ECGYE-PCU" in _pdf_text(content)
    # Built again from the same run: the same bytes.
    assert reports.report_content(run) == content


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_spreadsheets_download_with_their_content_type(
    client, evaluator, cohort, django_capture_on_commit_callbacks, fmt, content_type
):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_start_url(), {"format": fmt})
    run = ReportRun.objects.get()
    download = client.get(reverse("reporting:report-download", args=[run.public_id]))
    assert download["Content-Type"] == content_type
    assert download["Content-Disposition"].endswith(f'.{fmt}"')


def test_a_running_report_refreshes_its_page_and_has_no_download_yet(client, evaluator, cohort):
    client.force_login(evaluator)
    with mock.patch.object(reports, "_enqueue"):
        client.post(_start_url(), {"format": "pdf"})
    run = ReportRun.objects.get()
    page = client.get(reverse("reporting:report-detail", args=[run.public_id]))
    assert b'http-equiv="refresh"' in page.content
    assert client.get(reverse("reporting:report-download", args=[run.public_id])).status_code == 404


def test_only_evaluators_may_ask_for_a_report(client, officer, evaluator):
    client.force_login(officer)
    assert client.post(_start_url(), {"format": "pdf"}).status_code == 403
    client.force_login(evaluator)
    assert client.post(_start_url(), {"format": "docx"}).status_code == 400
    assert client.post(_start_url("date_from=not-a-date"), {"format": "pdf"}).status_code == 400
    assert client.get(_start_url()).status_code == 405
    assert not ReportRun.objects.exists()


def test_a_build_killed_with_its_worker_is_reported_failed_and_stops_refreshing(
    client, evaluator, cohort
):
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict(""), fmt="pdf", language="en"
        )
    started = timezone.now() - reports.OVERDUE_AFTER + dt.timedelta(seconds=30)
    ReportRun.objects.filter(pk=run.pk).update(status="running", started_at=started)
    client.force_login(evaluator)
    url = reverse("reporting:report-detail", args=[run.public_id])
    # Still within the time a build may take: it is running.
    assert b'http-equiv="refresh"' in client.get(url).content
    ReportRun.objects.filter(pk=run.pk).update(started_at=started - dt.timedelta(minutes=1))

    page = client.get(url)

    assert b'http-equiv="refresh"' not in page.content
    assert "took too long" in page.content.decode()
    assert ReportRun.objects.get(pk=run.pk).status == "failed"
    # The task's hard limit is the one the page waits for.
    assert tasks.report_build.time_limit == reports.BUILD_TIME_LIMIT.total_seconds()


def test_other_roles_cannot_open_an_evaluators_run(client, evaluator, officer, cohort):
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict(""), fmt="csv", language="en"
        )
    reports.report_run_execute(run_id=run.pk)
    client.force_login(officer)
    for name in ("reporting:report-detail", "reporting:report-download"):
        assert client.get(reverse(name, args=[run.public_id])).status_code == 403


def test_a_report_is_its_requesters_alone(client, evaluator, cohort):
    other = f.UserFactory(username="other_evaluator", unit=evaluator.unit, role=evaluator.role)
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict(""), fmt="pdf", language="en"
        )
    reports.report_run_execute(run_id=run.pk)
    for name in ("reporting:report-detail", "reporting:report-download"):
        url = reverse(name, args=[run.public_id])
        client.force_login(other)
        assert client.get(url).status_code == 404
        client.force_login(evaluator)
        assert client.get(url).status_code == 200
        client.logout()
        assert client.get(url).status_code == 302
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.post(_start_url(), {"format": "pdf"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_failed_build_says_so_and_a_redelivered_task_leaves_a_finished_run_alone(
    evaluator, cohort
):
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict(""), fmt="pdf", language="en"
        )
    with (
        mock.patch.object(reports, "cohort_pdf", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        reports.report_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed"
    assert "Ask for it again" in run.message
    assert not run.file
    assert reports.report_run_execute(run_id=run.pk).status == "failed"


def test_an_interrupted_build_is_built_again_with_the_same_bytes(evaluator, cohort):
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict("unit=ECGYE-PCU"), fmt="pdf", language="en"
        )
    reports.report_run_execute(run_id=run.pk)
    first = ReportRun.objects.get(pk=run.pk).file.read()
    # A worker died after it had written the file; the task comes back once the build's
    # time limit has passed (before that, the run might be another worker's live build).
    dead_since = timezone.now() - reports.BUILD_TIME_LIMIT - dt.timedelta(seconds=1)
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress=60, started_at=dead_since)
    again = reports.report_run_execute(run_id=run.pk)
    assert again.status == "done"
    assert ReportRun.objects.get(pk=run.pk).file.read() == first


def _queued(evaluator, fmt: str = "pdf") -> ReportRun:
    with mock.patch.object(reports, "_enqueue"):
        return reports.report_run_create(
            user=evaluator, query=QueryDict(""), fmt=fmt, language="en"
        )


def test_a_copy_of_the_task_delivered_during_the_build_does_not_build_it_again(evaluator, cohort):
    run = _queued(evaluator)
    build = reports.report_content
    builds, seen_by_the_copy = [], []

    def build_meeting_a_copy(run, **kwargs):
        builds.append(run.pk)
        if len(builds) == 1:
            # The sweeper's copy of the task reaches another worker while this one builds.
            tasks.report_build(run.pk)
            seen_by_the_copy.append(ReportRun.objects.get(pk=run.pk))
        return build(run, **kwargs)

    with mock.patch.object(reports, "report_content", side_effect=build_meeting_a_copy):
        tasks.report_build(run.pk)

    assert builds == [run.pk]
    assert [(r.status, bool(r.file)) for r in seen_by_the_copy] == [("running", False)]
    run.refresh_from_db()
    assert run.status == "done"
    assert run.file.read() == reports.report_content(run)


def test_a_run_another_worker_claimed_is_left_to_it(evaluator, cohort):
    run = _queued(evaluator)
    claimed_at = timezone.now() - dt.timedelta(seconds=30)
    ReportRun.objects.filter(pk=run.pk).update(status="running", started_at=claimed_at, progress=60)

    with mock.patch.object(reports, "report_content") as build:
        tasks.report_build(run.pk)

    assert not build.called
    run.refresh_from_db()
    assert (run.status, run.started_at, run.progress, run.file.name) == (
        "running",
        claimed_at,
        60,
        "",
    )


def test_a_done_run_delivered_again_is_left_untouched(evaluator, cohort):
    run = _queued(evaluator)
    tasks.report_build(run.pk)
    before = ReportRun.objects.get(pk=run.pk)
    content = before.file.read()

    with mock.patch.object(reports, "report_content") as build:
        tasks.report_build(run.pk)

    assert not build.called
    after = ReportRun.objects.get(pk=run.pk)
    fields = ("status", "progress", "message", "started_at", "finished_at", "file")
    assert [getattr(after, name) for name in fields] == [getattr(before, name) for name in fields]
    assert after.file.read() == content


def test_the_filters_are_summarised_in_words(evaluator, cohort):
    query = QueryDict("unit=ECGYE-PCU&country=EC&substance=cocaine&date_from=2025-01-01")
    filterset = reports.cohort_filter(user=evaluator, filters=reports.filters_from(query))
    assert reports.filters_summary(filterset) == (
        "From: 2025-01-01; Units: ECGYE-PCU; Countries: Ecuador; Substance: Cocaine"
    )
    empty = reports.cohort_filter(user=evaluator, filters={})
    assert reports.filters_summary(empty) == "All seizures of all units"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report(tmp_path, settings):

    broker_url = services.round_trip_broker_url()
    services.require(
        services.redis_reachable(broker_url), f"Redis is not reachable at {broker_url}"
    )
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    officer = f.UserFactory(username="officer", unit=f.pcu("ECGYE"))
    f.log_seizure(officer)
    eval_unit = f.UnitFactory(code="EVAL", kind="evaluation", port=None, country="AT")
    evaluator = f.UserFactory(username="evaluator", unit=eval_unit, role="evaluator")
    queue = services.unique_queue()
    worker = services.CeleryWorker(
        database_url=services.database_url(connection.settings_dict),
        broker_url=broker_url,
        queue=queue,
        media_root=settings.MEDIA_ROOT,
        log=tmp_path / "worker.log",
    )
    try:
        with worker, services.celery_sends_to(broker_url=broker_url, queue=queue):
            run = reports.report_run_create(
                user=evaluator, query=QueryDict(""), fmt="pdf", language="en"
            )
            done = services.wait_for(
                lambda: ReportRun.objects.filter(pk=run.pk, status="done").first(), timeout=60
            )
            assert done, f"no report after 60 s:\n{worker.log_tail()}"
    finally:
        services.redis_delete_queue(broker_url, queue)
    content = done.file.read()
    assert content.startswith(b"%PDF-")
    assert content == reports.report_content(done)  # the worker's bytes are the app's
    assert "casetracker.reporting.tasks.report_build" in worker.log()


# --- API -------------------------------------------------------------------------------------


def test_the_api_takes_a_report_request_and_gives_its_progress_and_file(
    evaluator, cohort, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/evaluation/reports/?unit=ECGYE-PCU&occurred_after=2025-01-01",
            {"format": "xlsx"},
            format="json",
        )
    assert response.status_code == 202
    run = ReportRun.objects.get()
    assert run.filters == {"date_from": ["2025-01-01"], "unit": ["ECGYE-PCU"]}
    assert response["Location"] == response.json()["url"]
    assert response.json()["status"] == "queued"  # as it was when the request was answered

    state = api.get(response["Location"]).json()
    assert (state["status"], state["progress"], state["format"]) == ("done", 100, "xlsx")
    download = api.get(state["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    summary = dict(workbook["Summary"].iter_rows(min_row=3, max_col=2, values_only=True))
    assert summary["Cohort"] == "From: 2025-01-01; Units: ECGYE-PCU"

    other = f.UserFactory(username="other_evaluator", unit=evaluator.unit, role=evaluator.role)
    api.force_authenticate(other)
    assert api.get(response["Location"]).status_code == 404
    assert api.get(state["download_url"]).status_code == 404
    assert api.post("/api/v1/evaluation/reports/", {"format": "doc"}).status_code == 400
