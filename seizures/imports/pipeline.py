"""Keeping a long import fast and its memory flat: occurrence counts on disk, and a
writer thread that stores one batch while the next is read."""

from __future__ import annotations

import gc
import queue
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import _Outcome, _Writer


@contextmanager
def rare_collections(young: int = 50_000) -> Iterator[None]:
    """Let Python's cycle collector run less often while a file is imported.

    An import allocates a few dozen containers per row that live until their batch is
    stored, so with the default threshold (700) the collector runs every few rows and
    its older generations, which hold all of Django, are walked over and over: up to a
    third of the time spent reading rows. The collector still runs, every ``young``
    allocations, so garbage in reference cycles waits a little longer but does not pile
    up: memory stays flat. The threshold is the process's: it is put back however the
    import ends.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(young, old[0]), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Occurrences:
    """How often each record was seen earlier in this file.

    Kept in a temporary SQLite file with a small page cache rather than in a dict, so a
    file of millions of rows costs a few megabytes of memory, not one entry per row.
    """

    CHUNK = 500  # parameters per query, well under SQLite's limit

    def __init__(self):
        self.db = sqlite3.connect("")  # "": a private temporary file, deleted on close
        self.db.execute("PRAGMA cache_size = -4096")  # KiB
        self.db.execute("CREATE TABLE seen (key BLOB PRIMARY KEY, n INTEGER) WITHOUT ROWID")

    def number(self, keys: list[bytes]) -> list[int]:
        """For each key, how many times it came before (in earlier calls or in ``keys``)."""
        unique = list(dict.fromkeys(keys))
        counts: dict[bytes, int] = {}
        for start in range(0, len(unique), self.CHUNK):
            part = unique[start : start + self.CHUNK]
            marks = ",".join("?" * len(part))
            query = f"SELECT key, n FROM seen WHERE key IN ({marks})"  # noqa: S608
            counts.update(self.db.execute(query, part))
        numbers = []
        for key in keys:
            n = counts.get(key, 0)
            numbers.append(n)
            counts[key] = n + 1
        self.db.executemany(
            "INSERT OR REPLACE INTO seen VALUES (?, ?)", [(k, counts[k]) for k in unique]
        )
        return numbers

    def close(self) -> None:
        self.db.close()


class Pipeline:
    """Batches are written by a second thread, on its own connection, while the caller
    reads and checks the next rows: the database works on one batch while Python parses
    the next, which on PostgreSQL nearly doubles the rows per second.

    At most ``DEPTH`` batches wait, so memory stays flat. An error in the writer stops
    the reader at its next batch and is raised there.
    """

    DEPTH = 2

    # Seconds a thread may hold the GIL while another waits (Python's default: 0.005).
    # The writer waits for the GIL after every round trip to the database, a few dozen per
    # batch, while the reader keeps it busy: at 5 ms each the writer spent more time
    # waiting for Python than for PostgreSQL.
    SWITCH_INTERVAL = 0.0005

    def __init__(self, writer: _Writer):
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self.error: BaseException | None = None
        # Process-wide, so put back in close(): the import runs alone in its worker.
        self.interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self.interval, self.SWITCH_INTERVAL))
        self.thread = threading.Thread(target=self._work, name="seizure-import", daemon=True)
        try:
            self.thread.start()
        except BaseException:
            sys.setswitchinterval(self.interval)
            raise

    def _work(self) -> None:
        from django.db import connection

        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self.writer.commit(batch)
                    except BaseException as error:  # handed to the reading thread
                        self.error = error
        finally:
            connection.close()

    def flush(self, outcomes: list[_Outcome]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(self.writer.prepare(outcomes))

    def close(self) -> None:
        try:
            self.queue.put(None)
            self.thread.join()
        finally:
            sys.setswitchinterval(self.interval)
        if self.error is not None:
            raise self.error
