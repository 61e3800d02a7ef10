"""Two people moving the same item at the same instant, on PostgreSQL.

Each contender runs in its own thread with its own connection, and all start together at a
barrier. The services lock the item row, so the second is served after the first commits
and finds the item moved: it gets a clear refusal, never a database error, and the chain
stays one valid line. To make the race certain rather than lucky, every move pauses inside
its transaction (after reading the item, before writing): without the row lock both would
read the same state and both try to write.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from casetracker.core.choices import Role
from evidence import services
from evidence.choices import ItemState, Purpose, SealCheck
from evidence.models import EvidenceItem
from evidence.verification import verify_items

from .. import factories as f
from .conftest import bag

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PAUSE = 0.3


@pytest.fixture
def slow_moves(monkeypatch):
    """Every custody move waits a moment between reading the item and appending its event."""
    append = services._append

    def slow_append(*args, **kwargs):
        time.sleep(PAUSE)
        return append(*args, **kwargs)

    monkeypatch.setattr(services, "_append", slow_append)


def race(*moves):
    """Run the moves at the same instant, each in its own thread and connection; return
    each one's result or the exception it raised, in order."""
    barrier = threading.Barrier(len(moves))
    outcomes: list = [None] * len(moves)

    def run(index, move):
        try:
            connection.ensure_connection()  # connect first: the moves race, not the logins
            barrier.wait(timeout=30)
            outcomes[index] = move()
        except BaseException as exc:  # every outcome must reach the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a move hung"
    return outcomes


def one_wins(outcomes, refusal=(ValidationError, PermissionDenied)):
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1, f"expected exactly one refusal, got {outcomes!r}"
    assert isinstance(errors[0], refusal), f"not a clear refusal: {errors[0]!r}"
    return errors[0]


def assert_chains_hold(item, events):
    item.refresh_from_db()
    assert item.event_count == events == item.events.count()
    assert list(item.events.values_list("seq", flat=True)) == list(range(1, events + 1))
    report = verify_items()
    assert report.ok, [str(b) for b in report.breaks]


@pytest.fixture
def second_lab_custodian(lab):
    return f.UserFactory(username="lab_custodian_2", unit=lab, role=Role.CUSTODIAN)


def confirm(item, by):
    return lambda: services.transfer_confirm(
        item=item,
        by=by,
        seal_check=SealCheck.INTACT,
        condition="good",
        storage_location="Lab vault 1",
    )


def test_two_hand_overs_of_one_item_at_the_same_instant_let_exactly_one_through(
    slow_moves, item, officer, lab_custodian, second_lab_custodian
):
    """The custodian sends the item from two screens to two people: one hand-over wins,
    the other is told the item is in transit."""
    outcomes = race(
        lambda: services.transfer_start(
            item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY
        ),
        lambda: services.transfer_start(
            item=item, by=officer, to=second_lab_custodian, purpose=Purpose.TRANSPORT
        ),
    )
    refusal = one_wins(outcomes)
    assert isinstance(refusal, ValidationError) and "in transit" in str(refusal)
    winner = next(o for o in outcomes if not isinstance(o, BaseException))
    item.refresh_from_db()
    assert item.state == ItemState.IN_TRANSIT and item.transit_to_id == winner.to_user_id
    assert_chains_hold(item, 2)


def test_the_holder_and_a_colleague_handing_over_at_once_leave_one_hand_over(
    slow_moves, item, officer, colleague, lab_custodian
):
    outcomes = race(
        lambda: services.transfer_start(
            item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY
        ),
        lambda: services.transfer_start(
            item=item, by=colleague, to=lab_custodian, purpose=Purpose.LABORATORY
        ),
    )
    assert isinstance(outcomes[1], PermissionDenied) and not isinstance(outcomes[0], Exception)
    assert_chains_hold(item, 2)


def test_a_receiver_confirming_twice_at_once_receives_once(
    slow_moves, item, officer, lab_custodian
):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    refusal = one_wins(race(confirm(item, lab_custodian), confirm(item, lab_custodian)))
    assert "not in transit" in str(refusal)
    item.refresh_from_db()
    assert item.custodian == lab_custodian and item.state == ItemState.IN_CUSTODY
    assert_chains_hold(item, 3)


def test_confirm_and_refuse_at_once_settle_on_one(slow_moves, item, officer, lab_custodian):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    outcomes = race(
        confirm(item, lab_custodian),
        lambda: services.transfer_reject(item=item, by=lab_custodian, reason="No form"),
    )
    one_wins(outcomes)
    item.refresh_from_db()
    assert item.state == ItemState.IN_CUSTODY
    assert item.custodian == (officer if isinstance(outcomes[0], Exception) else lab_custodian)
    assert_chains_hold(item, 3)


