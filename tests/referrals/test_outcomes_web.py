"""Outcomes on the referral page, the external response link and the API: the same
service behind each, the list both sides read, the form only the recipient gets."""

import datetime as dt
import re
import time
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.choices import Role
from referrals import links, services
from referrals.choices import Origin, ReferralStatus
from referrals.models import Outcome, Referral
from referrals.services import ExternalActor

from .. import factories as f
from ..mfa import verified_login

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


def _refer(officer, recipient) -> Referral:
    return services.referral_send(
        seizure=f.log_seizure(officer, submit=True),
        recipient=recipient,
        handling_code=2,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[{"kind": "manual", "by": "Olga Officer"}],
        by=officer,
    )


@pytest.fixture
def referral(officer, investigator, investigating_recipient) -> Referral:
    referral = _refer(officer, investigating_recipient)
    return services.referral_accept(actor=investigator, referral=referral)


@pytest.fixture
def external_referral(officer, external_recipient) -> Referral:
    """Accepted through the link by the Antwerp counterpart, whose language is French."""
    referral = _refer(officer, external_recipient)
    return services.referral_accept(actor=ExternalActor(referral.pk), referral=referral)


def page(referral) -> str:
    return reverse("referrals:detail", kwargs={"public_id": referral.public_id})


def add_url(referral) -> str:
    return reverse("referrals:outcome-add", kwargs={"public_id": referral.public_id})


ARREST = {
    "kind": "arrest",
    "occurred_on": TODAY.isoformat(),
    "count": "2",
    "place": "Guayaquil, Puerto Marítimo",
    "justification": "Arrest warrant executed at the terminal",
}


def text(response) -> str:
    """The page's words without tags, spaces collapsed."""
    content = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


# --- the referral page -------------------------------------------------------------------


def test_the_recipient_records_an_outcome_from_the_referral_page(client, referral, investigator):
    client.force_login(investigator)
    response = client.post(add_url(referral), ARREST)
    assert response.status_code == 302
    assert response["Location"].endswith(page(referral) + "#outcomes")
    outcome = Outcome.objects.get()
    assert (outcome.kind, outcome.count, outcome.recorded_via) == ("arrest", 2, "app")
    shown = text(client.get(page(referral)))
    assert "Arrests" in shown and "2 people · Guayaquil, Puerto Marítimo" in shown


def test_the_page_offers_the_form_with_its_script_to_the_recipient_only(
    client, referral, investigator, officer
):
    client.force_login(investigator)
    mine = client.get(page(referral)).content.decode()
    assert 'id="outcome-form"' in mine and "referrals/outcomes.js" in mine
    assert (
        "data-outcome-fields=" in mine
        and "&quot;joint_investigation&quot;: [&quot;countries&quot;]" in mine
    )
    client.force_login(officer)
    theirs = client.get(page(referral)).content.decode()
    assert 'id="outcome-form"' not in theirs and "outcomes.js" not in theirs


def test_the_seizing_unit_reads_the_outcomes_with_who_recorded_them(
    client, referral, investigator, officer
):
    services.outcome_record(
        referral=referral,
        actor=investigator,
        via="app",
        kind="joint_investigation",
        occurred_on=TODAY,
        countries=["BE", "NL"],
        justification="JIT agreement signed",
    )
    client.force_login(officer)
    shown = text(client.get(page(referral)))
    assert "Joint investigation team" in shown
    assert "Belgium, Netherlands" in shown
    recorder = investigator.get_full_name() or investigator.username
    assert recorder in shown


def test_the_seizing_unit_may_not_record_an_outcome(client, referral, officer):
    client.force_login(officer)
    assert client.post(add_url(referral), ARREST).status_code == 403
    assert not Outcome.objects.exists()


def test_another_unit_cannot_tell_the_referral_exists(client, referral, other_officer):
    client.force_login(other_officer)
    assert client.post(add_url(referral), ARREST).status_code == 404
    assert not Outcome.objects.exists()


def test_a_refused_outcome_shows_the_form_again_with_the_field_error(
    client, referral, investigator
):
    client.force_login(investigator)
    response = client.post(add_url(referral), {**ARREST, "kind": "charges", "offence": ""})
    assert response.status_code == 400
    assert "Name the offence charged." in text(response)
    # What was typed is still there.
    assert 'value="Guayaquil, Puerto Marítimo"' in response.content.decode()
    assert not Outcome.objects.exists()


def test_countries_typed_with_commas_are_checked_one_by_one(client, referral, investigator):
    client.force_login(investigator)
    body = {**ARREST, "kind": "joint_investigation", "countries": "BE, NL, QQ"}
    response = client.post(add_url(referral), body)
    assert response.status_code == 400
    assert "Not ISO 3166 country codes: QQ." in text(response)
    response = client.post(add_url(referral), {**body, "countries": "be,nl"})
    assert response.status_code == 302
    assert Outcome.objects.get().countries == ["BE", "NL"]


def test_before_accepting_the_page_says_why_no_outcome_was_recorded(
    client, officer, investigator, investigating_recipient
):
    referral = _refer(officer, investigating_recipient)
    client.force_login(investigator)
    response = client.post(add_url(referral), ARREST)
    assert response.status_code == 400
    assert "once the referral is accepted" in text(response)
    assert 'id="outcome-form"' not in response.content.decode()


# --- the response link -------------------------------------------------------------------


def link(referral, name="referrals:respond") -> str:
    return reverse(name, kwargs={"token": links.response_token(referral)})


