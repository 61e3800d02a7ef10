"""The referral pages: the inbox, a referral's page, each move, and referring by hand.

Personas: ``officer`` logged the seizures (Guayaquil PCU, the sender), ``investigator``
answers for EC-INV (the recipient), ``other_officer`` (Antwerp) must see nothing.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals import selectors, services
from referrals.choices import Origin, ReferralStatus
from referrals.models import Notification, Referral, ReferralEvent

from .. import factories as f
from ..mfa import verified_login

pytestmark = pytest.mark.django_db


def refer(officer, recipient, *, ack_hours=24, respond_days=7, seizure=None, **fields):
    """A submitted seizure of ``officer``'s unit, referred by hand to ``recipient``."""
    seizure = seizure or f.log_seizure(officer, submit=True, **fields)
    return services.referral_send(
        seizure=seizure,
        recipient=recipient,
        handling_code=HandlingCode.H1,
        ack_hours=ack_hours,
        respond_days=respond_days,
        origin=Origin.MANUAL,
        reasons=[{"kind": "manual", "by": "Maria Officer"}],
        by=officer,
    )


def url(name, referral):
    return reverse(f"referrals:{name}", kwargs={"public_id": referral.public_id})


def seizure_url(seizure):
    return reverse("seizures:detail", kwargs={"public_id": seizure.public_id})


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def referral(officer, investigating_recipient):
    return refer(officer, investigating_recipient)


@pytest.fixture
def as_investigator(client, investigator):
    client.force_login(investigator)
    return client


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


# --- the inbox ---------------------------------------------------------------------------


def test_the_inbox_lists_the_units_referrals_soonest_deadline_first(
    as_investigator, officer, investigating_recipient, ncb_recipient
):
    later = refer(officer, investigating_recipient, ack_hours=30)
    sooner = refer(officer, investigating_recipient, ack_hours=5)
    not_ours = refer(officer, ncb_recipient)

    response = as_investigator.get(reverse("referrals:inbox"))

    assert response.status_code == 200
    page = response.content.decode()
    assert not_ours.seizure.reference not in page
    assert page.index(sooner.seizure.reference) < page.index(later.seizure.reference)
    assert "due in 4 h" in page  # 5 hours less the seconds the test took
    assert "due in 29 h" in page
    assert "Cocaine" in page and "Guayaquil" in page
    assert response.context["referrals"] == [sooner, later]


def test_the_inbox_says_when_a_deadline_has_passed(as_investigator, referral):
    Referral.objects.filter(pk=referral.pk).update(
        ack_due_at=timezone.now() - dt.timedelta(days=2, hours=1)
    )

    page = as_investigator.get(reverse("referrals:inbox")).content.decode()

    assert "overdue by 2 d" in page
    assert "countdown-overdue" in page


def test_decided_referrals_leave_the_open_tab_for_the_decided_one(
    as_investigator, investigator, referral, officer, investigating_recipient
):
    still_open = refer(officer, investigating_recipient)
    services.referral_decline(actor=investigator, referral=referral, reason="no_resources")

    open_tab = as_investigator.get(reverse("referrals:inbox")).context["referrals"]
    decided_tab = as_investigator.get(reverse("referrals:inbox") + "?view=decided")

    assert open_tab == [still_open]
    assert decided_tab.context["referrals"] == [referral]
    assert "Declined" in decided_tab.content.decode()


def test_the_inbox_offers_one_click_answers_and_a_decline_form(as_investigator, referral):
    page = as_investigator.get(reverse("referrals:inbox")).content.decode()

    assert url("acknowledge", referral) in page
    assert url("accept", referral) in page
    assert url("decline", referral) in page
    assert f'id="decline-{referral.public_id}-reason"' in page
    assert "Not enough information to act on" in page


def test_acknowledging_from_the_inbox_returns_to_the_inbox(as_investigator, referral):
    inbox = reverse("referrals:inbox") + "?view=open"

    response = as_investigator.post(url("acknowledge", referral), {"next": inbox})

    assert response.status_code == 302
    assert response["Location"] == inbox
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    assert flashed(response) == [f"Referral of seizure {referral.seizure.reference} acknowledged."]


def test_a_next_address_off_the_site_is_ignored(as_investigator, referral):
    response = as_investigator.post(
        url("acknowledge", referral), {"next": "https://evil.example/phish"}
    )

    assert response["Location"] == url("detail", referral)


