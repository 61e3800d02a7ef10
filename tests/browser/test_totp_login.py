"""A supervisor logs in through the browser with a password and an authenticator code."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casetracker.core.choices import Role

from .. import factories as f

pytestmark = pytest.mark.browser


def test_a_supervisor_logs_in_with_a_password_and_an_authenticator_code(page, live_server):
    supervisor = f.UserFactory(username="sofia", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)

    page.goto("/seizures/")
    page.get_by_label("Username").fill("sofia")
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verify").click()

    expect(page).to_have_url(f"{live_server.url}/seizures/")
    expect(page.get_by_role("heading", name="Seizures")).to_be_visible()
    assert page.problems == []
