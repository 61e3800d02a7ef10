"""Real services for the tests that need them: Redis, and a Celery worker in its own process.

In CI (``CI=true``) a missing service is a failure, never a skip: the PostgreSQL pass is
the only place the round trip through a real broker and worker is proven. On a developer's
machine the same tests skip and say what is missing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def require(available: bool, reason: str) -> None:
    """Skip with ``reason`` when a service is missing; in CI, fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def round_trip_broker_url() -> str:
    """The Redis URL the round-trip tests use (``TEST_CELERY_BROKER_URL``, set by make).

    Every test worker shares its database: isolation comes from a queue of its own (see
    ``unique_queue``), which is cheaper than reserving one of Redis's 16 databases each.
    """
    url = os.environ.get("TEST_CELERY_BROKER_URL") or DEFAULT_REDIS_URL
    if not url.startswith(("redis://", "rediss://")):
        pytest.fail(f"TEST_CELERY_BROKER_URL must be a redis:// URL, not {url!r}", pytrace=False)
    return url


def redis_reachable(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def redis_delete_queue(url: str, queue: str) -> None:
    """Drop what a test left in its queue so Redis does not fill up with dead test queues."""
    import redis

    with contextlib.suppress(redis.RedisError, OSError):
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            # kombu keeps one list per queue (plus one per priority level when used) and
            # the queue's bindings to its exchange.
            client.delete(
                queue,
                f"_kombu.binding.{queue}",
                f"_kombu.binding_permanent.{queue}",
                *client.keys(f"{queue}\x06\x16*"),
            )
        finally:
            client.close()


def unique_queue(prefix: str = "ct-test") -> str:
    """A queue no other test process consumes, so parallel runs never steal each other's tasks."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{prefix}-{worker}-{uuid.uuid4().hex[:12]}"


def database_url(settings_dict: dict) -> str:
    """A postgres:// URL for a Django connection's settings (e.g. the current test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    name = quote(str(settings_dict["NAME"]), safe="")
    return urlunsplit(("postgres", f"{credentials}{host}:{port}", f"/{name}", "", ""))


class CeleryWorker:
    """``celery -A casetracker worker`` in a subprocess, consuming one queue.

    The worker reads its settings from the environment like a production worker does:
    ``DATABASE_URL`` (the test database, so it sees what the test committed),
    ``CELERY_BROKER_URL`` and ``CASETRACKER_PRIVATE_MEDIA_ROOT``.
    """

    READY_TIMEOUT = 60.0  # only bounds how long a broken start takes to report
    STOP_TIMEOUT = 15.0

    def __init__(
        self,
        *,
        database_url: str,
        broker_url: str,
        queue: str,
        media_root: Path,
        log,
        env: dict[str, str] | None = None,
        name: str | None = None,
        pool: str = "solo",
    ):
        """``env`` adds or overrides variables (e.g. ``CELERY_VISIBILITY_TIMEOUT``,
        ``EMAIL_HOST``); ``name`` tells apart two workers consuming the same queue; ``pool``
        "prefork" runs tasks in a child process as production does (one child)."""
        self.queue = queue
        self.name = name or queue
        self.pool = pool
        self.log_path = Path(log)
        env_base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "DATABASE_"))
        }
        env_base.update(
            DJANGO_SETTINGS_MODULE="casetracker.settings",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=broker_url,
            CASETRACKER_PRIVATE_MEDIA_ROOT=str(media_root),
            PYTHONUNBUFFERED="1",
        )
        self.env = {**env_base, **(env or {})}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        celery = Path(sys.executable).with_name("celery")
        args = [
            str(celery),
            "-A",
            "casetracker",
            "worker",
            f"--pool={self.pool}",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.name}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # A session of its own, so kill() takes the pool's children down with it.
            start_new_session=self.pool != "solo",
        )
        deadline = time.monotonic() + self.READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited at start:\n{self.log_tail()}")
            if " ready." in self.log():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Celery worker was not ready in time:\n{self.log_tail()}")

    def stop(self) -> None:
        """Warm shutdown (SIGTERM lets the current task finish); kill if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a pulled plug would: no shutdown at all,
        the task in hand stays unacknowledged on the broker."""
        if self.process is None:
            return
        if self.process.poll() is None:
            if self.pool == "solo":
                self.process.kill()
            else:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=self.STOP_TIMEOUT)
        self._log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def __enter__(self) -> CeleryWorker:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def celery_sends_to(*, broker_url: str, queue: str) -> Iterator[None]:
    """Make this process publish the app's tasks to ``queue`` on a real broker.

    The app caches its connection pool and queue declarations on first use, so both are
    dropped on the way in (to pick up the new broker and queue) and on the way out (so no
    later test publishes to a broker it did not ask for).
    """
    from kombu import pools

    from casetracker.celery import app

    names = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {name: app.conf[name] for name in names}

    def reset() -> None:
        # kombu keeps its pools in a registry per connection URL: closing the app's pool
        # without clearing it would hand the closed pool back (even to eager tasks, which
        # acquire a producer too) the next time the same URL is used.
        pools.reset()
        app._pool = None
        app.__dict__.pop("amqp", None)

    reset()
    app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    try:
        yield
    finally:
        reset()
        app.conf.update(saved)


def wait_for(condition, *, timeout: float, interval: float = 0.2):
    """Poll ``condition()`` until it returns something truthy, or return None at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of one test alone, on a free loopback port, in a directory of its
    own: the test can take the broker away (``stop``) and bring it back (``start``) without
    disturbing anyone else, and nobody else's worker restores or steals its messages.

    It keeps what it holds across a stop like a production Redis with persistence does
    (``SHUTDOWN SAVE`` writes the dump that the next start loads).
    """

    START_TIMEOUT = 10.0

    def __init__(self, directory: Path):
        import shutil

        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.server is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> None:
        if self.server is None:
            raise RuntimeError("redis-server is not installed")
        args = [
            self.server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.directory),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if (
            not wait_for(
                lambda: self.process.poll() is not None or redis_reachable(self.url),
                timeout=self.START_TIMEOUT,
                interval=0.05,
            )
            or self.process.poll() is not None
        ):
            log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
            self.process = None
            raise RuntimeError(f"redis-server did not start on port {self.port}:\n{log}")

    def stop(self) -> None:
        """The broker goes away; what it held is saved for the next start."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        import redis

        client = self.client()
        try:
            client.shutdown(save=True)
        except (redis.RedisError, OSError):
            self.process.terminate()
        finally:
            client.close()
        try:
            self.process.wait(timeout=self.START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=self.START_TIMEOUT)
        self.process = None

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
