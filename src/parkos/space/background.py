"""Background work of the map server that nobody awaits: kept, supervised, and never lost in silence.

asyncio holds only a weak reference to a task: one created and dropped may be collected before it ends,
and an exception in it is reported (if ever) only when it is garbage-collected. Every fire-and-forget
task of the map server (closing a socket, writing a ban, the Redis bridge's listener) therefore goes
through one ``TaskSet``, which keeps a strong reference until the task ends and logs its failure.
Reconnecting loops wait with ``Backoff`` (capped exponential, with jitter, so that the nodes of a park
do not all knock on a restarted Redis in the same millisecond).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("parkos.space")


class TaskSet:
    """Tasks started and not awaited: referenced until they end; an exception is logged with its name."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("space: background task %r failed", task.get_name(), exc_info=error)

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel(self) -> None:
        """Stop every task still running (at shutdown) and wait for them to end."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class Backoff:
    """Delays between attempts: ``base`` × 2ⁿ, capped at ``cap``, each drawn in its upper half (jitter)."""

    def __init__(self, *, base: float = 0.1, cap: float = 5.0):
        self.base, self.cap, self.attempts = base, cap, 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2 ** min(self.attempts, 30))
        self.attempts += 1
        return delay * random.uniform(0.5, 1.0)  # spreading retries, not a secret

    def reset(self) -> None:
        self.attempts = 0
