"""Outcomes of a referral's follow-up (referrals.services.outcome_record): what each kind
needs, who may record one and when, the audit trail, and "investigation closed" closing
the referral.

Personas: the Guayaquil port control ``officer`` (the seizing unit: sees the referral,
records nothing), the ``investigator`` of EC-INV (the recipient unit: records), and the
external counterpart in Antwerp answering through the response link.
"""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from referrals import services
from referrals.choices import (
    CloseReason,
    ClosingOutcome,
    LegalBasis,
    MlaResult,
    Origin,
    OutcomeKind,
    ReferralStatus,
)
from referrals.models import Outcome, Referral
from referrals.services import ExternalActor

from .. import factories as f

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
    """Sent to EC-INV and accepted by its investigator."""
    referral = _refer(officer, investigating_recipient)
    return services.referral_accept(actor=investigator, referral=referral)


@pytest.fixture
def external_referral(officer, external_recipient) -> Referral:
    referral = _refer(officer, external_recipient)
    return services.referral_accept(actor=ExternalActor(referral.pk), referral=referral)


def record(referral, actor, *, via="app", **fields) -> Outcome:
    fields.setdefault("occurred_on", TODAY)
    fields.setdefault("justification", "Seen in the case file")
    return services.outcome_record(referral=referral, actor=actor, via=via, **fields)


def refused(referral, actor, **fields) -> dict[str, list[str]]:
    """The field errors of a refused outcome; nothing must have been saved."""
    with pytest.raises(ValidationError) as caught:
        record(referral, actor, **fields)
    assert not Outcome.objects.exists()
    return caught.value.message_dict


# --- each kind: what it needs ------------------------------------------------------------

VALID = {
    OutcomeKind.SUSPECTS_IDENTIFIED: {"count": 3, "organisers": 1, "couriers": 2},
    OutcomeKind.ARREST: {"count": 2, "place": "Guayaquil"},
    OutcomeKind.CONTROLLED_DELIVERY: {"place": "Rotterdam", "countries": ["nl", "BE"]},
    OutcomeKind.JOINT_INVESTIGATION: {"countries": ["BE", "NL"]},
    OutcomeKind.MLA_SENT: {
        "counterpart_country": "BE",
        "offence": "Drug trafficking",
        "legal_basis": LegalBasis.CONVENTION_1988,
        "mla_result": MlaResult.PENDING,
    },
    OutcomeKind.MLA_RECEIVED: {
        "counterpart_country": "CO",
        "legal_basis": LegalBasis.BILATERAL,
        "mla_result": MlaResult.REFUSED,
        "answered_on": TODAY,
        "refusal_grounds": "Dual criminality not met",
    },
    OutcomeKind.CHARGES: {"count": 2, "offence": "Trafficking (art. 220 COIP)"},
    OutcomeKind.CONVICTION: {"count": 1, "sentence": "8 years"},
    OutcomeKind.ASSETS_FROZEN: {"value": Decimal("250000.00"), "currency": "usd"},
    OutcomeKind.ASSETS_CONFISCATED: {"value": Decimal("1200.50"), "currency": "EUR"},
    OutcomeKind.NETWORK_DISMANTLED: {},
    OutcomeKind.INVESTIGATION_CLOSED: {"close_reason": CloseReason.MERGED},
}


def test_every_kind_has_a_valid_example():
    assert set(VALID) == set(OutcomeKind.values)


@pytest.mark.parametrize("kind", list(VALID))
def test_the_recipient_records_each_kind_with_what_it_needs(referral, investigator, kind):
    outcome = record(referral, investigator, kind=kind, **VALID[kind])
    outcome.refresh_from_db()
    assert outcome.kind == kind
    assert outcome.seizure_id == referral.seizure_id
    assert outcome.recorded_by == investigator
    assert outcome.recorded_via == "app"


def test_countries_and_currencies_are_stored_as_iso_codes(referral, investigator):
    delivery = record(
        referral, investigator, **{"kind": "controlled_delivery"}, **VALID["controlled_delivery"]
    )
    frozen = record(referral, investigator, kind="assets_frozen", **VALID["assets_frozen"])
    assert delivery.countries == ["NL", "BE"]
    assert frozen.currency == "USD"


def test_fields_the_kind_does_not_use_are_not_kept(referral, investigator):
    outcome = record(
        referral, investigator, kind="arrest", count=2, currency="USD", sentence="10 years"
    )
    outcome.refresh_from_db()
    assert (outcome.count, outcome.currency, outcome.sentence) == (2, "", "")


def test_an_answered_request_knows_how_long_it_took(referral, investigator):
    outcome = record(
        referral,
        investigator,
        kind="mla_sent",
        occurred_on=TODAY - dt.timedelta(days=1),
        answered_on=TODAY,
        **{**VALID["mla_sent"], "mla_result": MlaResult.EXECUTED},
    )
    assert outcome.mla_days == 1


