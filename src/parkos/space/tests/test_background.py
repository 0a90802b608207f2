"""The map server's background work: kept until it ends, failures logged, retries spaced out."""

from __future__ import annotations

import asyncio
import gc
import logging

from parkos.space.background import Backoff, TaskSet


def test_a_failing_task_is_logged_at_once_with_its_name(caplog):
    async def fails() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the database is gone")

    async def main() -> int:
        tasks = TaskSet()
        tasks.spawn(fails(), name="ban:park:7")
        gc.collect()  # nobody else holds the task: the set keeps it alive until it ends
        for _ in range(5):
            await asyncio.sleep(0)
        return len(tasks)

    with caplog.at_level(logging.ERROR, logger="parkos.space"):
        assert asyncio.run(main()) == 0
    [record] = [r for r in caplog.records if r.name == "parkos.space"]
    assert "'ban:park:7' failed" in record.getMessage() and "the database is gone" in str(record.exc_info[1])


def test_backoff_grows_is_capped_jittered_and_resets():
    backoff = Backoff(base=0.1, cap=2.0)
    delays = [backoff.next_delay() for _ in range(12)]
    assert 0.05 <= delays[0] <= 0.1 and 0.1 <= delays[1] <= 0.2
    assert all(1.0 <= d <= 2.0 for d in delays[6:])  # capped, never all at the same instant
    assert len({round(d, 6) for d in delays[6:]}) > 1
    backoff.reset()
    assert backoff.next_delay() <= 0.1
