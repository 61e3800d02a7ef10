"""The evaluators' API: every unit's seizures, facts only, for evaluators only."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.roles import mfa_required
from casetracker.reporting.api import EvaluationPagination
from tests.mfa import verified_login

from .. import factories as f
from .conftest import antwerp_heroin

URL = reverse("api-evaluation-seizure-list")


def client_for(user) -> APIClient:
    client = APIClient()
    if mfa_required(user):
        # Accounts with two-step login use the API through their verified session only.
        verified_login(client, user)
        return client
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def two_units(officer, other_officer):
    return {
        "guayaquil": f.log_seizure(officer, submit=True),
        "antwerp": antwerp_heroin(other_officer),
    }


def listed(user, **params) -> list[dict]:
    answer = client_for(user).get(URL, params)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_it_gives_evaluators_every_units_seizures_as_facts(evaluator, two_units):
    rows = {row["reference"]: row for row in listed(evaluator)}
    assert set(rows) == {s.reference for s in two_units.values()}
    antwerp = rows[two_units["antwerp"].reference]
    assert antwerp["unit"] == "BEANR-PCU" and antwerp["unit_country"] == "BE"
    assert antwerp["port"] == "BEANR" and antwerp["port_country"] == "BE"
    assert antwerp["detection_method"] == "dog"
    assert antwerp["concealment_method"] == "reefer"
    assert antwerp["status"] == "draft"
    assert antwerp["container_count"] == 0
    assert antwerp["items"] == [
        {
            "category": "drugs",
            "substance": "heroin",
            "quantity": "12.000",
            "quantity_unit": "kg",
            "estimated_value": "480000.00",
            "currency": "EUR",
        }
    ]
    assert [(c["port"], c["role"]) for c in antwerp["route"]] == [
        ("MAPTM", "loading"),
        ("BEANR", "discharge"),
    ]
    assert antwerp["route"][1]["leg_distance_km"] > 1000
    guayaquil = rows[two_units["guayaquil"].reference]
    assert guayaquil["status"] == "submitted" and guayaquil["container_count"] == 1
    assert guayaquil["commodities"] == ["cocaine", "drugs"]


def test_it_answers_exactly_the_allowed_fields(evaluator, two_units):
    row = listed(evaluator)[0]
    assert set(row) == {
        "reference",
        "status",
        "occurred_at",
        "occurred_at_local",
        "occurred_on",
        "submitted_at",
        "port",
        "port_name",
        "port_country",
        "unit",
        "unit_country",
        "detection_method",
        "concealment_method",
        "hs_code",
        "commodities",
        "total_distance_km",
        "transport_mode",
        "route_countries",
        "container_count",
        "items",
        "route",
    }


def test_it_dates_a_seizure_by_the_day_at_the_port(evaluator, officer):
    f.log_seizure(officer, occurred_at=dt.datetime(2026, 3, 2, 3, 30, tzinfo=dt.UTC))
    (row,) = listed(evaluator)
    assert row["occurred_on"] == "2026-03-01"
    assert row["occurred_at_local"] == "2026-03-01T22:30:00-05:00"


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"unit": "BEANR-PCU"}, "antwerp"),
        ({"unit": ["BEANR-PCU", "ECGYE-PCU"]}, "both"),
        ({"country": "EC"}, "guayaquil"),
        ({"commodity": "drugs", "substance": "heroin"}, "antwerp"),
        ({"port": "BEANR"}, "antwerp"),
        ({"status": "submitted"}, "guayaquil"),
        ({"occurred_before": "__30_days_ago__"}, "antwerp"),
        ({"occurred_after": "__30_days_ago__"}, "guayaquil"),
    ],
)
def test_it_filters_by_period_unit_country_commodity_port_and_status(
    evaluator, two_units, params, shown
):
    from django.utils import timezone

    day = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    params = {k: (day if v == "__30_days_ago__" else v) for k, v in params.items()}
    got = {row["reference"] for row in listed(evaluator, **params)}
    wanted = set(two_units) if shown == "both" else {shown}
    assert got == {two_units[name].reference for name in wanted}


def test_it_refuses_an_unknown_unit_with_a_400(evaluator, two_units):
    assert client_for(evaluator).get(URL, {"unit": "NOPE-PCU"}).status_code == 400


def test_it_pages_with_a_cursor_through_every_seizure(evaluator, two_units, monkeypatch):
    monkeypatch.setattr(EvaluationPagination, "page_size", 1)
    client = client_for(evaluator)
    seen, url = [], URL
    while url:
        body = client.get(url).json()
        seen += [row["reference"] for row in body["results"]]
        url = body["next"]
    # Newest first: Guayaquil (two days ago) before Antwerp (40 days ago).
    assert seen == [two_units["guayaquil"].reference, two_units["antwerp"].reference]


def _queries(user) -> int:
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_it_keeps_a_fixed_number_of_queries_however_many_seizures(
    evaluator, officer, other_officer
):
    for _ in range(3):
        f.log_seizure(officer)
    few = _queries(evaluator)
    for _ in range(14):
        f.log_seizure(officer)
        antwerp_heroin(other_officer)
    assert _queries(evaluator) == few


def test_it_serves_administrators_too(administrator, two_units):
    assert len(listed(administrator)) == 2


@pytest.mark.parametrize("persona", ["officer", "investigator"])
def test_it_refuses_operational_roles(persona, request, two_units):
    answer = client_for(request.getfixturevalue(persona)).get(URL)
    assert answer.status_code == 403


def test_it_refuses_anonymous_callers(two_units):
    assert APIClient().get(URL).status_code in (401, 403)


def test_evaluators_cannot_fetch_a_seizure_from_the_operational_api(evaluator, two_units):
    client = client_for(evaluator)
    assert client.get(reverse("api-seizure-list")).status_code == 403
    for seizure in two_units.values():
        answer = client.get(reverse("api-seizure-detail", args=[seizure.public_id]))
        assert answer.status_code == 404


def test_the_api_is_read_only(evaluator, two_units):
    client = client_for(evaluator)
    assert client.post(URL, {}, format="json").status_code == 405
    assert client.delete(URL).status_code == 405


def test_the_schema_documents_the_evaluation_list_and_its_fields(db):
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    assert set(document["paths"]["/api/v1/evaluation/seizures/"]) == {"get"}
    fields = document["components"]["schemas"]["EvaluationSeizure"]["properties"]
    assert {"reference", "items", "route", "container_count"} <= set(fields)
    assert not {"parties", "notes", "attachments", "public_id", "bill_of_lading"} & set(fields)