def test_the_receiver_confirming_while_the_sender_cancels_settles_on_one(
    slow_moves, item, officer, lab_custodian
):
    services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY)
    outcomes = race(
        confirm(item, lab_custodian),
        lambda: services.transfer_cancel(item=item, by=officer),
    )
    refusal = one_wins(outcomes)
    assert "not in transit" in str(refusal)
    item.refresh_from_db()
    assert item.state == ItemState.IN_CUSTODY and item.transit_to_id is None
    assert item.custodian == (officer if isinstance(outcomes[0], Exception) else lab_custodian)
    assert_chains_hold(item, 3)


def test_a_disposal_racing_a_hand_over_leaves_one_of_them(
    slow_moves, item, officer, colleague, lab_custodian
):
    outcomes = race(
        lambda: services.item_dispose(
            item=item, by=officer, purpose=Purpose.DISPOSAL, witness=colleague, place="Furnace"
        ),
        lambda: services.transfer_start(
            item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY
        ),
    )
    one_wins(outcomes)
    assert_chains_hold(item, 2)


def test_a_sub_item_taken_while_the_parent_is_handed_over_keeps_both_chains(
    slow_moves, seizure, item, officer, lab_custodian
):
    outcomes = race(
        lambda: bag(seizure, officer, parent=item, seal_numbers=""),
        lambda: services.transfer_start(
            item=item, by=officer, to=lab_custodian, purpose=Purpose.LABORATORY
        ),
    )
    # Served one after the other, both are allowed (a sub-item may be taken before the
    # hand-over), or the sub-item is refused because the parent already left.
    assert not isinstance(outcomes[1], BaseException)
    if isinstance(outcomes[0], BaseException):
        assert isinstance(outcomes[0], ValidationError) and "in transit" in str(outcomes[0])
    assert_chains_hold(item, 3 if not isinstance(outcomes[0], BaseException) else 2)
    assert EvidenceItem.objects.count() == (2 if not isinstance(outcomes[0], BaseException) else 1)


def test_many_moves_on_many_items_at_once_leave_every_chain_valid(
    seizure, officer, lab_custodian, second_lab_custodian
):
    """Eight threads pass six items back and forth without pausing: whatever the order, the
    refusals are clear and every chain verifies."""
    items = [bag(seizure, officer, seal_numbers=f"S-{n}") for n in range(6)]
    people = [officer, lab_custodian, second_lab_custodian]

    def shuffle(worker):
        def run():
            refusals = 0
            for round_ in range(6):
                item = EvidenceItem.objects.get(pk=items[(worker + round_) % len(items)].pk)
                try:
                    if item.state == ItemState.IN_TRANSIT:
                        receiver = next(p for p in people if p.pk == item.transit_to_id)
                        confirm(item, receiver)()
                    else:
                        holder = next(p for p in people if p.pk == item.custodian_id)
                        to = people[(people.index(holder) + 1 + worker) % len(people)]
                        to = to if to.pk != holder.pk else people[(people.index(holder) + 1) % 3]
                        services.transfer_start(
                            item=item, by=holder, to=to, purpose=Purpose.TRANSPORT
                        )
                except (ValidationError, PermissionDenied):
                    refusals += 1
            return refusals

        return run

    outcomes = race(*(shuffle(worker) for worker in range(8)))
    assert all(isinstance(o, int) for o in outcomes), outcomes
    report = verify_items()
    assert report.ok and report.items == 6, [str(b) for b in report.breaks]
    for item in EvidenceItem.objects.all():
        assert item.events.count() == item.event_count


def test_verification_shared_among_processes_finds_what_one_process_finds(
    monkeypatch, seizure, officer, lab_custodian
):
    """``verify_custody --workers 2`` splits the items by id range among processes, each
    with its own connection: same counts, same breaks, in the same order."""
    from evidence import verification

    items = [bag(seizure, officer, seal_numbers=f"S-{n}") for n in range(7)]
    for item in items[::2]:
        services.transfer_start(item=item, by=officer, to=lab_custodian, purpose=Purpose.COURT)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE evidence_custodyevent DISABLE TRIGGER USER")
        try:
            cursor.execute(
                "UPDATE evidence_custodyevent SET note = 'forged' WHERE item_id IN (%s, %s) "
                "AND seq = 1",
                [items[1].pk, items[5].pk],
            )
        finally:
            cursor.execute("ALTER TABLE evidence_custodyevent ENABLE TRIGGER USER")
    monkeypatch.setattr(verification, "CHUNK", 2)  # several ranges for two processes

    alone = verify_items()
    shared = verify_items(workers=2)

    assert (shared.items, shared.events) == (alone.items, alone.events) == (7, 11)
    assert shared.breaks == alone.breaks
    assert [(b.label, b.seq) for b in shared.breaks] == [
        (items[1].label, 1),
        (items[5].label, 1),
    ]
