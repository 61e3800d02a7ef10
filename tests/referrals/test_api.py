"""The referral API at /api/v1/referrals/: a recipient's own system lists referrals and
answers them, the seizing unit refers by hand and withdraws, through the same services as
the pages."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.choices import Role, UnitKind
from referrals import services
from referrals.api import ReferralPagination
from referrals.choices import ReferralStatus
from referrals.models import Referral, ReferralEvent

from .. import factories as f
from ..seizures.test_api_properties import junk

LIST_URL = "/api/v1/referrals/"
RECIPIENTS_URL = "/api/v1/recipients/"


def detail_url(referral) -> str:
    return f"{LIST_URL}{referral.public_id}/"


def step_url(referral, step: str) -> str:
    return f"{detail_url(referral)}{step}/"


@pytest.fixture(autouse=True)
def _ports_and_fresh_throttle(db):
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    cache.clear()  # throttle counters


def client_for(user) -> APIClient:
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def evaluator(db):
    unit = f.UnitFactory(code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT")
    return f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)


def refer(officer, recipient, *, seizure=None, respond_days: int = 7, **options) -> Referral:
    """A submitted seizure of ``officer``'s unit referred by hand to ``recipient``."""
    return services.referral_add(
        user=officer,
        seizure=seizure or f.log_seizure(officer, submit=True),
        recipient=recipient,
        handling_code=options.pop("handling_code", 1),
        ack_hours=options.pop("ack_hours", 24),
        respond_days=respond_days,
        **options,
    )


@pytest.fixture
def referral(officer, investigating_recipient) -> Referral:
    return refer(officer, investigating_recipient, message="Container still at the terminal")


def snapshot(referral) -> tuple:
    """What a refused move must leave exactly as it was."""
    referral = Referral.objects.get(pk=referral.pk)
    return (
        referral.status,
        referral.case_number,
        referral.outcome,
        referral.decline_reason,
        ReferralEvent.objects.filter(referral=referral).count(),
    )


def _to(referral, *moves, by):
    """Move ``referral`` through the service, as the pages would."""
    for move in moves:
        if move == "accept":
            services.referral_accept(actor=by, referral=referral)
        elif move == "investigate":
            services.referral_open_investigation(actor=by, referral=referral, case_number="C-1")
    referral.refresh_from_db()
    return referral


# Who sees what ------------------------------------------------------------------------------


def test_the_recipient_unit_lists_and_reads_a_referral_sent_to_it(referral, investigator):
    client = client_for(investigator)

    rows = client.get(LIST_URL).json()["results"]
    detail = client.get(detail_url(referral)).json()

    assert [row["public_id"] for row in rows] == [str(referral.public_id)]
    row = rows[0]
    assert row["role"] == "received"
    assert row["status"] == "sent"
    assert row["seizure_reference"] == referral.seizure.reference
    assert row["recipient"]["name"] == "Antinarcóticos"
    assert row["next_due"] == row["ack_due_at"]
    assert detail["message"] == "Container still at the terminal"
    assert detail["reason_lines"] == ["Referred by hand by officer."]
    assert detail["reasons"] == [{"kind": "manual", "by": "officer"}]
    assert detail["seizure"]["reference"] == referral.seizure.reference
    assert detail["seizure"]["port"] == "ECGYE"
    assert [(e["from_status"], e["to_status"], e["by"]) for e in detail["events"]] == [
        ("", "sent", "officer")
    ]
    assert "id" not in detail


def test_reading_a_referral_is_recorded_in_the_audit_trail(referral, investigator):
    client_for(investigator).get(detail_url(referral))

    row = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert row.actor == investigator
    assert row.object_pk == str(referral.pk)
    assert row.additional_data["seizure"] == referral.seizure.reference


def test_the_seizing_unit_sees_its_referrals_as_sent(referral, officer):
    rows = client_for(officer).get(LIST_URL).json()["results"]
    assert [(row["public_id"], row["role"]) for row in rows] == [(str(referral.public_id), "sent")]


