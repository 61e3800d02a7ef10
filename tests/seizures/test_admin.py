import pytest
from django.urls import reverse

from tests.mfa import verified_login

from .. import factories as f


@pytest.fixture
def admin_client_logged(client, db):
    admin = f.UserFactory(username="root", unit=None, is_superuser=True, is_staff=True)
    verified_login(client, admin)
    return client


def test_it_lists_seizures_for_an_administrator(admin_client_logged, seizure):
    response = admin_client_logged.get(reverse("admin:seizures_seizure_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    assert seizure.reference in body
    assert "ECGYE-PCU" in body


def test_it_finds_a_seizure_by_bill_of_lading_in_the_admin(admin_client_logged, officer):
    wanted = f.log_seizure(officer, bill_of_lading="BLWANTED1")
    other = f.log_seizure(officer, bill_of_lading="BLOTHER2")
    response = admin_client_logged.get(
        reverse("admin:seizures_seizure_changelist"), {"q": "BLWANTED1"}
    )
    body = response.content.decode()
    assert wanted.reference in body
    assert other.reference not in body


def test_it_shows_a_seizure_with_its_parts_read_only(admin_client_logged, seizure):
    response = admin_client_logged.get(reverse("admin:seizures_seizure_change", args=[seizure.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for fact in (seizure.reference, "CSQU3054383", "Frutas del Sol SA", "PAMIT"):
        assert fact in body, fact
    assert 'name="_save"' not in body


def test_it_offers_no_way_to_add_or_delete_seizures_in_the_admin(admin_client_logged, seizure):
    assert admin_client_logged.get(reverse("admin:seizures_seizure_add")).status_code == 403
    delete = reverse("admin:seizures_seizure_delete", args=[seizure.pk])
    assert admin_client_logged.get(delete).status_code == 403


def test_it_keeps_officers_out_of_the_admin(client, officer):
    client.force_login(officer)
    response = client.get(reverse("admin:seizures_seizure_changelist"))
    assert response.status_code == 302
