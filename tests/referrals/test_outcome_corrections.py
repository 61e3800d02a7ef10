"""Correcting outcomes: the answer to a pending legal-assistance request recorded on the
request itself, and an outcome recorded by mistake withdrawn with a reason (kept, marked,
counted by nothing). The same service behind the page, the API and the response link.

Also the API's refusal of figures a kind does not use, and currencies that are not ISO 4217.

Personas: the Guayaquil port control ``officer`` (the seizing unit: reads, changes
nothing), the ``investigator`` of EC-INV (the recipient unit: records and corrects), an
officer of another unit (``other_officer``: the referral is not there for them) and the
external counterpart in Antwerp answering through the response link.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.models import User
from casetracker.reporting import figures, ladder
from casetracker.reporting.choices import Rung
from casetracker.reporting.models import ReferralProgress, SeizureProgress
from referrals import links, services
from referrals.choices import MlaResult, Origin
from referrals.models import Outcome, Referral
from referrals.services import ExternalActor
from seizures.models import Seizure
from tests.mfa import verified_login

from .. import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()
ASKED = TODAY - dt.timedelta(days=20)


def _refer(officer, recipient) -> Referral:
    return services.referral_send(
        seizure=f.log_seizure(
            officer, submit=True, occurred_at=timezone.now() - dt.timedelta(days=30)
        ),
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
    return services.referral_accept(
        actor=investigator, referral=_refer(officer, investigating_recipient)
    )


@pytest.fixture
def external_referral(officer, external_recipient) -> Referral:
    referral = _refer(officer, external_recipient)
    return services.referral_accept(actor=ExternalActor(referral.pk), referral=referral)


def record(referral, actor, *, via="app", **fields) -> Outcome:
    fields.setdefault("occurred_on", TODAY)
    fields.setdefault("justification", "Seen in the case file")
    return services.outcome_record(referral=referral, actor=actor, via=via, **fields)


def pending_request(referral, actor, **fields) -> Outcome:
    return record(
        referral,
        actor,
        kind="mla_sent",
        occurred_on=ASKED,
        counterpart_country="BE",
        legal_basis="un_1988",
        mla_result="pending",
        justification="Letter rogatory to Belgium",
        **fields,
    )


def mla_figures() -> dict:
    return figures.mla(Seizure.objects.all())


def kept() -> tuple[list, list]:
    return (
        sorted(SeizureProgress.objects.values(), key=lambda row: row["seizure_id"]),
        sorted(ReferralProgress.objects.values(), key=lambda row: row["referral_id"]),
    )


def rebuilt_equals_kept() -> bool:
    before = kept()
    ladder.rebuild()
    return before == kept()


def text(response) -> str:
    content = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


def api(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def api_url(outcome, change) -> str:
    return f"/api/v1/referrals/{outcome.referral.public_id}/outcomes/{outcome.public_id}/{change}/"


def page_url(outcome, change) -> str:
    return reverse(
        f"referrals:outcome-{change}",
        kwargs={"public_id": outcome.referral.public_id, "outcome_id": outcome.public_id},
    )


def link_url(outcome, change) -> str:
    return reverse(
        f"referrals:respond-outcome-{change}",
        kwargs={"token": links.response_token(outcome.referral), "outcome_id": outcome.public_id},
    )


def updates(outcome) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Outcome),
            object_pk=str(outcome.pk),
            action=LogEntry.Action.UPDATE,
        )
    )


# --- answering a pending request ---------------------------------------------------------


def test_an_answered_request_counts_once_answered_with_the_days_it_took(referral, investigator):
    request = pending_request(referral, investigator)
    assert (mla_figures()["sent"], mla_figures()["answered"]) == (1, 0)
    services.outcome_answer(
        outcome=request, actor=investigator, via="app", mla_result="executed", answered_on=TODAY
    )
    shown = mla_figures()
    assert (shown["sent"], shown["answered"], shown["days_to_answer"]["median"]) == (1, 1, 20)
    assert [row["key"] for row in shown["by_result"]] == ["executed"]
    assert Outcome.objects.count() == 1


def test_answering_is_checked_as_recording_a_request_answered_is(referral, investigator):
    request = pending_request(referral, investigator)
    with pytest.raises(ValidationError) as caught:
        services.outcome_answer(
            outcome=request, actor=investigator, via="app", mla_result="refused", answered_on=TODAY
        )
    assert "grounds" in caught.value.message_dict["refusal_grounds"][0]
    with pytest.raises(ValidationError) as caught:
        services.outcome_answer(
            outcome=request,
            actor=investigator,
            via="app",
            mla_result="executed",
            answered_on=ASKED - dt.timedelta(days=1),
        )
    assert "before it was made" in caught.value.message_dict["answered_on"][0]
    request.refresh_from_db()
    assert (request.mla_result, request.answered_on) == (MlaResult.PENDING, None)


def test_a_request_already_answered_is_corrected_by_withdrawing_it(referral, investigator):
    request = pending_request(referral, investigator)
    services.outcome_answer(outcome=request, actor=investigator, via="app", mla_result="withdrawn")
    with pytest.raises(ValidationError, match="withdraw it and record it again"):
        services.outcome_answer(
            outcome=request, actor=investigator, via="app", mla_result="executed", answered_on=TODAY
        )


def test_only_a_request_has_an_answer(referral, investigator):
    arrest = record(referral, investigator, kind="arrest", count=1)
    with pytest.raises(ValidationError, match="Only a request"):
        services.outcome_answer(
            outcome=arrest, actor=investigator, via="app", mla_result="executed", answered_on=TODAY
        )


def test_only_the_recipient_answers_or_withdraws(referral, investigator, officer):
    request = pending_request(referral, investigator)
    with pytest.raises(PermissionDenied):
        services.outcome_answer(
            outcome=request, actor=officer, via="app", mla_result="executed", answered_on=TODAY
        )
    with pytest.raises(PermissionDenied):
        services.outcome_withdraw(outcome=request, actor=officer, via="app", reason="Wrong")
    with pytest.raises(PermissionDenied):
        services.outcome_withdraw(
            outcome=request, actor=ExternalActor(referral.pk), via="link", reason="Wrong"
        )


def test_the_answer_is_in_the_audit_trail_with_who_gave_it(client, referral, investigator):
    request = pending_request(referral, investigator)
    client.force_login(investigator)
    response = client.post(
        page_url(request, "answer"), {"mla_result": "partly", "answered_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    (entry,) = updates(request)
    assert entry.actor == investigator
    assert entry.changes_dict["mla_result"] == ["pending", "partly"]


# --- the referral page -------------------------------------------------------------------


def test_the_page_offers_the_answer_next_to_the_pending_request(
    client, referral, investigator, officer
):
    request = pending_request(referral, investigator)
    arrest = record(referral, investigator, kind="arrest", count=1)
    detail = reverse("referrals:detail", kwargs={"public_id": referral.public_id})
    client.force_login(investigator)
    mine = client.get(detail).content.decode()
    assert page_url(request, "answer") in mine and page_url(arrest, "answer") not in mine
    assert page_url(arrest, "withdraw") in mine
    client.force_login(officer)
    theirs = client.get(detail).content.decode()
    assert page_url(request, "answer") not in theirs
    assert page_url(arrest, "withdraw") not in theirs


def test_a_refused_answer_shows_the_form_again_with_the_error(client, referral, investigator):
    request = pending_request(referral, investigator)
    client.force_login(investigator)
    response = client.post(page_url(request, "answer"), {"mla_result": "executed"})
    assert response.status_code == 400
    assert "Give the date the request was answered." in text(response)
    request.refresh_from_db()
    assert request.mla_result == MlaResult.PENDING


def test_the_seizing_unit_may_not_change_an_outcome(client, referral, investigator, officer):
    request = pending_request(referral, investigator)
    client.force_login(officer)
    answer = {"mla_result": "executed", "answered_on": TODAY.isoformat()}
    assert client.post(page_url(request, "answer"), answer).status_code == 403
    assert client.post(page_url(request, "withdraw"), {"reason": "x"}).status_code == 403
    request.refresh_from_db()
    assert (request.mla_result, request.withdrawn_at) == (MlaResult.PENDING, None)


def test_another_unit_cannot_tell_the_outcome_exists(client, referral, investigator, other_officer):
    request = pending_request(referral, investigator)
    client.force_login(other_officer)
    assert client.post(page_url(request, "withdraw"), {"reason": "x"}).status_code == 404
    assert api(other_officer).post(api_url(request, "withdraw"), {"reason": "x"}).status_code == 404


def test_an_outcome_of_another_referral_is_not_found_on_this_one(
    client, referral, investigator, officer, investigating_recipient
):
    other = services.referral_accept(
        actor=investigator, referral=_refer(officer, investigating_recipient)
    )
    request = pending_request(other, investigator)
    url = reverse(
        "referrals:outcome-withdraw",
        kwargs={"public_id": referral.public_id, "outcome_id": request.public_id},
    )
    client.force_login(investigator)
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert Outcome.objects.filter(pk=request.pk).exists()


# --- withdrawing a mistaken outcome ------------------------------------------------------


def test_a_withdrawn_conviction_no_longer_puts_the_seizure_on_its_rung(
    client, referral, investigator
):
    record(referral, investigator, kind="arrest", count=2)
    typo = record(referral, investigator, kind="conviction", count=1, sentence="8 years")
    assert SeizureProgress.objects.get(pk=referral.seizure_id).rung == Rung.CONVICTED
    client.force_login(investigator)
    response = client.post(page_url(typo, "withdraw"), {"reason": "Recorded on the wrong case"})
    assert response.status_code == 302
    assert SeizureProgress.objects.get(pk=referral.seizure_id).rung == Rung.ARRESTED
    assert rebuilt_equals_kept()
    typo.refresh_from_db()
    assert typo.withdrawn_by == investigator and typo.withdrawn_via == "app"
    (entry,) = updates(typo)
    assert entry.actor == investigator and "withdraw_reason" in entry.changes_dict
    # Kept and shown, marked, to both sides.
    shown = text(client.get(reverse("referrals:detail", kwargs={"public_id": referral.public_id})))
    assert "Withdrawn" in shown and "Recorded on the wrong case" in shown


def test_a_withdrawn_request_is_not_in_the_figures(referral, investigator):
    request = pending_request(referral, investigator)
    services.outcome_withdraw(
        outcome=request, actor=investigator, via="app", reason="Duplicate of the request of May"
    )
    assert mla_figures()["requests"] == 0
    assert Outcome.all_objects.filter(pk=request.pk).exists()


def test_withdrawing_needs_a_reason_and_happens_once(referral, investigator):
    arrest = record(referral, investigator, kind="arrest", count=1)
    with pytest.raises(ValidationError) as caught:
        services.outcome_withdraw(outcome=arrest, actor=investigator, via="app", reason=" ")
    assert "reason" in caught.value.message_dict
    services.outcome_withdraw(outcome=arrest, actor=investigator, via="app", reason="Wrong case")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.outcome_withdraw(outcome=arrest, actor=investigator, via="app", reason="Again")
    with pytest.raises(ValidationError, match="withdrawn"):
        services.outcome_answer(
            outcome=arrest, actor=investigator, via="app", mla_result="executed", answered_on=TODAY
        )


def test_the_admin_still_shows_a_withdrawn_outcome_with_its_reason(client, referral, investigator):
    arrest = record(referral, investigator, kind="arrest", count=1)
    services.outcome_withdraw(
        outcome=arrest, actor=investigator, via="app", reason="Recorded on the wrong case"
    )
    admin = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    verified_login(client, admin)

    page = client.get(reverse("admin:referrals_referral_change", args=[referral.pk]))

    assert page.status_code == 200
    assert "Recorded on the wrong case" in page.content.decode()


# --- the API -----------------------------------------------------------------------------


def test_the_recipients_system_answers_a_pending_request(referral, investigator, officer):
    request = pending_request(referral, investigator)
    body = {"mla_result": "refused", "answered_on": TODAY.isoformat(), "refusal_grounds": "Ne bis"}
    response = api(investigator).post(api_url(request, "answer"), body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["mla_result"], data["mla_days"], data["refusal_grounds"]) == (
        "refused",
        20,
        "Ne bis",
    )
    assert (mla_figures()["sent"], mla_figures()["answered"]) == (1, 1)
    assert updates(request)[0].actor == investigator
    # The seizing unit reads it, answers nothing.
    assert api(officer).post(api_url(request, "answer"), body, format="json").status_code == 403


def test_the_api_refuses_an_incomplete_answer_keyed_like_the_body(referral, investigator):
    request = pending_request(referral, investigator)
    response = api(investigator).post(
        api_url(request, "answer"), {"mla_result": "executed"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["answered_on"]


def test_the_api_withdraws_and_still_lists_the_outcome_marked(referral, investigator):
    arrest = record(referral, investigator, kind="arrest", count=1)
    response = api(investigator).post(
        api_url(arrest, "withdraw"), {"reason": "Wrong seizure"}, format="json"
    )
    assert response.status_code == 200
    listed = api(investigator).get(f"/api/v1/referrals/{referral.public_id}/outcomes/").json()
    assert [(row["kind"], row["withdraw_reason"]) for row in listed] == [
        ("arrest", "Wrong seizure")
    ]
    assert listed[0]["withdrawn_at"] is not None
    assert not Outcome.objects.exists()  # counted by nothing


def test_the_api_names_fields_the_kind_does_not_use(referral, investigator):
    body = {
        "kind": "charges",
        "occurred_on": TODAY.isoformat(),
        "count": 1,
        "offence": "art. 220",
        "sentence": "10 years",
        "value": "-5",
        "justification": "Indictment",
    }
    response = api(investigator).post(
        f"/api/v1/referrals/{referral.public_id}/outcomes/", body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"sentence", "value"}
    assert "Charges filed" in response.json()["sentence"][0]
    assert not Outcome.objects.exists()


def test_the_schema_documents_the_corrections(db):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    base = "/api/v1/referrals/{public_id}/outcomes/{outcome_id}/"
    assert "post" in paths[base + "answer/"] and "post" in paths[base + "withdraw/"]


# --- the response link -------------------------------------------------------------------


def test_the_link_holder_answers_a_pending_request(client, external_referral):
    request = pending_request(external_referral, ExternalActor(external_referral.pk), via="link")
    page = client.get(
        reverse("referrals:respond", kwargs={"token": links.response_token(external_referral)})
    )
    # Not the whole URL: a token made a second later carries another timestamp.
    assert f"/outcomes/{request.public_id}/answer/" in page.content.decode()
    response = client.post(
        link_url(request, "answer"), {"mla_result": "executed", "answered_on": TODAY.isoformat()}
    )
    assert response.status_code == 303
    assert "done=outcome-answer" in response["Location"]
    request.refresh_from_db()
    assert (request.mla_result, request.mla_days) == (MlaResult.EXECUTED, 20)
    assert LogEntry.objects.filter(
        additional_data__event="response_link_outcome_answer", additional_data__result="done"
    ).exists()
    assert len(updates(request)) == 1


def test_the_link_holder_withdraws_its_own_outcome_only(
    client, external_referral, referral, investigator
):
    theirs = record(
        external_referral, ExternalActor(external_referral.pk), via="link", kind="arrest", count=1
    )
    other = record(referral, investigator, kind="arrest", count=1)
    foreign = reverse(
        "referrals:respond-outcome-withdraw",
        kwargs={"token": links.response_token(external_referral), "outcome_id": other.public_id},
    )
    assert client.post(foreign, {"reason": "x"}).status_code == 404
    response = client.post(link_url(theirs, "withdraw") + "?lang=en", {"reason": "Wrong port"})
    assert response.status_code == 303
    theirs.refresh_from_db()
    assert (theirs.withdrawn_via, theirs.withdrawn_by, other.withdrawn_at) == ("link", None, None)


# --- currencies --------------------------------------------------------------------------


def test_a_currency_that_is_not_iso_4217_is_refused(referral, investigator):
    with pytest.raises(ValidationError) as caught:
        record(referral, investigator, kind="assets_frozen", value=Decimal("100"), currency="ZZQ")
    assert "ZZQ is not a currency in use" in caught.value.message_dict["currency"][0]
    assert (
        record(
            referral, investigator, kind="assets_frozen", value=Decimal("100"), currency="xcg"
        ).currency
        == "XCG"
    )
