"""GET /api/v1/evaluation/cohort/: a cohort's figures for evaluators, and nothing personal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.reporting.models import SeizureProgress

from .. import factories as f
from .conftest import antwerp_heroin

URL = reverse("api-evaluation-cohort")


def token_client(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def cohort(officer, other_officer):
    """Guayaquil's seizure, referred and acknowledged; Antwerp's, logged 40 days ago."""
    guayaquil = f.log_seizure(officer, submit=True)
    start = guayaquil.occurred_at
    SeizureProgress.objects.update_or_create(
        seizure=guayaquil,
        defaults={
            "rung": 2,
            "referred_at": start + dt.timedelta(hours=12),
            "acknowledged_at": start + dt.timedelta(hours=36),
            "international_at": start + dt.timedelta(hours=12),
            "last_progress_at": start + dt.timedelta(hours=36),
        },
    )
    return {"guayaquil": guayaquil, "antwerp": antwerp_heroin(other_officer)}


def figures(user, **params) -> dict:
    answer = token_client(user).get(URL, params)
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_it_gives_evaluators_the_cohorts_figures(evaluator, cohort):
    body = figures(evaluator)

    assert body["seizures"] == 2
    assert [e["count"] for e in body["funnel"]] == [2, 1, 1, 0, 0, 0, 0, 0, 0]
    assert body["funnel"][1] == {"rung": 1, "name": "Referred", "count": 1, "share": 0.5}
    assert body["time_to_rung"][0]["median_days"] == pytest.approx(0.5)
    assert body["time_to_rung"][1]["median_days"] == pytest.approx(1.5)
    international = next(e for e in body["flags"] if e["flag"] == "international")
    assert international["count"] == 1 and international["share"] == 0.5
    assert body["stalled"] == 0 and body["stalled_days"] == 90


@pytest.mark.parametrize(
    ("params", "size", "referred"),
    [
        ({"unit": "BEANR-PCU"}, 1, 0),
        ({"country": "EC"}, 1, 1),
        ({"commodity": "drugs", "substance": "heroin"}, 1, 0),
        ({"occurred_after": "__30_days_ago__"}, 1, 1),
        ({"occurred_before": "__30_days_ago__", "unit": "ECGYE-PCU"}, 0, 0),
    ],
)
def test_the_filters_choose_the_cohort(evaluator, cohort, params, size, referred):
    day = (timezone.now() - dt.timedelta(days=30)).date().isoformat()
    params = {k: day if v == "__30_days_ago__" else v for k, v in params.items()}

    body = figures(evaluator, **params)

    assert body["seizures"] == size
    assert body["funnel"][1]["count"] == referred


def test_an_empty_cohort_answers_zeros_and_nulls(evaluator, cohort):
    body = figures(evaluator, unit="BEANR-PCU", country="EC")

    assert body["seizures"] == 0
    assert body["funnel"][0]["share"] is None
    assert body["time_to_rung"][0]["median_days"] is None


def test_it_answers_figures_only_and_nothing_personal(evaluator, cohort, officer, other_officer):
    answer = token_client(evaluator).get(URL)
    body = answer.json()

    assert set(body) == {
        "seizures",
        "funnel",
        "time_to_rung",
        "flags",
        "stalled",
        "stalled_days",
        "clocks",
    }
    assert set(body["funnel"][0]) == {"rung", "name", "count", "share"}
    assert set(body["time_to_rung"][0]) == {
        "rung",
        "name",
        "reached",
        "q1_days",
        "median_days",
        "q3_days",
    }
    assert set(body["flags"][0]) == {"flag", "name", "count", "share"}
    text = answer.content.decode()
    seizure = cohort["guayaquil"]
    for personal in (
        "Frutas del Sol",  # a party
        officer.username,
        other_officer.username,
        officer.email,
        seizure.declared_goods,  # free text
        seizure.terminal,
        seizure.vessel_name,
        seizure.bill_of_lading,
        seizure.reference,
        str(seizure.public_id),
    ):
        assert personal not in text


@pytest.mark.parametrize("role", ["officer", "other_officer"])
def test_other_roles_are_refused(request, cohort, role):
    user = request.getfixturevalue(role)

    assert token_client(user).get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


def test_the_schema_documents_the_figures_and_the_filters(db):
    document = SchemaGenerator().get_schema(request=None, public=True)
    operation = document["paths"]["/api/v1/evaluation/cohort/"]["get"]

    parameters = {p["name"] for p in operation["parameters"]}
    assert {"occurred_after", "occurred_before", "unit", "country", "commodity"} <= parameters
    assert {"substance"} <= parameters
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/Cohort")
    assert "403" in operation["responses"]


def test_it_counts_the_stalled_seizures_of_the_cohort(evaluator, cohort, other_officer):
    antwerp_heroin(other_officer, occurred_at=timezone.now() - dt.timedelta(days=120))

    assert figures(evaluator)["stalled"] == 1
    assert figures(evaluator, country="EC")["stalled"] == 0
