"""Which recipients a submitted seizure goes to, why, and only once.

Matching is tested on ``SeizureFacts`` written by hand (what a Guayaquil seizure of cocaine
shipped through Panama to Antwerp looks like to the rules); routing itself on seizures
logged through the service.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals import explain, routing, services
from referrals.choices import Origin, RecipientKind, RouteRole
from referrals.models import Recipient, Referral, RoutingJob, RoutingRule
from referrals.routing import Item, SeizureFacts, rule_match
from seizures import services as seizure_services
from seizures.choices import CommodityCategory, PortCallRole, QuantityUnit, SeizureStatus, Substance
from seizures.models import Seizure

from .. import factories as f
from .conftest import unit

C, S, Q = CommodityCategory, Substance, QuantityUnit

COCAINE = Item(C.DRUGS, S.COCAINE, Decimal("250.5"), Q.KILOGRAM)
CASH = Item(C.CASH, "", Decimal("480000"), Q.CURRENCY)
# Guayaquil → Manzanillo (Panama) → Antwerp
ROUTE = (("origin", "EC"), ("transit", "PA"), ("destination", "BE"))


def facts(*items, route=ROUTE, unit_id=1, country="EC") -> SeizureFacts:
    return SeizureFacts(
        unit_id=unit_id,
        unit_code="ECGYE-PCU",
        country=country,
        items=items or (COCAINE,),
        route=route,
    )


def match(facts_, units=frozenset(), **conditions):
    """What ``rule_match`` says for a rule with ``conditions`` (not saved: pure matching)."""
    return rule_match(RoutingRule(name="rule", **conditions), facts_, set(units))


def what(met) -> list[str]:
    return [condition["what"] for condition in met]


# --- conditions, one by one -----------------------------------------------------------


def test_a_rule_without_conditions_matches_every_seizure():
    assert match(facts()) == [{"what": "every_seizure"}]


def test_a_commodity_rule_matches_only_seizures_of_that_commodity():
    assert match(facts(COCAINE), commodities=[C.CASH]) is None

    met = match(facts(COCAINE, CASH), commodities=[C.CASH])

    assert met == [{"what": "commodity", "values": [C.CASH]}]


def test_a_substance_rule_matches_only_that_substance():
    assert match(facts(COCAINE), substances=[S.HEROIN]) is None

    heroin = Item(C.DRUGS, S.HEROIN, Decimal("12"), Q.KILOGRAM)
    met = match(facts(COCAINE, heroin), substances=[S.HEROIN])

    assert met == [{"what": "substance", "values": [S.HEROIN]}]


@pytest.mark.parametrize(
    ("quantity", "unit_", "matches"),
    [
        ("1500", Q.GRAM, True),  # 1.5 kg
        ("999", Q.GRAM, False),
        ("0.002", Q.TONNE, True),  # 2 kg
        ("1", Q.KILOGRAM, True),  # exactly the threshold
        ("0.9", Q.KILOGRAM, False),
        ("5", Q.LITRE, False),  # a volume is never compared with a mass
    ],
)
def test_a_quantity_threshold_compares_grams_kilograms_and_tonnes(quantity, unit_, matches):
    item = Item(C.DRUGS, S.COCAINE, Decimal(quantity), unit_)

    met = match(facts(item), min_quantity=Decimal("1"), quantity_unit=Q.KILOGRAM)

    assert (met is not None) is matches


def test_a_quantity_threshold_explains_the_biggest_item_that_met_it():
    small = Item(C.DRUGS, S.COCAINE, Decimal("600"), Q.KILOGRAM)
    big = Item(C.DRUGS, S.HEROIN, Decimal("1.2"), Q.TONNE)

    met = match(facts(small, big), min_quantity=Decimal("500"), quantity_unit=Q.KILOGRAM)

    assert met == [
        {
            "what": "quantity",
            "quantity": "1.2",
            "unit": Q.TONNE,
            "substance": S.HEROIN,
            "min": "500",
            "min_unit": Q.KILOGRAM,
        }
    ]
    assert explain.condition_text(met[0]) == "1.2 tonnes of Heroin, at least 500 kilograms"


@pytest.mark.django_db
def test_a_stored_quantity_is_explained_without_trailing_zeros_or_exponents(officer):
    grams = {"category": C.DRUGS, "substance": S.COCAINE, "quantity": Decimal("1500")}
    seizure = f.log_seizure(officer, parts=f.seizure_parts(items=[{**grams, "quantity_unit": "g"}]))

    met = match(SeizureFacts.of(seizure), min_quantity=Decimal("1.000"), quantity_unit="kg")

    assert explain.condition_text(met[0]) == "1500 grams of Cocaine, at least 1 kilograms"


def test_a_quantity_threshold_only_counts_items_of_the_chosen_commodities():
    lots_of_cash = Item(C.CASH, "", Decimal("2000000"), Q.CURRENCY)
    little_cocaine = Item(C.DRUGS, S.COCAINE, Decimal("2"), Q.KILOGRAM)
    rule = {"commodities": [C.DRUGS], "min_quantity": Decimal("100"), "quantity_unit": Q.KILOGRAM}

    assert match(facts(lots_of_cash, little_cocaine), **rule) is None


def test_a_seizing_unit_rule_matches_only_that_units_seizures():
    assert match(facts(unit_id=7), units={8}) is None

    assert match(facts(unit_id=7), units={7, 8}) == [{"what": "seizing_unit", "unit": "ECGYE-PCU"}]


def test_a_seizing_country_rule_matches_only_seizures_made_there():
    assert match(facts(country="BE"), seizing_countries=["EC"]) is None

    assert match(facts(), seizing_countries=["EC", "GH"]) == [
        {"what": "seizing_country", "country": "EC"}
    ]


@pytest.mark.parametrize(
    ("role", "country", "matches"),
    [
        (RouteRole.ORIGIN, "EC", True),
        (RouteRole.ORIGIN, "PA", False),
        (RouteRole.TRANSIT, "PA", True),
        (RouteRole.TRANSIT, "BE", False),
        (RouteRole.DESTINATION, "BE", True),
        (RouteRole.DESTINATION, "EC", False),
        (RouteRole.ANY, "PA", True),
        (RouteRole.ANY, "NL", False),
    ],
)
def test_a_route_country_must_be_on_the_route_where_the_rule_says(role, country, matches):
    met = match(facts(), route_countries=[country], route_role=role)

    assert (met is not None) is matches
    if matches:
        assert met == [{"what": "route_country", "role": role, "countries": [country]}]


def test_a_final_destination_counts_as_destination_and_transhipment_as_transit(officer):
    parts = f.seizure_parts(
        port_calls=[
            {"role": PortCallRole.LOADING, "port": f.port("COCTG")},
            {"role": PortCallRole.TRANSHIPMENT, "port": f.port("PAMIT")},
            {"role": PortCallRole.DISCHARGE, "port": f.port("ESALG")},
            {"role": PortCallRole.FINAL_DESTINATION, "port": f.port("NLRTM")},
        ]
    )
    seizure = f.log_seizure(officer, parts=parts)

    read = SeizureFacts.of(seizure)

    assert read.route == (
        ("origin", "CO"),
        ("transit", "PA"),
        ("destination", "ES"),
        ("destination", "NL"),
    )
    assert match(read, route_countries=["NL"], route_role=RouteRole.DESTINATION) is not None
    assert match(read, route_countries=["CO"], route_role=RouteRole.TRANSIT) is None


def test_foreign_on_route_needs_a_country_other_than_the_seizing_one():
    domestic = facts(route=(("origin", "EC"), ("destination", "EC")))
    assert match(domestic, foreign_on_route=True) is None

    met = match(facts(), foreign_on_route=True)

    assert met == [{"what": "foreign_on_route", "countries": ["BE", "PA"]}]


def test_every_condition_must_hold():
    rule = {"commodities": [C.DRUGS], "seizing_countries": ["EC"], "foreign_on_route": True}

    assert what(match(facts(), **rule)) == ["commodity", "seizing_country", "foreign_on_route"]
    assert match(facts(country="GH"), **rule) is None


# --- decisions: several rules, recipients abroad --------------------------------------


@pytest.mark.django_db
def test_several_rules_for_one_recipient_give_the_strictest_handling_and_soonest_deadlines(
    investigating_recipient,
):
    common = {"recipient": investigating_recipient}
    RoutingRule.objects.create(
        name="All", handling_code=HandlingCode.H1, ack_hours=48, respond_days=14, **common
    )
    RoutingRule.objects.create(
        name="Big cocaine",
        substances=[S.COCAINE],
        min_quantity=Decimal("100"),
        quantity_unit=Q.KILOGRAM,
        handling_code=HandlingCode.H3,
        ack_hours=72,
        respond_days=3,
        **common,
    )
    RoutingRule.objects.create(name="Off", active=False, ack_hours=1, respond_days=1, **common)

    [decision] = routing.decisions_for(facts())

    assert decision.recipient == investigating_recipient
    assert decision.handling_code == HandlingCode.H3
    assert (decision.ack_hours, decision.respond_days) == (48, 3)
    assert [reason["rule"] for reason in decision.reasons] == ["All", "Big cocaine"]


@pytest.mark.django_db
def test_a_recipient_abroad_is_raised_to_h2_and_told_why(external_recipient):
    RoutingRule.objects.create(
        name="Counterpart", recipient=external_recipient, handling_code=HandlingCode.H1
    )

    [decision] = routing.decisions_for(facts())

    assert decision.handling_code == HandlingCode.H2
    assert decision.reasons[-1] == {"kind": "abroad", "country": "BE"}


@pytest.mark.django_db
def test_a_recipient_abroad_keeps_a_stricter_code_than_h2(external_recipient):
    RoutingRule.objects.create(
        name="Counterpart", recipient=external_recipient, handling_code=HandlingCode.H3
    )

    [decision] = routing.decisions_for(facts())

    assert decision.handling_code == HandlingCode.H3
    assert all(reason["kind"] == "rule" for reason in decision.reasons)


@pytest.mark.django_db
def test_rules_of_inactive_recipients_send_nothing(external_recipient):
    RoutingRule.objects.create(name="Counterpart", recipient=external_recipient)
    Recipient.objects.filter(pk=external_recipient.pk).update(active=False)

    assert routing.decisions_for(facts()) == []


def test_the_explanation_reads_as_sentences():
    reasons = [
        {
            "kind": "rule",
            "rule": "Big cocaine to the NCB",
            "conditions": [
                {"what": "seizing_country", "country": "EC"},
                {
                    "what": "quantity",
                    "quantity": "1500",
                    "unit": "g",
                    "substance": "cocaine",
                    "min": "1",
                    "min_unit": "kg",
                },
                {"what": "route_country", "role": "transit", "countries": ["PA"]},
                {"what": "foreign_on_route", "countries": ["BE", "PA"]},
            ],
        },
        {"kind": "rule", "rule": "Everything", "conditions": [{"what": "every_seizure"}]},
        {"kind": "abroad", "country": "BE"},
        {"kind": "manual", "by": "Andrea Zambrano"},
    ]

    lines = explain.reason_lines(reasons)

    assert lines[0] == (
        "Rule “Big cocaine to the NCB”: seized in Ecuador; 1500 grams of Cocaine, at least 1 "
        "kilograms; Panama on the route (transit (transhipment)); foreign countries on the "
        "route: Belgium, Panama."
    )
    assert lines[1] == "Rule “Everything”: every submitted seizure."
    assert "abroad (Belgium)" in lines[2] and "H2" in lines[2]
    assert lines[3] == "Referred by hand by Andrea Zambrano."


@pytest.mark.django_db
def test_a_routed_referral_explains_itself(officer, default_rules):
    seizure = f.log_seizure(officer, submit=True)

    routing.seizure_route(seizure_id=seizure.pk)

    ncb = Referral.objects.get(seizure=seizure, recipient__name="INTERPOL NCB Quito")
    assert explain.reason_lines(ncb.reasons) == [
        "Rule “Foreign country on the route to NCB Quito”: seized in Ecuador; foreign "
        "countries on the route: Belgium, Panama."
    ]


# --- rules that cannot match are refused -------------------------------------------------


def refused(rule: RoutingRule) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    return caught.value.message_dict


@pytest.fixture
def rule(investigating_recipient):
    def build(**fields):
        return RoutingRule(name="A rule", recipient=investigating_recipient, **fields)

    return build


@pytest.mark.django_db
def test_a_sensible_rule_is_accepted(rule):
    rule(
        commodities=[C.DRUGS],
        substances=[S.COCAINE],
        min_quantity=Decimal("500"),
        quantity_unit=Q.GRAM,
        seizing_countries=["EC"],
        route_countries=["CO", "PA"],
        route_role=RouteRole.ORIGIN,
        foreign_on_route=True,
    ).full_clean()


@pytest.mark.django_db
def test_a_substance_outside_the_chosen_commodities_is_refused(rule):
    errors = refused(rule(commodities=[C.CASH], substances=[S.COCAINE]))

    assert errors == {
        "substances": [
            "A chosen substance belongs to none of the chosen commodities: never matches."
        ]
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("commodities", "unit_"),
    [([C.CASH], Q.KILOGRAM), ([C.FIREARMS], Q.LITRE), ([C.DRUGS], Q.CURRENCY)],
)
def test_a_threshold_in_a_unit_no_chosen_commodity_uses_is_refused(rule, commodities, unit_):
    errors = refused(rule(commodities=commodities, min_quantity=Decimal("10"), quantity_unit=unit_))

    assert errors == {"quantity_unit": ["None of the chosen commodities is measured in this unit."]}


@pytest.mark.django_db
def test_a_tablet_threshold_fits_captagon_but_not_cocaine(rule):
    captagon = {"commodities": [C.DRUGS], "min_quantity": Decimal("1000")}
    rule(substances=[S.CAPTAGON], quantity_unit=Q.TABLET, **captagon).full_clean()

    errors = refused(rule(substances=[S.COCAINE], quantity_unit=Q.TABLET, **captagon))

    assert list(errors) == ["quantity_unit"]


@pytest.mark.django_db
def test_a_threshold_without_a_unit_is_refused(rule):
    errors = refused(rule(min_quantity=Decimal("10")))

    assert errors == {"quantity_unit": ["Give the unit the threshold is in."]}


@pytest.mark.django_db
def test_a_unit_without_a_threshold_is_refused(rule):
    errors = refused(rule(quantity_unit=Q.KILOGRAM))

    assert errors == {"min_quantity": ["Give the threshold, or clear its unit."]}


@pytest.mark.django_db
def test_a_foreign_country_rule_that_only_allows_the_seizing_country_on_the_route_is_refused(
    rule,
):
    errors = refused(rule(seizing_countries=["EC"], route_countries=["EC"], foreign_on_route=True))

    assert list(errors) == ["foreign_on_route"]
    assert "can never be on it" in errors["foreign_on_route"][0]


@pytest.mark.django_db
def test_a_rule_for_an_inactive_recipient_is_refused(rule, investigating_recipient):
    Recipient.objects.filter(pk=investigating_recipient.pk).update(active=False)
    investigating_recipient.refresh_from_db()

    errors = refused(rule())

    assert errors == {"recipient": ["This recipient is inactive: the rule would refer to nobody."]}


@pytest.mark.django_db
def test_acknowledging_due_after_the_answer_is_refused(rule):
    errors = refused(rule(ack_hours=8 * 24, respond_days=7))

    assert errors == {"ack_hours": ["Acknowledging cannot be due after the answer is due."]}


@pytest.mark.django_db
def test_chosen_seizing_units_outside_the_chosen_countries_are_refused(rule, officer):
    with pytest.raises(ValidationError) as caught:
        rule(seizing_countries=["GH"]).validate_seizing_units([officer.unit])

    assert list(caught.value.message_dict) == ["seizing_units"]


# --- recipients that nobody would read are refused ---------------------------------------


@pytest.mark.django_db
def test_a_unit_recipient_without_anyone_to_receive_is_refused():
    empty = unit("EC-FGE", UnitKind.PROSECUTION)
    recipient = Recipient(name="Fiscalía", kind=RecipientKind.UNIT, unit=empty, country="EC")

    with pytest.raises(ValidationError) as caught:
        recipient.full_clean()

    assert list(caught.value.message_dict) == ["email"]
    assert "Nobody would receive" in caught.value.message_dict["email"][0]


@pytest.mark.django_db
def test_a_unit_recipient_is_accepted_with_a_responder_or_an_address():
    prosecution = unit("EC-FGE", UnitKind.PROSECUTION)
    recipient = Recipient(name="Fiscalía", kind=RecipientKind.UNIT, unit=prosecution, country="EC")
    recipient.email = "fiscalia@example.org"
    recipient.full_clean()

    recipient.email = ""
    f.UserFactory(username="fiscal", unit=prosecution, role=Role.INVESTIGATOR)
    recipient.full_clean()


@pytest.mark.django_db
def test_an_external_recipient_without_an_address_is_refused():
    recipient = Recipient(name="Policía Nacional de Colombia", kind="external", country="CO")

    with pytest.raises(ValidationError) as caught:
        recipient.full_clean()

    assert caught.value.message_dict["email"] == [
        "An external contact is reached by e-mail: give the address."
    ]


# --- routing a seizure -------------------------------------------------------------------


def referred(seizure: Seizure) -> list[tuple[str, str]]:
    return sorted(Referral.objects.filter(seizure=seizure).values_list("recipient__name", "origin"))


@pytest.mark.django_db
def test_routing_twice_creates_one_set_of_referrals(officer, default_rules):
    seizure = f.log_seizure(officer, submit=True)

    first = routing.seizure_route(seizure_id=seizure.pk)
    RoutingJob.objects.filter(seizure=seizure).update(done_at=None)  # as if cut short
    second = routing.seizure_route(seizure_id=seizure.pk)

    assert len(first) == 2 and second == []
    assert referred(seizure) == [("Antinarcóticos", Origin.RULE), ("INTERPOL NCB Quito", "rule")]
    job = RoutingJob.objects.get(seizure=seizure)
    assert job.done_at is not None and job.referrals_created == 0


@pytest.mark.django_db
def test_a_recipient_referred_by_hand_before_routing_is_not_referred_again(
    officer, investigating_recipient, default_rules
):
    seizure = f.log_seizure(officer, submit=True)  # routing waits for the commit
    services.referral_add(
        user=officer,
        seizure=seizure,
        recipient=investigating_recipient,
        handling_code=HandlingCode.H2,
        ack_hours=4,
        respond_days=2,
    )

    routing.seizure_route(seizure_id=seizure.pk)

    assert referred(seizure) == [("Antinarcóticos", "manual"), ("INTERPOL NCB Quito", "rule")]
    by_hand = Referral.objects.get(seizure=seizure, recipient=investigating_recipient)
    assert by_hand.handling_code == HandlingCode.H2


@pytest.mark.django_db
def test_a_draft_seizure_is_never_routed(seizure, default_rules):
    assert seizure.status == SeizureStatus.DRAFT
    assert not RoutingJob.objects.filter(seizure=seizure).exists()

    assert routing.seizure_route(seizure_id=seizure.pk) == []
    assert not Referral.objects.filter(seizure=seizure).exists()


@pytest.mark.django_db
def test_a_routing_job_for_a_draft_refers_nothing(seizure, default_rules):
    RoutingJob.objects.create(seizure=seizure)

    with pytest.raises(ValidationError):
        routing.seizure_route(seizure_id=seizure.pk)

    assert not Referral.objects.filter(seizure=seizure).exists()


@pytest.mark.django_db
def test_submitting_opens_a_routing_job_in_the_same_transaction(officer, seizure, default_rules):
    with pytest.raises(RuntimeError), transaction.atomic():
        seizure_services.seizure_submit(user=officer, seizure=seizure)
        assert RoutingJob.objects.filter(seizure=seizure).exists()
        raise RuntimeError("the request fails after the submit")

    assert Seizure.objects.get(pk=seizure.pk).status == SeizureStatus.DRAFT
    assert not RoutingJob.objects.filter(seizure=seizure).exists()

    seizure_services.seizure_submit(user=officer, seizure=seizure)

    assert RoutingJob.objects.get(seizure=seizure).done_at is None
