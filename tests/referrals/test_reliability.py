"""Nothing lost, nothing twice: routing and its e-mails through a real Redis, real Celery
workers and a real (fake) mail server, with the broker taken away and workers killed.

Each test has a redis-server of its own (``services.PrivateRedis``), so it can stop the
broker, and so no other test's worker restores or steals its messages; the workers use the
default queue on it. What a user would notice is asserted: each recipient referred once,
each addressee told once, one e-mail per notification at the mail server, no routing job
left behind.

Killed workers: a task in the hands of a worker that dies stays unacknowledged in Redis
(kombu's ``unacked`` hash, indexed by delivery time in ``unacked_index``). A worker puts
such messages back on their queue once they are older than the visibility timeout, when
it starts (kombu's ``on_poll_init``) and then every ``unacked_restore_interval`` x
``unacked_restore_throttle`` seconds. The tests give the workers a 10-second visibility
timeout and start the next worker only once the dead worker's message has become visible,
so the redelivery happens at that start, without waiting on a timer.

The killed workers run the prefork pool (one child), as production does, and the whole
process group is killed. With the solo pool the test could not tell late from early
acknowledgement: the solo pool runs the task inside the event loop, which only sends an
early ack once the task has returned.
"""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from referrals import outbox, routing
from referrals.models import Notification, Referral, RoutingJob
from referrals.tasks import referrals_route_seizure
from seizures.choices import SeizureStatus
from seizures.models import Seizure
from seizures.services import seizure_submit

from .. import factories as f
from .. import services
from ..smtp import FakeSMTP

ROUND_TRIP_TIMEOUT = 45
QUEUE = "celery"  # the default queue: the workers publish their e-mail tasks there too
VISIBILITY_TIMEOUT = 10
# A short visibility timeout (the settings allow 10 s at least) with the time limits below
# it, as the settings demand. The solo pool enforces no time limits.
QUICK_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
    "CELERY_TASK_TIME_LIMIT": "8",
    "CELERY_TASK_SOFT_TIME_LIMIT": "6",
}
EXPECTED_RECIPIENTS = ["Antinarcóticos", "INTERPOL NCB Quito"]

# The world and its services.


@pytest.fixture
def people(officer, investigator, ncb_officer, default_rules):
    """Guayaquil's officer submits; EC-INV's investigator and NCB Quito's officer answer."""
    return {"officer": officer, "investigator": investigator, "ncb_officer": ncb_officer}


@pytest.fixture
def redis_server(tmp_path):
    server = services.PrivateRedis(tmp_path / "redis")
    services.require(server.available, "redis-server is not installed")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp():
    with FakeSMTP() as server:
        yield server


@pytest.fixture
def workers(tmp_path, redis_server, smtp):
    """Make workers on the private Redis that mail the fake server; all stopped at the end."""
    started: list[services.CeleryWorker] = []

    def make(name: str, pool: str = "solo", **env: str) -> services.CeleryWorker:
        worker = services.CeleryWorker(
            database_url=services.database_url(connection.settings_dict),
            broker_url=redis_server.url,
            queue=QUEUE,
            media_root=tmp_path / "media",
            log=tmp_path / f"worker-{name}.log",
            env={**smtp.env, **env},
            name=f"{name}-{uuid.uuid4().hex[:6]}",
            pool=pool,
        )
        started.append(worker)
        worker.start()
        return worker

    yield make
    for worker in started:
        worker.stop()


def logs(*workers: services.CeleryWorker) -> str:
    return "\n---\n".join(w.log_tail() for w in workers)


# What the user would notice.


def referral_names(seizure: Seizure) -> list[str]:
    return sorted(
        Referral.objects.filter(seizure=seizure).values_list("recipient__name", flat=True)
    )


def notifications_of(seizure: Seizure):
    return Notification.objects.filter(referral__seizure=seizure)