def test_accepting_a_sent_referral_acknowledges_it_on_the_way(as_investigator, referral):
    response = as_investigator.post(url("accept", referral))

    assert response.status_code == 302
    steps = list(referral.events.values_list("to_status", flat=True))
    assert steps == ["sent", "acknowledged", "accepted"]


def test_an_officer_sees_an_empty_inbox_that_says_why(as_officer):
    response = as_officer.get(reverse("referrals:inbox"))

    assert response.status_code == 200
    assert "Your role does not answer referrals" in response.content.decode()


def test_a_user_without_a_unit_sees_an_empty_inbox_that_says_why(client):
    administrator = f.UserFactory(username="admin", unit=None, role=Role.ADMINISTRATOR)
    verified_login(client, administrator)

    response = client.get(reverse("referrals:inbox"))

    assert response.status_code == 200
    assert "Your account belongs to no unit" in response.content.decode()


def test_evaluators_are_refused_the_inbox(client):
    unit = f.UnitFactory(code="EVAL", kind=UnitKind.EVALUATION, port=None, country="AT")
    client.force_login(f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR))

    assert client.get(reverse("referrals:inbox")).status_code == 403


def test_the_inbox_lists_the_users_latest_messages(as_investigator, referral):
    page = as_investigator.get(reverse("referrals:inbox")).content.decode()

    notification = Notification.objects.get(referral=referral, user__username="investigator")
    assert notification.subject in page


def test_the_menu_counts_the_referrals_waiting_for_an_answer(
    as_investigator, officer, investigating_recipient, investigator
):
    refer(officer, investigating_recipient)
    accepted = refer(officer, investigating_recipient)
    services.referral_accept(actor=investigator, referral=accepted)

    page = as_investigator.get(reverse("seizures:list")).content.decode()

    assert reverse("referrals:inbox") in page
    assert '<span class="badge nav-count">1<' in page


def test_the_menu_takes_officers_to_their_units_sent_referrals_not_an_inbox(as_officer):
    page = as_officer.get(reverse("seizures:list")).content.decode()

    assert f'href="{reverse("referrals:inbox")}"' not in page
    assert f'<a href="{reverse("referrals:sent")}">Sent referrals</a>' in page


def test_the_inbox_costs_the_same_queries_for_60_referrals_as_for_one(
    client, officer, investigator, investigating_recipient, django_assert_max_num_queries
):
    refer(officer, investigating_recipient)
    client.force_login(investigator)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("referrals:inbox"))
    for _ in range(59):
        refer(officer, investigating_recipient)

    with django_assert_max_num_queries(len(one)):
        first = client.get(reverse("referrals:inbox"))
    with django_assert_max_num_queries(len(one)):
        second = client.get(reverse("referrals:inbox") + "?page=2")

    assert len(first.context["referrals"]) == 50
    assert len(second.context["referrals"]) == 10
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.postgres
def test_the_inbox_page_is_read_off_its_index_in_deadline_order(
    officer, investigator, investigating_recipient
):
    """5 000 referrals sorted for every page cost 25 ms; read off the index, under 1 ms.
    Changing the inbox's order without its index brings the sort back."""
    for hours in (30, 5, 12):
        refer(officer, investigating_recipient, ack_hours=hours)
    page = selectors.inbox(user=investigator, view="open")[:50]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "referral_inbox_next_due" in plan
    assert "Sort" not in plan
    assert [r.ack_due_at for r in page] == sorted(r.ack_due_at for r in page)


# --- a referral's page -------------------------------------------------------------------


def test_the_recipient_sees_the_referral_with_why_deadlines_and_history(as_investigator, referral):
    response = as_investigator.get(url("detail", referral))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Referred by hand by Maria Officer." in page
    assert "due in 23 h" in page
    assert url("dossier", referral) in page
    assert seizure_url(referral.seizure) in page
    assert response.context["moves"] == {"acknowledge", "accept", "decline"}
    history = page[page.index('class="referral-timeline"') :]
    assert "Sent" in history and "officer" in history  # who sent it, from the history


def test_viewing_a_referral_is_written_to_the_audit_trail(as_investigator, referral):
    as_investigator.get(url("detail", referral))

    rows = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type__model="referral",
        object_pk=str(referral.pk),
    )
    assert rows.count() == 1
    assert rows.get().actor.username == "investigator"


