"""Personas and seizures for the evaluators' read path."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from casetracker.core.choices import Role, UnitKind
from seizures.choices import CommodityCategory, ConcealmentMethod, PortCallRole, QuantityUnit

from .. import factories as f


@pytest.fixture(autouse=True)
def _ports_and_fresh_throttle(db):
    for locode in f.KNOWN_PORTS:
        f.port(locode)
    # API throttle counters live in the cache; earlier tests must not use up this one's.
    cache.clear()


@pytest.fixture
def evaluator(db):
    """A programme evaluator of an evaluation team: sees figures, never a person."""
    unit = f.UnitFactory(
        code="UNODC-EVAL", kind=UnitKind.EVALUATION, port=None, country="AT", name="Evaluation"
    )
    return f.UserFactory(username="evaluator", unit=unit, role=Role.EVALUATOR)


@pytest.fixture
def administrator(db):
    unit = f.UnitFactory(
        code="HQ-ADMIN", kind=UnitKind.EVALUATION, port=None, country="AT", name="Headquarters"
    )
    return f.UserFactory(username="administrator", unit=unit, role=Role.ADMINISTRATOR)


def antwerp_heroin(user, **fields):
    """A seizure of the Antwerp unit: heroin found by a dog, routed through Tanger Med."""
    parts = f.seizure_parts(
        items=[
            {
                "category": CommodityCategory.DRUGS,
                "substance": "heroin",
                "quantity": Decimal("12"),
                "quantity_unit": QuantityUnit.KILOGRAM,
                "estimated_value": Decimal("480000"),
                "currency": "EUR",
            }
        ],
        port_calls=[
            {"role": PortCallRole.LOADING, "port": f.port("MAPTM")},
            {"role": PortCallRole.DISCHARGE, "port": f.port("BEANR")},
        ],
        containers=[],
        parties=[],
    )
    defaults = {
        "port": f.port("BEANR"),
        "detection_method": "dog",
        "concealment_method": ConcealmentMethod.REEFER_UNIT,
        "occurred_at": timezone.now() - dt.timedelta(days=40),
    }
    defaults.update(fields)
    return f.log_seizure(user, parts=parts, **defaults)


def verified_login(client, user) -> None:
    """Log ``user`` in with a confirmed second factor (administrators must have one)."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
