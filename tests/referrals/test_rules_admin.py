"""Administrators keep the routing rules in the admin: commodities ticked, not typed, and a
rule that could never match refused with the reason on the field."""

import re

import pytest
from django.urls import reverse

from casetracker.core.choices import HandlingCode
from casetracker.core.models import User
from referrals.models import RoutingRule
from seizures.choices import CommodityCategory, Substance

from .. import factories as f
from ..mfa import verified_login

pytestmark = pytest.mark.django_db

ADD = reverse("admin:referrals_routingrule_add")


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", "root@example.org", f.PASSWORD)
    verified_login(client, admin)
    return client


@pytest.fixture
def form(investigating_recipient):
    def build(**changes):
        data = {
            "name": "Cash and cocaine from Ecuador",
            "active": "on",
            "priority": "30",
            "min_quantity": "",
            "quantity_unit": "",
            "route_role": "any",
            "recipient": str(investigating_recipient.pk),
            "handling_code": str(HandlingCode.H2.value),
            "ack_hours": "12",
            "respond_days": "5",
        }
        data.update(changes)
        return data

    return build


def test_the_rule_pages_open_for_an_administrator(admin_client, default_rules):
    assert admin_client.get(ADD).status_code == 200
    listing = admin_client.get(reverse("admin:referrals_routingrule_changelist"))
    assert "Cash to the UAFE" in listing.content.decode()
    change = reverse("admin:referrals_routingrule_change", args=[default_rules[2].pk])
    page = admin_client.get(change).content.decode()
    assert re.search(r'name="commodities" value="cash"[^>]*checked', page)
    assert not re.search(r'name="commodities" value="drugs"[^>]*checked', page)


def test_an_administrator_creates_a_rule_with_ticked_commodities(
    admin_client, form, investigating_recipient, officer
):
    response = admin_client.post(
        ADD,
        form(
            commodities=[CommodityCategory.DRUGS, CommodityCategory.CASH],
            substances=[Substance.COCAINE],
            min_quantity="500",
            quantity_unit="kg",
            seizing_units=[str(officer.unit.pk)],
            seizing_countries=["EC"],
            route_countries=["CO", "PA"],
            route_role="origin",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = RoutingRule.objects.get()
    assert rule.commodities == ["drugs", "cash"]
    assert rule.substances == ["cocaine"]
    assert [str(c) for c in rule.seizing_countries] == ["EC"]
    assert sorted(str(c) for c in rule.route_countries) == ["CO", "PA"]
    assert list(rule.seizing_units.all()) == [officer.unit]
    assert rule.recipient == investigating_recipient
    assert (rule.handling_code, rule.ack_hours, rule.respond_days) == (2, 12, 5)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"commodities": ["cash"], "substances": ["cocaine"]},
            "substances",
            "A chosen substance belongs to none of the chosen commodities: never matches.",
        ),
        (
            {"commodities": ["firearms"], "min_quantity": "10", "quantity_unit": "kg"},
            "quantity_unit",
            "None of the chosen commodities is measured in this unit.",
        ),
        (
            {"min_quantity": "10"},
            "quantity_unit",
            "Give the unit the threshold is in.",
        ),
        (
            {"seizing_countries": ["EC"], "route_countries": ["EC"], "foreign_on_route": "on"},
            "foreign_on_route",
            "a foreign country can never be on it.",
        ),
        (
            {"ack_hours": "200", "respond_days": "7"},
            "ack_hours",
            "Acknowledging cannot be due after the answer is due.",
        ),
    ],
)
def test_a_rule_that_cannot_match_is_refused_with_the_reason(
    admin_client, form, changes, field, message
):
    response = admin_client.post(ADD, form(**changes))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not RoutingRule.objects.exists()


def test_seizing_units_outside_the_chosen_countries_are_refused(admin_client, form, officer):
    response = admin_client.post(
        ADD, form(seizing_units=[str(officer.unit.pk)], seizing_countries=["GH"])
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["seizing_units"]
    assert not RoutingRule.objects.exists()