def test_the_sender_sees_withdraw_and_not_the_recipients_moves(as_officer, referral):
    response = as_officer.get(url("detail", referral))

    assert response.status_code == 200
    assert response.context["moves"] == {"withdraw"}
    page = response.content.decode()
    assert url("withdraw", referral) in page
    assert url("acknowledge", referral) not in page


def test_the_sender_of_an_external_referral_may_send_a_new_link(
    as_officer, officer, external_recipient
):
    referral = refer(officer, external_recipient)
    nonce = referral.link_nonce

    page = as_officer.get(url("detail", referral)).content.decode()
    response = as_officer.post(url("new-link", referral))

    assert "Send a new link" in page
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.link_nonce != nonce
    assert Notification.objects.filter(referral=referral, key="link:1").exists()
    assert "earlier links no longer work" in flashed(response)[0]


def test_a_new_link_for_a_unit_recipient_is_refused_with_the_reason(as_officer, referral):
    response = as_officer.post(url("new-link", referral))

    assert response.status_code == 400
    assert "Only external recipients answer through a link." in response.content.decode()


@pytest.mark.parametrize("name", ["detail", "acknowledge", "withdraw"])
def test_another_unit_cannot_tell_the_referral_exists(client, other_officer, referral, name):
    client.force_login(other_officer)

    response = (
        client.get(url(name, referral))
        if name == "detail"
        else client.post(url(name, referral), {"reason": "x"})
    )

    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_an_investigator_of_another_referral_unit_gets_404(client, ncb_officer, referral):
    verified_login(client, ncb_officer)

    assert client.get(url("detail", referral)).status_code == 404
    assert client.post(url("acknowledge", referral)).status_code == 404


# --- the moves ---------------------------------------------------------------------------


def test_the_sender_cannot_acknowledge_for_the_recipient(as_officer, referral):
    response = as_officer.post(url("acknowledge", referral))

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_the_recipient_cannot_withdraw(as_investigator, referral):
    response = as_investigator.post(url("withdraw", referral), {"reason": "Not ours"})

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_moves_are_post_only(as_investigator, referral):
    assert as_investigator.get(url("acknowledge", referral)).status_code == 405


