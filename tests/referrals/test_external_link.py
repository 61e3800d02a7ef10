"""The external recipient's response link: one referral, the moves open now, nothing else.

The persona is a foreign counterpart (Federal Judicial Police Antwerp) without an account,
holding the link from the referral e-mail. Every refusal is a clear page and changes
nothing; every use is audited against the referral, never with the token.
"""

import json
import re
import time
from unittest import mock

import pytest
from auditlog.models import LogEntry
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from casetracker.core.choices import HandlingCode
from referrals import links, services
from referrals.choices import ClosingOutcome, DeclineReason, Origin, ReferralStatus
from referrals.models import Recipient, Referral, ReferralEvent
from referrals.services import ExternalActor
from seizures.models import Party

from .. import factories as f

pytestmark = pytest.mark.django_db


def _refer(seizure, recipient, officer, code=HandlingCode.H2) -> Referral:
    return services.referral_send(
        seizure=seizure,
        recipient=recipient,
        handling_code=code,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[{"kind": "manual", "by": "Olga Officer"}],
        by=officer,
    )


@pytest.fixture
def referral(officer, external_recipient):
    """A seizure referred abroad at H2, with a party at each narrower and wider code.

    The page speaks the recipient's language: these tests read it in English."""
    external_recipient.language = "en"
    external_recipient.save()
    seizure = f.log_seizure(officer, submit=True)
    for name, code in (
        ("Zeta Hidden", HandlingCode.H0),
        ("Domestic Dora", HandlingCode.H1),
        ("Abroad Alba", HandlingCode.H2),
    ):
        Party.objects.create(
            seizure=seizure, role="consignee", kind="person", name=name, handling_code=code
        )
    return _refer(seizure, external_recipient, officer)


def _link(referral_or_token) -> str:
    token = (
        referral_or_token
        if isinstance(referral_or_token, str)
        else links.response_token(referral_or_token)
    )
    return reverse("referrals:respond", kwargs={"token": token})


def _status(referral) -> str:
    return Referral.objects.get(pk=referral.pk).status


def _audits(event: str | None = None):
    rows = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    return rows.filter(additional_data__event=event) if event else rows


# --- what the page shows -------------------------------------------------------------------


def test_the_link_shows_the_referral_at_its_handling_code_and_no_h0_or_h1_party(client, referral):
    response = client.get(_link(referral))
    assert response.status_code == 200
    page = response.content.decode()
    assert referral.seizure.reference in page
    assert "Abroad Alba" in page
    for hidden in ("Zeta Hidden", "Domestic Dora", "Frutas del Sol SA"):
        assert hidden not in page
    assert "Acknowledge by" in page and "Accept or decline by" in page
    assert "Referred by hand by Olga Officer." in page  # why routed here
    assert "CSQU3054383" in page and "MSC Example" in page


def test_the_page_and_dossier_speak_the_recipients_language_not_the_browsers(client, referral):
    Recipient.objects.filter(pk=referral.recipient_id).update(language="fr")
    token = links.response_token(referral)

    response = client.get(_link(token), HTTP_ACCEPT_LANGUAGE="en")
    dossier = client.get(
        reverse("referrals:respond-dossier", kwargs={"token": token}), HTTP_ACCEPT_LANGUAGE="en"
    )

    page = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in page
    assert "Votre réponse" in page and "Your answer" not in page
    assert dossier["Content-Language"] == "fr"
    assert dossier.content != _dossier_in(client, token, "en")


def _dossier_in(client, token, language) -> bytes:
    url = reverse("referrals:respond-dossier", kwargs={"token": token})
    return client.get(f"{url}?lang={language}").content


def test_the_holder_may_switch_the_page_to_another_language_and_answer_in_it(client, referral):
    Recipient.objects.filter(pk=referral.recipient_id).update(language="fr")
    token = links.response_token(referral)

    french = client.get(_link(token)).content.decode()
    spanish = client.get(f"{_link(token)}?lang=es")
    answered = client.post(f"{_link(token)}?lang=es", {"move": "acknowledge"})

    assert f'href="{_link(token)}?lang=es"' in french
    assert spanish["Content-Language"] == "es"
    assert "Su respuesta" in spanish.content.decode()
    assert f'action="{_link(token)}?lang=es"' in spanish.content.decode()
    assert answered.status_code == 303
    assert answered["Location"] == f"{_link(token)}?done=acknowledge&lang=es"


