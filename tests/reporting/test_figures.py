"""The cohort's breakdowns, stalled list, recipients' responsiveness, stop reasons and
mutual legal assistance figures (``figures.cohort_report``): cases worked out by hand,
and the breakdowns checked against a plain-Python computation for random cohorts."""

import datetime as dt
import statistics

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetracker.core.choices import HandlingCode
from casetracker.reporting import figures
from casetracker.reporting.choices import RUNG_FIELDS
from casetracker.reporting.models import SeizureProgress
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
from seizures.choices import CommodityCategory, PortCallRole, QuantityUnit
from seizures.models import PortCall, Seizure

from .. import factories as f
from .conftest import antwerp_heroin

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
STALLED_DAYS = 90
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _stalled_days(settings):
    settings.CASETRACKER_STALLED_DAYS = STALLED_DAYS


def report(seizures, **kwargs):
    ids = [s.pk for s in seizures]
    return figures.cohort_report(Seizure.objects.filter(pk__in=ids), now=NOW, **kwargs)


# --- recipients ----------------------------------------------------------------------------


def recipient(name, kind=RecipientKind.EXTERNAL, **fields):
    return Recipient.objects.create(
        name=name, kind=kind, email=f"{name.lower()}@x.example", country="CO", **fields
    )


def referral(seizure, to, sent_at, **state) -> Referral:
    """A referral in the given state, written directly: the figures read columns, not the
    way a referral got there."""
    made = Referral.objects.create(
        seizure=seizure,
        recipient=to,
        handling_code=HandlingCode.H1,
        origin=Origin.MANUAL,
        **deadlines(sent_at=sent_at, ack_hours=24, respond_days=14),
    )
    if state:
        Referral.objects.filter(pk=made.pk).update(**state)
    return made


@pytest.fixture
def seizures(officer, other_officer):
    return [f.log_seizure(officer), antwerp_heroin(other_officer), f.log_seizure(officer)]


def test_responsiveness_counts_what_was_due_in_time_and_why_it_was_declined(seizures, officer):
    police, customs = recipient("Police"), recipient("Customs")
    first, second, outside = seizures
    third, pending = f.log_seizure(officer), f.log_seizure(officer)
    sent = NOW - dt.timedelta(days=10)
    # Police: acknowledged after 2 h (in time), after 30 h (late, 24 h allowed), and
    # acknowledged after 5 h then declined; one sent an hour ago is not due yet.
    referral(
        first, police, sent, status=ReferralStatus.ACKNOWLEDGED, acknowledged_at=sent + 2 * HOUR
    )
    referral(second, police, sent, status=ReferralStatus.ACCEPTED, acknowledged_at=sent + 30 * HOUR)
    referral(
        third,
        police,
        sent,
        status=ReferralStatus.DECLINED,
        acknowledged_at=sent + 5 * HOUR,
        decline_reason=DeclineReason.NO_LINK,
        decline_text="Nothing to do with us",
    )
    referral(pending, police, NOW - HOUR)
    # Customs: one taken back by the sender (not the recipient's doing: left out) and one
    # never acknowledged, long overdue.
    referral(first, customs, sent, status=ReferralStatus.WITHDRAWN, withdrawn_at=sent + HOUR)
    referral(second, customs, sent)
    # A seizure outside the cohort: its referral does not count.
    referral(outside, police, sent, status=ReferralStatus.ACKNOWLEDGED, acknowledged_at=sent)

    figures_ = report([first, second, third, pending])
    by_name = {row["recipient"]: row for row in figures_["responsiveness"]}

    police_row = by_name["Police"]
    assert police_row["received"] == 4
    assert police_row["acknowledged"] == 3
    assert police_row["due"] == 3
    assert police_row["acknowledged_in_time"] == 2
    assert police_row["in_time_share"] == pytest.approx(2 / 3)
    assert police_row["median_hours_to_ack"] == pytest.approx(5)
    assert police_row["declined"] == 1
    assert police_row["decline_reasons"] == [
        {"reason": "no_link", "name": "No link with our country", "count": 1}
    ]
    customs_row = by_name["Customs"]
    assert (customs_row["received"], customs_row["due"], customs_row["acknowledged"]) == (1, 1, 0)
    assert customs_row["in_time_share"] == 0
    assert customs_row["median_hours_to_ack"] is None
    # The busiest recipient first; reasons over the cohort.
    assert [row["recipient"] for row in figures_["responsiveness"]] == ["Police", "Customs"]
    assert figures_["stop_reasons"]["declined"] == [
        {"reason": "no_link", "name": "No link with our country", "count": 1}
    ]
    assert figures_["stop_reasons"]["closed"] == []


