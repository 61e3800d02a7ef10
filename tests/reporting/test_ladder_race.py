"""Two events on one seizure committing at the same instant, on PostgreSQL.

Each runs in its own thread and connection, and each refresh pauses between reading the
facts and writing the rows. The refresh locks the seizure's row first, so the second
waits for the first to commit and then reads its facts: the kept row holds both events
(without the lock, each would have read the seizure without the other's event, and the
second's write would collide with the first's)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from casetracker.reporting import ladder
from casetracker.reporting.choices import Rung
from casetracker.reporting.models import SeizureProgress
from referrals.choices import OutcomeKind

from .test_ladder_kept import NOW, build_world, kept, move, record, refer, seize

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_refresh(monkeypatch):
    load = ladder.load_facts

    def slow_load(ids):
        facts = load(ids)
        time.sleep(0.3)
        return facts

    monkeypatch.setattr(ladder, "load_facts", slow_load)


def race(*events):
    barrier = threading.Barrier(len(events))
    errors: list = []

    def run(event):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            with transaction.atomic():
                event()
        except BaseException as exc:  # every failure must reach the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "an event hung"
    return errors


def test_two_events_at_once_on_one_seizure_are_both_kept(
    officer, other_officer, investigator, slow_refresh
):
    world = build_world(officer, other_officer, investigator)
    seizure = seize(officer, NOW - dt.timedelta(days=30))
    to_inv = refer(seizure, world["recipients"]["inv"], NOW - dt.timedelta(days=29))
    to_ncb = refer(seizure, world["recipients"]["ncb"], NOW - dt.timedelta(days=29))

    errors = race(
        lambda: move(to_inv, "acknowledge", at=NOW - dt.timedelta(days=28)),
        lambda: record(to_ncb, OutcomeKind.ARREST, (NOW - dt.timedelta(days=10)).date()),
    )

    assert errors == []
    row = SeizureProgress.objects.get(pk=seizure.pk)
    assert row.rung == Rung.ARRESTED
    assert row.acknowledged_at == NOW - dt.timedelta(days=28)  # the first event's date
    before = kept()
    ladder.rebuild()
    assert kept() == before
