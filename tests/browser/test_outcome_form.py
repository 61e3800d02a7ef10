"""The outcome form in a browser: the script shows the fields of the kind chosen (no
inline script: the CSP would block it and fail the test), and the outcome lands in the list."""

import pytest
from playwright.sync_api import expect

from casetracker.core.choices import Role, UnitKind
from referrals import services
from referrals.choices import Origin, RecipientKind
from referrals.models import Outcome, Recipient

from .. import factories as f

pytestmark = pytest.mark.browser


def test_the_form_shows_the_fields_of_the_kind_chosen_and_records_it(page):  # noqa: F811
    f.port("ECGYE")
    officer = f.UserFactory(username="maria", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    unit = f.UnitFactory(code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC")
    investigator = f.UserFactory(username="ivan", unit=unit, role=Role.INVESTIGATOR)
    recipient = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=unit, country="EC"
    )
    referral = services.referral_send(
        seizure=f.log_seizure(officer, submit=True),
        recipient=recipient,
        handling_code=1,
        ack_hours=24,
        respond_days=7,
        origin=Origin.MANUAL,
        reasons=[],
        by=officer,
    )
    services.referral_accept(actor=investigator, referral=referral)

    page.goto(f"/referrals/{referral.public_id}/")
    page.get_by_label("Username").fill("ivan")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    form = page.locator("#outcome-form")
    # Nothing chosen yet: only the date and the justification.
    expect(form.get_by_label("How many people")).to_be_hidden()
    form.get_by_label("What happened").select_option("joint_investigation")
    expect(form.get_by_label("Countries involved")).to_be_visible()
    expect(form.get_by_label("How many people")).to_be_hidden()
    expect(form.get_by_label("Currency")).to_be_hidden()
    form.get_by_label("What happened").select_option("suspects_identified")
    expect(form.get_by_label("Countries involved")).to_be_hidden()
    form.get_by_label("How many people").fill("3")
    form.get_by_label("Of whom couriers").fill("2")
    form.get_by_label("Date").fill(referral.seizure.occurred_at.date().isoformat())
    form.get_by_label("Short justification").fill("Phone analysis named the consignee")
    form.get_by_role("button", name="Record the outcome").click()

    expect(page.locator(".message-success")).to_contain_text("Outcome recorded")
    expect(page.locator(".outcome-table")).to_contain_text("3 people · couriers: 2")
    assert Outcome.objects.get().kind == "suspects_identified"
    assert page.problems == []
