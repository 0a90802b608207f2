"""SQLite for the embedded mode, with writers queued in the process instead of polling the file lock.

Every ParkOS transaction on SQLite begins IMMEDIATE (it takes the write lock at BEGIN). When the lock
is held, SQLite's busy handler makes the next writer *sleep and retry* (1, 2, 5 … up to 100 ms between
tries), so under a rush — 500 people registering for 100 seats at once — writers wake up long after the
lock was freed and p95 latency is mostly sleeping. Here the threads of one process wait for each other on
a lock that hands over at once; only writers in *other* processes still meet the busy handler.

The wait is bounded (``QUEUE_TIMEOUT``): past it the transaction goes on to SQLite's own ``busy_timeout``
exactly as before, so nothing can wait forever. ``ENGINE = "parkos.core.sqlite"`` (settings.py sets it
for every SQLite database)."""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base

QUEUE_TIMEOUT = 20.0  # seconds, the same as the busy timeout
_writers: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _queue_for(name: str) -> threading.Lock:
    with _guard:
        return _writers.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _queued: threading.Lock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        name = str(self.settings_dict["NAME"])
        if getattr(self, "transaction_mode", None) in ("IMMEDIATE", "EXCLUSIVE") and not self.is_in_memory_db() and self._queued is None:
            queue = _queue_for(name)
            if queue.acquire(timeout=QUEUE_TIMEOUT):
                self._queued = queue
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._dequeue()
            raise

    def _dequeue(self) -> None:
        queue, self._queued = self._queued, None
        if queue is not None:
            queue.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._dequeue()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._dequeue()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._dequeue()