@pytest.mark.parametrize(
    ("result", "answered", "words"),
    [
        (MlaResult.EXECUTED, False, "Give the date the request was answered"),
        (MlaResult.PARTLY, False, "Give the date the request was answered"),
        (MlaResult.PENDING, True, "Only an executed"),
        (MlaResult.WITHDRAWN, True, "Only an executed"),
    ],
)
def test_a_requests_result_and_answer_date_must_agree(
    referral, investigator, result, answered, words
):
    # The figures count a request as answered by its date: "pending" with a date would
    # be counted answered, "executed" without one would not.
    errors = refused(
        referral,
        investigator,
        kind="mla_sent",
        occurred_on=TODAY - dt.timedelta(days=3),
        answered_on=TODAY if answered else None,
        **{**VALID["mla_sent"], "mla_result": result},
    )
    assert words in errors["answered_on"][0]


@pytest.mark.parametrize(
    ("kind", "fields", "field", "words"),
    [
        ("suspects_identified", {}, "count", "At least 1"),
        ("suspects_identified", {"count": 0}, "count", "At least 1"),
        ("suspects_identified", {"count": 2, "organisers": 2, "couriers": 1}, "couriers", "(2)"),
        ("arrest", {"place": "Quito"}, "count", "arrested"),
        ("joint_investigation", {}, "countries", "at least one country"),
        ("joint_investigation", {"countries": ["BE", "XX"]}, "countries", "XX"),
        ("controlled_delivery", {"countries": ["Belgium"]}, "countries", "BELGIUM"),
        (
            "mla_sent",
            {"legal_basis": "untoc", "mla_result": "pending"},
            "counterpart_country",
            "country",
        ),
        (
            "mla_sent",
            {"counterpart_country": "BE", "mla_result": "pending"},
            "legal_basis",
            "legal basis",
        ),
        (
            "mla_received",
            {"counterpart_country": "BE", "legal_basis": "untoc"},
            "mla_result",
            "pending",
        ),
        (
            "mla_sent",
            {"counterpart_country": "BE", "legal_basis": "untoc", "mla_result": "refused"},
            "refusal_grounds",
            "grounds",
        ),
        (
            "mla_sent",
            {
                "counterpart_country": "BE",
                "legal_basis": "untoc",
                "mla_result": "executed",
                "answered_on": TODAY - dt.timedelta(days=1),
            },
            "answered_on",
            "before it was made",
        ),
        (
            "mla_sent",
            {"counterpart_country": "ZZ", "legal_basis": "untoc", "mla_result": "pending"},
            "counterpart_country",
            "valid choice",
        ),
        ("charges", {"count": 2}, "offence", "offence"),
        ("charges", {"offence": "Trafficking"}, "count", "charged"),
        ("conviction", {"count": 1}, "sentence", "sentence"),
        ("conviction", {"sentence": "5 years"}, "count", "convicted"),
        ("assets_frozen", {"currency": "USD"}, "value", "more than 0"),
        ("assets_frozen", {"value": Decimal("0"), "currency": "USD"}, "value", "more than 0"),
        ("assets_confiscated", {"value": Decimal("10")}, "currency", "ISO 4217"),
        ("assets_confiscated", {"value": Decimal("10"), "currency": "US$"}, "currency", "ISO 4217"),
        ("investigation_closed", {}, "close_reason", "why"),
    ],
)
def test_each_kind_refuses_what_it_cannot_be(referral, investigator, kind, fields, field, words):
    errors = refused(referral, investigator, kind=kind, **fields)
    assert field in errors
    assert words.lower() in " ".join(errors[field]).lower()


def test_every_outcome_needs_a_justification(referral, investigator):
    errors = refused(referral, investigator, kind="arrest", count=1, justification="   ")
    assert "justification" in errors


def test_closing_for_another_reason_asks_the_justification_to_say_why(referral, investigator):
    errors = refused(
        referral, investigator, kind="investigation_closed", close_reason="other", justification=""
    )
    assert errors["justification"] == ["Say why the investigation was closed."]


def test_an_unknown_kind_is_refused(referral, investigator):
    assert "kind" in refused(referral, investigator, kind="raid")


def test_an_outcome_cannot_be_dated_in_the_future(referral, investigator):
    errors = refused(
        referral, investigator, kind="arrest", count=1, occurred_on=TODAY + dt.timedelta(days=2)
    )
    assert errors["occurred_on"] == ["An outcome cannot be dated in the future."]


@pytest.mark.parametrize(("utc_hour", "latest"), [(2, 0), (9, 0), (10, 1), (23, 1)])
def test_a_date_is_in_the_future_only_once_it_is_so_in_every_time_zone(
    referral, investigator, utc_hour, latest
):
    # Today + 1 is already today at UTC+14 from 10:00 UTC; before that it is tomorrow
    # everywhere.
    now = dt.datetime.combine(TODAY, dt.time(utc_hour, 30), tzinfo=dt.UTC)
    last_day = TODAY + dt.timedelta(days=latest)
    with mock.patch("django.utils.timezone.now", return_value=now):
        errors = refused(
            referral,
            investigator,
            kind="arrest",
            count=1,
            occurred_on=last_day + dt.timedelta(days=1),
        )
        record(referral, investigator, kind="arrest", count=1, occurred_on=last_day)
    assert "future" in errors["occurred_on"][0]


