"""Evaluators never see a person: not in the page, not in the API, not in what the selector
returns, and the selector never even reads a personal column.

One seizure carries distinctive personal data in every personal or free-text field; none of
those strings may come out of the evaluators' read path.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from casetracker.core.choices import HandlingCode, Role
from casetracker.reporting import evaluation
from casetracker.reporting.api import EvaluationPagination
from referrals.choices import (
    ClosingOutcome,
    DeclineReason,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    RecipientKind,
)
from referrals.models import Outcome, Recipient, Referral
from referrals.routing import deadlines
from seizures.models import Attachment, Note

from .. import factories as f
from .conftest import antwerp_heroin

SECRETS = {
    "party name": "Zyxwvut Personalname",
    "party identifiers": "PASSPORT-X9",
    "party phone": "+593-999-PRIVATE",
    "party address": "7 Calle Escondida PRIVATE-ADDRESS",
    "note": "NOTE-SECRET",
    "concealment details": "DETAILS-SECRET",
    "packaging markings": "MARKINGS-SECRET",
    "bill of lading": "BOL-SECRET",
    "declared goods": "GOODS-SECRET",
    "terminal": "TERMINAL-SECRET",
    "vessel name": "VESSEL-SECRET",
    "voyage": "VOYAGE-SECRET",
    "IMO number": "9074729",
    "container number": "CSQU3054383",
    "seal numbers": "SEAL-SECRET",
    "item description": "ITEM-DESC-SECRET",
    "attachment name": "secret-photo.jpg",
    "attachment caption": "CAPTION-SECRET",
    "attachment hash": "ab12" * 16,
    "creator username": "creator-jdoe-secret",
    "creator first name": "Creatorfirstname",
    "creator last name": "Creatorlastname",
    "creator e-mail": "jdoe-secret@example.org",
}

# The seizure columns evaluators may read (and the join keys to port and unit).
ALLOWED_COLUMNS = {
    "seizures_seizure": {
        "id",
        "reference",
        "status",
        "occurred_at",
        "submitted_at",
        "port_id",
        "unit_id",
        "detection_method",
        "concealment_method",
        "hs_code",
        "commodities",
        "total_distance_km",
        "transport_mode",
        "route_countries",
    },
    "seizures_seizeditem": {
        "id",
        "seizure_id",
        "category",
        "substance",
        "quantity",
        "quantity_unit",
        "estimated_value",
        "currency",
    },
    "seizures_portcall": {"seizure_id", "sequence", "role", "port_id", "leg_distance_km"},
    "core_port": {"locode", "name", "country", "timezone"},
    "core_unit": {"id", "code", "country", "kind"},
}
PERSONAL_TABLES = (
    "seizures_party",
    "seizures_note",
    "seizures_attachment",
    "seizures_seizureshare",
    "core_user",
)
PERSONAL_COLUMNS = (
    "identifiers",
    "phone_numbers",
    "address",
    "text",
    "concealment_details",
    "packaging_markings",
    "bill_of_lading",
    "declared_goods",
    "terminal",
    "vessel_name",
    "imo_number",
    "voyage",
    "description",
    "created_by_id",
    "number",
    "seal_numbers",
    "original_name",
    "caption",
    "public_id",
)


@pytest.fixture
def private_seizure(officer):
    creator = f.UserFactory(
        username=SECRETS["creator username"],
        first_name=SECRETS["creator first name"],
        last_name=SECRETS["creator last name"],
        email=SECRETS["creator e-mail"],
        unit=officer.unit,
        role=Role.OFFICER,
    )
    parts = f.seizure_parts(
        containers=[
            {"number": SECRETS["container number"], "seal_numbers": SECRETS["seal numbers"]}
        ],
        parties=[
            {
                "role": "arrested",
                "kind": "person",
                "name": SECRETS["party name"],
                "country": "EC",
                "identifiers": SECRETS["party identifiers"],
                "phone_numbers": SECRETS["party phone"],
                "address": SECRETS["party address"],
            }
        ],
    )
    parts.items[0]["description"] = SECRETS["item description"]
    seizure = f.log_seizure(
        creator,
        parts=parts,
        submit=True,
        concealment_details=SECRETS["concealment details"],
        packaging_markings=SECRETS["packaging markings"],
        bill_of_lading=SECRETS["bill of lading"],
        declared_goods=SECRETS["declared goods"],
        terminal=SECRETS["terminal"],
        vessel_name=SECRETS["vessel name"],
        voyage=SECRETS["voyage"],
        imo_number=SECRETS["IMO number"],
    )
    Note.objects.create(
        seizure=seizure, text=SECRETS["note"], author=creator, handling_code=HandlingCode.H3
    )
    Attachment.objects.create(
        seizure=seizure,
        kind="photo",
        file="attachments/example/0123456789abcdef",
        original_name=SECRETS["attachment name"],
        content_type="image/jpeg",
        size=1234,
        sha256=SECRETS["attachment hash"],
        caption=SECRETS["attachment caption"],
        uploaded_by=creator,
        handling_code=HandlingCode.H3,
    )
    # Checked here so the test cannot pass because the data never got stored.
    assert seizure.parties.get().phone_numbers == SECRETS["party phone"]
    assert seizure.containers.get().seal_numbers == SECRETS["seal numbers"]
    assert seizure.items.get().description == SECRETS["item description"]
    return seizure


@pytest.fixture
def cohort(private_seizure, other_officer):
    return [private_seizure, antwerp_heroin(other_officer)]


def leaked(text: str) -> list[str]:
    lowered = text.lower()
    return [what for what, secret in SECRETS.items() if secret.lower() in lowered]


def test_the_selector_returns_no_personal_data(evaluator, cohort):
    rows = evaluation.evaluation_rows(evaluation.evaluation_seizures(user=evaluator))
    assert {row["reference"] for row in rows} == {s.reference for s in cohort}
    assert leaked(repr(rows)) == []
    assert str(cohort[0].public_id) not in repr(rows)


def _columns_read(sql: str) -> dict[str, set[str]]:
    read: dict[str, set[str]] = {}
    for table, column in re.findall(r'"(\w+)"\."(\w+)"', sql):
        read.setdefault(table, set()).add(column)
    return read


def assert_no_personal_column(queries) -> None:
    sql = "\n".join(q["sql"] for q in queries if "seizures_" in q["sql"])
    assert sql, "no seizure query was captured"
    for table in PERSONAL_TABLES:
        assert f'"{table}"' not in sql, table
    for column in PERSONAL_COLUMNS:
        assert f'"{column}"' not in sql, column
    for table, columns in _columns_read(sql).items():
        assert columns <= ALLOWED_COLUMNS.get(table, set()), (table, columns)
    # "name" is read once, and only as the name of a port.
    assert set(re.findall(r'"(\w+)"\."name"', sql)) <= {"core_port"}
    assert not re.search(r'(?<!\.)"name"', sql)


def test_the_selector_never_reads_a_personal_column(evaluator, cohort):
    with CaptureQueriesContext(connection) as queries:
        queryset = evaluation.evaluation_seizures(user=evaluator)
        evaluation.evaluation_summary(queryset)
        evaluation.evaluation_rows(queryset)
    assert len(queries) == 4
    assert_no_personal_column(queries.captured_queries)


def test_the_evaluation_page_shows_no_personal_data(client, evaluator, cohort):
    client.force_login(evaluator)
    # Every filter in use, so their queries are checked too.
    params = {"unit": "ECGYE-PCU", "country": "EC", "substance": "cocaine", "port": "ECGYE"}
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("reporting:seizures"), params)
    html = answer.content.decode()
    assert cohort[0].reference in html  # the seizure is there, its persons are not
    assert leaked(html) == []
    assert str(cohort[0].public_id) not in html
    assert_no_personal_column(queries.captured_queries)


def test_the_evaluation_api_shows_no_personal_data_on_any_page(evaluator, cohort, monkeypatch):
    monkeypatch.setattr(EvaluationPagination, "page_size", 1)
    client = APIClient()
    client.force_authenticate(evaluator)
    url, pages, references = reverse("api-evaluation-seizure-list"), 0, set()
    with CaptureQueriesContext(connection) as queries:
        while url:
            answer = client.get(url)
            assert answer.status_code == 200
            assert leaked(answer.content.decode()) == []
            assert str(cohort[0].public_id) not in answer.content.decode()
            body = answer.json()
            references |= {row["reference"] for row in body["results"]}
            url, pages = body["next"], pages + 1
    assert pages == 2 and references == {s.reference for s in cohort}
    assert_no_personal_column(queries.captured_queries)


def test_it_would_catch_a_leak(officer, private_seizure, client):
    """The owning unit's own detail page shows the same data: the check above is real."""
    client.force_login(officer)
    html = client.get(reverse("seizures:detail", args=[private_seizure.public_id])).content
    assert "party name" in leaked(html.decode())


