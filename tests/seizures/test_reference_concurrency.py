"""Reference numbers stay unique and gap-free when officers save at the same instant.

Only PostgreSQL shows the race for real (row locks, concurrent inserts of the first counter
of the year), so these run in the PostgreSQL pass, with committed data and one connection
per officer.
"""

import threading

import pytest
from django.db import connection, transaction

from seizures.models import Seizure

from .. import factories as f

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OFFICERS = 8


def _officers(count: int):
    unit = f.pcu("ECGYE")
    return [f.UserFactory(username=f"officer{n}", unit=unit) for n in range(count)]


def test_it_numbers_seizures_saved_at_the_same_instant_without_duplicates_or_gaps():
    officers = _officers(OFFICERS)
    # Built before the race: the ports they reference must not be created concurrently.
    work = [(officer, f.seizure_fields(), f.seizure_parts()) for officer in officers]
    barrier = threading.Barrier(OFFICERS)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def log(officer, fields, parts):
        try:
            # Open the connection before the barrier so the saves, not the logins, race.
            connection.ensure_connection()
            barrier.wait(timeout=30)
            seizure = f.services.seizure_log(user=officer, fields=fields, parts=parts)
            with lock:
                references.append(seizure.reference)
        except BaseException as exc:  # every failure must reach the assertion below
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=log, args=job) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads), "a save hung"
    assert errors == []
    year = Seizure(**work[0][1]).local_occurred_at.year
    expected = [f"ECGYE-PCU-{year}-{n:04d}" for n in range(1, OFFICERS + 1)]
    assert sorted(references) == expected
    stored = Seizure.objects.filter(unit=officers[0].unit).values_list("reference", flat=True)
    assert sorted(stored) == expected


class Abandoned(Exception):
    pass


def test_it_gives_a_rolled_back_number_to_the_next_seizure():
    (officer,) = _officers(1)
    first = f.log_seizure(officer)

    with pytest.raises(Abandoned), transaction.atomic():
        f.log_seizure(officer)
        # Whatever fails after the seizure was saved (e.g. a later step of the same request)
        # rolls the counter back with it.
        raise Abandoned

    second = f.log_seizure(officer)

    prefix = first.reference.rsplit("-", 1)[0]
    assert first.reference == f"{prefix}-0001"
    assert second.reference == f"{prefix}-0002"
    assert Seizure.objects.count() == 2
