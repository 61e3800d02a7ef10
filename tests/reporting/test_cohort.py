"""The cohort's figures (funnel, time to each rung, flags, stalled), checked against a
plain-Python computation of the same definitions over the same rows."""

import datetime as dt
import statistics

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetracker.reporting.choices import RUNG_FIELDS, Flag
from casetracker.reporting.cohort import cohort_figures, flag_key
from casetracker.reporting.models import SeizureProgress
from seizures.models import Seizure

from .. import factories as f

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
STALLED_DAYS = 90


# --- the reference: plain Python over plainly read rows -------------------------------------


def _quartiles(days: list[float]) -> tuple[float, float, float] | tuple[None, None, None]:
    if not days:
        return None, None, None
    if len(days) == 1:
        return days[0], days[0], days[0]
    q1, _median, q3 = statistics.quantiles(days, n=4, method="inclusive")
    return q1, statistics.median(days), q3


def expected_figures(ids: list[int], now: dt.datetime) -> dict:
    occurred = dict(Seizure.objects.filter(pk__in=ids).values_list("pk", "occurred_at"))
    rows = {row.seizure_id: row for row in SeizureProgress.objects.filter(seizure_id__in=ids)}
    total = len(occurred)

    def share(count):
        return count / total if total else None

    rung_of = {pk: rows[pk].rung if pk in rows else 0 for pk in occurred}
    funnel = []
    for rung in range(9):
        count = sum(1 for pk in occurred if rung_of[pk] >= rung)
        funnel.append({"rung": rung, "count": count, "share": share(count)})
    times = []
    for rung, column in RUNG_FIELDS.items():
        days = [
            (getattr(row, column) - occurred[pk]).total_seconds() / 86400
            for pk, row in rows.items()
            if getattr(row, column) is not None
        ]
        q1, median, q3 = _quartiles(days)
        times.append(
            {
                "rung": rung,
                "reached": len(days),
                "q1_days": q1,
                "median_days": median,
                "q3_days": q3,
            }
        )
    flags = []
    for flag in Flag:
        count = sum(1 for row in rows.values() if getattr(row, flag.value) is not None)
        flags.append({"flag": flag_key(flag), "count": count, "share": share(count)})
    threshold = now - dt.timedelta(days=STALLED_DAYS)
    stalled = 0
    for pk, at in occurred.items():
        last = rows[pk].last_progress_at if pk in rows else at
        if rung_of[pk] < 8 and last < threshold:
            stalled += 1
    return {
        "seizures": total,
        "funnel": funnel,
        "time_to_rung": times,
        "flags": flags,
        "stalled": stalled,
    }


def assert_same(figures: dict, expected: dict) -> None:
    assert figures["seizures"] == expected["seizures"]
    assert figures["stalled"] == expected["stalled"]
    assert figures["stalled_days"] == STALLED_DAYS
    assert [(e["rung"], e["count"]) for e in figures["funnel"]] == [
        (e["rung"], e["count"]) for e in expected["funnel"]
    ]
    for got, want in zip(figures["funnel"], expected["funnel"], strict=True):
        assert got["share"] == pytest.approx(want["share"])
    for got, want in zip(figures["time_to_rung"], expected["time_to_rung"], strict=True):
        assert (got["rung"], got["reached"]) == (want["rung"], want["reached"])
        for key in ("q1_days", "median_days", "q3_days"):
            assert got[key] == pytest.approx(want[key], abs=1e-6), (got, want)
    for got, want in zip(figures["flags"], expected["flags"], strict=True):
        assert (got["flag"], got["count"]) == (want["flag"], want["count"])
        assert got["share"] == pytest.approx(want["share"])


# --- seizures and their progress rows, written directly --------------------------------------


@pytest.fixture(autouse=True)
def _stalled_days(settings):
    settings.CASETRACKER_STALLED_DAYS = STALLED_DAYS


@pytest.fixture
def pool(officer):
    """Seizures whose instants and progress rows each example rewrites."""
    return [f.log_seizure(officer).pk for _n in range(6)]


def write_progress(pk: int, occurred_at: dt.datetime, rung: int, gaps, flags) -> None:
    """A consistent row: rung r's first date is the seizure's instant plus the first r
    gaps (hours), so the dates never go down as the rungs go up."""
    reached, at = {}, occurred_at
    for r in range(1, rung + 1):
        at += dt.timedelta(hours=gaps[r - 1])
        reached[RUNG_FIELDS[r]] = at
    raised = {flag.value: occurred_at + dt.timedelta(hours=h) for flag, h in flags.items()}
    last = max([occurred_at, *reached.values(), *raised.values()])
    SeizureProgress.objects.create(
        seizure_id=pk, rung=rung, last_progress_at=last, **reached, **raised
    )


