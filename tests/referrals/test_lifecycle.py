"""The life cycle of a referral: who moves each step, in which order, and what it leaves.

sent → acknowledged → accepted | declined; accepted → investigating → closed; withdrawn by
the sender from any open state. Every refusal leaves the referral exactly as it was.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django_fsm import ConcurrentTransition

from casetracker.core.choices import Role, UnitKind
from referrals import links, routing, services
from referrals.choices import ClosingOutcome, DeclineReason, ReferralStatus
from referrals.models import Notification, Recipient, Referral, RoutingRule
from referrals.services import ExternalActor
from seizures.selectors import seizure_get

from .. import factories as f
from .conftest import unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(officer, default_rules):
    seizure = f.log_seizure(officer, submit=True)
    routing.seizure_route(seizure_id=seizure.pk)
    return seizure


@pytest.fixture
def referral(submitted, investigating_recipient):
    """The referral to Ecuador's investigating unit, just sent."""
    return Referral.objects.get(seizure=submitted, recipient=investigating_recipient)


@pytest.fixture
def external_referral(officer, external_recipient):
    RoutingRule.objects.create(name="Counterpart in Belgium", recipient=external_recipient)
    seizure = f.log_seizure(officer, submit=True)
    routing.seizure_route(seizure_id=seizure.pk)
    return Referral.objects.get(seizure=seizure, recipient=external_recipient)


@pytest.fixture
def foreign_investigator(db):
    """An investigator of Belgium's investigating unit: not the recipient."""
    be_inv = unit("BE-INV", UnitKind.INVESTIGATING, country="BE")
    return f.UserFactory(username="be_investigator", unit=be_inv, role=Role.INVESTIGATOR)


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def snapshot(referral: Referral):
    """What a refused move must leave untouched."""
    row = fresh(referral)
    return (
        row.status,
        row.acknowledged_at,
        row.decided_at,
        row.decline_reason,
        row.case_number,
        row.closed_at,
        row.link_nonce,
        list(row.events.values_list("pk", flat=True)),
    )


def moves(referral: Referral) -> list[tuple[str, str]]:
    return list(fresh(referral).events.values_list("from_status", "to_status"))


def to(referral, *steps, actor):
    """Walk ``referral`` through ``steps`` as ``actor``."""
    for step in steps:
        if step == "acknowledge":
            services.referral_acknowledge(actor=actor, referral=referral)
        elif step == "accept":
            services.referral_accept(actor=actor, referral=referral)
        elif step == "decline":
            services.referral_decline(
                actor=actor, referral=referral, reason=DeclineReason.NOT_COMPETENT
            )
        elif step == "investigate":
            services.referral_open_investigation(
                actor=actor, referral=referral, case_number="DNIA-2025-0117"
            )
        elif step == "close":
            services.referral_close(
                actor=actor, referral=referral, outcome=ClosingOutcome.CHARGES_FILED
            )
    return fresh(referral)


# --- the right people move each step -----------------------------------------------------


def test_the_recipient_walks_a_referral_from_sent_to_closed_and_every_move_is_recorded(
    referral, investigator
):
    started = timezone.now()

    done = to(referral, "acknowledge", "accept", "investigate", "close", actor=investigator)

    assert done.status == ReferralStatus.CLOSED
    assert done.case_number == "DNIA-2025-0117"
    assert done.outcome == ClosingOutcome.CHARGES_FILED
    assert started <= done.acknowledged_at <= done.decided_at <= done.investigating_at
    assert done.investigating_at <= done.closed_at <= timezone.now()
    events = list(done.events.all())
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "sent"),
        ("sent", "acknowledged"),
        ("acknowledged", "accepted"),
        ("accepted", "investigating"),
        ("investigating", "closed"),
    ]
    assert events[0].by is None  # sent by the rules
    assert all(e.by == investigator and not e.by_external for e in events[1:])
    assert all(started <= e.at <= timezone.now() for e in events[1:])
    assert events[3].details == {"case_number": "DNIA-2025-0117"}


def test_accepting_a_referral_not_yet_acknowledged_records_both_moves(referral, investigator):
    done = to(referral, "accept", actor=investigator)

    assert done.status == ReferralStatus.ACCEPTED
    assert done.acknowledged_at is not None and done.decided_at is not None
    assert moves(referral)[1:] == [("sent", "acknowledged"), ("acknowledged", "accepted")]


def test_a_supervisor_of_the_recipient_unit_answers_for_it(referral, investigator):
    boss = f.UserFactory(username="inv_boss", unit=investigator.unit, role=Role.SUPERVISOR)

    assert to(referral, "acknowledge", actor=boss).status == ReferralStatus.ACKNOWLEDGED


def test_the_ncb_answers_its_own_referral(submitted, ncb_officer, ncb_recipient):
    ncb_referral = Referral.objects.get(seizure=submitted, recipient=ncb_recipient)

    assert to(ncb_referral, "accept", actor=ncb_officer).status == ReferralStatus.ACCEPTED


