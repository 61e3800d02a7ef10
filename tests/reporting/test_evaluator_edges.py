"""The evaluators' pages, files and API at their edges: filters that cannot be read or do not
fit together, request bodies that are not objects, a broker that is away, numbers that
must be rounded, recipients with nothing due, and a report page that names its cohort."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from decimal import ROUND_HALF_UP, Decimal
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from kombu.exceptions import OperationalError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from casetracker.celery import app
from casetracker.reporting import report_pdf, reports, tasks
from casetracker.reporting.figures import cohort_report
from casetracker.reporting.models import ReportRun, SeizureProgress
from casetracker.reporting.report_tables import report_csv, report_sections, report_xlsx
from referrals.choices import RecipientKind
from referrals.models import Recipient
from seizures.models import Seizure

from .. import factories as f
from ..seizures.test_exports import _pdf_text
from .conftest import antwerp_heroin
from .test_dashboard import refer

DASHBOARD = reverse("reporting:dashboard")
SEIZURES = reverse("reporting:seizures")
REPORTS_API = "/api/v1/evaluation/reports/"
COHORT_API = "/api/v1/evaluation/cohort/"
PERIOD_ORDER = "The period ends before it starts"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def two_units(officer, other_officer):
    """A Guayaquil seizure (last week) and an Antwerp one (40 days ago)."""
    return {
        "guayaquil": f.log_seizure(officer, submit=True),
        "antwerp": antwerp_heroin(other_officer),
    }


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _count_shown(html: str) -> str:
    return re.search(r'data-count="seizures">([^<]*)<', html).group(1).strip()


def _queued_run(user, *, age: dt.timedelta = dt.timedelta(0)) -> ReportRun:
    """A run asked for ``age`` ago whose build was never handed to a worker."""
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(user=user, query=QueryDict(""), fmt="csv", language="en")
    ReportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - age)
    return ReportRun.objects.get(pk=run.pk)


# --- 1. an unreadable filter chooses no seizure, on the list as on the dashboard -------------


def test_the_seizure_list_shows_no_seizure_when_a_filter_cannot_be_read(
    client, evaluator, two_units
):
    client.force_login(evaluator)
    query = {"unit": "NOPE-PCU", "date_from": "2026-02-30"}

    listing = client.get(SEIZURES, query).content.decode()
    dashboard = client.get(DASHBOARD, query).content.decode()

    assert _count_shown(listing) == "0" == _count_shown(dashboard).split()[0]
    for seizure in two_units.values():
        assert seizure.reference not in listing
    assert "NOPE-PCU" in listing  # the form keeps what was typed, and says what is wrong
    assert "field-errors" in listing


# --- 2. a report request whose body is not an object ---------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ([1, 2], "Expected a dictionary"),
        ("pdf", "Expected a dictionary"),
        ({"format": ["pdf"]}, "Choose PDF, CSV or XLSX."),
        ({"format": {"a": 1}}, "Choose PDF, CSV or XLSX."),
        (None, "required"),
    ],
)
def test_the_report_api_answers_400_to_a_body_that_is_not_a_format_object(evaluator, body, said):
    response = _api(evaluator).post(REPORTS_API, body, format="json")

    assert response.status_code == 400
    assert said in response.content.decode()
    assert not ReportRun.objects.exists()


# --- 3. a broker that is away -----------------------------------------------------------------


def test_asking_for_a_report_while_the_broker_is_away_leaves_it_queued_without_an_error(
    client, evaluator, django_capture_on_commit_callbacks, caplog
):
    client.force_login(evaluator)
    down = OperationalError("Error 111 connecting to localhost:6379. Connection refused.")
    with (
        mock.patch.object(tasks.report_build, "apply_async", side_effect=down),
        django_capture_on_commit_callbacks(execute=True),
        caplog.at_level(logging.WARNING, logger="casetracker.reporting.reports"),
    ):
        response = client.post(reverse("reporting:report-start"), {"format": "pdf"})

    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:report-detail", args=[run.public_id])
    assert run.status == "queued"
    assert "could not publish" in caplog.text
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' in page.content  # it may still start: keep waiting


def test_the_sweeper_sends_again_the_runs_queued_for_a_few_minutes(evaluator):
    waiting = _queued_run(evaluator, age=reports.RESEND_AFTER + dt.timedelta(seconds=10))
    fresh = _queued_run(evaluator)  # its own publish may still be on its way
    with mock.patch.object(tasks.report_build, "apply_async") as publish:
        outcome = tasks.report_runs_sweep()

    assert [c.kwargs["args"] for c in publish.call_args_list] == [(waiting.pk,)]
    assert outcome == {"resent": 1, "given_up": 0}
    assert ReportRun.objects.get(pk=fresh.pk).status == "queued"


def test_the_sweeper_stops_while_the_broker_is_still_away(evaluator):
    for _ in range(3):
        _queued_run(evaluator, age=reports.RESEND_AFTER * 2)
    with mock.patch.object(
        tasks.report_build, "apply_async", side_effect=OperationalError("down")
    ) as publish:
        outcome = tasks.report_runs_sweep()

    assert publish.call_count == 1  # not once per run against a broker that is down
    assert outcome == {"resent": 0, "given_up": 0}
    assert set(ReportRun.objects.values_list("status", flat=True)) == {"queued"}


def test_a_run_queued_for_an_hour_fails_and_its_page_stops_refreshing(client, evaluator):
    stuck = _queued_run(evaluator, age=reports.QUEUED_AT_MOST + dt.timedelta(minutes=1))
    client.force_login(evaluator)

    page = client.get(reverse("reporting:report-detail", args=[stuck.public_id]))

    assert b'http-equiv="refresh"' not in page.content
    assert "could not be started" in page.content.decode()
    assert "Ask for it again" in page.content.decode()
    stuck.refresh_from_db()
    assert (stuck.status, stuck.finished_at is not None) == ("failed", True)
    # The broker comes back with the old task: a given-up run stays as its page says.
    assert reports.report_run_execute(run_id=stuck.pk).status == "failed"


def test_the_sweeper_gives_up_on_runs_queued_for_an_hour_without_anyone_looking(evaluator):
    stuck = _queued_run(evaluator, age=reports.QUEUED_AT_MOST + dt.timedelta(minutes=1))
    with mock.patch.object(tasks.report_build, "apply_async") as publish:
        outcome = tasks.report_runs_sweep()

    assert outcome == {"resent": 0, "given_up": 1}
    assert not publish.called
    assert ReportRun.objects.get(pk=stuck.pk).status == "failed"


def test_the_beat_process_runs_the_report_sweeper_as_often_as_a_run_may_wait():
    entries = [
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "casetracker.reporting.tasks.report_runs_sweep"
    ]
    assert [e["schedule"] for e in entries] == [reports.RESEND_AFTER.total_seconds()]
    # A schedule naming a task the workers do not know would fail silently every run.
    app.loader.import_default_modules()
    assert "casetracker.reporting.tasks.report_runs_sweep" in app.tasks


# --- 4. rounded, not cut, and the same in every format ---------------------------------------

DAYS_TO_REFERRAL = 15.96


@pytest.fixture
def two_of_three_referred(officer):
    """Three seizures; two referred 15.96 days after they occurred, one never."""
    now = timezone.now()
    seizures = [
        f.log_seizure(officer, occurred_at=now - dt.timedelta(days=30 + i)) for i in (0, 1, 2)
    ]
    SeizureProgress.objects.filter(seizure__in=seizures).delete()
    for seizure in seizures[:2]:
        referred_at = seizure.occurred_at + dt.timedelta(days=DAYS_TO_REFERRAL)
        SeizureProgress.objects.create(
            seizure=seizure, rung=1, referred_at=referred_at, last_progress_at=referred_at
        )
    return Seizure.objects.filter(pk__in=[s.pk for s in seizures])


def _shown(value: float, places: int) -> str:
    """What a spreadsheet shows of a stored number under a format with ``places`` decimals."""
    step = Decimal(1).scaleb(-places)
    return str(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def test_two_thirds_and_15_96_days_are_rounded_alike_on_the_dashboard_pdf_csv_and_xlsx(
    client, evaluator, two_of_three_referred
):
    client.force_login(evaluator)
    html = client.get(DASHBOARD).content.decode()
    funnel_row = re.search(r'<tr data-rung="1">.*?</tr>', html, re.S).group(0)
    times = html[html.index('data-table="times"') :]
    times_row = re.search(r"<tr><th scope=\"row\">[^<]*</th>.*?</tr>", times, re.S).group(0)

    now = timezone.now()
    report = cohort_report(two_of_three_referred, now=now, stalled_limit=None)
    pdf = _pdf_text(
        report_pdf.cohort_pdf(report, filters_summary="All", generated_at=now, language="en")
    ).decode("latin-1")
    sections = report_sections(report, filters_summary="All", generated_at=now)
    rows = list(csv.reader(io.StringIO(report_csv(sections, language="en").decode("utf-8-sig"))))
    csv_share = next(r for r in rows if r[0] == "funnel" and r[1] == "1")[4]
    csv_median = next(r for r in rows if r[0] == "time_to_rung" and r[1] == "1")[5]
    book = load_workbook(io.BytesIO(report_xlsx(sections, language="en", as_of=now)))
    xlsx_share = next(r for r in book["Funnel"].iter_rows() if r[0].value == 1)[3]
    xlsx_median = next(r for r in book["Time to rung"].iter_rows() if r[0].value == 1)[4]

    # 2/3: "67 %" on the page (whole percentages), 66.7 % in the files (one decimal).
    assert "67\xa0%" in funnel_row and "66\xa0%" not in funnel_row
    assert "66.7 %" in pdf and "66.6 %" not in pdf
    assert xlsx_share.number_format == "0.0%"
    assert _shown(xlsx_share.value * 100, 1) == _shown(float(csv_share) * 100, 1) == "66.7"
    # 15.96 days: "16.0" everywhere a tenth is shown.
    assert "16.0" in times_row and "15.9" not in times_row
    assert "(16.0)" in pdf and "(15.9)" not in pdf  # the text drawn, not a coordinate
    assert xlsx_median.number_format == "0.0"
    assert _shown(xlsx_median.value, 1) == _shown(float(csv_median), 1) == "16.0"


def test_numbers_are_rounded_half_up_in_the_readers_notation(settings):
    from django.utils import translation

    from casetracker.reporting.dashboard import decimal, percent, rounded

    assert (rounded(0.15, 1), rounded(2.5), rounded(1234.5)) == ("0.2", "3", "1,235")
    assert (percent(2 / 3), percent(2 / 300), percent(299 / 300)) == (
        "67\xa0%",
        "0.7\xa0%",
        "99.7\xa0%",  # not "100 %": one of 300 is missing
    )
    with translation.override("fr"):
        assert decimal(DAYS_TO_REFERRAL) == "16,0"


# --- 5. a period that ends before it starts ------------------------------------------------


def test_a_period_that_ends_before_it_starts_is_refused_on_the_pages_and_the_api(
    client, evaluator, two_units
):
    client.force_login(evaluator)
    backwards = {"date_from": "2026-03-01", "date_to": "2026-01-01"}
    for url in (DASHBOARD, SEIZURES):
        html = client.get(url, backwards).content.decode()
        assert PERIOD_ORDER in html, url
        assert "form-errors" in html
    api = _api(evaluator)
    answer = api.get(COHORT_API, {"occurred_after": "2026-03-01", "occurred_before": "2026-01-01"})
    assert answer.status_code == 400
    assert PERIOD_ORDER in answer.content.decode()
    report = api.post(
        f"{REPORTS_API}?occurred_after=2026-03-01&occurred_before=2026-01-01",
        {"format": "csv"},
        format="json",
    )
    assert report.status_code == 400
    assert PERIOD_ORDER in report.content.decode()
    page = client.post(
        reverse("reporting:report-start") + "?date_from=2026-03-01&date_to=2026-01-01",
        {"format": "csv"},
    )
    assert page.status_code == 400
    assert not ReportRun.objects.exists()
    # One day is a period: from and to the same day is accepted.
    same_day = {"occurred_after": "2026-01-01", "occurred_before": "2026-01-01"}
    assert api.get(COHORT_API, same_day).status_code == 200


# --- 6. a recipient with nothing due yet --------------------------------------------------


def test_a_recipient_with_nothing_due_yet_is_left_out_of_the_chart_not_drawn_at_0_percent(
    client, evaluator, officer, investigator
):
    late = Recipient.objects.create(
        name="Fiscalia", kind=RecipientKind.EXTERNAL, email="fiscalia@x.example", country="EC"
    )
    fresh = Recipient.objects.create(
        name="Antinarcoticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )
    now = timezone.now()
    overdue = f.log_seizure(officer, occurred_at=now - dt.timedelta(days=5))
    refer(overdue, late, sent_after=dt.timedelta(hours=1))
    # 24 hours to acknowledge, sent 2 hours ago: nothing due yet.
    recent = f.log_seizure(officer, occurred_at=now - dt.timedelta(hours=3))
    refer(recent, fresh, sent_after=dt.timedelta(hours=1))
    client.force_login(evaluator)

    html = client.get(DASHBOARD).content.decode()

    section = html[html.index('id="recipients"') : html.index('id="mla"')]
    chart = section[section.index("<svg") : section.index("</svg>")]
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    assert "Fiscalia" in drawn and "Antinarcoticos" not in drawn
    assert any(t.startswith("0\xa0%") for t in drawn)  # the late one did get 0 % in time
    assert "Not in the chart, nothing being due yet: Antinarcoticos" in section
    table = re.search(r"<tbody>.*?</tbody>", section, re.S).group(0)
    assert "Antinarcoticos" in table and "(0/0)" in table  # the table keeps it


# --- 7. one set of filter names on the API ----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        COHORT_API,
        "/api/v1/evaluation/cohort/breakdown/?by=unit&",
        "/api/v1/evaluation/cohort/stalled/?",
        "/api/v1/evaluation/cohort/recipients/?",
        "/api/v1/evaluation/cohort/mla/?",
        "/api/v1/evaluation/seizures/",
    ],
)
def test_the_api_refuses_the_pages_filter_names_and_says_which_it_takes(evaluator, url):
    separator = "" if url.endswith(("?", "&")) else "?"

    answer = _api(evaluator).get(f"{url}{separator}date_from=2026-01-01")

    assert answer.status_code == 400
    said = answer.json()["date_from"][0]
    assert "Unknown parameter" in said
    assert "occurred_after, occurred_before, unit, country" in said


def test_the_report_api_takes_the_cohort_apis_names_and_refuses_the_pages(
    evaluator, django_capture_on_commit_callbacks
):
    api = _api(evaluator)
    refused = api.post(f"{REPORTS_API}?date_from=2026-01-01", {"format": "csv"}, format="json")
    assert refused.status_code == 400
    assert "occurred_after" in refused.json()["date_from"][0]
    assert not ReportRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        taken = api.post(
            f"{REPORTS_API}?occurred_after=2026-01-01", {"format": "csv"}, format="json"
        )
    assert taken.status_code == 202
    assert ReportRun.objects.get().filters == {"date_from": ["2026-01-01"]}


def test_each_endpoint_still_takes_its_own_parameters(evaluator, two_units):
    api = _api(evaluator)
    assert api.get("/api/v1/evaluation/cohort/stalled/", {"limit": 5}).status_code == 200
    assert api.get("/api/v1/evaluation/cohort/breakdown/", {"by": "unit"}).status_code == 200
    # "limit" is the stalled list's, not the breakdown's.
    other = api.get("/api/v1/evaluation/cohort/breakdown/", {"by": "unit", "limit": 5})
    assert other.status_code == 400 and "by, format" in other.json()["limit"][0]
    first = api.get("/api/v1/evaluation/seizures/", {"occurred_after": "2000-01-01"}).json()
    assert len(first["results"]) == 2


def test_the_schema_gives_the_report_request_the_cohort_filters_and_its_400(db):
    document = SchemaGenerator().get_schema(request=None, public=True)
    operation = document["paths"][REPORTS_API]["post"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert {"occurred_after", "occurred_before", "unit", "country"} <= names
    assert "date_from" not in names
    assert "400" in operation["responses"]
    assert "400" in document["paths"][COHORT_API]["get"]["responses"]


# --- 8. the report page names its cohort in words ---------------------------------------------


def test_the_report_page_describes_its_cohort_in_words_in_the_readers_language(
    client, evaluator, django_capture_on_commit_callbacks
):
    client.force_login(evaluator)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            reverse("reporting:report-start") + "?date_from=2026-01-01&country=EC",
            {"format": "csv"},
            HTTP_ACCEPT_LANGUAGE="fr",
        )

    page = client.get(started["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    cohort = re.search(r'<dd data-fact="cohort">(.*?)</dd>', page, re.S).group(1)
    assert "Pays: Équateur" in cohort
    assert "2026-01-01" in cohort
    assert "country" not in cohort and "date_from" not in cohort and "EC;" not in cohort


def test_a_run_whose_unit_was_renamed_says_its_filters_no_longer_hold_not_all_seizures(
    client, evaluator, officer
):
    f.log_seizure(officer)
    with mock.patch.object(reports, "_enqueue"):
        run = reports.report_run_create(
            user=evaluator, query=QueryDict("unit=ECGYE-PCU"), fmt="csv", language="en"
        )
    officer.unit.code = "ECGYE-PCU2"
    officer.unit.save()
    reports.report_run_execute(run_id=run.pk)
    client.force_login(evaluator)

    page = client.get(reverse("reporting:report-detail", args=[run.public_id])).content.decode()
    content = reports.report_content(ReportRun.objects.get(pk=run.pk)).decode("utf-8-sig")

    said = "Filters no longer valid, no seizure chosen: unit: ECGYE-PCU"
    assert said in page and said in content
    assert "All seizures of all units" not in page
    seizures = next(r for r in csv.reader(io.StringIO(content)) if r[1] == "Seizures in the cohort")
    assert seizures[2] == "0"  # not every seizure, as the dropped filter would have given
