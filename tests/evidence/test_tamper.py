"""Tampering with custody rows behind the application's back.

On SQLite nothing stops raw SQL, so these change rows directly and expect
``manage.py verify_custody`` to name the item (its label) and the event, and to exit with
status 1. On PostgreSQL the database refuses the change itself.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from evidence import chain, services
from evidence.choices import Purpose, SealCheck
from evidence.models import CustodyEvent
from evidence.verification import verify_item, verify_items

from .conftest import bag

# Raw changes of custody events: PostgreSQL refuses them (tests at the end of the file), so
# these run in the SQLite pass only (the PostgreSQL pass deselects the "sqlite" marker).
only_sqlite = pytest.mark.sqlite


def verify_custody(*labels) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_custody", *labels, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def event(item, seq) -> CustodyEvent:
    return CustodyEvent.objects.get(item=item, seq=seq)


@pytest.fixture
def travelled(item, officer, lab_custodian):
    """An item with five events: bagged, handed to the lab, received, checked, handed back."""
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    services.transfer_confirm(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.INTACT,
        condition="good",
        storage_location="Lab vault 3",
    )
    services.item_check(
        item=item,
        by=lab_custodian,
        seal_check=SealCheck.INTACT,
        condition="good",
        storage_location="Lab vault 4",
    )
    services.transfer_start(item=item, by=lab_custodian, to=officer, purpose=Purpose.STORAGE)
    item.refresh_from_db()
    assert item.event_count == 5
    return item


@pytest.fixture
def bystander(seizure, officer):
    """Another item of the same seizure, untouched: it must never be reported."""
    return bag(seizure, officer, description="Phone", seal_numbers="S-200")


def assert_named(code, out, item, seq):
    assert code == 1
    broken = [line for line in out.splitlines() if line.startswith("BROKEN")]
    expected = f"BROKEN {item.label}" + (f", event {seq}:" if seq is not None else ":")
    assert len(broken) == 1 and broken[0].startswith(expected), out
    assert "1 broken" in out


def test_intact_chains_pass_and_the_command_says_so(travelled, bystander):
    code, out = verify_custody()
    assert code == 0
    assert "2 items, 6 custody events" in out and "every chain is intact" in out


@only_sqlite
def test_a_changed_note_is_named_with_its_item_and_event(travelled, bystander):
    raw(
        "UPDATE evidence_custodyevent SET note = 'nothing to see' WHERE id = %s",
        [event(travelled, 3).pk],
    )
    code, out = verify_custody()
    assert_named(code, out, travelled, 3)
    assert "changed after it was recorded" in out


@only_sqlite
@pytest.mark.parametrize("seq", [1, 3, 5])
@pytest.mark.parametrize("field", chain.ROW_FIELDS)
def test_every_stored_field_of_every_event_is_covered(
    travelled, bystander, other_officer, field, seq
):
    """One raw change per hashed column (and the chain columns), at the first, a middle and
    the last event."""
    target = event(travelled, seq)
    column = CustodyEvent._meta.get_field(field.removesuffix("_id")).column
    value = {
        "seq": 40,
        "occurred_at": "2001-02-03 04:05:06.000007",
        "recorded_at": "2001-02-03 04:05:06.000007",
        "seals": json.dumps(["FORGED-1"]),
        "details": json.dumps({"sub_item": "none"}),
        "prev_hash": "0" * 64,
        "hash": "f" * 64,
    }.get(field)
    if value is None and field.endswith("_id"):
        # Another person or unit that exists: foreign keys still hold.
        value = other_officer.unit_id if "unit" in field else other_officer.pk
    if value is None:
        value = "forged"
    raw(f"UPDATE evidence_custodyevent SET {column} = %s WHERE id = %s", [value, target.pk])  # noqa: S608

    code, out = verify_custody()
    assert_named(code, out, travelled, seq)


@only_sqlite
def test_a_deleted_last_event_is_named(travelled, bystander):
    raw("DELETE FROM evidence_custodyevent WHERE id = %s", [event(travelled, 5).pk])
    code, out = verify_custody()
    assert_named(code, out, travelled, 5)
    assert "events were removed" in out


@only_sqlite
def test_a_deleted_middle_event_is_named(travelled, bystander):
    raw("DELETE FROM evidence_custodyevent WHERE id = %s", [event(travelled, 3).pk])
    code, out = verify_custody()
    assert_named(code, out, travelled, 3)
    assert "missing" in out


@only_sqlite
def test_a_deleted_last_event_with_the_item_row_rewound_is_still_caught(travelled, bystander):
    """Whoever deletes the last event and moves the item's head back to the event before it
    still leaves an item row that disagrees with what the events say (who holds it)."""
    fourth = event(travelled, 4)
    raw("DELETE FROM evidence_custodyevent WHERE id = %s", [event(travelled, 5).pk])
    raw(
        "UPDATE evidence_evidenceitem SET event_count = 4, chain_head = %s WHERE id = %s",
        [fourth.hash, travelled.pk],
    )
    code, out = verify_custody()
    assert_named(code, out, travelled, None)


@only_sqlite
def test_reordered_events_are_named(travelled, bystander):
    second, third = event(travelled, 2), event(travelled, 3)
    raw("UPDATE evidence_custodyevent SET seq = 99 WHERE id = %s", [second.pk])
    raw("UPDATE evidence_custodyevent SET seq = 2 WHERE id = %s", [third.pk])
    raw("UPDATE evidence_custodyevent SET seq = 3 WHERE id = %s", [second.pk])
    code, out = verify_custody()
    assert_named(code, out, travelled, 2)


@only_sqlite
def test_an_event_moved_to_another_item_breaks_both(travelled, bystander):
    raw(
        "UPDATE evidence_custodyevent SET item_id = %s, seq = 2 WHERE id = %s",
        [bystander.pk, event(travelled, 5).pk],
    )
    code, out = verify_custody()
    assert code == 1
    assert f"BROKEN {travelled.label}, event 5:" in out
    assert f"BROKEN {bystander.label}, event 2:" in out


@pytest.mark.parametrize(
    "column, value",
    [
        ("custodian_id", "other"),
        ("custodian_unit_id", "other_unit"),
        ("state", "in_custody"),
        ("transit_to_id", None),
        ("seal_numbers", json.dumps(["S-999"])),
        ("condition", "damaged"),
    ],
)
def test_an_item_row_changed_behind_its_chain_is_named(
    travelled, bystander, other_officer, column, value
):
    """The item row says who holds it and how: changed alone, it disagrees with its chain."""
    value = {"other": other_officer.pk, "other_unit": other_officer.unit_id}.get(value, value)
    if column == "state":
        # In transit without a receiver is refused by a constraint: clear both.
        raw(
            "UPDATE evidence_evidenceitem SET state = 'in_custody', transit_to_id = NULL, "
            "transit_to_unit_id = NULL WHERE id = %s",
            [travelled.pk],
        )
    elif column == "transit_to_id":
        raw(
            "UPDATE evidence_evidenceitem SET transit_to_id = %s WHERE id = %s",
            [other_officer.pk, travelled.pk],
        )
    else:
        raw(f"UPDATE evidence_evidenceitem SET {column} = %s WHERE id = %s", [value, travelled.pk])  # noqa: S608
    code, out = verify_custody()
    assert_named(code, out, travelled, None)
    assert "custodian, state or seals" in out


def test_a_changed_custodian_is_named(item, bystander, colleague):
    raw("UPDATE evidence_evidenceitem SET custodian_id = %s WHERE id = %s", [colleague.pk, item.pk])
    code, out = verify_custody()
    assert_named(code, out, item, None)


@only_sqlite
@pytest.mark.parametrize(
    "column, value",
    # (JSON columns refuse text that is not JSON: a CHECK constraint on SQLite too.)
    [("occurred_at", "yesterday"), ("recorded_at", "2025-13-45 99:00:00")],
)
def test_unreadable_values_are_named_and_the_others_still_checked(
    travelled, bystander, column, value
):
    """A value its column cannot hold does not stop the run: the item is named, the rest
    are checked."""
    raw(
        f"UPDATE evidence_custodyevent SET {column} = %s WHERE id = %s",  # noqa: S608
        [value, event(travelled, 2).pk],
    )
    code, out = verify_custody()
    assert_named(code, out, travelled, 2)
    assert "2 items, 6 custody events" in out


@only_sqlite
def test_only_the_labels_given_are_checked(travelled, bystander):
    raw("UPDATE evidence_custodyevent SET note = 'x' WHERE id = %s", [event(travelled, 1).pk])
    code, out = verify_custody(bystander.label)
    assert code == 0 and "1 items, 1 custody events" in out
    code, out = verify_custody(travelled.label)
    assert_named(code, out, travelled, 1)
    with pytest.raises(CommandError, match="No evidence item labelled NOPE"):
        verify_custody("NOPE")


@only_sqlite
def test_the_verify_function_and_the_command_agree(travelled, bystander):
    raw(
        "UPDATE evidence_custodyevent SET place = 'elsewhere' WHERE id = %s",
        [event(travelled, 4).pk],
    )
    broken = verify_item(travelled)
    assert (broken.label, broken.seq) == (travelled.label, 4)
    assert verify_item(bystander) is None
    assert verify_items().breaks == [broken]


# --- PostgreSQL: the database itself refuses ---------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evidence_custodyevent SET note = 'edited' WHERE id = %s",
        "UPDATE evidence_custodyevent SET hash = hash WHERE id = %s",
        "DELETE FROM evidence_custodyevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_to_change_or_delete_a_custody_event(travelled, sql):
    target = event(travelled, 3)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql, [target.pk])
    assert CustodyEvent.objects.filter(pk=target.pk, note=target.note).exists()
    assert verify_item(travelled) is None


@pytest.mark.postgres
def test_postgresql_refuses_a_bulk_delete_of_an_items_events(travelled):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw("DELETE FROM evidence_custodyevent WHERE item_id = %s", [travelled.pk])
    assert travelled.events.count() == 5


@pytest.mark.postgres
def test_on_postgresql_a_change_past_a_disabled_trigger_is_still_named(travelled, bystander):
    """The table's owner can switch the trigger off; verification still catches what they
    change (and reads PostgreSQL's own types: jsonb, timestamptz)."""
    with transaction.atomic():
        # The bagging's deferred foreign key checks must run before the table can change.
        raw("SET CONSTRAINTS ALL IMMEDIATE")
        raw("ALTER TABLE evidence_custodyevent DISABLE TRIGGER evidence_custody_append_only")
        raw(
            "UPDATE evidence_custodyevent SET occurred_at = occurred_at + interval '1 microsecond'"
            " WHERE id = %s",
            [event(travelled, 2).pk],
        )
        raw("ALTER TABLE evidence_custodyevent ENABLE TRIGGER evidence_custody_append_only")
    code, out = verify_custody()
    assert_named(code, out, travelled, 2)


@pytest.mark.postgres
def test_on_postgresql_intact_chains_with_every_kind_of_value_verify(
    travelled, bystander, officer, colleague
):
    bag(
        travelled.seizure,
        officer,
        parent=bystander,
        seal_numbers="Ñ-1, «2»",
        description="Swab",
    )
    # An instant before the year 1000: the server writes the year padded, the chain not.
    services.transfer_start(
        item=bystander,
        by=officer,
        to=colleague,
        purpose=Purpose.COURT,
        occurred_at=dt.datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
    )
    code, out = verify_custody()
    assert code == 0, out
    assert "3 items, 9 custody events" in out
