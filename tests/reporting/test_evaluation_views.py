"""The evaluators' seizure page: every unit's seizures, facts only, for evaluators only."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import Role

from .. import factories as f
from .conftest import antwerp_heroin, verified_login

URL = reverse("reporting:seizures")


@pytest.fixture
def two_units(officer, other_officer):
    """A Guayaquil cocaine seizure (last week) and an Antwerp heroin one (40 days ago)."""
    return {
        "guayaquil": f.log_seizure(officer, submit=True),
        "antwerp": antwerp_heroin(other_officer),
    }


def page(client, user, **params) -> str:
    client.force_login(user)
    answer = client.get(URL, params)
    assert answer.status_code == 200
    return answer.content.decode()


def test_it_shows_evaluators_the_seizures_of_every_unit_with_their_facts(
    client, evaluator, two_units
):
    html = page(client, evaluator)
    guayaquil, antwerp = two_units["guayaquil"], two_units["antwerp"]
    assert guayaquil.reference in html and antwerp.reference in html
    # Port, unit, commodity with quantity, route with distances, concealment, status.
    for fact in (
        "ECGYE",
        "Guayaquil",
        "ECGYE-PCU",
        "BEANR-PCU",
        "Cocaine: 250.5 kilograms",
        "Heroin: 12 kilograms",
        "480,000 EUR",
        "PAMIT",
        "MAPTM",
        "Risk profiling",
        "Detector dog",
        "Rip-on/rip-off",
        "In the refrigeration unit",
        "Submitted",
        "Draft",
        " km",
    ):
        assert fact in html, fact


def test_it_counts_the_cohort_at_the_top(client, evaluator, two_units):
    html = page(client, evaluator)
    assert 'data-count="seizures">2<' in html
    assert 'data-count="submitted">1<' in html
    assert 'data-count="units">2<' in html
    assert 'data-count="countries">2<' in html


def test_it_shows_the_date_at_the_port_not_in_utc(client, evaluator, officer):
    # 03:30 UTC on 2 March is still 1 March, 22:30, in Guayaquil (UTC-5).
    moment = dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.UTC)
    f.log_seizure(officer, occurred_at=moment)
    html = page(client, evaluator)
    assert "03/01/2026 10:30 p.m." in html
    assert "03/02/2026" not in html


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"unit": "BEANR-PCU"}, "antwerp", "guayaquil"),
        ({"country": "EC"}, "guayaquil", "antwerp"),
        ({"commodity": "drugs", "substance": "heroin"}, "antwerp", "guayaquil"),
        ({"substance": "cocaine"}, "guayaquil", "antwerp"),
        ({"port": "beanr"}, "antwerp", "guayaquil"),
        ({"status": "submitted"}, "guayaquil", "antwerp"),
        ({"date_to": "__30_days_ago__"}, "antwerp", "guayaquil"),
        ({"date_from": "__30_days_ago__"}, "guayaquil", "antwerp"),
    ],
)
def test_it_narrows_the_cohort_by_period_unit_country_commodity_and_port(
    client, evaluator, two_units, params, shown, hidden
):
    thirty_days_ago = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    params = {k: (thirty_days_ago if v == "__30_days_ago__" else v) for k, v in params.items()}
    html = page(client, evaluator, **params)
    assert two_units[shown].reference in html
    assert two_units[hidden].reference not in html
    assert 'data-count="seizures">1<' in html


def test_it_pages_through_the_cohort_newest_first(client, evaluator, officer, monkeypatch):
    from casetracker.reporting import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    now = timezone.now()
    refs = [
        f.log_seizure(officer, occurred_at=now - dt.timedelta(days=d)).reference for d in (1, 2, 3)
    ]
    client.force_login(evaluator)
    first = client.get(URL)
    assert refs[0] in first.content.decode() and refs[2] not in first.content.decode()
    older = first.context["older_cursor"]
    second = client.get(URL, {"older": older}).content.decode()
    assert refs[2] in second and refs[0] not in second
    back = client.get(URL, {"newer": client.get(URL, {"older": older}).context["newer_cursor"]})
    assert refs[0] in back.content.decode()


def _queries_for_page(client, evaluator) -> int:
    client.force_login(evaluator)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_it_keeps_a_fixed_number_of_queries_however_many_seizures(
    client, evaluator, officer, other_officer
):
    for _ in range(3):
        f.log_seizure(officer)
    few = _queries_for_page(client, evaluator)
    for _ in range(14):
        f.log_seizure(officer)
        antwerp_heroin(other_officer)
    assert _queries_for_page(client, evaluator) == few


def test_it_offers_the_page_to_administrators_too(client, administrator, two_units):
    verified_login(client, administrator)
    answer = client.get(URL)
    assert two_units["antwerp"].reference in answer.content.decode()


@pytest.mark.parametrize("persona", ["officer", "investigator"])
def test_it_refuses_the_page_to_operational_roles(client, persona, request, two_units):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    answer = client.get(URL)
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))


def test_it_links_evaluators_to_the_page_and_nobody_else(client, evaluator, officer):
    client.force_login(evaluator)
    landing = client.get(reverse("home"), follow=True)
    assert landing.redirect_chain[-1][0] == URL
    assert f'href="{URL}"' in landing.content.decode()
    client.force_login(officer)
    assert f'href="{URL}"' not in client.get(reverse("seizures:list")).content.decode()


def test_evaluators_cannot_open_the_operational_seizure_pages(client, evaluator, two_units):
    """Evaluators hold no object permission: the operational list is empty for them and a
    seizure's own page does not exist, whatever they know of it."""
    client.force_login(evaluator)
    listing = client.get(reverse("seizures:list")).content.decode()
    for seizure in two_units.values():
        assert seizure.reference not in listing
        detail = client.get(reverse("seizures:detail", args=[seizure.public_id]))
        assert detail.status_code == 404


def test_the_page_never_links_to_the_operational_record(client, evaluator, two_units):
    html = page(client, evaluator)
    for seizure in two_units.values():
        assert str(seizure.public_id) not in html
    assert not re.search(r"/seizures/[0-9a-fA-F-]{32,36}", html)


def test_the_role_not_the_unit_opens_the_page(client, two_units, officer):
    # An evaluator seconded to a port control unit sees every unit's seizures here too.
    seconded = f.UserFactory(username="seconded", unit=officer.unit, role=Role.EVALUATOR)
    assert two_units["antwerp"].reference in page(client, seconded)