@pytest.mark.parametrize(("utc_hour", "earliest"), [(0, -1), (11, -1), (12, 0), (23, 0)])
def test_an_outcome_cannot_come_before_the_seizure_in_every_time_zone(
    referral, investigator, utc_hour, earliest
):
    # The seizure's date at UTC-12 is the day before its UTC date until 12:00 UTC.
    seizure = referral.seizure
    seizure.occurred_at = dt.datetime.combine(
        TODAY - dt.timedelta(days=5), dt.time(utc_hour, 15), tzinfo=dt.UTC
    )
    seizure.save(update_fields=["occurred_at"])
    first_day = seizure.occurred_at.date() + dt.timedelta(days=earliest)

    errors = refused(
        referral, investigator, kind="arrest", count=1, occurred_on=first_day - dt.timedelta(days=1)
    )

    assert "before the seizure" in errors["occurred_on"][0]
    record(referral, investigator, kind="arrest", count=1, occurred_on=first_day)


# --- who may record, and when ------------------------------------------------------------


def test_the_seizing_unit_sees_the_referral_but_records_no_outcome(referral, officer):
    with pytest.raises(PermissionDenied):
        record(referral, officer, kind="arrest", count=1)
    assert not Outcome.objects.exists()


def test_another_investigating_unit_records_nothing(referral):
    other = f.UserFactory(
        username="other_investigator",
        unit=f.UnitFactory(code="PE-INV", kind="investigating", port=None, country="PE"),
        role="investigator",
    )
    with pytest.raises(PermissionDenied):
        record(referral, other, kind="arrest", count=1)


def test_the_link_holder_records_for_its_own_referral_only(external_referral, referral):
    outcome = record(
        external_referral, ExternalActor(external_referral.pk), via="link", kind="arrest", count=1
    )
    assert (outcome.recorded_by, outcome.recorded_via) == (None, "link")
    with pytest.raises(PermissionDenied):
        record(referral, ExternalActor(external_referral.pk), via="link", kind="arrest", count=1)


def test_nothing_is_recorded_before_the_referral_is_accepted(
    officer, investigator, investigating_recipient
):
    referral = _refer(officer, investigating_recipient)
    services.referral_acknowledge(actor=investigator, referral=referral)
    with pytest.raises(ValidationError, match="once the referral is accepted"):
        record(referral, investigator, kind="arrest", count=1)


def test_nothing_is_recorded_on_a_declined_referral(officer, investigator, investigating_recipient):
    referral = _refer(officer, investigating_recipient)
    services.referral_decline(actor=investigator, referral=referral, reason="no_link")
    with pytest.raises(ValidationError, match="declined"):
        record(referral, investigator, kind="arrest", count=1)


def test_a_conviction_years_later_is_recorded_on_a_closed_referral(referral, investigator):
    services.referral_close(actor=investigator, referral=referral, outcome="charges_filed")
    outcome = record(referral, investigator, kind="conviction", count=1, sentence="12 years")
    assert outcome.referral.status == ReferralStatus.CLOSED


# --- closing, the trail ------------------------------------------------------------------


def test_investigation_closed_closes_the_referral_under_investigation(referral, investigator):
    services.referral_open_investigation(actor=investigator, referral=referral, case_number="F-1")
    record(
        referral,
        investigator,
        kind="investigation_closed",
        close_reason="insufficient_evidence",
        justification="Prosecutor archived the case",
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert referral.outcome == ClosingOutcome.INSUFFICIENT_EVIDENCE
    assert referral.outcome_text == "Prosecutor archived the case"
    assert list(referral.events.values_list("from_status", "to_status"))[-1] == (
        "investigating",
        "closed",
    )


def test_investigation_closed_on_a_closed_referral_changes_nothing_else(referral, investigator):
    services.referral_close(actor=investigator, referral=referral, outcome="merged")
    events = referral.events.count()
    record(referral, investigator, kind="investigation_closed", close_reason="convicted")
    referral.refresh_from_db()
    assert (referral.outcome, referral.events.count()) == ("merged", events)


def test_other_outcomes_leave_the_referral_and_its_history_alone(referral, investigator):
    events = referral.events.count()
    record(referral, investigator, kind="arrest", count=1)
    referral.refresh_from_db()
    assert (referral.status, referral.events.count()) == (ReferralStatus.ACCEPTED, events)


def test_every_outcome_is_in_the_audit_trail(referral, investigator):
    outcome = record(referral, investigator, kind="charges", count=2, offence="Trafficking")
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Outcome), object_pk=str(outcome.pk)
    )
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes_dict["kind"] == ["None", "charges"]