# --- the dashboard: the follow-up's free texts too ---------------------------------------------

# What recipients write while following a seizure up: free text that names people.
FOLLOW_UP_SECRETS = {
    "referral message": "MESSAGE-SECRET",
    "decline explanation": "DECLINE-TEXT-SECRET",
    "recipient e-mail": "recipient-secret@police.example",
    "case number": "CASE-NUMBER-SECRET",
    "closing text": "CLOSING-TEXT-SECRET",
    "outcome justification": "JUSTIFICATION-SECRET",
    "place of arrest": "PLACE-SECRET",
    "sentence": "SENTENCE-SECRET",
    "offence": "OFFENCE-SECRET",
    "refusal grounds": "REFUSAL-GROUNDS-SECRET",
}
# Columns holding those texts (and addresses): the dashboard's queries never select them.
FOLLOW_UP_COLUMNS = (
    "message",
    "decline_text",
    "email",
    "case_number",
    "outcome_text",
    "withdraw_reason",
    "justification",
    "place",
    "sentence",
    "offence",
    "refusal_grounds",
)


def _referral(seizure, recipient, **fields) -> Referral:
    sent_at = seizure.occurred_at + dt.timedelta(hours=2)
    referral = Referral(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        origin=Origin.MANUAL,
        message=FOLLOW_UP_SECRETS["referral message"],
        **deadlines(sent_at=sent_at, ack_hours=24, respond_days=7),
        **fields,
    )
    referral.save()
    referral.acknowledge(at=sent_at + dt.timedelta(hours=1))
    referral.save()
    return referral


