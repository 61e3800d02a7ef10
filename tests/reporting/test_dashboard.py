"""The evaluators' dashboard: a cohort's follow-up as charts with their numbers, for
evaluators only, in a fixed number of queries."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import HandlingCode
from referrals.choices import LegalBasis, MlaResult, Origin, OutcomeKind, RecipientKind
from referrals.models import Outcome, Recipient, Referral
from referrals.routing import deadlines

from .. import factories as f
from .conftest import antwerp_heroin, verified_login

URL = reverse("reporting:dashboard")
STALLED_DAYS = 90


@pytest.fixture(autouse=True)
def _stalled_days(settings):
    settings.CASETRACKER_STALLED_DAYS = STALLED_DAYS


# --- a small hand-made cohort ---------------------------------------------------------------


def refer(seizure, recipient, *, sent_after: dt.timedelta, acknowledged_after=None) -> Referral:
    """A referral sent ``sent_after`` the seizure (24 h to acknowledge), acknowledged
    ``acknowledged_after`` the sending if given."""
    sent_at = seizure.occurred_at + sent_after
    referral = Referral(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        origin=Origin.MANUAL,
        **deadlines(sent_at=sent_at, ack_hours=24, respond_days=7),
    )
    referral.save()
    if acknowledged_after is not None:
        referral = Referral.objects.get(pk=referral.pk)
        referral.acknowledge(at=sent_at + acknowledged_after)
        referral.save()
    return referral


@pytest.fixture
def recipient(investigator):
    return Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )


@pytest.fixture
def cohort(officer, other_officer, recipient):
    """Three seizures:

    - Guayaquil, 10 days ago: referred 12 h later, acknowledged 12 h after that (in time),
      a mutual legal assistance request sent under the 1988 Convention;
    - Antwerp (heroin), 40 days ago: never referred, not stalled yet;
    - Guayaquil, 200 days ago: never referred, stalled.
    """
    now = timezone.now()
    referred = f.log_seizure(officer, submit=True, occurred_at=now - dt.timedelta(days=10))
    referral = refer(
        referred,
        recipient,
        sent_after=dt.timedelta(hours=12),
        acknowledged_after=dt.timedelta(hours=12),
    )
    Outcome.objects.create(
        referral=referral,
        seizure=referred,
        kind=OutcomeKind.MLA_SENT,
        occurred_on=(now - dt.timedelta(days=5)).date(),
        counterpart_country="BE",
        legal_basis=LegalBasis.CONVENTION_1988,
        mla_result=MlaResult.PENDING,
        recorded_via="app",
    )
    return {
        "referred": referred,
        "antwerp": antwerp_heroin(other_officer),
        "stalled": f.log_seizure(officer, submit=True, occurred_at=now - dt.timedelta(days=200)),
    }


# --- reading the page -------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Every ``<table data-table=…>``: its rows as lists of cell texts (caption left out)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self._table = self.tables.setdefault(attrs["data-table"], [])
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def body_rows(html: str, name: str) -> list[list[str]]:
    """The table's rows without its header."""
    return tables(html)[name][1:]


def page(client, user, **params) -> str:
    client.force_login(user)
    answer = client.get(URL, params)
    assert answer.status_code == 200
    return answer.content.decode()