def test_another_port_unit_neither_sees_nor_moves_a_referral(referral, other_officer):
    client = client_for(other_officer)
    before = snapshot(referral)

    assert client.get(LIST_URL).json()["results"] == []
    assert client.get(detail_url(referral)).status_code == 404
    for step in ("acknowledge", "accept", "withdraw"):
        assert client.post(step_url(referral, step), {"reason": "x"}).status_code == 404
    assert snapshot(referral) == before


def test_an_investigator_of_another_unit_does_not_learn_the_referral_exists(
    referral, ncb_recipient, investigator
):
    elsewhere = refer(referral.sent_by, ncb_recipient)
    client = client_for(investigator)

    listed = {row["public_id"] for row in client.get(LIST_URL).json()["results"]}

    assert listed == {str(referral.public_id)}
    assert client.get(detail_url(elsewhere)).status_code == 404
    assert client.post(step_url(elsewhere, "acknowledge")).status_code == 404
    assert Referral.objects.get(pk=elsewhere.pk).status == "sent"


def test_evaluators_get_nothing_from_the_referral_api(referral, evaluator):
    client = client_for(evaluator)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(detail_url(referral)).status_code == 404
    assert client.post(step_url(referral, "acknowledge")).status_code == 404
    assert client.get(RECIPIENTS_URL).status_code == 403


def test_anonymous_callers_get_nothing(referral):
    client = APIClient()
    assert client.get(LIST_URL).status_code in (401, 403)
    assert client.get(detail_url(referral)).status_code in (401, 403)
    assert client.post(step_url(referral, "acknowledge")).status_code in (401, 403)
    assert Referral.objects.get().status == "sent"


def test_a_token_is_no_way_around_the_second_factor_of_an_ncb_officer(
    officer, ncb_officer, ncb_recipient
):
    referral = refer(officer, ncb_recipient)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=ncb_officer).key}")

    assert client.get(LIST_URL).status_code == 403
    assert client.post(step_url(referral, "acknowledge")).status_code == 403
    assert Referral.objects.get().status == "sent"


# The life cycle -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "step", "body", "status", "check"),
    [
        ([], "acknowledge", {}, "acknowledged", ("acknowledged_at", True)),
        ([], "accept", {}, "accepted", ("decided_at", True)),
        (
            [],
            "decline",
            {"reason": "no_link", "text": "Not our case"},
            "declined",
            ("decline_reason", "no_link"),
        ),
        (["accept"], "investigate", {"case_number": "FGE-2025-42"}, "investigating", None),
        (
            ["accept", "investigate"],
            "close",
            {"outcome": "charges_filed", "text": "Three charged"},
            "closed",
            ("outcome", "charges_filed"),
        ),
    ],
)
def test_the_recipient_moves_the_referral_on_and_gets_it_back(
    referral, investigator, earlier, step, body, status, check
):
    _to(referral, *earlier, by=investigator)

    answer = client_for(investigator).post(step_url(referral, step), body, format="json")

    assert answer.status_code == 200, answer.json()
    data = answer.json()
    assert data["status"] == status
    assert Referral.objects.get(pk=referral.pk).status == status
    assert data["events"][-1]["to_status"] == status
    assert data["events"][-1]["by"] == "investigator"
    if check:
        name, expected = check
        assert (bool(data[name]) if expected is True else data[name]) == expected
    if step == "investigate":
        assert data["case_number"] == "FGE-2025-42"


def test_accepting_a_new_referral_acknowledges_it_on_the_way(referral, investigator):
    data = client_for(investigator).post(step_url(referral, "accept")).json()
    assert [(e["from_status"], e["to_status"]) for e in data["events"]] == [
        ("", "sent"),
        ("sent", "acknowledged"),
        ("acknowledged", "accepted"),
    ]
    assert data["next_due"] is None


def test_steps_take_a_form_body_too(referral, investigator):
    answer = client_for(investigator).post(step_url(referral, "decline"), {"reason": "no_link"})
    assert answer.status_code == 200
    assert answer.json()["decline_reason"] == "no_link"


def test_declining_takes_the_seizure_away_from_the_recipient_but_not_the_referral(
    referral, investigator
):
    client = client_for(investigator)
    client.post(step_url(referral, "decline"), {"reason": "no_resources"}, format="json")

    detail = client.get(detail_url(referral)).json()

    assert detail["status"] == "declined"
    assert detail["seizure"] is None
    assert detail["seizure_reference"] == referral.seizure.reference
    assert client.get(f"/api/v1/seizures/{referral.seizure.public_id}/").status_code == 404


