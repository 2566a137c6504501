"""The per-event queue of answers in the process (withus.services.event_queue): one at a time per
event, first come first served, events independent, and nothing left once a burst is over (also
when a waiter is cancelled)."""

from __future__ import annotations

import asyncio

import pytest

from withus.services import event_queue


async def test_one_at_a_time_in_arrival_order_and_dropped_after() -> None:
    order: list[int] = []
    inside = [0]
    peak = [0]

    async def answer(i: int) -> None:
        async with event_queue.in_turn(7):
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
            await asyncio.sleep(0)
            order.append(i)
            inside[0] -= 1

    await asyncio.gather(*(answer(i) for i in range(50)))
    assert order == list(range(50)) and peak[0] == 1
    assert event_queue.queued(7) == 0 and 7 not in event_queue._queues


async def test_events_do_not_wait_for_each_other() -> None:
    entered = asyncio.Event()

    async def hold() -> None:
        async with event_queue.in_turn(1):
            await entered.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    async with event_queue.in_turn(2):  # another event's turn is free while event 1 is held
        assert event_queue.queued(1) == 1
    entered.set()
    await holder
    assert event_queue.queued(1) == 0


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    release = asyncio.Event()

    async def hold() -> None:
        async with event_queue.in_turn(3):
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)

    async def wait_turn() -> None:
        async with event_queue.in_turn(3):
            pass

    waiter = asyncio.create_task(wait_turn())
    await asyncio.sleep(0)
    assert event_queue.queued(3) == 2
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert event_queue.queued(3) == 1
    release.set()
    await holder
    assert 3 not in event_queue._queues