def routed_and_mailed(seizure: Seizure) -> bool:
    """Routing done and every e-mail of it marked sent."""
    job = RoutingJob.objects.filter(seizure=seizure, done_at__isnull=False).first()
    mails = notifications_of(seizure).exclude(email="")
    return bool(job) and mails.exists() and not mails.filter(sent_at__isnull=True).exists()


def assert_referred_and_told_once(seizure: Seizure, people: dict, smtp: FakeSMTP) -> None:
    assert referral_names(seizure) == EXPECTED_RECIPIENTS
    job = RoutingJob.objects.get(seizure=seizure)
    assert job.done_at is not None
    assert job.referrals_created == len(EXPECTED_RECIPIENTS)
    told = notifications_of(seizure)
    assert sorted(told.values_list("key", "email")) == [
        ("sent", people["investigator"].email),
        ("sent", people["ncb_officer"].email),
    ]
    assert not told.filter(sent_at__isnull=True).exists()
    # At the mail server: exactly one message per notification (the Message-ID is the
    # notification's public id), to the notification's address.
    delivered = sorted((m["Message-ID"].split("@")[0].strip("<"), m["To"]) for m in smtp.messages)
    assert delivered == sorted((str(n.public_id), n.email) for n in told)


def assert_nothing_more_to_publish() -> None:
    assert outbox.outbox_sweep() == {"routing": 0, "emails": 0}


def unacked(redis_server: services.PrivateRedis) -> list[tuple[bytes, float]]:
    """Messages delivered to a worker and not acknowledged, with their delivery times."""
    client = redis_server.client()
    try:
        return client.zrange("unacked_index", 0, -1, withscores=True)
    finally:
        client.close()


def wait_until_redeliverable(redis_server: services.PrivateRedis) -> None:
    """Until the dead worker's message is older than the visibility timeout: the next
    worker to start puts it back on the queue."""
    held = unacked(redis_server)
    assert len(held) == 1, held
    _tag, delivered_at = held[0]
    time.sleep(max(0.0, delivered_at + VISIBILITY_TIMEOUT + 0.5 - time.time()))


