"""Account security as people meet it: lockout, session limits, two-step login, passwords,
API throttling."""

import datetime as dt
import time

import pytest
from axes.models import AccessFailureLog
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from casetracker.core.accounts.api import token_view
from casetracker.core.accounts.middleware import LOGIN_AT, SEEN_AT
from casetracker.core.accounts.services import (
    account_unlock,
    totp_device_confirm,
    totp_device_start,
)
from casetracker.core.choices import Role
from casetracker.core.models import User
from casetracker.settings import base as base_settings
from tests import factories as f
from tests.mfa import authenticator, verified_login

pytestmark = pytest.mark.django_db

LIST = "/seizures/"


def log_in(client, username, password=f.PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


@pytest.fixture
def supervisor():
    return f.UserFactory(username="supervisor", unit=f.pcu("ECGYE"), role=Role.SUPERVISOR)


# --- lockout -----------------------------------------------------------------------------


def test_five_failed_logins_lock_the_username_even_against_the_right_password(client, officer):
    for _ in range(4):
        assert log_in(client, "officer", "wrong-password").status_code == 200

    fifth = log_in(client, "officer", "wrong-password")
    assert fifth.status_code == 403
    assert "An administrator must unlock it" in fifth.content.decode()

    refused = log_in(client, "officer")
    assert refused.status_code == 403
    assert not logged_in(client)


def test_a_success_after_four_failures_starts_the_count_again(client, officer):
    for _ in range(4):
        log_in(client, "officer", "wrong-password")
    assert log_in(client, "officer").status_code == 302
    client.logout()

    for _ in range(4):
        assert log_in(client, "officer", "wrong-password").status_code == 200
    assert log_in(client, "officer").status_code == 302


def test_failures_older_than_fifteen_minutes_do_not_count(client, officer):
    for _ in range(4):
        log_in(client, "officer", "wrong-password")
    AccessFailureLog.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert log_in(client, "officer", "wrong-password").status_code == 200
    assert log_in(client, "officer").status_code == 302


def test_failures_within_fifteen_minutes_add_up(client, officer):
    for _ in range(4):
        log_in(client, "officer", "wrong-password")
    AccessFailureLog.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14))

    assert log_in(client, "officer", "wrong-password").status_code == 403


def test_a_lockout_lasts_until_an_administrator_unlocks_the_username(client, officer):
    for _ in range(5):
        log_in(client, "officer", "wrong-password")
    AccessFailureLog.objects.update(attempt_time=timezone.now() - dt.timedelta(days=2))
    assert log_in(client, "officer").status_code == 403

    admin = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    admin_client = type(client)()
    verified_login(admin_client, admin)
    response = admin_client.post(
        reverse("admin:core_user_changelist"),
        {"action": "unlock_logins", "_selected_action": [officer.pk]},
    )
    assert response.status_code == 302

    assert log_in(client, "officer").status_code == 302
    assert logged_in(client)


def test_an_unlocked_username_gets_five_fresh_attempts(client, officer):
    for _ in range(5):
        log_in(client, "officer", "wrong-password")
    account_unlock(username="officer")

    for _ in range(4):
        assert log_in(client, "officer", "wrong-password").status_code == 200
    assert log_in(client, "officer").status_code == 302


def test_the_api_token_endpoint_refuses_a_locked_out_username(client, officer):
    url = reverse("api-token")
    for _ in range(5):
        client.post(url, {"username": "officer", "password": "wrong-password"})

    response = client.post(url, {"username": "officer", "password": f.PASSWORD})
    assert response.status_code == 403
    assert "token" not in response.json()


# --- session limits ----------------------------------------------------------------------


