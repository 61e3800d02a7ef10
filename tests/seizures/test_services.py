import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from casetracker.core.choices import Role
from seizures import services
from seizures.models import Seizure
from seizures.selectors import seizure_get, seizure_list

from .. import factories as f


def test_it_numbers_seizures_per_unit_and_year(officer):
    first = f.log_seizure(officer)
    second = f.log_seizure(officer)
    year = first.local_occurred_at.year
    assert first.reference == f"ECGYE-PCU-{year}-0001"
    assert second.reference == f"ECGYE-PCU-{year}-0002"


def test_it_computes_leg_and_total_distances(seizure):
    legs = [call.leg_distance_km for call in seizure.port_calls.all()]
    assert legs[0] is None
    # Guayaquil → Manzanillo (Colón) ≈ 1 300 km; Colón → Antwerp ≈ 8 800 km.
    assert 1200 < legs[1] < 1400
    assert 8600 < legs[2] < 9000
    assert seizure.total_distance_km == pytest.approx(legs[1] + legs[2], abs=0.2)


def test_it_refuses_a_future_date_and_saves_nothing(officer):
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, occurred_at=timezone.now() + dt.timedelta(days=1))
    assert "occurred_at" in exc.value.message_dict
    assert not Seizure.objects.exists()


def test_it_reports_errors_of_each_part_by_position(officer):
    parts = f.seizure_parts(
        containers=[{"number": "CSQU3054383"}, {"number": "CSQU3054384"}],
        items=[
            {
                "category": "drugs",
                "substance": "cocaine",
                "quantity": Decimal("-1"),
                "quantity_unit": "kg",
            }
        ],
    )
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, parts=parts)
    errors = exc.value.by_part
    assert errors["containers"][0] == {}
    assert "number" in errors["containers"][1]
    assert "quantity" in errors["items"][0]
    assert not Seizure.objects.exists()


def test_it_refuses_a_unit_that_does_not_fit_the_substance(officer):
    parts = f.seizure_parts(
        items=[
            {"category": "drugs", "substance": "cocaine", "quantity": 5, "quantity_unit": "tablet"}
        ]
    )
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, parts=parts)
    assert "items.0.quantity_unit" in exc.value.message_dict


@pytest.mark.parametrize("currency", ["ZZQ", "XTS", "US$"])
def test_it_refuses_a_currency_iso_4217_does_not_list(officer, currency):
    item = {
        "category": "cash",
        "quantity": 50000,
        "quantity_unit": "currency",
        "currency": currency,
    }
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, parts=f.seizure_parts(items=[item]))
    assert "items.0.currency" in exc.value.message_dict
    assert not Seizure.objects.exists()


def test_it_takes_a_currency_code_in_lower_case(officer):
    item = {"category": "cash", "quantity": 50000, "quantity_unit": "currency", "currency": "eur"}
    seizure = f.log_seizure(officer, parts=f.seizure_parts(items=[item]))
    assert seizure.items.get().currency == "EUR"


def test_a_seizure_without_items_is_refused(officer):
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, parts=f.seizure_parts(items=[]))
    assert "items_all" in exc.value.message_dict


def test_officers_see_only_their_own_units_seizures(seizure, officer, other_officer):
    assert list(seizure_list(user=officer)) == [seizure]
    assert list(seizure_list(user=other_officer)) == []


def test_an_evaluator_in_a_control_unit_sees_no_seizure_through_the_operational_path(
    seizure, officer
):

    evaluator = f.UserFactory(username="seconded", unit=officer.unit, role=Role.EVALUATOR)
    assert list(seizure_list(user=evaluator)) == []
    with pytest.raises(Http404):
        seizure_get(user=evaluator, public_id=seizure.public_id)


@pytest.mark.parametrize("role", [Role.CUSTODIAN, Role.EXAMINER, Role.INVESTIGATOR, Role.EVALUATOR])
def test_members_of_a_control_unit_in_other_roles_cannot_log_correct_or_submit(officer, role):
    draft = f.log_seizure(officer)
    member = f.UserFactory(username=f"seconded-{role}", unit=officer.unit, role=role)
    with pytest.raises(PermissionDenied):
        f.log_seizure(member)
    with pytest.raises(PermissionDenied):
        services.seizure_update(user=member, seizure=draft, fields={"terminal": "Other"})
    with pytest.raises(PermissionDenied):
        services.seizure_submit(user=member, seizure=draft)
    unchanged = Seizure.objects.get(pk=draft.pk)
    assert (unchanged.terminal, unchanged.status) == ("Contecon", "draft")


def test_it_refuses_a_date_before_1970_as_a_typing_error(officer):
    with pytest.raises(ValidationError) as exc:
        f.log_seizure(officer, occurred_at=dt.datetime(255, 9, 19, 9, 48, tzinfo=dt.UTC))
    assert "occurred_at" in exc.value.message_dict
    assert not Seizure.objects.exists()