def summary(html: str) -> str:
    match = re.search(r'<p class="dash-summary" data-summary>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


NBSP = "\u00a0"


def pct(n: int) -> str:
    """A share as a table cell reads (whitespace, the no-break space included, collapsed)."""
    return f"{n} %"


# --- who may see it -----------------------------------------------------------------------------


def test_it_shows_an_evaluator_the_cohorts_funnel(client, evaluator, cohort):
    html = page(client, evaluator)
    assert summary(html).startswith("3 seizures · 2 units · 2 countries · ")
    assert body_rows(html, "funnel") == [
        ["0. Logged", "3", pct(100)],
        ["1. Referred", "1", pct(33)],
        ["2. Acknowledged", "1", pct(33)],
        ["3. Investigating", "0", pct(0)],
        ["4. Suspects identified", "0", pct(0)],
        ["5. Arrests", "0", pct(0)],
        ["6. Charged", "0", pct(0)],
        ["7. Convicted", "0", pct(0)],
        ["8. Network dismantled or assets confiscated", "0", pct(0)],
    ]


def test_administrators_with_a_second_factor_see_it_too(client, administrator, cohort):
    verified_login(client, administrator)
    answer = client.get(URL)
    assert answer.status_code == 200
    assert "Funnel over the ladder" in answer.content.decode()


def test_officers_are_refused_and_visitors_sent_to_log_in(client, officer, cohort):
    answer = client.get(URL)
    assert answer.status_code == 302 and reverse("login") in answer["Location"]
    client.force_login(officer)
    assert client.get(URL).status_code == 403


def test_the_menu_offers_the_dashboard_to_evaluators_only(client, evaluator, officer):
    assert f'href="{URL}"' in page(client, evaluator)
    client.force_login(officer)
    assert f'href="{URL}"' not in client.get(reverse("seizures:list")).content.decode()


# --- the numbers -------------------------------------------------------------------------------


def test_it_shows_the_times_and_clocks_of_the_cohort(client, evaluator, cohort):
    html = page(client, evaluator)
    times = body_rows(html, "times")
    # Referred half a day after the seizure, acknowledged a day after it.
    assert times[0] == ["Referred", "1", "0.5", "0.5", "0.5"]
    assert times[1] == ["Acknowledged", "1", "1.0", "1.0", "1.0"]
    assert times[2] == ["Investigating", "0", "—", "—", "—"]
    assert body_rows(html, "clocks") == [
        ["Seizure to first referral", "1", "12.0", "12.0", "12.0"],
        ["Referral to acknowledgement", "1", "12.0", "12.0", "12.0"],
    ]


def test_it_shows_flags_breakdowns_stalled_recipients_and_mla(client, evaluator, cohort):
    html = page(client, evaluator)
    flags = {row[0]: row[1:] for row in body_rows(html, "flags")}
    assert flags["Mutual legal assistance requested"] == ["1", pct(33)]
    assert flags["Joint investigation team"] == ["0", pct(0)]

    units = {row[0]: row[1:] for row in body_rows(html, "breakdown-unit")}
    assert units[f.pcu("ECGYE").name] == ["2", pct(50), pct(0), pct(0), pct(0), "1"]
    countries = {row[0]: row[1] for row in body_rows(html, "breakdown-country")}
    assert countries == {"Ecuador": "2", "Belgium": "1"}
    assert "Commodity groups overlap" in html

    stalled = body_rows(html, "stalled")
    assert [row[0] for row in stalled] == [cohort["stalled"].reference]
    assert stalled[0][1:3] == ["ECGYE-PCU", "ECGYE"] and stalled[0][4] == "0. Logged"
    assert int(stalled[0][5]) >= 199
    assert "<strong>1</strong> seizures of the cohort have stalled" in html

    assert body_rows(html, "recipients") == [
        ["Antinarcóticos Unit with accounts", "1", "1", f"{pct(100)} (1/1)", "12.0", "0", "—"]
    ]
    assert re.search(r'data-count="mla-requests">1<', html)
    assert re.search(rf'data-count="mla-convention">100{NBSP}%<', html)
    assert body_rows(html, "mla-country") == [["Belgium", "1", "0", "1"]]


def test_the_filter_narrows_the_cohort(client, evaluator, cohort):
    html = page(client, evaluator, unit="BEANR-PCU")
    assert summary(html).startswith("1 seizure · 1 unit · 1 country · ")
    funnel = body_rows(html, "funnel")
    assert funnel[:2] == [["0. Logged", "1", pct(100)], ["1. Referred", "0", pct(0)]]
    assert cohort["referred"].reference not in html
    # The same cohort's seizures, one click away.
    assert f'href="{reverse("reporting:seizures")}?unit=BEANR-PCU"' in html


def test_the_summary_gives_the_chosen_period(client, evaluator, cohort):
    html = page(client, evaluator, date_from="2020-01-01", date_to="2030-12-31")
    assert summary(html).endswith("1 Jan 2020 – 31 Dec 2030")


def test_an_empty_cohort_is_said_so_without_charts(client, evaluator, cohort):
    html = page(client, evaluator, date_from="2099-01-01")
    assert "No seizure matches these filters." in html
    assert "<svg" not in html
    assert summary(html).startswith("0 seizures")


def test_a_filter_it_cannot_read_shows_its_error_and_no_figures(client, evaluator, cohort):
    html = page(client, evaluator, date_from="31/02/2026", unit="BEANR-PCU")
    assert "Enter a valid date." in html
    # Not the figures of every seizure under a form saying the period is wrong.
    assert summary(html).startswith("0 seizures")
    assert "<svg" not in html


def test_the_charts_are_inline_svg_without_script(client, evaluator, cohort):
    html = page(client, evaluator)
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    # Funnel, times, clocks, flags, referred by unit, stalled, recipients, MLA.
    assert len(charts) == 8
    for chart in charts:
        assert "<script" not in chart.lower() and "javascript:" not in chart.lower()
        assert 'role="img"' in chart


# --- reports ------------------------------------------------------------------------------------


def test_it_offers_the_reports_with_the_same_cohort(client, evaluator, cohort):
    html = page(client, evaluator, unit="ECGYE-PCU", country="EC")
    start = reverse("reporting:report-start")
    assert f'action="{start}?unit=ECGYE-PCU&amp;country=EC"' in html
    for value in ("pdf", "csv", "xlsx"):
        assert f'name="format" value="{value}"' in html


# --- queries and languages -----------------------------------------------------------------------


def grow(cohort, officer, recipient, extra: int) -> None:
    """``extra`` more seizures of each kind already in the cohort (same rungs reached)."""
    now = timezone.now()
    for n in range(extra):
        seizure = f.log_seizure(officer, submit=True, occurred_at=now - dt.timedelta(days=11 + n))
        refer(
            seizure,
            recipient,
            sent_after=dt.timedelta(hours=3 + n),
            acknowledged_after=dt.timedelta(hours=2),
        )
        f.log_seizure(officer, submit=True, occurred_at=now - dt.timedelta(days=300 + n))


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_whatever_the_cohorts_size(
    client, evaluator, cohort, officer, recipient
):
    client.force_login(evaluator)
    client.get(URL)  # the session and caches settle on the first request
    small = queries_for(client)
    grow(cohort, officer, recipient, extra=12)
    large = queries_for(client)
    assert 'data-count="seizures">27 seizures<' in client.get(URL).content.decode()
    assert small == large
    assert large <= 35


def test_it_is_served_in_french(client, evaluator, cohort):
    client.force_login(evaluator)
    answer = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert '<html lang="fr">' in html
    assert "Saisies" in html  # the menu, from the French catalogue
    # Decimal commas in the tables (the row labels may or may not be translated yet).
    assert [row[1:] for row in body_rows(html, "clocks")] == [
        ["1", "12,0", "12,0", "12,0"],
        ["1", "12,0", "12,0", "12,0"],
    ]


def test_a_cohorts_figures_are_kept_for_a_while_and_said_to_be_as_of_then(
    client, evaluator, cohort, officer, settings, django_assert_max_num_queries
):
    settings.CASETRACKER_EVALUATION_CACHE_SECONDS = 300
    first = page(client, evaluator, unit="ECGYE-PCU")
    referred = body_rows(first, "funnel")[1]
    # Another seizure logged meanwhile: the kept figures do not show it yet…
    f.log_seizure(officer)
    with CaptureQueriesContext(connection) as again:
        second = page(client, evaluator, unit="ECGYE-PCU")
    assert body_rows(second, "funnel")[1] == referred
    assert summary(second) == summary(first)
    assert (
        re.search(r"Figures as of [^<]+", first).group()
        == re.search(r"Figures as of [^<]+", second).group()
    )
    with CaptureQueriesContext(connection) as fresh:
        page(client, evaluator, unit="ECGYE-PCU", country="EC")  # …another cohort is new
    assert len(again) < len(fresh) - 10
    # …and without keeping, the page counts the new seizure at once.
    settings.CASETRACKER_EVALUATION_CACHE_SECONDS = 0
    assert summary(page(client, evaluator, unit="ECGYE-PCU")) != summary(first)