def test_the_page_keeps_the_token_to_itself(client, referral):
    link = _link(referral)
    response = client.get(link)
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    page = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    # No site menu, no links into the app: only itself in each language, its own dossier
    # and the style sheets.
    hrefs = re.findall(r'href="([^"]+)"', page)
    dossier = reverse("referrals:respond-dossier", kwargs={"token": link.split("/")[2]})
    languages = [f"{link}?lang={code}" for code in ("en", "fr", "es")]
    assert [h for h in hrefs if not h.startswith("/static/")] == [*languages, dossier]
    assert set(re.findall(r'action="([^"]+)"', page)) == {link}


def test_it_offers_exactly_the_moves_open_now(client, referral):
    def offered():
        page = client.get(_link(referral)).content.decode()
        return set(re.findall(r'name="move" value="(\w+)"', page))

    assert offered() == {"acknowledge", "accept", "decline"}
    services.referral_accept(actor=ExternalActor(referral.pk), referral=referral)
    assert offered() == {"investigate", "close"}
    services.referral_open_investigation(
        actor=ExternalActor(referral.pk), referral=referral, case_number="BE-2025-77"
    )
    assert offered() == {"close"}
    services.referral_close(
        actor=ExternalActor(referral.pk), referral=referral, outcome=ClosingOutcome.MERGED
    )
    assert offered() == set()


# --- the moves -----------------------------------------------------------------------------


def _post(client, target, **data):
    link = _link(target)
    response = client.post(link, data)
    return link, response


def test_the_holder_acknowledges_accepts_opens_and_closes_through_the_link(client, referral):
    steps = [
        ({"move": "acknowledge"}, ReferralStatus.ACKNOWLEDGED),
        ({"move": "accept"}, ReferralStatus.ACCEPTED),
        ({"move": "investigate", "case_number": "BE-2025-77"}, ReferralStatus.INVESTIGATING),
        (
            {"move": "close", "outcome": ClosingOutcome.CHARGES_FILED, "text": "Two arrested"},
            ReferralStatus.CLOSED,
        ),
    ]
    for data, status in steps:
        link, response = _post(client, referral, **data)
        assert response.status_code == 303
        assert response["Location"] == f"{link}?done={data['move']}"
        assert _status(referral) == status
        confirmation = client.get(response["Location"]).content.decode()
        assert 'class="message message-success"' in confirmation
    referral.refresh_from_db()
    assert referral.case_number == "BE-2025-77"
    assert referral.outcome == ClosingOutcome.CHARGES_FILED
    events = ReferralEvent.objects.filter(referral=referral).exclude(to_status="sent")
    assert [e.to_status for e in events] == ["acknowledged", "accepted", "investigating", "closed"]
    assert all(e.by_external and e.by is None for e in events)


def test_the_holder_declines_with_a_reason_and_then_sees_no_more_of_the_seizure(client, referral):
    _link_, response = _post(
        client,
        referral,
        move="decline",
        reason=DeclineReason.NO_LINK,
        text="Consignee unknown here",
    )
    assert response.status_code == 303
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_reason == DeclineReason.NO_LINK
    assert referral.decline_text == "Consignee unknown here"
    assert referral.events.filter(to_status="declined", by_external=True).exists()
    page = client.get(_link(referral)).content.decode()
    assert "You declined this referral" in page
    assert "Abroad Alba" not in page and "CSQU3054383" not in page
    dossier = reverse("referrals:respond-dossier", kwargs={"token": links.response_token(referral)})
    assert client.get(dossier).status_code == 404


def test_a_refused_step_answers_400_with_the_reason_and_changes_nothing(client, referral):
    before = referral.events.count()
    _link_, response = _post(client, referral, move="decline", reason=DeclineReason.OTHER)
    assert response.status_code == 400
    assert "Say why, when the reason is" in response.content.decode()
    _link_, response = _post(client, referral, move="close", outcome=ClosingOutcome.MERGED)
    assert response.status_code == 400
    assert "cannot be closed" in response.content.decode()
    _link_, response = _post(client, referral, move="withdraw")
    assert response.status_code == 400
    _link_, response = _post(client, referral, move="investigate", case_number="")
    assert response.status_code == 400
    assert _status(referral) == ReferralStatus.SENT
    assert referral.events.count() == before


# --- links that cannot be used -------------------------------------------------------------


def _refused(client, link, referral, words: str) -> None:
    """GET and POST both get the clear page, with nothing of the referral, and change nothing."""
    before = referral.events.count()
    for response in (client.get(link), client.post(link, {"move": "accept"})):
        assert response.status_code == 404
        page = response.content.decode()
        assert words in page
        assert referral.seizure.reference not in page
        assert "Abroad Alba" not in page and "Guayaquil" not in page
        assert response["Referrer-Policy"] == "no-referrer"
    assert referral.events.count() == before
    assert not _audits().filter(object_pk=str(referral.pk)).exists()