def test_an_external_recipient_answers_through_the_link(external_referral):
    actor = ExternalActor(referral_id=external_referral.pk)

    done = to(external_referral, "accept", "investigate", actor=actor)

    assert done.status == ReferralStatus.INVESTIGATING
    events = list(done.events.all()[1:])
    assert all(e.by is None and e.by_external for e in events)


# --- the wrong people move nothing ---------------------------------------------------------


# The sender may withdraw (tested below) and a link offers no withdrawal: those two pairs
# are not refusals.
WRONG_PEOPLE = [
    (step, who)
    for step in ("acknowledge", "accept", "decline", "investigate", "close", "withdraw")
    for who in ("officer", "ncb_officer", "foreign_investigator", "external")
    if not (step == "withdraw" and who in ("officer", "external"))
]


@pytest.mark.parametrize(("step", "who"), WRONG_PEOPLE)
def test_nobody_but_the_recipient_answers_and_nobody_but_the_sender_withdraws(
    request, referral, investigator, step, who
):
    if step in ("investigate", "close"):
        referral = to(referral, "accept", actor=investigator)
    actor = (
        ExternalActor(referral_id=referral.pk)
        if who == "external"
        else request.getfixturevalue(who)
    )
    before = snapshot(referral)

    with pytest.raises(PermissionDenied):
        if step == "withdraw":
            services.referral_withdraw(user=actor, referral=referral, reason="Mistake")
        else:
            to(referral, step, actor=actor)

    assert snapshot(referral) == before


def test_the_recipients_investigator_cannot_withdraw(referral, investigator):
    before = snapshot(referral)

    with pytest.raises(PermissionDenied):
        services.referral_withdraw(user=investigator, referral=referral, reason="Not ours")

    assert snapshot(referral) == before


def test_an_officer_of_the_recipient_unit_without_a_responding_role_cannot_answer(
    referral, investigator
):
    clerk = f.UserFactory(username="inv_evaluator", unit=investigator.unit, role=Role.EVALUATOR)
    before = snapshot(referral)

    with pytest.raises(PermissionDenied):
        services.referral_acknowledge(actor=clerk, referral=referral)

    assert snapshot(referral) == before


def test_a_link_for_one_referral_moves_no_other(external_referral, officer):
    seizure = f.log_seizure(officer, submit=True)
    routing.seizure_route(seizure_id=seizure.pk)
    second = Referral.objects.get(seizure=seizure)  # to the same counterpart
    before = snapshot(second)

    with pytest.raises(PermissionDenied):
        services.referral_acknowledge(
            actor=ExternalActor(referral_id=external_referral.pk), referral=second
        )

    assert snapshot(second) == before


# --- out of order ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "step"),
    [
        ((), "close"),
        ((), "investigate"),
        (("acknowledge",), "acknowledge"),
        (("acknowledge",), "investigate"),
        (("decline",), "accept"),
        (("decline",), "acknowledge"),
        (("decline",), "investigate"),
        (("accept",), "decline"),
        (("accept",), "accept"),
        (("accept", "investigate"), "investigate"),
        (("accept", "close"), "close"),
        (("accept", "close"), "decline"),
    ],
)
def test_a_move_out_of_order_is_refused_and_changes_nothing(referral, investigator, path, step):
    referral = to(referral, *path, actor=investigator)
    before = snapshot(referral)

    with pytest.raises(ValidationError) as caught:
        to(referral, step, actor=investigator)

    assert "cannot be" in caught.value.messages[0]
    assert snapshot(referral) == before


def test_closing_a_sent_referral_says_what_is_wrong(referral, investigator):
    with pytest.raises(ValidationError) as caught:
        to(referral, "close", actor=investigator)

    assert caught.value.messages == ["A referral that is sent cannot be closed."]


def test_a_declined_referral_cannot_be_withdrawn(referral, investigator, officer):
    referral = to(referral, "decline", actor=investigator)
    before = snapshot(referral)

    with pytest.raises(ValidationError):
        services.referral_withdraw(user=officer, referral=referral, reason="Changed my mind")

    assert snapshot(referral) == before


def test_opening_an_investigation_needs_a_case_number(referral, investigator):
    referral = to(referral, "accept", actor=investigator)
    before = snapshot(referral)

    with pytest.raises(ValidationError) as caught:
        services.referral_open_investigation(actor=investigator, referral=referral, case_number=" ")

    assert list(caught.value.message_dict) == ["case_number"]
    assert snapshot(referral) == before


def test_closing_needs_an_outcome_from_the_list_and_words_for_other(referral, investigator):
    referral = to(referral, "accept", actor=investigator)
    before = snapshot(referral)

    for outcome, text, field in (("won", "", "outcome"), (ClosingOutcome.OTHER, " ", "text")):
        with pytest.raises(ValidationError) as caught:
            services.referral_close(
                actor=investigator, referral=referral, outcome=outcome, text=text
            )
        assert list(caught.value.message_dict) == [field]

    assert snapshot(referral) == before


# --- declining and withdrawing take access away ---------------------------------------------


def test_declining_needs_a_known_reason(referral, investigator):
    before = snapshot(referral)

    with pytest.raises(ValidationError) as caught:
        services.referral_decline(actor=investigator, referral=referral, reason="bored")

    assert caught.value.message_dict == {"reason": ["Choose a reason from the list."]}
    assert snapshot(referral) == before


