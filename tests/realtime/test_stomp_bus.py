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
    assert await hub.wait_ready()  # the new channel is live on the store
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
        ours = [c for c in clients if int(c.get("db", -1)) == index and int(c.get("sub", 0)) > 0]
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


# ---------------------------------------------------------------- channels subscribed by reference count


async def _store_channels(hub: Any) -> set[str]:
    """The channels the store itself has for the hub's subscription (Redis: PUBSUB CHANNELS of this
    database's namespace; the in-process store: its subscription's set), the hub's own one left out."""
    kv = get_kv()
    if kv.shared:
        prefix = kv._channel_prefix  # type: ignore[attr-defined]
        names = await kv.client.pubsub_channels(prefix + "*")  # type: ignore[attr-defined]
        out = {str(n).removeprefix(prefix) for n in names}
    else:
        (sub,) = kv._subs  # type: ignore[attr-defined]
        out = set(sub.channels)
    return {c for c in out if not c.startswith("bus:hub:")}


async def test_the_hub_subscribes_only_to_the_channels_its_listeners_need(stack: Any, hub: Any) -> None:
    one = await hub.listen(room_channel(1), notify_channel(7))
    assert hub.subscribed_channels == {"chat:room:1", "notify:7"}
    assert await _store_channels(hub) == {"chat:room:1", "notify:7"}
    await publish(room_channel(2), "nobody here")  # not subscribed: the store does not send it
    await publish(room_channel(1), "x")
    assert await _next(one) == ("chat:room:1", "x")
    assert hub.received == 1
    assert hub.unneeded == 0
    one.close()


async def test_a_channel_stays_subscribed_until_its_last_listener_leaves(stack: Any, hub: Any) -> None:
    first = await hub.listen(room_channel(3))
    second = await hub.listen(room_channel(3))
    assert hub.subscribes == 1  # subscribed once for both
    first.close()  # one of two left: still subscribed and delivered
    assert await hub.wait_ready()
    assert await _store_channels(hub) == {"chat:room:3"}
    await publish(room_channel(3), "still")
    assert await _next(second) == ("chat:room:3", "still")
    second.discard(room_channel(3))  # the last one: unsubscribed on the store
    assert await hub.wait_ready()
    assert hub.subscribed_channels == set()
    assert await _store_channels(hub) == set()
    assert hub.unsubscribes == 1
    second.add(room_channel(3))  # and subscribed again when needed again
    assert await hub.wait_ready()
    assert await _store_channels(hub) == {"chat:room:3"}
    await publish(room_channel(3), "again")
    assert await _next(second) == ("chat:room:3", "again")
    second.close()


async def test_a_listener_that_adds_a_channel_twice_counts_once(stack: Any, hub: Any) -> None:
    listener = await hub.listen(room_channel(4))
    listener.add(room_channel(4))
    other = await hub.listen(room_channel(4))
    listener.discard(room_channel(4))  # this listener's interest is gone; the other one's stays
    assert await hub.wait_ready()
    await publish(room_channel(4), "m")
    assert await _next(other) == ("chat:room:4", "m")
    assert listener.get_nowait() is None  # one dispatch delivers to every listener of the channel at once
    other.close()
    listener.close()
    assert await hub.wait_ready()
    assert await _store_channels(hub) == set()


async def test_many_listeners_subscribing_at_once_share_a_few_commands(stack: Any, hub: Any) -> None:
    listeners = await asyncio.gather(*(hub.listen(room_channel(100 + i)) for i in range(200)))
    assert hub.subscribed_channels == {room_channel(100 + i) for i in range(200)}
    await publish(room_channel(250), "one of them")
    assert await _next(listeners[150]) == ("chat:room:250", "one of them")
    for listener in listeners:
        listener.close()
    assert await hub.wait_ready()
    assert await _store_channels(hub) == set()


async def test_a_reconnected_hub_subscribes_again_to_what_is_needed(stack: Any, hub: Any) -> None:
    room = await hub.listen(room_channel(6))
    user = await hub.listen(notify_channel(8))
    gone = await hub.listen(room_channel(7))
    gone.close()
    assert await hub.wait_ready()
    kv = get_kv()
    if kv.shared:
        index = kv.client.connection_pool.connection_kwargs.get("db", 0)  # type: ignore[attr-defined]
        clients = await kv.client.client_list(_type="pubsub")  # type: ignore[attr-defined]
        ours = [c for c in clients if int(c.get("db", -1)) == index and int(c.get("sub", 0)) > 0]
        assert ours
        for c in ours:
            await kv.client.client_kill_filter(_id=c["id"])  # type: ignore[attr-defined]
    else:
        for sub in list(kv._subs):  # type: ignore[attr-defined]
            await sub.close()
    assert await _next(room, timeout=15) == (GAP, "")  # told only once the channels are live again
    assert await _next(user) == (GAP, "")
    assert await _store_channels(hub) == {"chat:room:6", "notify:8"}
    await publish(room_channel(6), "after")
    await publish(notify_channel(8), "after")
    assert await _next(room) == ("chat:room:6", "after")
    assert await _next(user) == ("notify:8", "after")
    room.close()
    user.close()


async def test_the_received_count_is_taken_once_for_the_metric(stack: Any, hub: Any) -> None:
    from withus.realtime.bus import take_received

    take_received()
    listener = await hub.listen(room_channel(5))
    for n in range(3):
        await publish(room_channel(5), f"m{n}")
    assert [await _next(listener) for _ in range(3)] == [("chat:room:5", f"m{n}") for n in range(3)]
    assert take_received() == 3  # what the sampler adds to withus_bus_messages_received_total
    assert take_received() == 0
    listener.close()