def test_a_cohort_without_referrals_has_no_recipients_and_no_requests(seizures):
    figures_ = report(seizures)

    assert figures_["responsiveness"] == []
    assert figures_["mla"]["requests"] == 0
    assert figures_["mla"]["convention_share"] is None
    assert figures_["mla"]["days_to_answer"] == {"n": 0, "q1": None, "median": None, "q3": None}
    assert figures_["clocks"]["hours_to_referral"]["n"] == 0


# --- mutual legal assistance --------------------------------------------------------------


def request(referral_, kind, asked, answered=None, **fields) -> Outcome:
    return Outcome.objects.create(
        referral=referral_,
        seizure_id=referral_.seizure_id,
        kind=kind,
        occurred_on=asked,
        answered_on=answered,
        justification="Mr Secret asked the judge.",
        offence="Trafficking",
        recorded_via="app",
        **fields,
    )


def test_mutual_legal_assistance_by_result_basis_country_and_days_to_answer(seizures):
    first, second, outside = seizures
    police = recipient("Police")
    sent = NOW - dt.timedelta(days=200)
    day = dt.date(2026, 1, 1)
    investigating = {"status": ReferralStatus.INVESTIGATING, "acknowledged_at": sent}
    a = referral(first, police, sent, **investigating)
    b = referral(second, police, sent, **investigating)
    request(
        a, OutcomeKind.MLA_SENT, day, day + dt.timedelta(days=30),
        counterpart_country="CO", legal_basis=LegalBasis.CONVENTION_1988,
        mla_result=MlaResult.EXECUTED,
    )  # fmt: skip
    request(
        b, OutcomeKind.MLA_SENT, day, day + dt.timedelta(days=10),
        counterpart_country="CO", legal_basis=LegalBasis.BILATERAL,
        mla_result=MlaResult.REFUSED, refusal_grounds="Dual criminality",
    )  # fmt: skip
    request(
        b, OutcomeKind.MLA_RECEIVED, day,
        counterpart_country="ES", legal_basis=LegalBasis.UNTOC, mla_result=MlaResult.PENDING,
    )  # fmt: skip
    # A withdrawn referral's request and a request on a seizure outside the cohort: left out.
    gone = referral(first, recipient("Gone"), sent, status=ReferralStatus.WITHDRAWN)
    request(gone, OutcomeKind.MLA_SENT, day, counterpart_country="PE")
    request(referral(outside, police, sent), OutcomeKind.MLA_SENT, day, counterpart_country="PE")

    mla = report([first, second])["mla"]

    assert (mla["requests"], mla["sent"], mla["received"], mla["answered"]) == (3, 2, 1, 2)
    assert mla["convention_share"] == pytest.approx(1 / 3)
    assert [(r["key"], r["sent"], r["received"]) for r in mla["by_country"]] == [
        ("CO", 2, 0),
        ("ES", 0, 1),
    ]
    assert mla["by_country"][0]["name"] == "Colombia"
    assert {r["key"]: r["count"] for r in mla["by_result"]} == {
        "executed": 1,
        "refused": 1,
        "pending": 1,
    }
    assert {r["key"] for r in mla["by_legal_basis"]} == {"un_1988", "bilateral", "untoc"}
    assert mla["days_to_answer"] == {"n": 2, "q1": 15.0, "median": 20.0, "q3": 25.0}