def _outcome(referral, kind, **fields) -> Outcome:
    return Outcome.objects.create(
        referral=referral,
        seizure_id=referral.seizure_id,
        kind=kind,
        occurred_on=referral.sent_at.date() + dt.timedelta(days=3),
        justification=FOLLOW_UP_SECRETS["outcome justification"],
        recorded_via="app",
        **fields,
    )


@pytest.fixture
def followed_up(private_seizure, investigator):
    """The private seizure, declined by an external counterpart (with an explanation) and
    followed up by the investigating unit: arrest, conviction, an MLA request refused with
    its grounds, then closed with a text."""
    external = Recipient.objects.create(
        name="Counterpart abroad",
        kind=RecipientKind.EXTERNAL,
        email=FOLLOW_UP_SECRETS["recipient e-mail"],
        country="BE",
    )
    declined = _referral(private_seizure, external)
    declined.decline(
        at=declined.acknowledged_at,
        reason=DeclineReason.OTHER,
        text=FOLLOW_UP_SECRETS["decline explanation"],
    )
    declined.save()
    unit = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )
    taken = _referral(private_seizure, unit)
    taken.accept(at=taken.acknowledged_at)
    taken.save()
    taken.open_investigation(at=taken.acknowledged_at, case_number=FOLLOW_UP_SECRETS["case number"])
    taken.save()
    _outcome(taken, OutcomeKind.ARREST, count=2, place=FOLLOW_UP_SECRETS["place of arrest"])
    _outcome(taken, OutcomeKind.CONVICTION, count=1, sentence=FOLLOW_UP_SECRETS["sentence"])
    _outcome(
        taken,
        OutcomeKind.MLA_RECEIVED,
        counterpart_country="CO",
        offence=FOLLOW_UP_SECRETS["offence"],
        legal_basis=LegalBasis.BILATERAL,
        mla_result=MlaResult.REFUSED,
        answered_on=taken.sent_at.date() + dt.timedelta(days=20),
        refusal_grounds=FOLLOW_UP_SECRETS["refusal grounds"],
    )
    taken.close(
        at=taken.acknowledged_at + dt.timedelta(days=30),
        outcome=ClosingOutcome.CHARGES_FILED,
        text=FOLLOW_UP_SECRETS["closing text"],
    )
    taken.save()
    # Checked here so the test cannot pass because the data never got stored.
    assert Referral.objects.filter(decline_text=FOLLOW_UP_SECRETS["decline explanation"]).exists()
    assert Outcome.objects.filter(refusal_grounds=FOLLOW_UP_SECRETS["refusal grounds"]).exists()
    return private_seizure


def follow_up_leaked(text: str) -> list[str]:
    lowered = text.lower()
    return leaked(text) + [
        what for what, secret in FOLLOW_UP_SECRETS.items() if secret.lower() in lowered
    ]


def test_the_dashboard_shows_no_personal_data(client, evaluator, followed_up, other_officer):
    antwerp_heroin(other_officer)
    client.force_login(evaluator)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(reverse("reporting:dashboard"))
    html = answer.content.decode()
    assert answer.status_code == 200
    # The follow-up is on the page (the figures count it), its words are not.
    assert "Antinarcóticos" in html and "Counterpart abroad" in html
    assert 'data-count="mla-requests">1<' in html
    assert follow_up_leaked(html) == []
    assert str(followed_up.public_id) not in html
    # The figures' queries (the signed-in user's own user and unit rows are not figures).
    figures = ('"seizures_', '"referrals_', '"reporting_')
    sql = "\n".join(
        q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in figures)
    )
    assert '"referrals_outcome"' in sql and '"referrals_referral"' in sql
    for column in FOLLOW_UP_COLUMNS + PERSONAL_COLUMNS:
        assert f'"{column}"' not in sql, column
    for table in PERSONAL_TABLES:
        assert f'"{table}"' not in sql, table


def test_the_dashboard_check_would_catch_a_leak(followed_up):
    """The planted texts are stored where a careless query would find them."""
    texts = list(Referral.objects.values_list("decline_text", "message", "outcome_text"))
    texts += list(Outcome.objects.values_list("place", "sentence", "refusal_grounds"))
    assert "decline explanation" in follow_up_leaked(repr(texts))
    assert "refusal grounds" in follow_up_leaked(repr(texts))
