"""Presence writes are batched per process: what arrives while one round trip is in flight goes
together in the next, in call order, and each caller returns once its own write is done."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from withus.kv import get_kv
from withus.realtime import presence


@pytest.fixture
def batches(stack: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch the store is given (the store still does the writes)."""
    kv = get_kv()
    real = kv.set_ops
    sizes: list[int] = []

    async def recording(ops: list[tuple[bool, str, str]], *, ttl: float | None = None) -> None:
        sizes.append(len(ops))
        await real(ops, ttl=ttl)

    monkeypatch.setattr(kv, "set_ops", recording)
    return sizes


async def test_viewers_entering_at_once_share_round_trips(stack: Any, batches: list[int]) -> None:
    await asyncio.gather(*(presence.enter(room_id=1, user_id=u, viewer_id=f"v{u}") for u in range(1, 101)))
    assert await presence.viewing_each([(1, u) for u in range(1, 101)]) == [True] * 100
    assert sum(batches) == 100
    assert len(batches) <= 2  # one round trip for all (or the first alone and the rest together)


async def test_writes_keep_their_order(stack: Any, batches: list[int]) -> None:
    await presence.enter(room_id=2, user_id=1, viewer_id="a")  # alone: a batch of one
    # In one batch: enter then leave of one viewer (gone), leave then enter of another (present).
    await asyncio.gather(
        presence.touch(room_id=2, user_id=1, viewer_id="a"),
        presence.leave(room_id=2, user_id=1, viewer_id="a"),
        presence.leave(room_id=2, user_id=2, viewer_id="b"),
        presence.enter(room_id=2, user_id=2, viewer_id="b"),
    )
    assert await presence.viewing_each([(2, 1), (2, 2)]) == [False, True]
    assert batches[0] == 1
    assert sum(batches) == 5
    ttl = await get_kv().ttl("presence:chat:2:2")
    assert ttl is not None and 0 < ttl <= presence.PRESENCE_TTL


async def test_a_failed_write_reaches_its_callers(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(ops: list[tuple[bool, str, str]], *, ttl: float | None = None) -> None:
        raise ConnectionError("the store is down")

    monkeypatch.setattr(get_kv(), "set_ops", broken)
    results = await asyncio.gather(
        presence.enter(room_id=3, user_id=1, viewer_id="x"),
        presence.enter(room_id=3, user_id=2, viewer_id="y"),
        return_exceptions=True,
    )
    assert all(isinstance(r, ConnectionError) for r in results)
    monkeypatch.undo()
    await presence.enter(room_id=3, user_id=1, viewer_id="x")  # and the next write works
    assert await presence.viewing_each([(3, 1)]) == [True]
