"""Factories and named personas shared by the whole suite.

Ports are created with their real gazetteer coordinates so distances in tests are the
distances users see.
"""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from casetracker.core.choices import AgencyKind, Role, UnitKind
from casetracker.core.models import Agency, Port, Unit, User
from seizures import services
from seizures.choices import (
    CommodityCategory,
    ConcealmentMethod,
    DetectionMethod,
    PortCallRole,
    QuantityUnit,
    Substance,
)

KNOWN_PORTS = {
    "ECGYE": ("Guayaquil", "EC", -2.2833, -79.9, "America/Guayaquil"),
    "BEANR": ("Antwerp", "BE", 51.2667, 4.4, "Europe/Brussels"),
    "GHTEM": ("Tema", "GH", 5.6167, 0.0167, "Africa/Accra"),
    "PAMIT": ("Manzanillo", "PA", 9.3594, -79.8808, "America/Panama"),
    "NLRTM": ("Rotterdam", "NL", 51.9, 4.4833, "Europe/Amsterdam"),
    "ESALG": ("Algeciras", "ES", 36.1333, -5.45, "Europe/Madrid"),
    "COCTG": ("Cartagena", "CO", 10.4, -75.5333, "America/Bogota"),
    "MAPTM": ("Tanger Med", "MA", 35.8833, -5.5, "Africa/Casablanca"),
}

PASSWORD = "correct-horse-battery-9"


class PortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Port
        django_get_or_create = ("locode",)

    locode = "ECGYE"
    name = factory.LazyAttribute(lambda o: KNOWN_PORTS.get(o.locode, ("Port",))[0])
    country = factory.LazyAttribute(lambda o: o.locode[:2])
    latitude = factory.LazyAttribute(lambda o: KNOWN_PORTS.get(o.locode, (0, 0, 0.0))[2])
    longitude = factory.LazyAttribute(lambda o: KNOWN_PORTS.get(o.locode, (0, 0, 0, 0.0))[3])
    timezone = factory.LazyAttribute(lambda o: KNOWN_PORTS.get(o.locode, (0, 0, 0, 0, "UTC"))[4])


def port(locode: str) -> Port:
    return PortFactory(locode=locode)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("country", "name")

    name = "Customs"
    kind = AgencyKind.CUSTOMS
    country = "EC"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    kind = UnitKind.PORT_CONTROL
    port = factory.SubFactory(PortFactory)
    country = factory.LazyAttribute(lambda o: o.port.country if o.port else "EC")
    code = factory.LazyAttribute(lambda o: f"{o.port.locode}-PCU" if o.port else "EC-INV")
    name = factory.LazyAttribute(lambda o: f"Unit {o.code}")


def pcu(locode: str = "ECGYE") -> Unit:
    return UnitFactory(port=port(locode), code=f"{locode}-PCU", kind=UnitKind.PORT_CONTROL)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    unit = factory.SubFactory(UnitFactory)
    role = Role.OFFICER
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


def seizure_fields(**overrides) -> dict:
    fields = {
        "occurred_at": timezone.now() - dt.timedelta(days=2),
        "port": port("ECGYE"),
        "terminal": "Contecon",
        "detection_method": DetectionMethod.RISK_PROFILING,
        "vessel_name": "MSC Example",
        "imo_number": "9074729",
        "voyage": "FA245N",
        "bill_of_lading": "MEDUGY123456",
        "declared_goods": "Bananas",
        "hs_code": "080390",
        "concealment_method": ConcealmentMethod.RIP_ON_RIP_OFF,
    }
    fields.update(overrides)
    return fields


def seizure_parts(**overrides) -> services.SeizureParts:
    parts = {
        "containers": [{"number": "CSQU3054383", "seal_numbers": "ML-123456"}],
        "items": [
            {
                "category": CommodityCategory.DRUGS,
                "substance": Substance.COCAINE,
                "quantity": Decimal("250.5"),
                "quantity_unit": QuantityUnit.KILOGRAM,
            }
        ],
        "port_calls": [
            {"role": PortCallRole.LOADING, "port": port("ECGYE")},
            {"role": PortCallRole.TRANSHIPMENT, "port": port("PAMIT")},
            {"role": PortCallRole.DISCHARGE, "port": port("BEANR")},
        ],
        "parties": [
            {"role": "shipper", "kind": "company", "name": "Frutas del Sol SA", "country": "EC"}
        ],
    }
    parts.update(overrides)
    return services.SeizureParts(**parts)


def log_seizure(user, *, submit: bool = False, parts=None, **fields):
    return services.seizure_log(
        user=user,
        fields=seizure_fields(**fields),
        parts=parts or seizure_parts(),
        submit=submit,
    )