def test_the_seizing_unit_withdraws_and_the_recipient_loses_the_seizure(
    referral, officer, investigator
):
    answer = client_for(officer).post(
        step_url(referral, "withdraw"), {"reason": "Wrong unit"}, format="json"
    )

    assert answer.status_code == 200
    assert answer.json()["status"] == "withdrawn"
    assert answer.json()["withdraw_reason"] == "Wrong unit"
    assert answer.json()["seizure"]["reference"] == referral.seizure.reference  # still theirs
    seen_by_recipient = client_for(investigator).get(detail_url(referral)).json()
    assert seen_by_recipient["status"] == "withdrawn"
    assert seen_by_recipient["seizure"] is None


@pytest.mark.parametrize(
    ("who", "step", "body"),
    [
        ("officer", "acknowledge", {}),
        ("officer", "accept", {}),
        ("officer", "decline", {"reason": "no_link"}),
        ("officer", "investigate", {"case_number": "C-9"}),
        ("officer", "close", {"outcome": "merged"}),
        ("investigator", "withdraw", {"reason": "Not ours"}),
    ],
)
def test_each_step_is_refused_to_the_wrong_side_and_nothing_changes(
    referral, officer, investigator, who, step, body
):
    user = {"officer": officer, "investigator": investigator}[who]
    before = snapshot(referral)

    answer = client_for(user).post(step_url(referral, step), body, format="json")

    assert answer.status_code == 403
    assert answer.json()["detail"]
    assert snapshot(referral) == before


@pytest.mark.parametrize(
    ("earlier", "step", "body"),
    [
        ([], "investigate", {"case_number": "C-9"}),
        ([], "close", {"outcome": "merged"}),
        (["accept"], "acknowledge", {}),
        (["accept"], "decline", {"reason": "no_link"}),
        (["accept", "investigate"], "accept", {}),
    ],
)
def test_a_step_out_of_order_is_a_400_and_changes_nothing(
    referral, investigator, earlier, step, body
):
    _to(referral, *earlier, by=investigator)
    before = snapshot(referral)

    answer = client_for(investigator).post(step_url(referral, step), body, format="json")

    assert answer.status_code == 400
    assert answer.json()["non_field_errors"]
    assert snapshot(referral) == before


def test_a_closed_referral_cannot_be_withdrawn(referral, officer, investigator):
    _to(referral, "accept", by=investigator)
    services.referral_close(actor=investigator, referral=referral, outcome="merged")
    before = snapshot(referral)

    answer = client_for(officer).post(step_url(referral, "withdraw"), {"reason": "Late"})

    assert answer.status_code == 400
    assert snapshot(referral) == before


@pytest.mark.parametrize(
    ("step", "body", "error_at"),
    [
        ("decline", {}, "reason"),
        ("decline", {"reason": "because"}, "reason"),
        ("decline", {"reason": "other"}, "text"),
        ("decline", {"reason": "other", "text": "   "}, "text"),
        ("investigate", {"case_number": "   "}, "case_number"),
        ("investigate", {"case_number": "x" * 81}, "case_number"),
        ("close", {"outcome": "other"}, "text"),
        ("close", {"outcome": 7}, "outcome"),
        ("withdraw", {"reason": ""}, "reason"),
    ],
)
def test_bad_answers_are_refused_at_their_field(
    referral, officer, investigator, step, body, error_at
):
    _to(referral, *(["accept"] if step in ("investigate", "close") else []), by=investigator)
    user = officer if step == "withdraw" else investigator
    before = snapshot(referral)

    answer = client_for(user).post(step_url(referral, step), body, format="json")

    assert answer.status_code == 400
    assert error_at in answer.json(), answer.json()
    assert snapshot(referral) == before


# Referring by hand --------------------------------------------------------------------------