# --- breakdowns -------------------------------------------------------------------------


def test_route_and_commodity_groups_come_from_port_calls_or_imported_countries(
    officer, other_officer
):
    guayaquil = f.log_seizure(officer)  # Guayaquil → Panama → Antwerp, cocaine
    antwerp = antwerp_heroin(other_officer)  # Tanger Med → Antwerp, heroin
    imported = f.log_seizure(
        officer,
        parts=f.seizure_parts(
            port_calls=[],
            items=[
                {
                    "category": CommodityCategory.PRECURSORS,
                    "substance": "pmk",
                    "quantity": 5,
                    "quantity_unit": QuantityUnit.KILOGRAM,
                }
            ],
        ),
    )
    Seizure.objects.filter(pk=imported.pk).update(
        route_countries=[["producing", "CO"], ["departure", "EC"], ["destination", "ES"]]
    )
    unknown = f.log_seizure(officer)
    PortCall.objects.filter(seizure=unknown).exclude(role=PortCallRole.LOADING).delete()

    breakdowns = report([guayaquil, antwerp, imported, unknown])["breakdowns"]

    routes = {g["key"]: (g["name"], g["seizures"]) for g in breakdowns["route"]}
    assert routes == {
        "EC-BE": ("Ecuador → Belgium", 1),
        "MA-BE": ("Morocco → Belgium", 1),
        "EC-ES": ("Ecuador → Spain", 1),
        "EC-unknown": ("Ecuador → Unknown", 1),
    }
    commodities = {g["key"]: g["seizures"] for g in breakdowns["commodity"]}
    # A seizure counts under its category and its substance; empty groups are left out.
    assert commodities == {
        "drugs": 3,
        "cocaine": 2,
        "heroin": 1,
        "precursors": 1,
        "pmk": 1,
    }
    assert [(g["key"], g["seizures"]) for g in breakdowns["unit"]] == [
        ("ECGYE-PCU", 3),
        ("BEANR-PCU", 1),
    ]
    assert [(g["key"], g["name"]) for g in breakdowns["country"]] == [
        ("EC", "Ecuador"),
        ("BE", "Belgium"),
    ]


def write_progress(pk: int, occurred_at: dt.datetime, rung: int, idle_days: float) -> None:
    """Rung r reached r days after the seizure; the last progress ``idle_days`` before NOW
    (never before the seizure)."""
    reached = {RUNG_FIELDS[r]: occurred_at + dt.timedelta(days=r) for r in range(1, rung + 1)}
    last = max(occurred_at, NOW - dt.timedelta(days=idle_days))
    SeizureProgress.objects.create(seizure_id=pk, rung=rung, last_progress_at=last, **reached)


@pytest.fixture
def pool(officer, other_officer):
    """Seizures of two units in two countries, of different commodities."""
    return [f.log_seizure(officer).pk for _n in range(3)] + [
        antwerp_heroin(other_officer).pk for _n in range(3)
    ]


def expected_groups(ids, key_of) -> dict:
    """Each group's funnel and stalled count, by plain Python over plainly read rows."""
    seizures = {s.pk: s for s in Seizure.objects.filter(pk__in=ids).select_related("unit", "port")}
    rows = {row.seizure_id: row for row in SeizureProgress.objects.filter(seizure_id__in=ids)}
    threshold = NOW - dt.timedelta(days=STALLED_DAYS)
    groups: dict = {}
    for pk, seizure in seizures.items():
        rung = rows[pk].rung if pk in rows else 0
        last = rows[pk].last_progress_at if pk in rows else seizure.occurred_at
        for key in key_of(seizure):
            group = groups.setdefault(key, {"funnel": [0] * 9, "stalled": 0})
            for r in range(rung + 1):
                group["funnel"][r] += 1
            group["stalled"] += rung < 8 and last < threshold
    return groups


