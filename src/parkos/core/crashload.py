"""A load of writes sent over HTTP as real clients send them, for the crash test
(``core/tests/test_crash_safety.py``): service orders, registrations for an event, redemptions of value.

Each ``Call`` is one write by one client: its bearer token, its body and (where the API takes one) its
own ``Idempotency-Key``. ``Load`` sends calls from a queue in threads. A call's last answer decides
what the client knows:

- *committed*: a 2xx came back; the write is in the database and must stay there, once.
- *refused*: a 4xx came back; the server wrote nothing (the test expects none).
- *unsure*: no answer (refused or reset connection, timeout) or a 5xx: the server may or may not have
  written it. A client's duty is to send it again, with the same key, until it gets an answer; the
  server's is that the retry never writes it twice.

Only the standard library (urllib), so the script runs wherever the server's Python does."""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Call:
    kind: str  # what the test groups by: "order", "register", "redeem"
    path: str  # e.g. "/api/v1/orders"
    body: dict[str, Any]
    token: str
    key: str | None = None  # sent as the Idempotency-Key header
    status: int | None = None  # the last answer's status; None: no answer (yet)
    answer: Any = None  # the last answer's JSON body
    answers: list[tuple[int, Any]] = field(default_factory=list)  # every answer, in order
    attempts: int = 0
    failures: list[str] = field(default_factory=list)  # why attempts got no answer

    @property
    def committed(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def unsure(self) -> bool:
        return self.status is None or self.status >= 500

    @property
    def first_committed(self) -> Any:
        """The body of the first 2xx answer (what the client acted on)."""
        return next((body for status, body in self.answers if 200 <= status < 300), None)


def send(base: str, call: Call, *, timeout: float = 15.0) -> None:
    """One attempt at ``call``; records the answer (or the failure) on it."""
    headers = {"Authorization": f"Bearer {call.token}", "Content-Type": "application/json",
               "Accept": "application/json", "Accept-Language": "en"}
    if call.key:
        headers["Idempotency-Key"] = call.key
    request = urllib.request.Request(base + call.path, data=json.dumps(call.body).encode(), headers=headers,
                                     method="POST")
    call.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        try:
            status, raw = error.code, error.read()
        except (OSError, http.client.HTTPException) as failure:
            call.failures.append(f"{error.code}, then {failure!r}")
            call.status = None
            return
    except (OSError, http.client.HTTPException) as failure:  # refused, reset, timed out, cut short
        call.failures.append(repr(failure))
        call.status = None
        return
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")[:500]
    call.status, call.answer = status, body
    call.answers.append((status, body))


class Load:
    """Send ``calls`` from ``threads`` threads, each call once, until all are sent or ``stop()``."""

    def __init__(self, base: str, calls: Iterable[Call], *, threads: int = 8, timeout: float = 15.0) -> None:
        self.base = base
        self.calls = list(calls)
        self.timeout = timeout
        self._queue: queue.SimpleQueue[Call] = queue.SimpleQueue()
        for call in self.calls:
            self._queue.put(call)
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self.sent = 0
        self._threads = [threading.Thread(target=self._run, name=f"load-{i}", daemon=True) for i in range(threads)]

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                call = self._queue.get_nowait()
            except queue.Empty:
                return
            send(self.base, call, timeout=self.timeout)
            with self._lock:
                self.sent += 1

    def wait_for(self, sent: int, *, timeout: float = 60.0) -> None:
        """Block until at least ``sent`` calls have had their first attempt."""
        deadline = time.monotonic() + timeout
        while self.sent < sent:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {self.sent} of {sent} calls sent after {timeout:.0f}s")
            if not any(t.is_alive() for t in self._threads):
                return
            time.sleep(0.02)

    def stop(self) -> None:
        """Take no more calls from the queue; wait for the ones in flight."""
        self._stopped.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def join(self, *, timeout: float = 120.0) -> None:
        for thread in self._threads:
            thread.join(timeout=timeout)

    def finish(self, base: str, *, threads: int = 8, deadline: float = 60.0) -> None:
        """After the restart, at ``base``: send every call that never went or had no sure answer, again
        with its own key, until each has one (or ``deadline`` seconds pass)."""
        self.base = base
        end = time.monotonic() + deadline
        while True:
            pending = [c for c in self.calls if c.attempts == 0 or c.unsure]
            if not pending or time.monotonic() > end:
                return
            retry = Load(base, pending, threads=threads, timeout=self.timeout).start()
            retry.join(timeout=max(1.0, end - time.monotonic()))
            if any(c.unsure for c in pending):
                time.sleep(0.2)

    def replay(self, base: str, *, threads: int = 8) -> list[tuple[Call, int | None, Any]]:
        """Send every committed call once more with its key (a client that never saw its answer would);
        returns ``(call, status, body)`` of each replay, the call's own record left as it was."""
        committed = [c for c in self.calls if c.committed]
        copies = [Call(kind=c.kind, path=c.path, body=c.body, token=c.token, key=c.key) for c in committed]
        Load(base, copies, threads=threads, timeout=self.timeout).start().join()
        return [(original, copy.status, copy.answer) for original, copy in zip(committed, copies, strict=True)]

    def summary(self) -> dict[str, dict[str, int]]:
        """Per kind: how many calls committed, were refused, stay unsure, and were sent more than once."""
        result: dict[str, dict[str, int]] = {}
        for call in self.calls:
            row = result.setdefault(call.kind, {"committed": 0, "refused": 0, "unsure": 0, "retried": 0})
            row["committed" if call.committed else "unsure" if call.unsure else "refused"] += 1
            row["retried"] += call.attempts > 1
        return result