def test_the_seizing_unit_refers_a_seizure_by_hand(officer, investigator, investigating_recipient):
    seizure = f.log_seizure(officer, submit=True)

    answer = client_for(officer).post(
        LIST_URL,
        {
            "seizure": str(seizure.public_id),
            "recipient": investigating_recipient.pk,
            "ack_hours": 12,
            "respond_days": 3,
            "message": "Urgent: the vessel leaves Friday",
        },
        format="json",
    )

    assert answer.status_code == 201, answer.json()
    data = answer.json()
    referral = Referral.objects.get(public_id=data["public_id"])
    assert (referral.seizure, referral.recipient) == (seizure, investigating_recipient)
    assert data["origin"] == "manual"
    assert data["role"] == "sent"
    assert referral.ack_due_at - referral.sent_at == dt.timedelta(hours=12)
    assert referral.respond_due_at - referral.sent_at == dt.timedelta(days=3)
    rows = client_for(investigator).get(LIST_URL).json()["results"]
    assert [row["public_id"] for row in rows] == [data["public_id"]]


def test_a_recipient_abroad_is_referred_at_h2_at_least(officer, external_recipient):
    seizure = f.log_seizure(officer, submit=True)
    answer = client_for(officer).post(
        LIST_URL,
        {"seizure": str(seizure.public_id), "recipient": external_recipient.pk},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["handling_code"] == 2
    assert len(answer.json()["reason_lines"]) == 2


def test_referring_twice_to_the_same_recipient_is_refused(referral, officer):
    answer = client_for(officer).post(
        LIST_URL,
        {"seizure": str(referral.seizure.public_id), "recipient": referral.recipient_id},
        format="json",
    )
    assert answer.status_code == 400
    assert "recipient" in answer.json()
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "error_at"),
    [
        ("draft", "non_field_errors"),
        ("hidden", "seizure"),
        ("unknown recipient", "recipient"),
        ("ack after answer", "ack_hours"),
        ("ack_hours 0", "ack_hours"),
        ("handling_code 0", "handling_code"),
    ],
)
def test_a_bad_referral_by_hand_is_refused_at_its_field(
    officer, other_officer, investigating_recipient, change, error_at
):
    seizure = f.log_seizure(officer, submit=change != "draft")
    if change == "hidden":
        seizure = f.log_seizure(other_officer, port=f.port("BEANR"), submit=True)
    body = {"seizure": str(seizure.public_id), "recipient": investigating_recipient.pk}
    body.update(
        {
            "unknown recipient": {"recipient": 9999},
            "ack after answer": {"ack_hours": 49, "respond_days": 2},
            "ack_hours 0": {"ack_hours": 0},
            "handling_code 0": {"handling_code": 0},
        }.get(change, {})
    )

    answer = client_for(officer).post(LIST_URL, body, format="json")

    assert answer.status_code == 400
    assert error_at in answer.json(), answer.json()
    assert not Referral.objects.exists()


def test_only_the_seizing_unit_refers_its_seizure(
    officer, investigator, investigating_recipient, ncb_recipient
):
    seizure = f.log_seizure(officer, submit=True)
    refer(officer, investigating_recipient, seizure=seizure)  # now EC-INV sees the seizure
    body = {"seizure": str(seizure.public_id), "recipient": ncb_recipient.pk}

    answer = client_for(investigator).post(LIST_URL, body, format="json")

    assert answer.status_code == 403
    assert Referral.objects.count() == 1


# Filters, order, paging and cost ------------------------------------------------------------


@pytest.fixture
def three_referrals(officer, investigator, investigating_recipient, ncb_recipient):
    """To EC-INV: one sent (due in 5 days), one accepted (2 days); one to the NCB (9 days)."""
    sent = refer(officer, investigating_recipient, respond_days=5)
    accepted = _to(
        refer(officer, investigating_recipient, respond_days=2), "accept", by=investigator
    )
    to_ncb = refer(officer, ncb_recipient, respond_days=9)
    return {"sent": sent, "accepted": accepted, "to_ncb": to_ncb}


def _ids(answer) -> list[str]:
    assert answer.status_code == 200, answer.json()
    return [row["public_id"] for row in answer.json()["results"]]