def test_the_link_holder_records_an_outcome_in_their_language(client, external_referral):
    form_page = client.get(link(external_referral))
    assert 'id="outcome-form"' in form_page.content.decode()
    assert form_page["Content-Language"] == "fr"
    response = client.post(
        link(external_referral, "referrals:respond-outcome"),
        {
            "kind": "mla_received",
            "occurred_on": TODAY.isoformat(),
            "counterpart_country": "EC",
            "legal_basis": "un_1988",
            "mla_result": "executed",
            "answered_on": TODAY.isoformat(),
            "justification": "Request from Quito executed",
        },
    )
    assert response.status_code == 303
    assert "done=outcome" in response["Location"]
    outcome = Outcome.objects.get()
    assert (outcome.recorded_via, outcome.recorded_by, outcome.mla_days) == ("link", None, 0)
    shown = client.get(response["Location"])
    assert "Request from Quito executed" in text(shown)
    assert "message-success" in shown.content.decode()  # the confirmation
    assert LogEntry.objects.filter(
        additional_data__event="response_link_outcome", additional_data__result="done"
    ).exists()


def test_a_refused_outcome_through_the_link_keeps_the_form_and_says_why(client, external_referral):
    response = client.post(
        link(external_referral, "referrals:respond-outcome") + "?lang=en",
        {**ARREST, "count": "0"},
    )
    assert response.status_code == 400
    assert "How many people were arrested? At least 1." in text(response)
    assert not Outcome.objects.exists()


def test_an_expired_link_records_nothing(client, external_referral, settings):
    long_ago = time.time() - (settings.REFERRAL_LINK_DAYS + 1) * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        url = link(external_referral, "referrals:respond-outcome")
    response = client.post(url, ARREST)
    assert response.status_code == 404
    assert "expired" in text(response)
    assert not Outcome.objects.exists()


def test_the_link_offers_no_outcome_form_before_accepting(client, officer, external_recipient):
    referral = _refer(officer, external_recipient)
    assert 'id="outcome-form"' not in client.get(link(referral)).content.decode()
    response = client.post(link(referral, "referrals:respond-outcome") + "?lang=en", ARREST)
    assert response.status_code == 400
    assert "once the referral is accepted" in text(response)
    assert not Outcome.objects.exists()


# --- the API -----------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def outcomes_url(referral) -> str:
    return f"/api/v1/referrals/{referral.public_id}/outcomes/"


def test_the_recipients_system_records_and_lists_outcomes(referral, investigator, officer):
    body = {
        "kind": "assets_frozen",
        "occurred_on": TODAY.isoformat(),
        "value": "250000.00",
        "currency": "usd",
        "justification": "Freezing order 12/2025",
        "count": None,  # not used by this kind: empty is as good as left out
    }
    created = api(investigator).post(outcomes_url(referral), body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["kind"], data["value"], data["currency"], data["count"]) == (
        "assets_frozen",
        "250000.00",
        "USD",
        None,
    )
    assert (data["recorded_via"], data["recorded_by"]) == ("api", "investigator")
    listed = api(officer).get(outcomes_url(referral))
    assert listed.status_code == 200
    assert [row["public_id"] for row in listed.json()] == [data["public_id"]]


def test_the_api_refuses_with_errors_keyed_like_the_body(referral, investigator):
    body = {
        "kind": "mla_sent",
        "occurred_on": TODAY.isoformat(),
        "counterpart_country": "BE",
        "legal_basis": "untoc",
        "mla_result": "executed",
        "answered_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "justification": "Letter rogatory",
    }
    refused = api(investigator).post(outcomes_url(referral), body, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["answered_on"]
    assert not Outcome.objects.exists()


def test_the_api_closes_the_investigation_with_its_reason(referral, investigator):
    services.referral_open_investigation(actor=investigator, referral=referral, case_number="F-9")
    body = {
        "kind": "investigation_closed",
        "occurred_on": TODAY.isoformat(),
        "close_reason": "no_suspect",
        "justification": "No lead left",
    }
    assert api(investigator).post(outcomes_url(referral), body, format="json").status_code == 201
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == (ReferralStatus.CLOSED, "no_suspect_identified")


def test_the_seizing_unit_reads_but_may_not_record_through_the_api(referral, officer):
    body = {**ARREST, "count": 2}
    assert api(officer).post(outcomes_url(referral), body, format="json").status_code == 403
    assert not Outcome.objects.exists()


def test_another_unit_gets_404_from_the_api(referral, other_officer):
    assert api(other_officer).get(outcomes_url(referral)).status_code == 404
    assert api(other_officer).post(outcomes_url(referral), ARREST).status_code == 404


def test_the_schema_documents_the_outcomes_route(db):
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    operations = document["paths"]["/api/v1/referrals/{public_id}/outcomes/"]
    assert {"get", "post"} <= set(operations)
    assert "201" in operations["post"]["responses"]
    schema = document["components"]["schemas"]["Outcome"]["properties"]
    assert {"kind", "occurred_on", "justification", "countries", "currency"} <= set(schema)


def test_administrators_read_outcomes_on_the_referral_in_the_admin(client, referral, investigator):
    services.outcome_record(
        referral=referral,
        actor=investigator,
        via="app",
        kind="assets_confiscated",
        occurred_on=TODAY,
        value="98765.43",
        currency="EUR",
        justification="Confiscation order",
    )
    administrator = f.UserFactory(
        username="admin", unit=None, role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
    verified_login(client, administrator)
    response = client.get(reverse("admin:referrals_referral_change", args=[referral.pk]))
    assert response.status_code == 200
    assert "98765" in text(response) and "Assets confiscated" in text(response)