def shift_session(client, **keys_seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in keys_seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_session_idle_for_thirty_minutes_ends_with_a_message(client, officer):
    client.force_login(officer)
    assert client.get(LIST).status_code == 200
    shift_session(client, **{SEEN_AT: 30 * 60 + 5})

    response = client.get(LIST, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "inactivity" in response.content.decode()
    assert client.get(LIST).status_code == 302


def test_a_session_used_within_thirty_minutes_continues(client, officer):
    client.force_login(officer)
    client.get(LIST)
    shift_session(client, **{SEEN_AT: 29 * 60})
    assert client.get(LIST).status_code == 200


def test_activity_does_not_extend_a_session_past_eight_hours_from_the_login(client, officer):
    client.force_login(officer)
    client.get(LIST)
    shift_session(client, **{LOGIN_AT: 8 * 3600 + 5, SEEN_AT: 10})

    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_api_call_on_an_expired_session_is_refused(client, officer):
    client.force_login(officer)
    client.get(LIST)
    shift_session(client, **{SEEN_AT: 31 * 60})
    assert client.get("/api/v1/seizures/").status_code == 401


# --- two-step login ----------------------------------------------------------------------


def test_an_officer_without_an_authenticator_logs_in_with_the_password_alone(client, officer):
    assert log_in(client, "officer").url == reverse("home")
    assert client.get(LIST).status_code == 200


def test_a_supervisor_must_set_up_an_authenticator_before_anything_else(client, supervisor):
    response = log_in(client, "supervisor")
    assert response.url == reverse("accounts:mfa_setup")
    assert not logged_in(client)
    assert client.get(LIST).status_code == 302

    page = client.get(reverse("accounts:mfa_setup"))
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)

    done = client.post(reverse("accounts:mfa_setup"), {"token": code(device)})
    assert done.url == reverse("home")
    assert client.get(LIST).status_code == 200
    assert TOTPDevice.objects.get(user=supervisor).confirmed


def test_a_wrong_code_does_not_confirm_the_set_up(client, supervisor):
    log_in(client, "supervisor")
    client.get(reverse("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(user=supervisor)

    response = client.post(reverse("accounts:mfa_setup"), {"token": code(device, offset=5)})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not logged_in(client)


def test_a_user_with_an_authenticator_logs_in_only_with_a_valid_code(client, supervisor):
    device = authenticator(supervisor)
    assert log_in(client, "supervisor").url == reverse("accounts:otp")
    assert not logged_in(client)

    response = client.post(reverse("accounts:otp"), {"token": code(device)})
    assert response.url == reverse("home")
    assert client.get(LIST).status_code == 200


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(client, supervisor):
    device = authenticator(supervisor)
    log_in(client, "supervisor")

    response = client.post(reverse("accounts:otp"), {"token": code(device, offset=5)})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert not logged_in(client)
    assert AccessFailureLog.objects.filter(username="supervisor").count() == 1


def test_five_wrong_codes_lock_the_username(client, supervisor):
    device = authenticator(supervisor)
    log_in(client, "supervisor")
    wrong = {"token": code(device, offset=5)}
    for _ in range(4):
        assert client.post(reverse("accounts:otp"), wrong).status_code == 200

    assert client.post(reverse("accounts:otp"), wrong).status_code == 403
    assert log_in(client, "supervisor").status_code == 403
    assert not logged_in(client)


def test_the_code_step_needs_the_password_step_first(client, supervisor):
    authenticator(supervisor)
    response = client.get(reverse("accounts:otp"))
    assert response.url == reverse("login")


def test_an_officer_who_turns_on_two_step_login_must_give_a_code_next_time(client, officer):
    log_in(client, "officer")
    client.get(reverse("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(reverse("accounts:mfa_setup"), {"token": code(device)})
    assert response.url == reverse("accounts:security")
    client.post(reverse("logout"))

    assert log_in(client, "officer").url == reverse("accounts:otp")
    assert not logged_in(client)


def test_an_officer_can_turn_two_step_login_off(client, officer):
    verified_login(client, officer)
    client.post(reverse("accounts:mfa_disable"))
    assert not TOTPDevice.objects.filter(user=officer).exists()


def test_a_supervisor_cannot_turn_two_step_login_off(client, supervisor):
    verified_login(client, supervisor)
    response = client.post(reverse("accounts:mfa_disable"), follow=True)
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=supervisor).exists()


def test_a_session_opened_without_the_code_is_held_at_the_code_step(client, supervisor):
    # E.g. through the admin's own login page, which knows nothing of the second factor.
    authenticator(supervisor)
    client.force_login(supervisor)

    assert client.get(LIST).url == reverse("accounts:otp")
    assert client.get("/api/v1/seizures/").status_code == 403
    assert client.get(reverse("accounts:otp")).status_code == 200


def test_an_administrator_without_an_authenticator_is_sent_to_set_one_up(client):
    admin = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    client.force_login(admin)
    assert client.get(reverse("admin:index")).url == reverse("accounts:mfa_setup")


def test_the_account_security_page_shows_whether_two_step_login_is_on(client, officer):
    client.force_login(officer)
    assert "Off:" in client.get(reverse("accounts:security")).content.decode()


# --- passwords ---------------------------------------------------------------------------


def test_new_passwords_are_stored_with_argon2(settings):
    settings.PASSWORD_HASHERS = base_settings.PASSWORD_HASHERS
    user = f.UserFactory(username="newcomer", password="Harbour-Lantern-47")
    user.refresh_from_db()
    assert user.password.startswith("argon2")


@pytest.mark.parametrize("password", ["short-1", "password1234", "208374659120", "officer2024x"])
def test_weak_passwords_are_refused(password, officer):
    with pytest.raises(ValidationError):
        validate_password(password, user=officer)


def test_a_long_uncommon_password_is_accepted(officer):
    validate_password("Harbour-Lantern-47", user=officer)


# --- API throttling ----------------------------------------------------------------------


@pytest.fixture
def small_rates(monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    # DRF reads the rates into the throttle classes when they are imported.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    yield
    cache.clear()


def token_request(username="officer", password=f.PASSWORD):
    return APIRequestFactory().post(
        "/api/v1/auth/token/", {"username": username, "password": password}
    )


def test_anonymous_api_clients_are_throttled_past_their_rate(officer, small_rates):
    # The token endpoint is the API's door for anonymous clients (DRF's own is unthrottled).
    statuses = [token_view(token_request(password="wrong")).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_an_officer_gets_an_api_token(officer):
    response = token_view(token_request())
    assert response.status_code == 200
    assert Token.objects.get(user=officer).key == response.data["token"]


def test_nobody_who_owes_a_second_factor_gets_an_api_token(supervisor):
    response = token_view(token_request("supervisor"))
    assert response.status_code == 403
    assert not Token.objects.filter(user=supervisor).exists()


def test_signed_in_api_clients_are_throttled_past_their_rate(client, officer, small_rates):
    client.force_login(officer)
    statuses = [client.get("/api/v1/seizures/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_token_stops_working_when_its_officer_is_promoted_to_a_role_with_two_step_login(
    officer,
):
    key = token_view(token_request()).data["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/seizures/").status_code == 200

    officer.role = Role.SUPERVISOR
    officer.save()
    assert client.get("/api/v1/seizures/").status_code == 403


def test_setting_up_an_authenticator_revokes_the_accounts_api_tokens(officer):
    token_view(token_request())
    device = totp_device_start(user=officer)
    assert totp_device_confirm(device=device, token=code(device))
    assert not Token.objects.filter(user=officer).exists()