def test_an_expired_link_says_so(client, referral, settings):
    long_ago = time.time() - (settings.REFERRAL_LINK_DAYS + 1) * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        token = links.response_token(referral)
    _refused(client, _link(token), referral, "This link has expired")
    assert _status(referral) == ReferralStatus.SENT


def test_a_forged_or_edited_link_is_not_valid(client, referral, officer, external_recipient):
    token = links.response_token(referral)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    _refused(client, _link(forged), referral, "This link is not valid")
    # The payload of another referral pasted in front of this link's signature.
    other = _refer(f.log_seizure(officer, submit=True), external_recipient, officer)
    payload = json.dumps({"r": str(other.public_id), "n": str(other.link_nonce)})
    edited = ":".join([signing.b64_encode(payload.encode()).decode(), *token.split(":")[1:]])
    _refused(client, _link(edited), other, "This link is not valid")
    assert _status(other) == ReferralStatus.SENT
    _refused(client, _link("not-a-valid-token"), referral, "This link is not valid")


def test_a_withdrawn_referrals_link_no_longer_works(client, referral, officer):
    token = links.response_token(referral)
    services.referral_withdraw(user=officer, referral=referral, reason="Sent to the wrong office")
    _refused(client, _link(token), referral, "This link no longer works")
    assert _status(referral) == ReferralStatus.WITHDRAWN


def test_a_fresh_link_voids_the_old_one(client, referral, officer):
    old = links.response_token(referral)
    services.referral_new_link(user=officer, referral=referral)
    _refused(client, _link(old), referral, "This link no longer works")
    referral.refresh_from_db()
    assert client.get(_link(referral)).status_code == 200


def test_a_unit_referral_has_no_response_link(client, officer, investigating_recipient):
    unit_referral = _refer(
        f.log_seizure(officer, submit=True), investigating_recipient, officer, HandlingCode.H1
    )
    _refused(client, _link(unit_referral), unit_referral, "This link is not valid")
    assert _status(unit_referral) == ReferralStatus.SENT


def test_a_link_moves_its_own_referral_and_no_other(client, referral, officer, external_recipient):
    other = _refer(f.log_seizure(officer, submit=True), external_recipient, officer)
    _link_, response = _post(
        client, referral, move="accept", referral=str(other.public_id), public_id=other.pk
    )
    assert response.status_code == 303
    assert _status(referral) == ReferralStatus.ACCEPTED
    assert _status(other) == ReferralStatus.SENT
    page = client.get(_link(referral)).content.decode()
    assert other.seizure.reference not in page
    # And the services themselves refuse one link's holder on another referral.
    with pytest.raises(PermissionDenied):
        services.referral_accept(actor=ExternalActor(referral.pk), referral=other)
    assert _status(other) == ReferralStatus.SENT


# --- audit, CSRF, the dossier --------------------------------------------------------------


def test_every_use_is_audited_against_the_referral_without_the_token(client, referral):
    token = links.response_token(referral)
    client.get(_link(token))
    client.post(_link(token), {"move": "decline", "reason": DeclineReason.OTHER})  # refused
    client.post(_link(token), {"move": "accept"})
    client.get(reverse("referrals:respond-dossier", kwargs={"token": token}))
    rows = list(_audits().order_by("id"))
    assert [(r.additional_data["event"], r.additional_data.get("result")) for r in rows] == [
        ("response_link_view", None),
        ("response_link_decline", "refused"),
        ("response_link_accept", "done"),
        ("response_link_dossier", None),
    ]
    for row in rows:
        assert row.actor is None
        assert row.object_pk == str(referral.pk)
        assert row.additional_data["seizure"] == referral.seizure.reference
    signature = token.rsplit(":", 1)[-1]
    everything = json.dumps(
        [
            [r.additional_data, r.object_repr, r.changes, r.remote_addr]
            for r in LogEntry.objects.all()
        ],
        default=str,
    )
    assert signature not in everything


def test_a_refused_step_does_not_write_the_token_into_the_server_log(client, referral, caplog):
    token = links.response_token(referral)
    with caplog.at_level("DEBUG"):
        response = client.post(_link(token), {"move": "close", "outcome": "merged"})
        client.get(_link(token[:-2]))
    assert response.status_code == 400
    assert token[:40] not in caplog.text


