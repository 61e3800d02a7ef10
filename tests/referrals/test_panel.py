"""The referrals section of a seizure's page: the sender sees every referral and acts on
them, a recipient only its own, and the section costs one query however many there are."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services
from referrals.panel import referral_panel
from seizures import sharing

from .. import factories as f
from .test_views import refer, seizure_url

pytestmark = pytest.mark.django_db


def test_a_draft_says_referrals_go_out_on_submission(client, officer, seizure):
    client.force_login(officer)

    page = client.get(seizure_url(seizure)).content.decode()

    assert 'id="referrals"' in page
    assert "Referrals are sent when the seizure is submitted." in page
    assert reverse("referrals:add", kwargs={"public_id": seizure.public_id}) not in page


def test_the_seizing_unit_sees_each_referral_its_state_and_why(
    client, officer, investigator, investigating_recipient, ncb_recipient
):
    referral = refer(officer, investigating_recipient)
    to_ncb = refer(officer, ncb_recipient, seizure=referral.seizure)
    services.referral_acknowledge(actor=investigator, referral=referral)
    client.force_login(officer)

    page = client.get(seizure_url(referral.seizure)).content.decode()

    panel = page[page.index('id="referrals"') :]
    assert "Antinarcóticos" in panel and "INTERPOL NCB Quito" in panel
    assert "Acknowledged" in panel and "Sent" in panel
    assert "Referred by hand by Maria Officer." in panel
    assert "due in 6 d" in panel  # EC-INV acknowledged: its answer is due within 7 days …
    assert "due in 23 h" in panel  # … the NCB still has to acknowledge within 24 hours
    assert reverse("referrals:detail", kwargs={"public_id": to_ncb.public_id}) in panel
    assert reverse("referrals:withdraw", kwargs={"public_id": referral.public_id}) in panel
    assert reverse("referrals:add", kwargs={"public_id": referral.seizure.public_id}) in panel


def test_a_recipient_sees_only_its_own_referral_and_cannot_withdraw(
    client, officer, investigator, investigating_recipient, ncb_recipient
):
    referral = refer(officer, investigating_recipient)
    refer(officer, ncb_recipient, seizure=referral.seizure)
    client.force_login(investigator)

    page = client.get(seizure_url(referral.seizure)).content.decode()

    panel = page[page.index('id="referrals"') :]
    assert "Antinarcóticos" in panel
    assert "INTERPOL NCB Quito" not in panel
    assert reverse("referrals:withdraw", kwargs={"public_id": referral.public_id}) not in panel
    assert "Refer by hand" not in panel


def test_a_unit_that_only_shares_the_seizure_sees_no_referrals_section(
    client, officer, other_officer, investigating_recipient
):
    referral = refer(officer, investigating_recipient)
    supervisor = f.UserFactory(username="boss", unit=officer.unit, role="supervisor")
    sharing.seizure_share(
        seizure=referral.seizure, unit=other_officer.unit, handling_level=1, by=supervisor
    )
    client.force_login(other_officer)

    response = client.get(seizure_url(referral.seizure))

    assert response.status_code == 200
    assert 'id="referrals"' not in response.content.decode()


def test_a_withdrawn_referral_shows_as_withdrawn_without_a_button(
    client, officer, investigating_recipient
):
    referral = refer(officer, investigating_recipient)
    services.referral_withdraw(user=officer, referral=referral, reason="Wrong unit")
    client.force_login(officer)

    page = client.get(seizure_url(referral.seizure)).content.decode()

    panel = page[page.index('id="referrals"') :]
    assert "Withdrawn" in panel
    assert reverse("referrals:withdraw", kwargs={"public_id": referral.public_id}) not in panel


def test_the_section_costs_one_query_however_many_referrals(
    officer, investigating_recipient, ncb_recipient, fiu_recipient, external_recipient
):
    referral = refer(officer, investigating_recipient)
    seizure = referral.seizure
    request = RequestFactory().get(seizure_url(seizure))
    request.user = officer
    with CaptureQueriesContext(connection) as one:
        referral_panel(request, seizure)
    for recipient in (ncb_recipient, fiu_recipient, external_recipient):
        refer(officer, recipient, seizure=seizure)

    with CaptureQueriesContext(connection) as four:
        html = referral_panel(request, seizure)

    assert html.count('class="referral-row"') == 4
    assert len(four) == len(one) == 1
