"""Evidence at Guayaquil: the ``officer`` bags items of a ``seizure``; a forensic lab in
Quito has a ``lab_custodian`` (the store) and an ``examiner``; a ``colleague`` of the
officer can witness a disposal."""

import pytest

from casetracker.core.choices import Role, UnitKind
from evidence import services
from evidence.choices import ItemKind

from .. import factories as f


@pytest.fixture
def lab(db):
    return f.UnitFactory(
        code="EC-LAB", kind=UnitKind.FORENSIC_LAB, port=None, country="EC", name="Lab Quito"
    )


@pytest.fixture
def lab_custodian(lab):
    return f.UserFactory(username="lab_custodian", unit=lab, role=Role.CUSTODIAN)


@pytest.fixture
def examiner(lab):
    return f.UserFactory(username="examiner", unit=lab, role=Role.EXAMINER)


@pytest.fixture
def colleague(officer):
    return f.UserFactory(username="colleague", unit=officer.unit, role=Role.OFFICER)


def bag(seizure, by, **fields):
    fields.setdefault("kind", ItemKind.PACKAGE)
    fields.setdefault("description", "Brick wrapped in black tape")
    fields.setdefault("storage_location", "Port store, shelf A1")
    fields.setdefault("seal_numbers", "S-100")
    return services.item_create(seizure=seizure, by=by, **fields)


@pytest.fixture
def item(seizure, officer):
    return bag(seizure, officer)