def test_the_list_comes_by_answer_deadline_and_filters_by_side_status_and_seizure(
    three_referrals, officer, investigator
):
    r = {name: str(referral.public_id) for name, referral in three_referrals.items()}
    sender, recipient = client_for(officer), client_for(investigator)

    assert _ids(sender.get(LIST_URL)) == [r["accepted"], r["sent"], r["to_ncb"]]
    assert _ids(sender.get(LIST_URL, {"role": "sent"})) == [r["accepted"], r["sent"], r["to_ncb"]]
    assert _ids(sender.get(LIST_URL, {"role": "received"})) == []
    assert _ids(recipient.get(LIST_URL, {"role": "received"})) == [r["accepted"], r["sent"]]
    assert _ids(recipient.get(LIST_URL, {"role": "sent"})) == []
    assert _ids(sender.get(f"{LIST_URL}?status=sent&status=accepted")) == [
        r["accepted"],
        r["sent"],
        r["to_ncb"],
    ]
    assert _ids(sender.get(LIST_URL, {"status": "accepted"})) == [r["accepted"]]
    seizure = three_referrals["to_ncb"].seizure.public_id
    assert _ids(sender.get(LIST_URL, {"seizure": str(seizure)})) == [r["to_ncb"]]
    assert sender.get(LIST_URL, {"status": "lost"}).status_code == 400
    assert sender.get(LIST_URL, {"role": "both"}).status_code == 400


def test_due_before_finds_what_waits_for_an_answer_soon(three_referrals, officer):
    # Acknowledgement is due in 24 hours for the two sent ones; the accepted one waits
    # for nothing any more.
    client = client_for(officer)
    soon = (timezone.now() + dt.timedelta(hours=25)).isoformat()
    later = (timezone.now() + dt.timedelta(hours=23)).isoformat()

    due = set(_ids(client.get(LIST_URL, {"due_before": soon})))

    assert due == {str(three_referrals["sent"].public_id), str(three_referrals["to_ncb"].public_id)}
    assert _ids(client.get(LIST_URL, {"due_before": later})) == []
    assert client.get(LIST_URL, {"due_before": "next week"}).status_code == 400


def test_it_pages_with_a_cursor_without_losing_or_repeating_a_row(
    officer, investigating_recipient, monkeypatch
):
    for days in (3, 1, 3, 2, 1):  # equal deadlines on purpose: ties are split by id
        seizure = f.log_seizure(officer, submit=True)
        referral = refer(officer, investigating_recipient, seizure=seizure)
        Referral.objects.filter(pk=referral.pk).update(
            respond_due_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
        )
    monkeypatch.setattr(ReferralPagination, "page_size", 2)
    client = client_for(officer)

    seen, url = [], LIST_URL
    while url:
        page = client.get(url).json()
        seen += [row["public_id"] for row in page["results"]]
        url = page["next"]

    expected = Referral.objects.order_by("respond_due_at", "id").values_list("public_id", flat=True)
    assert seen == [str(public_id) for public_id in expected]


def _list_queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(LIST_URL)
    assert answer.status_code == 200
    return len(queries), len(answer.json()["results"])


def test_it_lists_in_a_fixed_number_of_queries(
    officer,
    investigator,
    investigating_recipient,
    external_recipient,
    django_assert_max_num_queries,
):
    client = client_for(investigator)
    for _ in range(2):
        refer(officer, investigating_recipient)
    with django_assert_max_num_queries(4):
        few, shown = _list_queries(client)
    assert shown == 2

    for _ in range(10):
        seizure = f.log_seizure(officer, submit=True)
        refer(officer, investigating_recipient, seizure=seizure)
        refer(officer, external_recipient, seizure=seizure)
    with django_assert_max_num_queries(4):
        many, shown = _list_queries(client)
    assert shown == 12
    assert many == few
    sender = client_for(officer)
    assert _list_queries(sender) == (few, 22)


# Recipients ---------------------------------------------------------------------------------


