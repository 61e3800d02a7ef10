"""The dossier lists withdrawn outcomes in their place, marked, so an audit can see them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.core.choices import HandlingCode
from referrals import links, services
from referrals.dossier import dossier_data, dossier_pdf
from referrals.models import Referral
from referrals.services import ExternalActor

from .. import factories as f
from ..seizures.test_exports import _pdf_text
from .test_dossier import _refer

pytestmark = pytest.mark.django_db

DAY = timezone.now().date()


@pytest.fixture
def referral(officer, investigator, investigating_recipient) -> Referral:
    seizure = f.log_seizure(officer, submit=True)
    referral = _refer(seizure, investigating_recipient, HandlingCode.H1, officer)
    return services.referral_accept(actor=investigator, referral=referral)


def _record(referral, actor, kind: str, justification: str, **fields):
    return services.outcome_record(
        referral=referral,
        actor=actor,
        via="app",
        kind=kind,
        occurred_on=DAY,
        justification=justification,
        **fields,
    )


@pytest.fixture
def withdrawn(referral, investigator):
    """One arrest that counts and one conviction withdrawn: recorded on the wrong case."""
    _record(referral, investigator, "arrest", "Held at the gate", count=2)
    conviction = _record(
        referral, investigator, "conviction", "Judgment read", count=1, sentence="8 years"
    )
    return services.outcome_withdraw(
        outcome=conviction, actor=investigator, via="app", reason="Wrong case"
    )


def test_the_dossier_shows_a_withdrawn_outcome_beside_the_current_one_with_its_reason(
    referral, withdrawn
):
    text = _pdf_text(dossier_pdf(referral=referral))
    assert b"Outcomes" in text
    for current in (b"Arrests", b"Held at the gate"):
        assert current in text
    for shown in (b"Conviction and sentence", b"Judgment read", b"Wrong case"):
        assert shown in text
    # Only the withdrawn one is marked, once.
    assert text.count(b"Withdrawn on") == 1


def test_the_dossier_does_not_name_who_withdrew_an_outcome(referral, withdrawn, investigator):
    investigator.first_name, investigator.last_name = "Ines", "Investigadora"
    investigator.save()
    text = _pdf_text(dossier_pdf(referral=referral))
    assert b"Wrong case" in text
    assert b"Investigadora" not in text and investigator.username.encode() not in text


def test_the_response_links_dossier_shows_the_withdrawn_outcome_too(
    client, external_recipient, officer
):
    seizure = f.log_seizure(officer, submit=True)
    referral = _refer(seizure, external_recipient, HandlingCode.H2, officer)
    actor = ExternalActor(referral.pk)
    referral = services.referral_accept(actor=actor, referral=referral)
    mistaken = services.outcome_record(
        referral=referral,
        actor=actor,
        via="link",
        kind="arrest",
        occurred_on=DAY,
        justification="Held at the gate",
        count=1,
    )
    services.outcome_withdraw(outcome=mistaken, actor=actor, via="link", reason="Wrong case")
    url = reverse("referrals:respond-dossier", kwargs={"token": links.response_token(referral)})
    # The link answers in the recipient's language, whatever the browser's: ask for English.
    response = client.get(url, {"lang": "en"})
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert b"Withdrawn on" in text and b"Wrong case" in text


def test_the_dossiers_queries_do_not_grow_with_its_outcomes(referral, investigator):
    _record(referral, investigator, "arrest", "Held at the gate", count=1)
    with CaptureQueriesContext(connection) as one:
        dossier_data(referral=Referral.objects.get(pk=referral.pk))
    for n in range(3):
        outcome = _record(referral, investigator, "suspects_identified", f"Lead {n}", count=1)
        services.outcome_withdraw(outcome=outcome, actor=investigator, via="app", reason="No")
    with CaptureQueriesContext(connection) as many:
        data = dossier_data(referral=Referral.objects.get(pk=referral.pk))
    assert len(data.outcomes) == 4
    assert len(many) == len(one)


def test_the_dossiers_header_draws_with_characters_the_font_has(referral, undrawable):
    # The header reads "reference → recipient": Vera has no arrow, which printed as a box.
    dossier_pdf(referral=referral)
    assert undrawable == set()
