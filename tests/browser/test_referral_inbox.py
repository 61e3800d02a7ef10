"""A seizure submitted by an officer reaches the investigator's inbox, is acknowledged
there, and the officer sees it acknowledged on the seizure's page."""

import pytest
from playwright.sync_api import expect

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals.choices import RecipientKind, ReferralStatus
from referrals.models import Recipient, Referral, RoutingRule

from .. import factories as f

pytestmark = pytest.mark.browser


def log_in(page, path: str, username: str) -> None:
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_submitted_seizure_is_acknowledged_from_the_inbox_and_the_officer_sees_it(
    page, browser, live_server
):
    for code in ("ECGYE", "PAMIT", "BEANR"):
        f.port(code)
    officer = f.UserFactory(username="maria", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    unit = f.UnitFactory(
        code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC", name="Antinarcóticos"
    )
    f.UserFactory(username="ivan", unit=unit, role=Role.INVESTIGATOR)
    RoutingRule.objects.create(
        name="Every seizure in Ecuador to Antinarcóticos",
        seizing_countries=["EC"],
        recipient=Recipient.objects.create(
            name="Antinarcóticos", kind=RecipientKind.UNIT, unit=unit, country="EC"
        ),
        handling_code=HandlingCode.H1,
        ack_hours=24,
        respond_days=7,
    )
    seizure = f.log_seizure(officer)  # a draft, submitted below through its page
    seizure_page = f"/seizures/{seizure.public_id}/"

    # The officer submits; routing runs as the submission commits (Celery is eager here).
    log_in(page, seizure_page, "maria")
    expect(page.locator("#referrals")).to_contain_text("sent when the seizure is submitted")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("submitted")
    expect(page.locator("#referrals")).to_contain_text("Antinarcóticos")
    expect(page.locator("#referrals .referral-status")).to_have_text("Sent")

    # The investigator, in a browser of their own, finds it in the inbox and acknowledges.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="en-GB"
    )
    inbox = context.new_page()
    inbox.set_default_timeout(15_000)
    problems: list[str] = []
    inbox.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    inbox.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    log_in(inbox, "/referrals/", "ivan")
    expect(inbox.get_by_role("heading", name="Referrals to your unit")).to_be_visible()
    expect(inbox.locator(".main-nav .nav-count")).to_contain_text("1")
    row = inbox.locator("tr.inbox-row", has_text=seizure.reference)
    expect(row).to_contain_text("due in 23 h")
    row.get_by_role("button", name="Acknowledge").click()
    expect(inbox.locator(".message-success")).to_contain_text("acknowledged")
    expect(inbox.locator("tr.inbox-row", has_text=seizure.reference)).to_contain_text(
        "Acknowledged"
    )
    assert Referral.objects.get(seizure=seizure).status == ReferralStatus.ACKNOWLEDGED
    context.close()

    # The officer reloads the seizure's page and sees the referral acknowledged.
    page.reload()
    expect(page.locator("#referrals .referral-status")).to_have_text("Acknowledged")
    assert page.problems == []
    assert problems == []
