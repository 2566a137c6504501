"""The bus hub under STOMP, SSE and the live UI: one subscription, local fan-out, bounded queues, reconnects."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from withus.db import session_scope
from withus.kv import get_kv
from withus.realtime.bus import (
    GAP,
    Listener,
    ListenerClosed,
    get_hub,
    notify_channel,
    publish,
    publish_after_commit,
    room_channel,
    stop_hub,
)


@pytest.fixture
async def hub(stack: Any) -> Any:
    hub = get_hub()
    yield hub
    await stop_hub()


async def _next(listener: Listener, timeout: float = 5.0) -> tuple[str, str]:
    return await asyncio.wait_for(listener.get(), timeout)


async def _drain(listener: Listener, sentinel_channel: str) -> list[tuple[str, str]]:
    """Everything queued before a sentinel published last (so 'nothing else arrived' is checked, not waited for)."""
    await publish(sentinel_channel, "sentinel")
    out = []
    while True:
        item = await _next(listener)
        if item == (sentinel_channel, "sentinel"):
            return out
        out.append(item)


async def test_one_subscription_fans_out_by_channel(stack: Any, hub: Any) -> None:
    one = await hub.listen(room_channel(1))
    two = await hub.listen(room_channel(2))
    both = await hub.listen(room_channel(1), notify_channel(7))
    await publish(room_channel(1), {"event": "message", "n": 1})
    await publish(notify_channel(7), "notification")
    await publish(room_channel(3), "nobody listens")

    assert await _next(one) == ("chat:room:1", '{"event":"message","n":1}')
    assert await _next(both) == ("chat:room:1", '{"event":"message","n":1}')
    assert await _next(both) == ("notify:7", "notification")
    assert await _drain(two, room_channel(2)) == []
    assert await _drain(one, room_channel(1)) == []
    kv = get_kv()
    if not kv.shared:  # the in-process store shows its subscribers: exactly one, the hub's
        assert len(kv._subs) == 1  # type: ignore[attr-defined]
    for listener in (one, two, both):
        listener.close()
    assert hub.listener_count == 0


async def test_listener_can_add_and_drop_channels(stack: Any, hub: Any) -> None:
    listener = await hub.listen(notify_channel(1))
    listener.add(room_channel(9))
    await publish(room_channel(9), "a")
    assert await _next(listener) == ("chat:room:9", "a")
    listener.discard(room_channel(9))
    await publish(room_channel(9), "b")
    assert await _drain(listener, notify_channel(1)) == []
    with pytest.raises(ValueError, match="patterns"):
        listener.add("elsewhere:1")
    listener.close()


async def test_publish_after_commit_waits_for_the_commit_and_skips_rollbacks(stack: Any, hub: Any) -> None:
    listener = await hub.listen(room_channel(5))
    async with session_scope() as session:
        publish_after_commit(session, room_channel(5), {"n": "committed"})
        await publish(room_channel(5), "before-commit")
        # Only what was published directly is there: the after-commit event waits.
        assert await _next(listener) == ("chat:room:5", "before-commit")
    assert await _next(listener) == ("chat:room:5", '{"n":"committed"}')

    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            publish_after_commit(session, room_channel(5), {"n": "rolled back"})
            raise RuntimeError("rollback")
    assert await _drain(listener, room_channel(5)) == []
    listener.close()


async def test_slow_listener_is_closed_instead_of_growing(stack: Any, hub: Any) -> None:
    slow = await hub.listen(room_channel(1), maxsize=5)
    steady = await hub.listen(room_channel(1))
    for i in range(10):
        await publish(room_channel(1), str(i))
    assert [await _next(steady) for _ in range(10)] == [("chat:room:1", str(i)) for i in range(10)]
    with pytest.raises(ListenerClosed) as closed:
        await _next(slow)
    assert closed.value.reason == "overflow"
    assert slow not in hub._listeners_all
    steady.close()


async def test_hub_resubscribes_when_the_store_drops_it_and_reports_the_gap(stack: Any, hub: Any) -> None:
    listener = await hub.listen(room_channel(1))
    kv = get_kv()
    if kv.shared:
        # Kill the hub's pub/sub connection on the Redis server, as a Redis restart would.
        index = kv.client.connection_pool.connection_kwargs.get("db", 0)  # type: ignore[attr-defined]
        clients = await kv.client.client_list(_type="pubsub")  # type: ignore[attr-defined]
        ours = [c for c in clients if int(c.get("db", -1)) == index and int(c.get("psub", 0)) > 0]
        assert ours, "the hub's subscription is not on the server"
        for c in ours:
            await kv.client.client_kill_filter(_id=c["id"])  # type: ignore[attr-defined]
    else:
        for sub in list(kv._subs):  # type: ignore[attr-defined]
            await sub.close()  # the in-process store ends the subscription
    assert await _next(listener, timeout=15) == (GAP, "")
    assert await hub.wait_ready()
    await publish(room_channel(1), "after")
    assert await _next(listener) == ("chat:room:1", "after")
    assert hub.reconnects == 1
    listener.close()


async def test_stopping_the_hub_closes_its_listeners(stack: Any) -> None:
    hub = get_hub()
    listener = await hub.listen(room_channel(1))
    await stop_hub()
    with pytest.raises(ListenerClosed) as closed:
        await _next(listener)
    assert closed.value.reason == "stopped"
    assert get_hub() is not hub
    await stop_hub()
