"""Recipients, rules and referrals for the referral tests.

Ecuador's world: Guayaquil's port control unit (the ``officer`` fixture) refers to the
national investigating unit EC-INV (``investigator``), to INTERPOL NCB Quito when a
foreign country is on the route, cash to the FIU, and to an external counterpart in
Belgium by e-mail.
"""

import pytest
from django.core.cache import cache

from casetracker.core.choices import HandlingCode, Role, UnitKind
from referrals.choices import RecipientKind
from referrals.models import Recipient, RoutingRule
from seizures.choices import CommodityCategory

from .. import factories as f


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters kept in the cache (the response link's failures, API throttles) start at
    zero in every test."""
    cache.clear()


def unit(code: str, kind: str, country: str = "EC", **fields):
    return f.UnitFactory(code=code, kind=kind, port=None, country=country, name=code, **fields)


@pytest.fixture
def investigating_recipient(investigator):
    return Recipient.objects.create(
        name="Antinarcóticos", kind=RecipientKind.UNIT, unit=investigator.unit, country="EC"
    )


@pytest.fixture
def ncb_officer(db):
    return f.UserFactory(
        username="ncb_officer", unit=unit("EC-NCB", UnitKind.NCB), role=Role.NCB_OFFICER
    )


@pytest.fixture
def ncb_recipient(ncb_officer):
    return Recipient.objects.create(
        name="INTERPOL NCB Quito", kind=RecipientKind.UNIT, unit=ncb_officer.unit, country="EC"
    )


@pytest.fixture
def fiu_recipient(db):
    fiu = unit("EC-UAFE", UnitKind.FIU, email="alertas@uafe.example")
    return Recipient.objects.create(name="UAFE", kind=RecipientKind.UNIT, unit=fiu, country="EC")


@pytest.fixture
def external_recipient(db):
    return Recipient.objects.create(
        name="Federal Judicial Police Antwerp",
        kind=RecipientKind.EXTERNAL,
        email="fgp.antwerpen@police.example",
        country="BE",
        language="fr",
    )


@pytest.fixture
def default_rules(investigating_recipient, ncb_recipient, fiu_recipient):
    """The demo's three defaults for Ecuador."""
    return [
        RoutingRule.objects.create(
            name="Every seizure in Ecuador to Antinarcóticos",
            priority=10,
            seizing_countries=["EC"],
            recipient=investigating_recipient,
            handling_code=HandlingCode.H1,
            ack_hours=24,
            respond_days=7,
        ),
        RoutingRule.objects.create(
            name="Foreign country on the route to NCB Quito",
            priority=20,
            seizing_countries=["EC"],
            foreign_on_route=True,
            recipient=ncb_recipient,
            handling_code=HandlingCode.H2,
            ack_hours=48,
            respond_days=14,
        ),
        RoutingRule.objects.create(
            name="Cash to the UAFE",
            priority=30,
            commodities=[CommodityCategory.CASH],
            seizing_countries=["EC"],
            recipient=fiu_recipient,
            ack_hours=24,
            respond_days=10,
        ),
    ]
