"""The admin pages administrators use to keep reference data."""

import pytest
from django.urls import reverse

from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import User
from tests import factories as f
from tests.mfa import verified_login

pytestmark = pytest.mark.django_db

MODELS = ["port", "agency", "unit", "user"]


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    verified_login(client, admin)
    return client


@pytest.fixture
def unit():
    unit = f.pcu("ECGYE")
    unit.agencies.add(f.AgencyFactory(), f.AgencyFactory(name="Police", kind="police"))
    return unit


@pytest.mark.parametrize("model", MODELS)
def test_every_list_page_opens_for_a_superuser(admin_client, unit, model):
    assert admin_client.get(reverse(f"admin:core_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_every_add_page_opens_for_a_superuser(admin_client, model):
    assert admin_client.get(reverse(f"admin:core_{model}_add")).status_code == 200


def test_an_officer_cannot_reach_the_admin(client):
    officer = f.UserFactory(username="officer", unit=f.pcu("ECGYE"), role=Role.OFFICER)
    client.force_login(officer)
    response = client.get(reverse("admin:core_port_changelist"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_ports_are_searched_by_code_and_name_and_filtered_by_country(admin_client):
    for locode in ("ECGYE", "BEANR", "NLRTM"):
        f.port(locode)
    url = reverse("admin:core_port_changelist")
    by_code = admin_client.get(url, {"q": "ecgye"}).content.decode()
    assert "Guayaquil" in by_code and "Antwerp" not in by_code
    by_name = admin_client.get(url, {"q": "antw"}).content.decode()
    assert "Antwerp" in by_name and "Guayaquil" not in by_name
    in_nl = admin_client.get(url, {"country__exact": "NL"}).content.decode()
    assert "Rotterdam" in in_nl and "Antwerp" not in in_nl


def test_a_unit_shows_its_group_without_letting_it_be_changed(admin_client, unit):
    page = admin_client.get(reverse("admin:core_unit_change", args=[unit.pk])).content.decode()
    assert "unit:ECGYE-PCU" in page
    assert 'name="group"' not in page
    assert 'name="agencies"' in page  # the two-list member picker


def test_the_add_user_form_asks_for_unit_and_role(admin_client, unit):
    page = admin_client.get(reverse("admin:core_user_add")).content.decode()
    assert 'name="unit"' in page
    assert 'name="role"' in page


def test_adding_a_user_puts_them_in_their_unit_with_their_role(admin_client, unit):
    response = admin_client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newofficer",
            "unit": unit.pk,
            "role": Role.SUPERVISOR,
            "usable_password": "true",
            "password1": f.PASSWORD,
            "password2": f.PASSWORD,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="newofficer")
    assert (user.unit, user.role) == (unit, Role.SUPERVISOR)
    assert list(user.groups.all()) == [unit.group]


def test_adding_a_user_without_a_unit_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:core_user_add"),
        {
            "username": "drifter",
            "role": Role.OFFICER,
            "usable_password": "true",
            "password1": f.PASSWORD,
            "password2": f.PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Every user belongs to a unit." in response.content.decode()
    assert not User.objects.filter(username="drifter").exists()


def test_moving_a_user_to_another_unit_moves_their_group(admin_client, unit):
    user = f.UserFactory(username="mover", unit=unit, role=Role.OFFICER)
    antwerp = f.pcu("BEANR")
    url = reverse("admin:core_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "last_login", "user_permissions")
    }
    data.update(
        {
            "unit": antwerp.pk,
            "groups": [g.pk for g in user.groups.all()],  # as the page showed them
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    data.pop("date_joined", None)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.unit == antwerp
    assert list(user.groups.all()) == [antwerp.group]


def test_units_are_filtered_by_kind(admin_client, unit):
    f.UnitFactory(code="EC-INV", kind=UnitKind.INVESTIGATING, port=None, country="EC")
    page = admin_client.get(
        reverse("admin:core_unit_changelist"), {"kind__exact": UnitKind.INVESTIGATING}
    ).content.decode()
    assert "EC-INV" in page and "ECGYE-PCU" not in page
