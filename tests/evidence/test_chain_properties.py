"""Property tests of the custody hash chain: whatever people do, the chain verifies; whatever
single value is changed afterwards, verification names the item and the event.

The mutation properties run on chain.py's pure functions with many examples; the
database-backed ones (real services, then a raw SQL change) with fewer, because each
example bags items and hands them over through the services.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evidence import chain, services
from evidence.choices import Condition, EventKind, ItemState, Purpose, SealCheck
from evidence.models import CustodyEvent, EvidenceItem
from evidence.verification import verify_item, verify_items

from .conftest import bag

# --- values of every shape a field could hold --------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
zones = st.sampled_from(
    [dt.UTC, zoneinfo.ZoneInfo("America/Guayaquil"), zoneinfo.ZoneInfo("Asia/Kathmandu")]
)
# Instants a database can hold in UTC (year 1 in Kathmandu is year 0 in UTC), naive ones
# too: canonical must agree on them.
_bounds = {"min_value": dt.datetime(2, 1, 1), "max_value": dt.datetime(9998, 12, 31)}
instants = st.datetimes(timezones=zones, **_bounds) | st.datetimes(**_bounds)
anything = json_values | instants


@settings(max_examples=150)
@given(st.lists(anything, min_size=len(chain.HASHED_FIELDS), max_size=len(chain.HASHED_FIELDS)))
def test_the_fast_row_hash_writes_the_same_bytes_as_the_canonical_definition(values):
    row = tuple(values)
    as_dict = dict(zip(chain.HASHED_FIELDS, row, strict=True))
    assert chain.row_canonical(row) == chain.canonical(as_dict)
    assert chain.row_hash("0" * 64, row) == chain.event_hash("0" * 64, as_dict)


def test_the_canonical_form_is_sorted_compact_json_with_utc_instants():
    when = dt.datetime(2025, 3, 1, 7, 5, 3, 42, tzinfo=zoneinfo.ZoneInfo("America/Guayaquil"))
    values = dict.fromkeys(chain.HASHED_FIELDS, None) | {
        "seq": 1,
        "note": "sello roto — ñ",
        "seals": ["S-1"],
        "details": {"b": 1, "a": [True]},
        "occurred_at": when,
        "recorded_at": when,
    }
    text = chain.canonical(values).decode()
    assert text.startswith('{"condition":null,"details":{"a":[true],"b":1},')
    assert '"note":"sello roto — ñ"' in text
    assert '"occurred_at":"2025-03-01T12:05:03.000042Z"' in text
    assert " " not in text.replace("sello roto — ñ", "")


# --- pure chains: valid ones verify, any single change is named --------------------------

USERS = [11, 12, 13, 14]
UNITS = {11: 1, 12: 1, 13: 2, 14: 2}


@st.composite
def chains(draw):
    """An item's events as the services would write them (a plausible story of hand-overs),
    with arbitrary text, seals and instants, and the item row they leave."""
    holder = draw(st.sampled_from(USERS))
    seals = draw(st.lists(st.text(max_size=8), max_size=3))
    condition = draw(st.sampled_from(Condition.values))
    state, transit_to = ItemState.IN_CUSTODY, None
    when = draw(st.datetimes(timezones=zones, min_value=dt.datetime(1990, 1, 1)))
    events = [
        {
            "kind": EventKind.INTAKE,
            "to_user_id": holder,
            "to_unit_id": UNITS[holder],
            "seals": seals,
        }
    ]
    for _n in range(draw(st.integers(0, 8))):
        if state == ItemState.DISPOSED:
            break
        if state == ItemState.IN_TRANSIT:
            kind = draw(
                st.sampled_from([EventKind.RECEIVED, EventKind.REJECTED, EventKind.CANCELLED])
            )
        else:
            kind = draw(
                st.sampled_from(
                    [EventKind.CHECK, EventKind.SUB_ITEM, EventKind.TRANSFER, EventKind.DISPOSED]
                )
            )
        event = {"kind": kind, "from_user_id": holder, "from_unit_id": UNITS[holder]}
        if kind == EventKind.TRANSFER:
            transit_to = draw(st.sampled_from([u for u in USERS if u != holder]))
            event |= {"to_user_id": transit_to, "to_unit_id": UNITS[transit_to]}
            state = ItemState.IN_TRANSIT
        elif kind == EventKind.RECEIVED:
            holder, transit_to, state = transit_to, None, ItemState.IN_CUSTODY
            event |= {"to_user_id": holder, "to_unit_id": UNITS[holder]}
            seals = (
                draw(st.lists(st.text(max_size=8), max_size=3)) if draw(st.booleans()) else seals
            )
            condition = draw(st.sampled_from(Condition.values))
        elif kind in (EventKind.REJECTED, EventKind.CANCELLED):
            transit_to, state = None, ItemState.IN_CUSTODY
        elif kind == EventKind.DISPOSED:
            event["witness_id"] = draw(st.sampled_from([u for u in USERS if u != holder]))
            state = ItemState.DISPOSED
        event["seals"] = seals
        events.append(event)
    rows = []
    prev = chain.genesis("item-public-id")
    for seq, event in enumerate(events, start=1):
        when += dt.timedelta(minutes=draw(st.integers(0, 10_000)), microseconds=seq)
        values = dict.fromkeys(chain.HASHED_FIELDS, None) | {
            "seq": seq,
            "purpose": draw(st.sampled_from(Purpose.values)),
            "occurred_at": when,
            "place": draw(st.text(max_size=20)),
            "seal_check": draw(st.sampled_from(SealCheck.values)),
            "condition": condition,
            "note": draw(st.text(max_size=30)),
            "details": draw(st.dictionaries(st.text(max_size=5), json_scalars, max_size=2)),
            "recorded_by_id": event.get("from_user_id") or event["to_user_id"],
            "recorded_at": when + dt.timedelta(seconds=1),
            **event,
        }
        values["prev_hash"] = prev
        values["hash"] = prev = chain.event_hash(prev, values)
        rows.append(values)
    head = chain.ItemHead(
        id=7,
        public_id="item-public-id",
        label="ECGYE-PCU-2025-0001-E1",
        chain_head=prev,
        event_count=len(rows),
        custodian_id=holder,
        state=state,
        custodian_unit_id=UNITS[holder],
        transit_to_id=transit_to,
        seal_numbers=seals,
        condition=condition,
    )
    return head, rows


@settings(max_examples=300)
@given(chains())
def test_any_story_of_hand_overs_verifies(story):
    head, rows = story
    assert chain.check_item(head, rows) is None


def _differs(field, old, new):
    """Whether ``new`` changes what is stored and hashed (a same-instant time in another zone
    does not; a value of another type does)."""
    if field in ("prev_hash", "hash"):
        return old != new
    probe = dict.fromkeys(chain.HASHED_FIELDS, None)
    return chain.canonical(probe | {field: old}) != chain.canonical(probe | {field: new})


@settings(max_examples=400)
@given(
    chains(),
    st.data(),
    st.sampled_from(chain.ROW_FIELDS),
)
def test_any_single_change_of_any_event_is_named_with_its_item_and_number(story, data, field):
    head, rows = story
    index = data.draw(st.integers(0, len(rows) - 1), label="event")
    old = rows[index][field]
    if field == "seq":
        # A number the unique (item, seq) constraint lets through.
        new = data.draw(st.integers(0, 50).filter(lambda n: n not in range(1, len(rows) + 1)))
    elif field in ("prev_hash", "hash"):
        new = data.draw(st.text("0123456789abcdef", min_size=64, max_size=64) | st.text())
    else:
        new = data.draw(anything)
    assume(_differs(field, old, new))
    tampered = [dict(row) for row in rows]
    tampered[index][field] = new
    tampered.sort(key=lambda row: row["seq"])  # the database reads them in seq order

    broken = chain.check_item(head, tampered)

    assert broken is not None
    assert (broken.item_id, broken.label) == (head.id, head.label)
    named = {old, new} if field == "seq" else {index + 1}
    assert broken.seq in named
    assert head.label in str(broken) and f"event {broken.seq}" in str(broken)


@settings(max_examples=200)
@given(chains(), st.sampled_from(["cut_end", "cut_middle", "swap", "head"]), st.data())
def test_removing_or_reordering_events_is_named(story, how, data):
    head, rows = story
    if how == "cut_end":
        broken = chain.check_item(head, rows[:-1])
        expected = len(rows)
    elif how == "cut_middle":
        assume(len(rows) >= 3)
        gone = data.draw(st.integers(2, len(rows) - 1))
        broken = chain.check_item(head, rows[: gone - 1] + rows[gone:])
        expected = gone
    elif how == "swap":
        assume(len(rows) >= 2)
        first = data.draw(st.integers(1, len(rows) - 1))
        a, b = dict(rows[first - 1]), dict(rows[first])
        a["seq"], b["seq"] = b["seq"], a["seq"]
        broken = chain.check_item(head, [*rows[: first - 1], b, a, *rows[first + 1 :]])
        expected = first
    else:  # the item row's own head no longer matches its last event
        head = chain.ItemHead(**(vars(head) | {"chain_head": "f" * 64}))
        broken = chain.check_item(head, rows)
        expected = len(rows) + 1
    assert broken is not None and broken.seq == expected and broken.label == head.label


@settings(max_examples=200)
@given(
    chains(),
    st.sampled_from(
        ["custodian_id", "custodian_unit_id", "state", "transit_to_id", "seal_numbers", "condition"]
    ),
    st.sampled_from([None, 12, 99, "in_custody", "in_transit", "disposed", "good", ["X-1"], []]),
)
def test_an_item_row_that_disagrees_with_its_events_is_named(story, field, value):
    head, rows = story
    assume(getattr(head, field) != value)
    tampered = chain.ItemHead(**(vars(head) | {field: value}))
    broken = chain.check_item(tampered, rows)
    assert broken is not None and broken.label == head.label and broken.seq is None


# --- the database: real services, then one raw change ------------------------------------

ACTIONS = ["bag", "sub", "start", "confirm", "reject", "cancel", "check", "dispose"]
PEOPLE = ["officer", "colleague", "lab_custodian", "examiner"]
steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 5),  # which item
        st.sampled_from(["holder", "receiver", *PEOPLE]),  # who acts
        st.sampled_from(PEOPLE),  # to whom / which witness
        st.sampled_from([SealCheck.INTACT, SealCheck.REPLACED, SealCheck.BROKEN]),
    ),
    min_size=1,
    max_size=14,
)
DB_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def people(officer, colleague, lab_custodian, examiner):
    return {
        "officer": officer,
        "colleague": colleague,
        "lab_custodian": lab_custodian,
        "examiner": examiner,
    }


class Story:
    """Plays steps through the services and keeps what each item should be (the oracle):
    a move the oracle finds valid must succeed, any other must be refused and write
    nothing."""

    def __init__(self, seizure, people):
        self.seizure, self.people = seizure, people
        self.items: list[EvidenceItem] = []
        self.expect: dict[int, dict] = {}
        self.refusals = 0

    def _user(self, who, item_id):
        if who == "holder":
            return (
                self.people[self.expect[item_id]["holder"]] if item_id else self.people["officer"]
            )
        if who == "receiver":
            receiver = self.expect[item_id]["transit_to"] if item_id else None
            return self.people[receiver or "lab_custodian"]
        return self.people[who]

    def _name(self, user):
        return next(name for name, person in self.people.items() if person.pk == user.pk)

    def play(self, action, which, who, other, seal_check):
        item = self.items[which % len(self.items)] if self.items else None
        if action not in ("bag",) and item is None:
            action = "bag"
        item_id = item.pk if item is not None else None
        actor = self._user(who, item_id)
        target = self.people[other]
        state = self.expect[item_id] if item_id else None
        # The seizing unit's people see the seizure; the lab's see only what they hold.
        in_seizure_unit = actor.unit_id == self.seizure.unit_id
        holds = state is not None and state["holder"] == self._name(actor)
        in_custody = state is not None and state["state"] == ItemState.IN_CUSTODY
        in_transit = state is not None and state["state"] == ItemState.IN_TRANSIT
        receives = in_transit and state["transit_to"] == self._name(actor)
        calls = {
            "bag": (in_seizure_unit, lambda: bag(self.seizure, actor, seal_numbers="S-1")),
            # A lab holder outside the seizing unit may or may not be allowed a sub-item:
            # the property holds either way, the oracle follows the service there.
            "sub": (
                (in_custody and holds and in_seizure_unit)
                or (None if in_custody and holds else False),
                lambda: bag(self.seizure, actor, parent=item, seal_numbers=""),
            ),
            "start": (
                in_custody and holds and target.pk != actor.pk,
                lambda: services.transfer_start(
                    item=item, by=actor, to=target, purpose=Purpose.LABORATORY
                ),
            ),
            "confirm": (
                receives,
                lambda: services.transfer_confirm(
                    item=item,
                    by=actor,
                    seal_check=seal_check,
                    condition=Condition.GOOD,
                    storage_location="Vault 2",
                    new_seals="NEW-1",
                    note="tape cut" if seal_check == SealCheck.BROKEN else "",
                ),
            ),
            "reject": (
                receives,
                lambda: services.transfer_reject(item=item, by=actor, reason="No form"),
            ),
            "cancel": (
                in_transit and holds,
                lambda: services.transfer_cancel(item=item, by=actor),
            ),
            "check": (
                in_custody and holds,
                lambda: services.item_check(
                    item=item,
                    by=actor,
                    seal_check=seal_check,
                    condition=Condition.DAMAGED,
                    storage_location="Shelf C",
                    new_seals="CHK-1",
                    note="torn" if seal_check == SealCheck.BROKEN else "",
                ),
            ),
            "dispose": (
                in_custody and holds and target.pk != actor.pk,
                lambda: services.item_dispose(
                    item=item,
                    by=actor,
                    purpose=Purpose.DISPOSAL,
                    witness=target,
                    place="Incinerator",
                ),
            ),
        }
        valid, call = calls[action]
        before = CustodyEvent.objects.count()
        try:
            result = call()
        except (ValidationError, PermissionDenied):
            assert valid is not True, f"{action} by {self._name(actor)} was refused"
            assert CustodyEvent.objects.count() == before, "a refused move wrote an event"
            self.refusals += 1
            return
        assert valid is not False, f"{action} by {self._name(actor)} was let through"
        self._record(action, item, actor, target, result)

    def _record(self, action, item, actor, target, result):
        name = self._name(actor)
        if action in ("bag", "sub"):
            self.items.append(result)
            self.expect[result.pk] = {
                "holder": name,
                "state": ItemState.IN_CUSTODY,
                "transit_to": None,
                "events": 1,
            }
            if action == "sub":
                self.expect[item.pk]["events"] += 1
            return
        state = self.expect[item.pk]
        state["events"] += 1
        if action == "start":
            state["state"], state["transit_to"] = ItemState.IN_TRANSIT, self._name(target)
        elif action == "confirm":
            state["holder"], state["state"], state["transit_to"] = name, ItemState.IN_CUSTODY, None
        elif action in ("reject", "cancel"):
            state["state"], state["transit_to"] = ItemState.IN_CUSTODY, None
        elif action == "dispose":
            state["state"] = ItemState.DISPOSED

    def assert_matches_the_database(self):
        for item in EvidenceItem.objects.filter(pk__in=self.expect):
            want = self.expect[item.pk]
            assert self._name(item.custodian) == want["holder"]
            assert item.state == want["state"]
            transit = self._name(item.transit_to) if item.transit_to_id else None
            assert transit == want["transit_to"]
            assert item.event_count == want["events"] == item.events.count()


@DB_SETTINGS
@given(steps)
def test_any_sequence_of_custody_moves_leaves_chains_that_verify(seizure, people, moves):
    with transaction.atomic():
        story = Story(seizure, people)
        for move in moves:
            story.play(*move)
        story.assert_matches_the_database()
        report = verify_items(EvidenceItem.objects.filter(pk__in=story.expect))
        assert report.ok, [str(b) for b in report.breaks]
        assert report.items == len(story.expect)
        assert report.events == sum(e["events"] for e in story.expect.values())
        transaction.set_rollback(True)


def _raw_value(field, old, data, people, seizure):
    """A new value for ``field`` as raw SQL would write it on SQLite, keeping foreign keys
    pointing at rows that exist (the test database checks them before rolling back)."""
    if field == "seq":
        return data.draw(st.sampled_from([0, 40, 41]))
    if field.endswith("_id"):
        ids = (
            [p.unit_id for p in people.values()]
            if "unit" in field
            else [p.pk for p in people.values()]
        )
        nullable = [] if field == "recorded_by_id" else [None]
        return data.draw(st.sampled_from([*nullable, *ids]).filter(lambda v: v != old))
    if field in ("seals", "details"):
        return json.dumps(data.draw(json_values))
    if field in ("occurred_at", "recorded_at"):
        moment = data.draw(st.datetimes(min_value=dt.datetime(1990, 1, 1)))
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return data.draw(st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=20))


# PostgreSQL refuses the change itself (test_tamper): the SQLite pass runs this.
@pytest.mark.sqlite
@DB_SETTINGS
@given(steps, st.data(), st.sampled_from(chain.ROW_FIELDS))
def test_any_single_change_made_in_the_database_is_named(seizure, people, moves, data, field):
    with transaction.atomic():
        story = Story(seizure, people)
        story.play("bag", 0, "officer", "officer", SealCheck.INTACT)
        for move in moves:
            story.play(*move)
        item = data.draw(st.sampled_from(story.items), label="item")
        event = data.draw(st.sampled_from(list(item.events.order_by("seq"))), label="event")
        column = CustodyEvent._meta.get_field(field.removesuffix("_id")).column
        with connection.cursor() as cursor:
            # Dates as stored (text), not parsed by the driver.
            read = f"CAST({column} AS TEXT)" if field.endswith("_at") else column
            cursor.execute(f"SELECT {read} FROM evidence_custodyevent WHERE id = %s", [event.pk])  # noqa: S608
            (old,) = cursor.fetchone()
            new = _raw_value(field, old, data, people, seizure)
            if field in ("seals", "details", "occurred_at", "recorded_at"):
                # Same value, other spelling: not a change (the ORM reads the same).
                assume(
                    json.loads(new) != json.loads(old)
                    if field in ("seals", "details")
                    else dt.datetime.fromisoformat(new) != dt.datetime.fromisoformat(old)
                )
            assume(new != old)
            cursor.execute(
                f"UPDATE evidence_custodyevent SET {column} = %s WHERE id = %s",  # noqa: S608
                [new, event.pk],
            )

        broken = verify_item(item)
        report = verify_items(EvidenceItem.objects.filter(pk__in=story.expect))

        assert broken is not None
        assert broken.label == item.label
        assert broken.seq in ({event.seq, new} if field == "seq" else {event.seq})
        assert [b.label for b in report.breaks] == [item.label]
        transaction.set_rollback(True)