def test_declining_for_another_reason_needs_words(referral, investigator):
    before = snapshot(referral)

    with pytest.raises(ValidationError) as caught:
        services.referral_decline(
            actor=investigator, referral=referral, reason=DeclineReason.OTHER, text="  "
        )

    assert caught.value.message_dict == {"text": ["Say why, when the reason is 'other'."]}
    assert snapshot(referral) == before


def test_declining_removes_the_recipients_access_and_tells_the_sender(
    referral, investigator, officer
):
    seizure = referral.seizure
    assert seizure_get(user=investigator, public_id=seizure.public_id) == seizure

    done = services.referral_decline(
        actor=investigator,
        referral=referral,
        reason=DeclineReason.OTHER,
        text="The consignee is already under a Colombian investigation.",
    )

    assert done.status == ReferralStatus.DECLINED
    assert fresh(referral).decline_text.startswith("The consignee")
    assert moves(referral)[1:] == [("sent", "acknowledged"), ("acknowledged", "declined")]
    with pytest.raises(Http404):
        seizure_get(user=investigator, public_id=seizure.public_id)
    assert Notification.objects.filter(referral=referral, key="declined", user=officer).exists()


def test_withdrawing_removes_access_voids_the_link_and_tells_the_recipient(
    referral, investigator, officer
):
    seizure = referral.seizure
    nonce = referral.link_nonce
    started = timezone.now()

    services.referral_withdraw(user=officer, referral=referral, reason="Logged twice by mistake")

    done = fresh(referral)
    assert done.status == ReferralStatus.WITHDRAWN
    assert done.withdraw_reason == "Logged twice by mistake"
    assert done.link_nonce != nonce
    [event] = done.events.filter(to_status=ReferralStatus.WITHDRAWN)
    assert event.by == officer and started <= event.at <= timezone.now()
    with pytest.raises(Http404):
        seizure_get(user=investigator, public_id=seizure.public_id)
    assert Notification.objects.filter(
        referral=referral, key="withdrawn", user=investigator
    ).exists()


def test_withdrawing_needs_a_reason(referral, officer):
    before = snapshot(referral)

    with pytest.raises(ValidationError):
        services.referral_withdraw(user=officer, referral=referral, reason="   ")

    assert snapshot(referral) == before


def test_a_withdrawn_referrals_response_link_no_longer_works(external_referral, officer):
    token = links.response_token(external_referral)
    assert links.referral_from_token(token) == external_referral

    services.referral_withdraw(user=officer, referral=external_referral, reason="Wrong country")

    with pytest.raises(links.LinkInvalid) as caught:
        links.referral_from_token(token)
    assert caught.value.message == links.VOID
    assert Notification.objects.filter(
        referral=external_referral, key="withdrawn", email=external_referral.recipient.email
    ).exists()


def test_the_other_recipients_keep_their_access_when_one_declines(
    submitted, investigator, ncb_officer, ncb_recipient
):
    ncb_referral = Referral.objects.get(seizure=submitted, recipient=ncb_recipient)

    services.referral_decline(
        actor=ncb_officer, referral=ncb_referral, reason=DeclineReason.NO_LINK
    )

    assert seizure_get(user=investigator, public_id=submitted.public_id) == submitted
    with pytest.raises(Http404):
        seizure_get(user=ncb_officer, public_id=submitted.public_id)


# --- two people at once -----------------------------------------------------------------


def test_two_investigators_acknowledging_at_once_record_one_acknowledgement(referral, investigator):
    colleague = f.UserFactory(
        username="investigator2", unit=investigator.unit, role=Role.INVESTIGATOR
    )
    mine, theirs = fresh(referral), fresh(referral)  # both pages opened before either click

    services.referral_acknowledge(actor=investigator, referral=mine)
    with pytest.raises(ValidationError):
        services.referral_acknowledge(actor=colleague, referral=theirs)

    [ack] = fresh(referral).events.filter(to_status=ReferralStatus.ACKNOWLEDGED)
    assert ack.by == investigator


def test_a_stale_copy_cannot_overwrite_a_move_saved_meanwhile(referral):
    first, second = fresh(referral), fresh(referral)
    now = timezone.now()

    first.acknowledge(at=now)
    first.save()
    second.acknowledge(at=now + dt.timedelta(minutes=1))
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()

    assert fresh(referral).acknowledged_at == now


def test_a_recipient_of_another_country_cannot_be_added_below_h2(officer, submitted):
    be_ncb = unit("BE-NCB", UnitKind.NCB, country="BE", email="ncb@police.example")
    recipient = Recipient.objects.create(
        name="NCB Brussels", kind="unit", unit=be_ncb, country="BE"
    )

    added = services.referral_add(
        user=officer,
        seizure=submitted,
        recipient=recipient,
        handling_code=1,
        ack_hours=24,
        respond_days=7,
    )

    assert added.handling_code == 2
    assert [r["kind"] for r in added.reasons] == ["manual", "abroad"]