def test_answering_needs_the_pages_csrf_token(referral):
    client = Client(enforce_csrf_checks=True)
    link = _link(referral)
    assert client.post(link, {"move": "accept"}).status_code == 403
    assert _status(referral) == ReferralStatus.SENT
    page = client.get(link).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(link, {"move": "accept", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 303
    assert _status(referral) == ReferralStatus.ACCEPTED


def test_a_failed_csrf_check_on_the_link_shows_the_403_page_and_logs_no_token(referral, caplog):
    token = links.response_token(referral)
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level("DEBUG"):
        response = client.post(_link(token), {"move": "accept"})

    assert response.status_code == 403
    assert "CSRF" not in response.content.decode()  # the site's 403, not Django's CSRF page
    assert response["Cache-Control"] == "no-store"
    assert token[:20] not in caplog.text
    assert _status(referral) == ReferralStatus.SENT


def test_a_failed_csrf_check_elsewhere_is_still_logged(officer, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    with caplog.at_level("WARNING", logger="django.security.csrf"):
        response = client.post(reverse("referrals:inbox"))

    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /referrals/" in caplog.text


def test_django_logs_a_refused_method_on_the_link_without_its_token(client, referral, caplog):
    token = links.response_token(referral)
    with caplog.at_level("DEBUG"):
        response = client.put(_link(token))

    assert response.status_code == 405
    assert "Method Not Allowed (PUT): /r/…/" in caplog.text
    assert token[:20] not in caplog.text
    assert all(not hasattr(record, "request") for record in caplog.records)


def test_a_client_guessing_links_gets_429_after_the_limit(client, referral, settings):
    settings.REFERRAL_LINK_FAILURES_PER_MINUTE = 3
    token = links.response_token(referral)
    forged = [f"{token[:-4]}{n:04d}" for n in range(3)]

    answers = [client.get(_link(guess)).status_code for guess in forged]
    after = client.get(_link(token))
    dossier = client.get(reverse("referrals:respond-dossier", kwargs={"token": token}))
    post = client.post(_link(token), {"move": "accept"})

    assert answers == [404, 404, 404]
    assert after.status_code == dossier.status_code == post.status_code == 429
    assert after["Retry-After"] == "60"
    assert "Wait a minute" in after.content.decode()
    assert _status(referral) == ReferralStatus.SENT  # the POST changed nothing


def test_the_limit_counts_per_address_and_for_a_minute(referral, settings):
    settings.REFERRAL_LINK_FAILURES_PER_MINUTE = 2
    guesser, holder = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    token = links.response_token(referral)
    for _n in range(2):
        guesser.get(_link("not-a-token"))

    assert guesser.get(_link(token)).status_code == 429
    assert holder.get(_link(token)).status_code == 200
    with mock.patch("time.time", return_value=time.time() + 61):
        assert guesser.get(_link(token)).status_code == 200


def test_working_links_and_declined_dossiers_do_not_count(client, referral, settings):
    settings.REFERRAL_LINK_FAILURES_PER_MINUTE = 2
    token = links.response_token(referral)
    services.referral_decline(
        actor=ExternalActor(referral.pk), referral=referral, reason=DeclineReason.NO_LINK
    )
    dossier = reverse("referrals:respond-dossier", kwargs={"token": token})

    answers = [client.get(dossier).status_code for _n in range(3)]
    answers += [client.get(_link(token)).status_code for _n in range(3)]

    assert answers == [404, 404, 404, 200, 200, 200]


def test_the_link_holder_downloads_the_dossier(client, referral):
    token = links.response_token(referral)
    response = client.get(reverse("referrals:respond-dossier", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reference = referral.seizure.reference
    assert response["Content-Disposition"] == f'attachment; filename="{reference}-referral.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response.content.startswith(b"%PDF-")
    assert token.encode() not in response.content


def test_a_closed_referral_can_get_a_fresh_link_for_later_outcomes(client, referral, officer):
    actor = ExternalActor(referral.pk)
    services.referral_accept(actor=actor, referral=referral)
    services.referral_close(actor=actor, referral=referral, outcome=ClosingOutcome.MERGED)
    old = links.response_token(referral)
    # A conviction may come years later, long after the link expired: the sender sends a
    # fresh one, and the old one stops working.
    services.referral_new_link(user=officer, referral=referral)
    _refused(client, _link(old), referral, "This link no longer works")
    referral.refresh_from_db()
    assert client.get(_link(referral)).status_code == 200


def test_a_declined_referral_gets_no_fresh_link(referral, officer):
    from django.core.exceptions import ValidationError

    services.referral_decline(
        actor=ExternalActor(referral.pk),
        referral=referral,
        reason="not_competent",
        text="",
    )
    with pytest.raises(ValidationError, match="no longer open"):
        services.referral_new_link(user=officer, referral=referral)
