"""Stopping a task for certain (core.tasks): a task busy with Redis can lose one cancel() in
Python 3.11 (asyncio.wait_for inside redis-py drops it), so stopping cancels until it has ended."""
from __future__ import annotations

import asyncio
import random

from core.tasks import cancel_and_wait, stop_tasks


async def _busy_with_redis(redis) -> None:
    while True:
        await redis.set("tasks-test", "v")  # every command is sent through asyncio.wait_for


async def test_a_task_busy_with_redis_always_stops(redis):
    rnd, lost = random.Random(7), 0
    for _ in range(300):
        task = asyncio.create_task(_busy_with_redis(redis))
        await asyncio.sleep(rnd.random() * 0.003)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=0.05)
        lost += not done  # the cancellation was dropped: the task runs on
        assert await cancel_and_wait(task, timeout=5, recancel=0.05)
        assert task.cancelled()
    print(f"{lost} of 300 cancellations lost")


async def test_a_task_that_will_not_stop_is_given_up_within_the_bound():
    refusing = asyncio.Event()
    refusing.set()

    async def stubborn():
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if not refusing.is_set():
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        assert not await cancel_and_wait(task, timeout=1.5)
        refusing.clear()  # now it gives in
        assert await cancel_and_wait(task, timeout=2)


async def test_stop_tasks_ends_every_task_and_names_the_ones_that_would_not():
    async def obedient():
        await asyncio.sleep(3600)

    released = asyncio.Event()

    async def stubborn():  # swallows every cancellation until released: only the bound ends the wait
        while not released.is_set():
            try:
                await released.wait()
            except asyncio.CancelledError:
                continue

    polite, rude = asyncio.create_task(obedient()), asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    left = await stop_tasks([polite, None, rude], timeout=0.3)
    assert polite.cancelled() and left == [rude] and not rude.done()
    released.set()
    await asyncio.wait_for(rude, timeout=5)
