"""Sharing a seizure with another unit from its detail page, and taking it back."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casetracker.core.choices import HandlingCode, Role
from seizures import sharing
from seizures.models import SeizureShare

from .. import factories as f


def verified_login(client, user) -> None:
    """A session that passed both factors (supervisors must give one)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    cache.clear()


@pytest.fixture
def supervisor(officer):
    return f.UserFactory(username="supervisor", role=Role.SUPERVISOR, unit=officer.unit)


def detail(seizure) -> str:
    return reverse("seizures:detail", args=[seizure.public_id])


def share_url(seizure) -> str:
    return reverse("seizures:share-add", args=[seizure.public_id])


def revoke_url(seizure, unit) -> str:
    return reverse("seizures:share-revoke", args=[seizure.public_id, unit.code])


def api_get(user, path: str):
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client.get(path)


def test_a_supervisor_shares_and_the_recipient_then_finds_it_everywhere(
    client, supervisor, investigator, seizure
):
    verified_login(client, supervisor)
    response = client.post(
        share_url(seizure),
        {"unit": investigator.unit.code, "handling_level": "2", "reason": "Joint case 17"},
    )
    assert response.status_code == 302
    panel = client.get(detail(seizure)).content.decode()
    assert "EC-INV" in panel and "Joint case 17" in panel and "Take back from EC-INV" in panel

    client.force_login(investigator)
    listed = client.get(reverse("seizures:list")).content.decode()
    page = client.get(detail(seizure)).content.decode()
    api = api_get(investigator, f"/api/v1/seizures/{seizure.public_id}/")

    assert seizure.reference in listed
    assert "Shared with your unit at H2 by" in page and "supervisor" in page
    assert api.status_code == 200
    assert "Shared with" not in page.replace("Shared with your unit", "")


def test_taking_it_back_hides_the_seizure_from_the_unit_again(
    client, supervisor, investigator, seizure
):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=supervisor
    )
    verified_login(client, supervisor)
    response = client.post(revoke_url(seizure, investigator.unit))
    assert response.status_code == 302
    assert SeizureShare.objects.get().revoked_by == supervisor

    # A client of its own: the supervisor's "no longer shared" message names the seizure.
    recipient = Client()
    recipient.force_login(investigator)
    assert recipient.get(detail(seizure)).status_code == 404
    assert seizure.reference not in recipient.get(reverse("seizures:list")).content.decode()
    assert api_get(investigator, f"/api/v1/seizures/{seizure.public_id}/").status_code == 404


def test_an_officer_is_offered_no_share_form_and_may_not_post_one(
    client, officer, investigator, seizure
):
    client.force_login(officer)
    page = client.get(detail(seizure)).content.decode()
    response = client.post(share_url(seizure), {"unit": "EC-INV", "handling_level": "1"})

    assert share_url(seizure) not in page
    assert response.status_code == 403
    assert not SeizureShare.objects.exists()


def test_a_recipient_cannot_share_onwards_or_take_back(
    client, investigator, other_officer, seizure
):
    sharing.seizure_share(
        seizure=seizure, unit=investigator.unit, handling_level=HandlingCode.H1, by=None
    )
    boss = f.UserFactory(role=Role.SUPERVISOR, unit=investigator.unit)
    verified_login(client, boss)

    shared = client.post(share_url(seizure), {"unit": "BEANR-PCU", "handling_level": "2"})
    taken = client.post(revoke_url(seizure, investigator.unit))

    assert (shared.status_code, taken.status_code) == (404, 404)
    assert SeizureShare.objects.get().revoked_at is None


def test_another_units_supervisor_gets_404(client, other_officer, seizure):
    boss = f.UserFactory(role=Role.SUPERVISOR, unit=other_officer.unit)
    verified_login(client, boss)
    response = client.post(share_url(seizure), {"unit": "BEANR-PCU", "handling_level": "1"})
    assert response.status_code == 404


def test_sharing_with_the_own_unit_is_refused_with_a_reason(client, supervisor, seizure):
    verified_login(client, supervisor)
    response = client.post(share_url(seizure), {"unit": "ECGYE-PCU", "handling_level": "1"})

    assert response.status_code == 400
    assert "not shared with the unit that logged it" in response.content.decode()
    assert not SeizureShare.objects.exists()


def test_the_share_form_offers_every_unit_but_the_own(client, supervisor, other_officer, seizure):
    verified_login(client, supervisor)
    form = client.get(detail(seizure)).context["share_form"]
    offered = [code for code, _label in form.fields["unit"].widget.choices]
    assert "BEANR-PCU" in offered and "ECGYE-PCU" not in offered


def test_an_unknown_unit_or_h0_level_is_refused_at_the_field(client, supervisor, seizure):
    verified_login(client, supervisor)
    response = client.post(share_url(seizure), {"unit": "XX-NONE", "handling_level": "0"})

    form = response.context["share_form"]
    assert response.status_code == 400
    assert set(form.errors) == {"unit", "handling_level"}


def test_an_administrator_may_share_any_units_seizure(client, investigator, seizure):
    admin = f.UserFactory(
        username="admin", role=Role.ADMINISTRATOR, is_superuser=True, is_staff=True
    )
    verified_login(client, admin)
    response = client.post(
        share_url(seizure), {"unit": investigator.unit.code, "handling_level": "3"}
    )
    assert response.status_code == 302
    assert SeizureShare.objects.get().handling_level == HandlingCode.H3
