"""Custody: bagging, two-party hand-overs, checks and disposal, and what is refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casetracker.core.choices import Role
from evidence import services
from evidence.choices import EventKind, ItemKind, ItemState, Purpose, SealCheck
from evidence.models import CustodyEvent, EvidenceItem
from evidence.verification import verify_item

from .. import factories as f
from .conftest import bag


def test_bagging_makes_the_officer_custodian_and_starts_the_chain(seizure, officer, item):
    assert item.label == f"{seizure.reference}-E1"
    assert item.custodian == officer and item.custodian_unit == officer.unit
    assert item.state == ItemState.IN_CUSTODY
    assert item.seal_numbers == ["S-100"]
    (intake,) = item.events.all()
    assert intake.kind == EventKind.INTAKE and intake.to_user == officer
    assert intake.seal_check == SealCheck.INTACT
    assert verify_item(item) is None


def test_sub_items_to_any_depth_are_numbered_and_noted_on_the_parent(seizure, officer, item):
    sample = bag(seizure, officer, parent=item, kind=ItemKind.DRUG_SAMPLE, seal_numbers="")
    swab = bag(seizure, officer, parent=sample, kind=ItemKind.DNA_SWAB, seal_numbers="")
    assert (sample.label, swab.label) == (f"{seizure.reference}-E2", f"{seizure.reference}-E3")
    assert swab.parent.parent == item
    item.refresh_from_db()
    assert item.event_count == 2
    assert item.events.last().details == {"sub_item": sample.label}
    assert sample.events.first().details == {"taken_from": item.label}
    assert all(verify_item(i) is None for i in EvidenceItem.objects.all())


def test_a_digital_item_needs_its_file(seizure, officer):
    with pytest.raises(ValidationError):
        bag(seizure, officer, kind=ItemKind.DIGITAL_FILE)
    assert not EvidenceItem.objects.exists()


def test_only_units_working_on_the_seizure_bag_its_evidence(seizure, other_officer):
    with pytest.raises(PermissionDenied):
        bag(seizure, other_officer)


def test_an_evaluator_takes_nothing_into_custody(seizure, officer):
    evaluator = f.UserFactory(unit=officer.unit, role=Role.EVALUATOR)
    with pytest.raises(PermissionDenied):
        bag(seizure, evaluator)


def test_duplicate_seals_are_refused(seizure, officer):
    with pytest.raises(ValidationError, match="twice"):
        bag(seizure, officer, seal_numbers="S-1, s-1")


def test_a_hand_over_takes_two_parties(item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    item.refresh_from_db()
    # In transit the sender still answers for it: always exactly one custodian.
    assert item.state == ItemState.IN_TRANSIT and item.custodian == officer
    assert item.transit_to == lab_custodian
    services.transfer_confirm(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.INTACT,
        condition="good",
        storage_location="Lab vault 3",
    )
    item.refresh_from_db()
    assert item.state == ItemState.IN_CUSTODY
    assert (item.custodian, item.custodian_unit) == (lab_custodian, lab_custodian.unit)
    assert item.storage_location == "Lab vault 3" and item.transit_to is None
    received = item.events.last()
    assert (received.kind, received.from_user, received.to_user) == (
        EventKind.RECEIVED,
        officer,
        lab_custodian,
    )
    assert received.purpose == Purpose.LABORATORY
    assert verify_item(item) is None


def test_replaced_seals_become_the_items_seals(item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    with pytest.raises(ValidationError):
        services.transfer_confirm(
            item=item,
            by=lab_custodian,
            seal_check=SealCheck.REPLACED,
            condition="good",
            storage_location="Vault",
        )
    services.transfer_confirm(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.REPLACED,
        condition="good",
        storage_location="Vault",
        new_seals="LAB-1\nLAB-2",
    )
    item.refresh_from_db()
    assert item.seal_numbers == ["LAB-1", "LAB-2"]


def test_broken_seals_must_be_described(item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.TRANSPORT)
    with pytest.raises(ValidationError, match="broken"):
        services.transfer_confirm(
            item=item,
            by=lab_custodian,
            seal_check=SealCheck.BROKEN,
            condition="damaged",
            storage_location="Vault",
        )


def test_the_receiver_may_refuse_and_the_item_stays_with_the_sender(item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    with pytest.raises(ValidationError):
        services.transfer_reject(item=item, by=lab_custodian, reason=" ")
    services.transfer_reject(item=item, by=lab_custodian, reason="No request form")
    item.refresh_from_db()
    assert item.state == ItemState.IN_CUSTODY and item.custodian == officer
    assert item.events.last().note == "No request form"
    assert verify_item(item) is None


def test_the_sender_may_cancel_before_confirmation(item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(item=item, by=lab_custodian)
    services.transfer_cancel(item=item, by=officer)
    item.refresh_from_db()
    assert item.state == ItemState.IN_CUSTODY and item.transit_to is None


def test_no_transfer_while_in_transit(item, officer, lab_custodian, examiner):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    with pytest.raises(ValidationError, match="in transit"):
        services.transfer_start(item=item, by=officer, to=examiner, purpose=Purpose.LABORATORY)
    assert item.events.count() == 2


def test_only_the_holder_hands_over(item, colleague, lab_custodian):
    with pytest.raises(PermissionDenied, match="Only the custodian"):
        services.transfer_start(
            item=item, by=colleague, to=lab_custodian, purpose=Purpose.LABORATORY
        )
    assert item.events.count() == 1


def test_only_the_named_receiver_confirms(item, officer, lab_custodian, examiner):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(
            item=item,
            by=examiner,
            seal_check=SealCheck.INTACT,
            condition="good",
            storage_location="Bench",
        )


def test_nobody_without_a_custody_role_receives(item, officer):
    evaluator = f.UserFactory(unit=officer.unit, role=Role.EVALUATOR)
    with pytest.raises(ValidationError, match="cannot take evidence"):
        services.transfer_start(item=item, by=officer, to=evaluator, purpose=Purpose.STORAGE)


def test_disposal_needs_a_witness_and_ends_the_chain(item, officer, colleague, lab_custodian):
    with pytest.raises(ValidationError, match="witness"):
        services.item_dispose(
            item=item, by=officer, purpose=Purpose.DISPOSAL, witness=officer, place="Incinerator"
        )
    services.item_dispose(
        item=item, by=officer, purpose=Purpose.DISPOSAL, witness=colleague, place="Incinerator"
    )
    item.refresh_from_db()
    assert item.state == ItemState.DISPOSED
    assert item.events.last().witness == colleague
    with pytest.raises(ValidationError, match="disposed"):
        services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.COURT)
    with pytest.raises(ValidationError, match="disposed"):
        services.item_check(
            item=item,
            by=officer,
            seal_check=SealCheck.INTACT,
            condition="good",
            storage_location="x",
        )
    assert verify_item(item) is None


def test_a_check_records_seals_condition_and_place(item, officer):
    services.item_check(
        item=item,
        by=officer,
        seal_check=SealCheck.INTACT,
        condition="wet",
        storage_location="Shelf B2",
        note="Roof leak",
    )
    item.refresh_from_db()
    assert (item.condition, item.storage_location) == ("wet", "Shelf B2")
    assert item.events.last().kind == EventKind.CHECK


def test_future_hand_overs_are_refused(item, officer, lab_custodian):
    import datetime as dt

    from django.utils import timezone

    with pytest.raises(ValidationError, match="future"):
        services.transfer_start(
            item=item,
            by=officer,
            to=lab_custodian,
            purpose=Purpose.TRANSPORT,
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )


def test_custody_events_refuse_change_through_the_orm(item):
    event = item.events.get()
    event.note = "edited"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    assert CustodyEvent.objects.get(pk=event.pk).note == ""
