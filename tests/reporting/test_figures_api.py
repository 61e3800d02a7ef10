"""The cohort's breakdowns, stalled seizures, recipients and mutual legal assistance in the
evaluators' API: the figures of ``figures.py``, filtered like the rest, nothing personal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from casetracker.core.choices import HandlingCode
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

from .. import factories as f
from .conftest import antwerp_heroin
from .test_cohort_api import token_client

SECRETS = (
    "Frutas del Sol",  # a party of the seizure
    "declined-because-of-Mr-Smith",  # a decline explanation
    "justified-by-Ms-Jones",  # an outcome's justification
    "refused-for-Mr-Brown",  # an MLA refusal's grounds
    "secret.contact@police.example",  # the recipient's e-mail address
    "MSC Example",  # the vessel
    "MEDUGY123456",  # the bill of lading
)


@pytest.fixture
def cohort(officer, other_officer):
    """Guayaquil's seizure, referred abroad, declined by one recipient and asked about by
    mutual legal assistance; Antwerp's, logged 120 days ago and stalled."""
    guayaquil = f.log_seizure(officer, submit=True)
    antwerp = antwerp_heroin(other_officer, occurred_at=timezone.now() - dt.timedelta(days=120))
    sent = timezone.now() - dt.timedelta(days=5)
    police = Recipient.objects.create(
        name="Policía Nacional",
        kind=RecipientKind.EXTERNAL,
        email="secret.contact@police.example",
        country="CO",
    )
    customs = Recipient.objects.create(
        name="Customs", kind=RecipientKind.EXTERNAL, email="c@x.example", country="CO"
    )
    made = {}
    for name, to in (("police", police), ("customs", customs)):
        made[name] = Referral.objects.create(
            seizure=guayaquil,
            recipient=to,
            handling_code=HandlingCode.H1,
            origin=Origin.MANUAL,
            **deadlines(sent_at=sent, ack_hours=24, respond_days=14),
        )
    Referral.objects.filter(pk=made["police"].pk).update(
        status=ReferralStatus.INVESTIGATING, acknowledged_at=sent + dt.timedelta(hours=6)
    )
    Referral.objects.filter(pk=made["customs"].pk).update(
        status=ReferralStatus.DECLINED,
        acknowledged_at=sent + dt.timedelta(hours=30),
        decline_reason=DeclineReason.NOT_COMPETENT,
        decline_text="declined-because-of-Mr-Smith",
    )
    Outcome.objects.create(
        referral=made["police"],
        seizure=guayaquil,
        kind=OutcomeKind.MLA_SENT,
        occurred_on=sent.date(),
        answered_on=sent.date() + dt.timedelta(days=3),
        counterpart_country="ES",
        legal_basis=LegalBasis.CONVENTION_1988,
        mla_result=MlaResult.REFUSED,
        refusal_grounds="refused-for-Mr-Brown",
        justification="justified-by-Ms-Jones",
        recorded_via="app",
    )
    return {"guayaquil": guayaquil, "antwerp": antwerp}


def get(user, name, **params):
    answer = token_client(user).get(reverse(name), params)
    for secret in SECRETS:
        assert secret not in answer.content.decode(), (name, secret)
    return answer


def test_breakdowns_by_each_key(evaluator, cohort):
    by_route = get(evaluator, "api-evaluation-breakdown", by="route").json()
    assert by_route["by"] == "route"
    assert {(g["key"], g["seizures"]) for g in by_route["groups"]} == {("EC-BE", 1), ("MA-BE", 1)}
    by_unit = get(evaluator, "api-evaluation-breakdown", by="unit", country="EC").json()
    assert [(g["key"], g["funnel"][:2]) for g in by_unit["groups"]] == [("ECGYE-PCU", [1, 1])]
    assert by_unit["groups"][0]["referred_share"] == 1.0


@pytest.mark.parametrize("params", [{}, {"by": "vessel"}])
def test_a_breakdown_needs_a_known_key(evaluator, cohort, params):
    answer = token_client(evaluator).get(reverse("api-evaluation-breakdown"), params)

    assert answer.status_code == 400
    assert "by" in answer.json()


def test_the_stalled_seizures_longest_idle_first(evaluator, cohort):
    body = get(evaluator, "api-evaluation-stalled", limit=5).json()

    assert body["stalled"] == 1 and body["stalled_days"] == 90
    assert [s["reference"] for s in body["seizures"]] == [cohort["antwerp"].reference]
    assert body["seizures"][0]["days_without_progress"] >= 120
    refused = token_client(evaluator).get(reverse("api-evaluation-stalled"), {"limit": 0})
    assert refused.status_code == 400


def test_recipients_responsiveness_and_stop_reasons(evaluator, cohort):
    body = get(evaluator, "api-evaluation-recipients").json()

    rows = {r["recipient"]: r for r in body["recipients"]}
    assert rows["Policía Nacional"]["acknowledged_in_time"] == 1
    assert rows["Policía Nacional"]["median_hours_to_ack"] == pytest.approx(6)
    assert rows["Customs"]["in_time_share"] == 0
    assert rows["Customs"]["decline_reasons"][0]["reason"] == "not_competent"
    assert body["stop_reasons"]["declined"][0]["count"] == 1
    assert "email" not in rows["Customs"]


def test_mutual_legal_assistance(evaluator, cohort):
    body = get(evaluator, "api-evaluation-mla").json()

    assert (body["requests"], body["sent"], body["answered"]) == (1, 1, 1)
    assert body["convention_share"] == 1.0
    assert body["by_country"][0]["key"] == "ES"
    assert body["by_result"][0]["key"] == "refused"
    assert body["days_to_answer"]["median"] == 3


def test_the_cohort_carries_the_clocks(evaluator, cohort):
    body = get(evaluator, "api-evaluation-cohort").json()

    assert set(body["clocks"]) == {"hours_to_referral", "hours_to_ack"}


@pytest.mark.parametrize(
    "name",
    [
        "api-evaluation-breakdown",
        "api-evaluation-stalled",
        "api-evaluation-recipients",
        "api-evaluation-mla",
    ],
)
def test_officers_are_refused(officer, cohort, name):
    assert token_client(officer).get(reverse(name), {"by": "unit"}).status_code == 403


def test_the_schema_documents_each_part_with_the_cohort_filters(db):
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path in ("breakdown", "stalled", "recipients", "mla"):
        operation = document["paths"][f"/api/v1/evaluation/cohort/{path}/"]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"occurred_after", "unit", "country", "commodity"} <= names, path
    breakdown = document["paths"]["/api/v1/evaluation/cohort/breakdown/"]["get"]
    assert "by" in {p["name"] for p in breakdown["parameters"]}
