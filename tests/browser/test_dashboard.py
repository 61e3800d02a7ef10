"""An evaluator opens the dashboard, chooses a cohort and reads its funnel.

(The README's screenshot of the demo dashboard is made by ``docs/screenshot.py``.)
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals.choices import Origin, RecipientKind
from referrals.models import Recipient, Referral
from referrals.routing import deadlines

from .. import factories as f

pytestmark = pytest.mark.browser


def log_in(page, path: str, username: str, password: str = f.PASSWORD) -> None:
    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_evaluator_chooses_a_cohort_and_sees_its_funnel(page):
    for code in ("ECGYE", "PAMIT", "BEANR", "MAPTM"):
        f.port(code)
    guayaquil = f.UserFactory(username="maria", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    antwerp = f.UserFactory(username="joost", unit=f.pcu("BEANR"), role=Role.OFFICER)
    evaluation = f.UnitFactory(
        code="UNODC-EVAL", kind=UnitKind.EVALUATION, port=None, country="AT", name="Evaluation"
    )
    f.UserFactory(username="eva", unit=evaluation, role=Role.EVALUATOR)
    investigators = f.UnitFactory(
        code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC", name="Antinarcóticos"
    )
    recipient = Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigators, country="EC"
    )
    now = timezone.now()
    for days in (3, 8):
        seizure = f.log_seizure(guayaquil, submit=True, occurred_at=now - dt.timedelta(days=days))
        Referral.objects.create(
            seizure=seizure,
            recipient=recipient,
            handling_code=HandlingCode.H1,
            origin=Origin.MANUAL,
            **deadlines(
                sent_at=seizure.occurred_at + dt.timedelta(hours=4), ack_hours=24, respond_days=7
            ),
        )
    f.log_seizure(antwerp, submit=True, occurred_at=now - dt.timedelta(days=5))

    log_in(page, "/evaluation/", "eva")
    expect(page.get_by_role("heading", name="How far seizures were followed up")).to_be_visible()
    expect(page.locator("[data-summary]")).to_contain_text("3 seizures")
    funnel = page.locator('table[data-table="funnel"]')
    expect(funnel.locator('tr[data-rung="1"]')).to_contain_text("2")

    # The cohort: Guayaquil's seizures only.
    page.get_by_label("Units").select_option("ECGYE-PCU")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-summary]")).to_contain_text("2 seizures · 1 unit · 1 country")
    assert "unit=ECGYE-PCU" in page.url
    referred = funnel.locator('tr[data-rung="1"] td')
    expect(referred.nth(0)).to_have_text("2")
    expect(referred.nth(1)).to_have_text("100\u00a0%")
    expect(page.locator("#funnel svg[role=img]")).to_be_visible()
    # The seizure list of the same cohort is one click away.
    page.get_by_role("link", name="See these seizures").click()
    assert "/evaluation/seizures/" in page.url and "unit=ECGYE-PCU" in page.url
    assert page.problems == []