seizure_story = st.tuples(
    st.floats(min_value=0, max_value=400),  # days before NOW it occurred
    st.none()
    | st.tuples(
        st.integers(0, 8),  # rung
        st.lists(st.sampled_from([0.0, 1.5, 24.0, 240.0, 2000.0]), min_size=8, max_size=8),
        st.dictionaries(st.sampled_from(list(Flag)), st.floats(0, 3000), max_size=3),
    ),
    st.booleans(),  # in the cohort
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stories=st.lists(seizure_story, min_size=6, max_size=6))
def test_the_figures_equal_a_plain_computation_for_random_cohorts(pool, stories):
    SeizureProgress.objects.filter(seizure_id__in=pool).delete()
    chosen = []
    for pk, (days_ago, progress, in_cohort) in zip(pool, stories, strict=True):
        occurred_at = NOW - dt.timedelta(days=days_ago)
        Seizure.objects.filter(pk=pk).update(occurred_at=occurred_at)
        if progress is not None:
            rung, gaps, flags = progress
            if rung or flags:  # a row is kept for seizures that moved
                write_progress(pk, occurred_at, rung, gaps, flags)
        if in_cohort:
            chosen.append(pk)

    figures = cohort_figures(Seizure.objects.filter(pk__in=chosen), now=NOW)

    assert_same(figures, expected_figures(chosen, NOW))


# --- cases worked out by hand ------------------------------------------------------------


def test_it_counts_the_funnel_times_and_flags_of_a_known_cohort(pool):
    start = NOW - dt.timedelta(days=200)
    Seizure.objects.filter(pk__in=pool).update(occurred_at=start)
    # Referred after 1, 2 and 4 days; acknowledged after 3 (1 + 2) days; the others logged.
    write_progress(pool[0], start, 1, [24.0] * 8, {Flag.FORENSICS: 1.0})
    write_progress(pool[1], start, 1, [48.0] * 8, {})
    write_progress(pool[2], start, 2, [96.0, 48.0] + [0.0] * 6, {Flag.FORENSICS: 5.0})

    figures = cohort_figures(Seizure.objects.filter(pk__in=pool), now=NOW)

    assert figures["seizures"] == 6
    assert [e["count"] for e in figures["funnel"]] == [6, 3, 1, 0, 0, 0, 0, 0, 0]
    assert figures["funnel"][1]["share"] == pytest.approx(0.5)
    referred, acknowledged, investigating, *_rest = figures["time_to_rung"]
    assert referred["reached"] == 3
    assert (referred["q1_days"], referred["median_days"], referred["q3_days"]) == (1.5, 2, 3)
    assert acknowledged["median_days"] == acknowledged["q1_days"] == 6
    assert investigating["reached"] == 0 and investigating["median_days"] is None
    forensics = next(e for e in figures["flags"] if e["flag"] == "forensics")
    assert forensics["count"] == 2 and forensics["share"] == pytest.approx(1 / 3)
    # All six are below the top rung and last moved about 190 days ago or more.
    assert figures["stalled"] == 6


def test_seizures_without_a_row_stand_on_rung_zero_and_may_stall(pool):
    Seizure.objects.filter(pk__in=pool[:3]).update(occurred_at=NOW - dt.timedelta(days=100))
    Seizure.objects.filter(pk__in=pool[3:]).update(occurred_at=NOW - dt.timedelta(days=10))

    figures = cohort_figures(Seizure.objects.filter(pk__in=pool), now=NOW)

    assert figures["seizures"] == 6
    assert figures["funnel"][0] == {"rung": 0, "name": "Logged", "count": 6, "share": 1.0}
    assert all(e["count"] == 0 and e["share"] == 0 for e in figures["funnel"][1:])
    assert all(e["reached"] == 0 and e["q3_days"] is None for e in figures["time_to_rung"])
    assert figures["stalled"] == 3


def test_a_seizure_on_the_top_rung_never_stalls(pool):
    start = NOW - dt.timedelta(days=400)
    Seizure.objects.filter(pk__in=pool).update(occurred_at=start)
    write_progress(pool[0], start, 8, [1.0] * 8, {})

    figures = cohort_figures(Seizure.objects.filter(pk=pool[0]), now=NOW)

    assert figures["funnel"][8]["count"] == 1 and figures["stalled"] == 0
    assert figures["time_to_rung"][7]["median_days"] == pytest.approx(8 / 24)


def test_an_empty_cohort_has_no_shares_and_no_times(db):
    figures = cohort_figures(Seizure.objects.none(), now=NOW)

    assert figures["seizures"] == 0 and figures["stalled"] == 0
    assert all(e["count"] == 0 and e["share"] is None for e in figures["funnel"])
    assert all(e["count"] == 0 and e["share"] is None for e in figures["flags"])
    assert all(e["median_days"] is None for e in figures["time_to_rung"])


def test_it_takes_a_few_queries_however_large_the_cohort(pool, django_assert_max_num_queries):
    start = timezone.now() - dt.timedelta(days=30)
    for pk in pool:
        write_progress(pk, start, 8, [2.0] * 8, {Flag.MLA: 3.0})
    # PostgreSQL: two (figures, stalled). SQLite: and one per rung someone reached.
    with django_assert_max_num_queries(2 + len(RUNG_FIELDS)):
        cohort_figures(Seizure.objects.filter(pk__in=pool))