def test_an_out_of_order_move_says_why_and_changes_nothing(as_investigator, referral):
    response = as_investigator.post(url("investigate", referral), {"case_number": "FIS-1"})

    assert response.status_code == 400
    assert "A referral that is sent cannot be put under investigation." in (
        response.content.decode()
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
    assert referral.case_number == ""
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_acknowledging_twice_says_it_is_already_acknowledged(as_investigator, referral):
    as_investigator.post(url("acknowledge", referral))

    response = as_investigator.post(url("acknowledge", referral))

    assert response.status_code == 400
    assert "A referral that is acknowledged cannot be acknowledged." in (response.content.decode())
    assert referral.events.count() == 2


def test_declining_without_a_reason_keeps_what_was_typed(as_investigator, referral):
    response = as_investigator.post(
        url("decline", referral), {"reason": "", "text": "We lack the staff this month"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "We lack the staff this month" in page
    assert "This field is required." in page
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_declining_for_an_other_reason_needs_words(as_investigator, referral):
    response = as_investigator.post(url("decline", referral), {"reason": "other", "text": " "})

    assert response.status_code == 400
    assert "Say why, when the reason is" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


def test_declining_takes_the_seizure_away_from_the_recipient(as_investigator, referral):
    seizure = referral.seizure
    assert as_investigator.get(seizure_url(seizure)).status_code == 200

    response = as_investigator.post(
        url("decline", referral), {"reason": "not_competent", "text": "Customs matter"}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_text == "Customs matter"
    assert as_investigator.get(seizure_url(seizure)).status_code == 404
    page = as_investigator.get(url("detail", referral))
    assert page.status_code == 200
    assert page.context["seizure_visible"] is False
    assert seizure_url(seizure) not in page.content.decode()
    assert "Outside our competence or jurisdiction" in page.content.decode()


def test_the_recipient_records_the_investigation_and_closes_it(
    as_investigator, investigator, referral
):
    services.referral_accept(actor=investigator, referral=referral)

    opened = as_investigator.post(url("investigate", referral), {"case_number": "FIS-2024-77"})
    closed = as_investigator.post(
        url("close", referral), {"outcome": "charges_filed", "text": "Three charged"}
    )

    assert opened.status_code == closed.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert referral.case_number == "FIS-2024-77"
    assert "Investigation FIS-2024-77 opened" in flashed(opened)[0]
    page = as_investigator.get(url("detail", referral)).content.decode()
    assert "FIS-2024-77" in page and "Charges filed" in page and "Three charged" in page


def test_closing_without_an_outcome_shows_the_form_again(as_investigator, investigator, referral):
    services.referral_accept(actor=investigator, referral=referral)

    response = as_investigator.post(url("close", referral), {"outcome": "", "text": "Done"})

    assert response.status_code == 400
    assert response.context["close_form"].errors["outcome"]
    assert "Done" in response.content.decode()


def test_the_officer_withdraws_a_referral_from_the_seizure_page(as_officer, referral, client):
    seizure = referral.seizure
    back = seizure_url(seizure) + "#referrals"

    response = as_officer.post(
        url("withdraw", referral), {"reason": "Sent to the wrong unit", "next": back}
    )

    assert response.status_code == 302
    assert response["Location"] == back
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert referral.withdraw_reason == "Sent to the wrong unit"
    client.force_login(referral.recipient.unit.members.get())
    assert client.get(seizure_url(seizure)).status_code == 404


def test_withdrawing_needs_a_reason(as_officer, referral):
    response = as_officer.post(url("withdraw", referral), {"reason": ""})

    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


# --- referring by hand -------------------------------------------------------------------


def add_url(seizure):
    return reverse("referrals:add", kwargs={"public_id": seizure.public_id})


def test_the_officer_refers_a_submitted_seizure_by_hand(
    as_officer, officer, investigating_recipient, external_recipient, investigator
):
    seizure = f.log_seizure(officer, submit=True)
    form = as_officer.get(add_url(seizure))
    assert form.status_code == 200
    assert "Federal Judicial Police Antwerp" in form.content.decode()
    assert form.context["form"]["ack_hours"].value() == 48

    response = as_officer.post(
        add_url(seizure),
        {
            "recipient": investigating_recipient.pk,
            "handling_code": "1",
            "ack_hours": "12",
            "respond_days": "5",
            "message": "Driver known to you",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == seizure_url(seizure) + "#referrals"
    referral = Referral.objects.get(seizure=seizure)
    assert referral.origin == Origin.MANUAL
    assert referral.message == "Driver known to you"
    assert referral.ack_due_at - referral.sent_at == dt.timedelta(hours=12)
    assert "referred to Antinarcóticos at H1" in flashed(response)[0]
    assert Notification.objects.filter(referral=referral, user=investigator).exists()


def test_a_recipient_already_referred_is_not_offered_again(
    as_officer, referral, investigating_recipient
):
    response = as_officer.post(
        add_url(referral.seizure),
        {
            "recipient": investigating_recipient.pk,
            "handling_code": "1",
            "ack_hours": "24",
            "respond_days": "7",
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["recipient"]
    assert Referral.objects.filter(seizure=referral.seizure).count() == 1


def test_acknowledging_cannot_be_due_after_answering(as_officer, officer, investigating_recipient):
    seizure = f.log_seizure(officer, submit=True)

    response = as_officer.post(
        add_url(seizure),
        {
            "recipient": investigating_recipient.pk,
            "handling_code": "1",
            "ack_hours": "100",
            "respond_days": "2",
        },
    )

    assert response.status_code == 400
    assert "Acknowledging cannot be due after the answer is due." in response.content.decode()
    assert not Referral.objects.filter(seizure=seizure).exists()


def test_a_draft_cannot_be_referred_by_hand(as_officer, seizure, investigating_recipient):
    page = as_officer.get(add_url(seizure))
    response = as_officer.post(
        add_url(seizure),
        {
            "recipient": investigating_recipient.pk,
            "handling_code": "1",
            "ack_hours": "24",
            "respond_days": "7",
        },
    )

    assert page.status_code == 200
    assert "Referrals are sent when the seizure is submitted" in page.content.decode()
    assert response.status_code == 400
    assert "Only a submitted seizure can be referred." in response.content.decode()
    assert not Referral.objects.exists()


def test_a_recipient_cannot_refer_the_seizure_onwards(as_investigator, referral):
    assert as_investigator.get(add_url(referral.seizure)).status_code == 404