def waiting_on_a_lock(fragment: str) -> int:
    """Sessions of this test database waiting on a lock in a statement about ``fragment``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchone()[0]


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def table_locked(table: str) -> psycopg.Connection:
    """A session of its own holding ``table`` against writes until it is rolled back."""
    locker = psycopg.connect(services.database_url(connection.settings_dict))
    locker.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    return locker


# The broker is down.


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_seizure_submitted_while_the_broker_is_down_is_routed_once_it_is_back(
    people, redis_server, smtp, workers
):
    officer = people["officer"]
    with services.celery_sends_to(broker_url=redis_server.url, queue=QUEUE):
        redis_server.stop()

        started = time.monotonic()
        seizure = f.log_seizure(officer, submit=True)
        took = time.monotonic() - started

        # The officer is not kept waiting on a broker that is away, and loses nothing.
        assert took < 5, f"submitting took {took:.1f} s with the broker down"
        assert Seizure.objects.get(pk=seizure.pk).status == SeizureStatus.SUBMITTED
        job = RoutingJob.objects.get(seizure=seizure)
        assert (job.enqueued_at, job.enqueue_count, job.done_at) == (None, 0, None)
        assert referral_names(seizure) == []

        redis_server.start()
        worker = workers("back")
        assert outbox.outbox_sweep() == {"routing": 1, "emails": 0}

        assert services.wait_for(lambda: routed_and_mailed(seizure), timeout=ROUND_TRIP_TIMEOUT), (
            logs(worker)
        )
        assert_referred_and_told_once(seizure, people, smtp)
        assert RoutingJob.objects.get(seizure=seizure).enqueue_count == 1

        # The sweeper runs every minute: a second run finds nothing to do, and nothing
        # arrives twice.
        assert_nothing_more_to_publish()
        time.sleep(1)
        assert_referred_and_told_once(seizure, people, smtp)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_emails_of_a_seizure_routed_while_the_broker_is_down_go_out_once_it_is_back(
    people, redis_server, smtp, workers
):
    seizure = f.log_seizure(people["officer"])
    with services.celery_sends_to(broker_url=redis_server.url, queue=QUEUE):
        redis_server.stop()
        seizure_submit(user=people["officer"], seizure=seizure)
        # Routing itself succeeds without the broker; only its e-mails cannot be handed on.
        routing.seizure_route(seizure_id=seizure.pk)
        assert referral_names(seizure) == EXPECTED_RECIPIENTS
        waiting = notifications_of(seizure).exclude(email="")
        assert waiting.count() == 2
        assert not waiting.filter(enqueued_at__isnull=False).exists()

        redis_server.start()
        worker = workers("back")
        assert outbox.outbox_sweep() == {"routing": 0, "emails": 2}

        assert services.wait_for(lambda: routed_and_mailed(seizure), timeout=ROUND_TRIP_TIMEOUT), (
            logs(worker)
        )
        assert_referred_and_told_once(seizure, people, smtp)
        assert_nothing_more_to_publish()


# A worker dies in the middle.


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_routing_leaves_it_to_the_next_one(
    people, redis_server, smtp, workers
):
    seizure = f.log_seizure(people["officer"])
    with services.celery_sends_to(broker_url=redis_server.url, queue=QUEUE):
        seizure_submit(user=people["officer"], seizure=seizure)
    assert RoutingJob.objects.get(seizure=seizure).enqueued_at is not None

    # Routing writes the referral, then stops at its first notification: nobody may write
    # notifications while this session holds the table.
    locker = table_locked("referrals_notification")
    try:
        first = workers("first", pool="prefork", **QUICK_REDELIVERY)
        assert services.wait_for(
            lambda: waiting_on_a_lock("referrals_notification"), timeout=ROUND_TRIP_TIMEOUT
        ), logs(first)
        assert len(unacked(redis_server)) == 1  # the routing task, in the worker's hands
        first.kill()
    finally:
        locker.rollback()
        locker.close()

    # The dead worker's transaction dies with its session: nothing half-done remains.
    assert services.wait_for(lambda: other_sessions() == 0, timeout=ROUND_TRIP_TIMEOUT)
    assert referral_names(seizure) == []
    assert RoutingJob.objects.get(seizure=seizure).done_at is None
    assert smtp.messages == []

    wait_until_redeliverable(redis_server)
    second = workers("second", pool="prefork", **QUICK_REDELIVERY)
    assert services.wait_for(lambda: routed_and_mailed(seizure), timeout=ROUND_TRIP_TIMEOUT), logs(
        first, second
    )
    assert_referred_and_told_once(seizure, people, smtp)
    assert "referrals.tasks.referrals_route_seizure" in second.log()
    assert services.wait_for(lambda: not unacked(redis_server), timeout=10)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_the_mail_server_takes_its_time_sends_nothing_twice(
    people, redis_server, smtp, workers
):
    smtp.hold_next_data()
    first = workers("first", pool="prefork", **QUICK_REDELIVERY)
    seizure = f.log_seizure(people["officer"])
    with services.celery_sends_to(broker_url=redis_server.url, queue=QUEUE):
        seizure_submit(user=people["officer"], seizure=seizure)

    # Routed; the first e-mail is with the mail server, which has not said "go ahead".
    assert smtp.holding.wait(ROUND_TRIP_TIMEOUT), logs(first)
    assert referral_names(seizure) == EXPECTED_RECIPIENTS
    assert len(unacked(redis_server)) == 1
    first.kill()
    smtp.release()

    assert services.wait_for(lambda: other_sessions() == 0, timeout=ROUND_TRIP_TIMEOUT)
    assert smtp.messages == []
    assert not notifications_of(seizure).filter(sent_at__isnull=False).exists()

    wait_until_redeliverable(redis_server)
    second = workers("second", pool="prefork", **QUICK_REDELIVERY)
    assert services.wait_for(lambda: routed_and_mailed(seizure), timeout=ROUND_TRIP_TIMEOUT), logs(
        first, second
    )
    assert_referred_and_told_once(seizure, people, smtp)
    assert services.wait_for(lambda: not unacked(redis_server), timeout=10)


# Twice at once.


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_workers_routing_the_same_seizure_at_once_make_one_set_of_referrals(
    people, redis_server, smtp, workers
):
    seizure = f.log_seizure(people["officer"])
    with services.celery_sends_to(broker_url=redis_server.url, queue=QUEUE):
        seizure_submit(user=people["officer"], seizure=seizure)
        job = RoutingJob.objects.get(seizure=seizure)
        # A second copy of the task, as the sweeper sends when a job is late.
        referrals_route_seizure.delay(job.pk)

    # Keep both workers in the middle of routing until both have the task in hand.
    locker = table_locked("referrals_referral")
    try:
        one = workers("one")
        two = workers("two")
        both = services.wait_for(
            lambda: waiting_on_a_lock("referrals_") == 2, timeout=ROUND_TRIP_TIMEOUT
        )
        assert both, logs(one, two)
    finally:
        locker.rollback()
        locker.close()

    assert services.wait_for(lambda: routed_and_mailed(seizure), timeout=ROUND_TRIP_TIMEOUT), logs(
        one, two
    )
    assert_referred_and_told_once(seizure, people, smtp)
    assert services.wait_for(
        lambda: all(
            "referrals_route_seizure" in w.log() and "succeeded" in w.log() for w in (one, two)
        ),
        timeout=10,
    ), logs(one, two)


def submitted_not_yet_routed(officer) -> Seizure:
    """A submitted seizure whose routing job waits (its broker was away at the submit)."""
    nobody_listens = f"redis://127.0.0.1:{services.free_port()}/0"
    with services.celery_sends_to(broker_url=nobody_listens, queue=QUEUE):
        seizure = f.log_seizure(officer, submit=True)
    assert RoutingJob.objects.get(seizure=seizure).enqueued_at is None
    return seizure


def at_once(count: int, work) -> tuple[list, list[Exception]]:
    """Run ``work()`` in ``count`` threads released together, each on its own database
    session; returns what they returned and what they raised."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as exc:  # collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_routings_of_the_same_seizure_at_once_make_one_set_of_referrals(people):
    seizure = submitted_not_yet_routed(people["officer"])

    # Celery is eager here: each routing sends its e-mails itself after its commit.
    results, errors = at_once(8, lambda: len(routing.seizure_route(seizure_id=seizure.pk)))

    assert errors == []
    assert sorted(results) == [0] * 7 + [len(EXPECTED_RECIPIENTS)]
    assert referral_names(seizure) == EXPECTED_RECIPIENTS
    told = notifications_of(seizure)
    assert sorted(told.values_list("email", flat=True)) == sorted(
        [people["investigator"].email, people["ncb_officer"].email]
    )
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        told.values_list("email", flat=True)
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_seizure_submitted_twice_at_once_is_refused_the_second_time(people):
    officer = people["officer"]
    seizure = f.log_seizure(officer)

    results, errors = at_once(2, lambda: seizure_submit(user=officer, seizure=seizure))

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert errors[0].messages == ["This seizure has already been submitted."]
    job = RoutingJob.objects.get(seizure=seizure)
    assert job.enqueue_count == 1
    assert job.referrals_created == len(EXPECTED_RECIPIENTS)
    assert referral_names(seizure) == EXPECTED_RECIPIENTS
    assert len(mail.outbox) == 2

    # Later, once more: refused again, routed no more.
    with pytest.raises(ValidationError):
        seizure_submit(user=officer, seizure=seizure)
    assert RoutingJob.objects.get(seizure=seizure).enqueue_count == 1
    assert referral_names(seizure) == EXPECTED_RECIPIENTS
    assert len(mail.outbox) == 2
