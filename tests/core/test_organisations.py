import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casetracker.core.choices import Role, UnitKind
from casetracker.core.models import Unit

from .. import factories as f


def test_each_unit_gets_its_own_permission_group(db):
    gye, anr = f.pcu("ECGYE"), f.pcu("BEANR")
    assert gye.group.name == "unit:ECGYE-PCU"
    assert gye.group != anr.group


def test_a_user_is_in_exactly_the_group_of_their_unit(db):
    gye, anr = f.pcu("ECGYE"), f.pcu("BEANR")
    user = f.UserFactory(unit=gye)
    assert list(user.groups.all()) == [gye.group]

    user.unit = anr
    user.save()
    assert list(user.groups.all()) == [anr.group]


def test_a_control_unit_must_work_at_a_port(db):
    unit = Unit(name="No port", code="EC-PCU", kind=UnitKind.PORT_CONTROL, country="EC")
    with pytest.raises(ValidationError) as exc:
        unit.full_clean()
    assert "port" in exc.value.message_dict


def test_a_units_port_lies_in_its_country(db):
    unit = Unit(
        name="Wrong", code="EC-PCU2", kind=UnitKind.PORT_CONTROL, country="EC", port=f.port("BEANR")
    )
    with pytest.raises(ValidationError) as exc:
        unit.full_clean()
    assert "port" in exc.value.message_dict


def test_every_user_but_a_superuser_belongs_to_a_unit(db):
    user = f.UserFactory.build(username="nobody", unit=None, role=Role.OFFICER)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "unit" in exc.value.message_dict


def test_only_control_unit_members_log_seizures(investigator):
    with pytest.raises(PermissionDenied):
        f.log_seizure(investigator)