KEYS = {
    "unit": lambda s: [s.unit.code],
    "country": lambda s: [s.port.country],
    "commodity": lambda s: s.commodities,
}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    stories=st.lists(
        st.tuples(
            st.floats(0, 400),  # days before NOW it occurred
            st.none() | st.tuples(st.integers(0, 8), st.floats(0, 400)),  # rung, idle days
            st.booleans(),  # in the cohort
        ),
        min_size=6,
        max_size=6,
    )
)
def test_breakdowns_equal_a_plain_computation_for_random_cohorts(pool, stories):
    SeizureProgress.objects.filter(seizure_id__in=pool).delete()
    chosen = []
    for pk, (days_ago, progress, in_cohort) in zip(pool, stories, strict=True):
        occurred_at = NOW - dt.timedelta(days=days_ago)
        Seizure.objects.filter(pk=pk).update(occurred_at=occurred_at)
        if progress is not None:
            write_progress(pk, occurred_at, *progress)
        if in_cohort:
            chosen.append(pk)

    breakdowns = figures.cohort_report(Seizure.objects.filter(pk__in=chosen), now=NOW)["breakdowns"]

    for name, key_of in KEYS.items():
        expected = expected_groups(chosen, key_of)
        got = {g["key"]: {"funnel": g["funnel"], "stalled": g["stalled"]} for g in breakdowns[name]}
        assert got == expected, name
        for group in breakdowns[name]:
            assert group["seizures"] == group["funnel"][0]
            assert group["referred_share"] == pytest.approx(group["funnel"][1] / group["seizures"])


# --- stalled seizures ----------------------------------------------------------------------


def test_stalled_seizures_are_listed_longest_idle_first_up_to_the_limit(pool):
    occurred = NOW - dt.timedelta(days=300)
    Seizure.objects.filter(pk__in=pool).update(occurred_at=occurred)
    idle = {pool[0]: 100, pool[1]: 250, pool[2]: 10, pool[3]: 120}
    for pk, days in idle.items():
        write_progress(pk, occurred, 3, days)
    # pool[4] and pool[5] have no row: idle since they occurred, 300 days.
    everything = Seizure.objects.filter(pk__in=pool)

    listed = figures.cohort_report(everything, now=NOW, stalled_limit=3)

    assert listed["stalled"] == 5  # the count is the whole cohort's
    days = [row["days_without_progress"] for row in listed["stalled_seizures"]]
    assert days == [300, 300, 250]
    assert listed["stalled_seizures"][2]["rung_name"] == "Investigating"
    assert listed["stalled_seizures"][0]["rung"] == 0
    every = figures.cohort_report(everything, now=NOW, stalled_limit=None)["stalled_seizures"]
    assert [row["days_without_progress"] for row in every] == [300, 300, 250, 120, 100]
    assert set(every[0]) == {
        "reference",
        "unit",
        "port",
        "port_country",
        "occurred_at",
        "occurred_on",
        "rung",
        "rung_name",
        "last_progress_at",
        "days_without_progress",
    }


def test_clocks_give_quartiles_of_the_hours_kept_on_the_ladder(pool):
    for pk, hours in zip(pool, [1.0, 2.0, 3.0, 10.0], strict=False):
        SeizureProgress.objects.create(
            seizure_id=pk,
            rung=1,
            referred_at=NOW,
            last_progress_at=NOW,
            hours_to_referral=hours,
        )

    clocks = figures.cohort_report(Seizure.objects.filter(pk__in=pool), now=NOW)["clocks"]

    assert clocks["hours_to_referral"] == {
        "n": 4,
        "q1": 1.75,
        "median": statistics.median([1, 2, 3, 10]),
        "q3": 4.75,
    }
    assert clocks["hours_to_ack"]["n"] == 0