def test_recipients_are_listed_without_any_contact_address(
    officer, investigator, investigating_recipient, external_recipient, fiu_recipient
):
    for user in (officer, investigator):
        answer = client_for(user).get(RECIPIENTS_URL)

        assert answer.status_code == 200
        names = [row["name"] for row in answer.json()]
        assert "Federal Judicial Police Antwerp" in names
        assert set(names) == {"Federal Judicial Police Antwerp", "Antinarcóticos", "UAFE"}
        text = answer.content.decode()
        assert "fgp.antwerpen@police.example" not in text
        assert "alertas@uafe.example" not in text
        assert "@" not in text
    external = next(r for r in answer.json() if r["kind"] == "external")
    assert external == {
        "id": external_recipient.pk,
        "name": "Federal Judicial Police Antwerp",
        "kind": "external",
        "country": "BE",
        "unit_code": None,
    }


def test_recipients_for_a_seizure_leave_out_those_it_went_to_and_the_inactive(
    referral, officer, external_recipient, fiu_recipient
):
    fiu_recipient.active = False
    fiu_recipient.save()
    client = client_for(officer)

    answer = client.get(RECIPIENTS_URL, {"seizure": str(referral.seizure.public_id)})

    assert [row["name"] for row in answer.json()] == ["Federal Judicial Police Antwerp"]
    hidden = f.UserFactory(username="antwerp", unit=f.pcu("BEANR"))
    other = f.log_seizure(hidden, port=f.port("BEANR"))
    assert client.get(RECIPIENTS_URL, {"seizure": str(other.public_id)}).json() == []


# Whatever arrives ---------------------------------------------------------------------------

QUICK = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@QUICK
@given(
    step=st.sampled_from(["acknowledge", "decline", "investigate", "close"]),
    body=st.one_of(
        junk,
        st.dictionaries(
            st.sampled_from(["reason", "text", "case_number", "outcome"]), junk, max_size=3
        ),
    ),
)
def test_steps_never_crash_on_junk_and_refused_ones_change_nothing(
    referral, investigator, step, body
):
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.SENT)
    ReferralEvent.objects.filter(referral=referral).exclude(to_status="sent").delete()
    before = snapshot(referral)

    answer = client_for(investigator).post(
        step_url(referral, step), json.dumps(body), content_type="application/json"
    )

    assert answer.status_code < 500, answer.content[:500]
    if answer.status_code != 200:
        assert answer.status_code == 400
        assert snapshot(referral) == before


@QUICK
@given(
    body=st.one_of(
        junk,
        st.dictionaries(
            st.sampled_from(
                ["seizure", "recipient", "handling_code", "ack_hours", "respond_days", "message"]
            ),
            junk,
            max_size=6,
        ),
    )
)
def test_referring_by_hand_never_crashes_on_junk(officer, investigating_recipient, body):
    answer = client_for(officer).post(LIST_URL, json.dumps(body), content_type="application/json")
    assert answer.status_code == 400, answer.content[:500]
    assert not Referral.objects.exists()


# The schema ---------------------------------------------------------------------------------


def test_the_schema_documents_every_referral_operation_and_no_contact_address(db):
    document = SchemaGenerator().get_schema(request=None, public=True)
    paths = {
        path
        for path in document["paths"]
        if path.startswith(("/api/v1/referrals/", "/api/v1/recipients/"))
    }
    steps = ("acknowledge", "accept", "decline", "investigate", "close", "withdraw", "outcomes")
    assert paths == {
        "/api/v1/referrals/",
        "/api/v1/referrals/{public_id}/",
        "/api/v1/recipients/",
        *(f"/api/v1/referrals/{{public_id}}/{step}/" for step in steps),
        # Correcting one outcome: the answer to a pending request, a withdrawal.
        "/api/v1/referrals/{public_id}/outcomes/{outcome_id}/answer/",
        "/api/v1/referrals/{public_id}/outcomes/{outcome_id}/withdraw/",
    }
    schemas = document["components"]["schemas"]
    assert set(schemas["ReferralStatusEnum"]["enum"]) == set(ReferralStatus.values)
    assert {"DeclineReasonEnum", "ClosingOutcomeEnum", "ReferralRoleEnum"} <= set(schemas)
    assert "email" not in schemas["Recipient"]["properties"]
    assert schemas["DeclineRequest"]["required"] == ["reason"]
    list_parameters = {
        p["name"] for p in document["paths"]["/api/v1/referrals/"]["get"]["parameters"]
    }
    assert {"role", "status", "due_before", "seizure", "cursor"} <= list_parameters
