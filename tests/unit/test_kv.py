"""The KV store behaves the same on real Redis and on the in-process stand-in."""

from __future__ import annotations

import asyncio

from withus.kv import get_kv


async def test_set_get_ttl_and_nx(stack: object) -> None:
    kv = get_kv()
    assert await kv.set("k", "v", ttl=5)
    assert await kv.get("k") == "v"
    ttl = await kv.ttl("k")
    assert ttl is not None and 0 < ttl <= 5
    assert not await kv.set("k", "other", nx=True)
    assert await kv.get("k") == "v"
    assert await kv.getdel("k") == "v"
    assert await kv.get("k") is None
    assert await kv.ttl("k") is None


async def test_keys_expire(stack: object) -> None:
    kv = get_kv()
    await kv.set("short", "1", ttl=0.2)
    assert await kv.exists("short")
    await asyncio.sleep(0.35)
    assert not await kv.exists("short")
    assert await kv.get("short") is None


async def test_counter_window_is_set_once(stack: object) -> None:
    kv = get_kv()
    assert await kv.incr("c", ttl=10) == 1
    await kv.expire("c", 3)
    assert await kv.incr("c", ttl=10) == 2  # the window does not restart on later increments
    ttl = await kv.ttl("c")
    assert ttl is not None and ttl <= 3


async def test_hash_and_set(stack: object) -> None:
    kv = get_kv()
    await kv.hset("h", {"a": "1", "b": "2"}, ttl=10)
    await kv.hset("h", {"b": "3"})
    assert await kv.hgetall("h") == {"a": "1", "b": "3"}
    assert await kv.sadd("s", "x", "y") == 2
    assert await kv.sadd("s", "y") == 0
    assert await kv.srem("s", "x") == 1
    assert await kv.smembers("s") == {"y"}
    assert await kv.delete("h", "s", "missing") == 2
    assert await kv.mget(["h", "nothing"]) == [None, None]


async def test_batched_counters_and_existence(stack: object) -> None:
    kv = get_kv()
    assert await kv.incr_each(["a", "b", "a"], ttl=10) == [1, 1, 2]
    assert await kv.incr_each(["a"]) == [3]
    ttl = await kv.ttl("b")
    assert ttl is not None and 0 < ttl <= 10
    assert await kv.incr_each([]) == []
    if kv.name == "redis":  # a server that lost its scripts (a restart, SCRIPT FLUSH) is given them again
        await kv.client.script_flush()  # type: ignore[attr-defined]
        assert await kv.incr_each(["a"]) == [4]
    await kv.sadd("set", "x")
    assert await kv.exists_each(["a", "set", "none"]) == [True, True, False]
    await kv.srem("set", "x")  # an emptied set is gone, on both stores
    assert await kv.exists_each(["set"]) == [False]
    assert await kv.exists_each([]) == []


async def test_publish_reaches_channel_and_pattern_subscribers(stack: object) -> None:
    kv = get_kv()
    exact = await kv.subscribe("room:1")
    pattern = await kv.subscribe(patterns=("room:*",))
    await asyncio.sleep(0.05)  # Redis confirms subscriptions asynchronously
    await kv.publish("room:1", "hello")
    await kv.publish("room:2", "other")
    await kv.publish("elsewhere", "ignored")

    async def take(sub: object, n: int) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        async for item in sub:  # type: ignore[attr-defined]
            out.append(item)
            if len(out) == n:
                break
        return out

    assert await asyncio.wait_for(take(exact, 1), 2) == [("room:1", "hello")]
    assert await asyncio.wait_for(take(pattern, 2), 2) == [("room:1", "hello"), ("room:2", "other")]
    await exact.close()
    await pattern.close()


async def test_publish_many_keeps_the_order_of_every_message(stack: object) -> None:
    kv = get_kv()
    sub = await kv.subscribe(patterns=("room:*",))
    await asyncio.sleep(0.05)
    shared = '{"seq":2}'
    messages = [
        ("room:1", '{"seq":1}'),
        ("room:2", '{"seq":1}'),  # the same data on the next channel: sent once with both channels
        ("room:1", shared),
        ("room:3", shared),
        ("room:1", '{"seq":3}'),
        ("room:1", '{"seq":3}'),  # the same channel twice: published twice
        ("room:4", ""),
    ]
    await kv.publish_many(messages)
    await kv.publish_many([])
    out: list[tuple[str, str]] = []

    async def take() -> None:
        async for item in sub:  # type: ignore[attr-defined]
            out.append(item)
            if len(out) == len(messages):
                return

    await asyncio.wait_for(take(), 2)
    assert out == messages
    await sub.close()


async def test_set_ops_apply_in_order_and_rearm_the_ttl(stack: object) -> None:
    kv = get_kv()
    await kv.set_ops([(True, "p:1", "a"), (True, "p:1", "b"), (True, "p:2", "+x"), (False, "p:1", "a")], ttl=20)
    assert await kv.smembers("p:1") == {"b"}
    assert await kv.smembers("p:2") == {"+x"}  # a member's own first character is not an operation
    ttl = await kv.ttl("p:1")
    assert ttl is not None and 10 < ttl <= 20
    await kv.expire("p:1", 5)
    await kv.set_ops([(True, "p:1", "b")], ttl=20)  # a touch re-arms it
    ttl = await kv.ttl("p:1")
    assert ttl is not None and ttl > 10
    await kv.set_ops([(False, "p:1", "b"), (False, "p:2", "+x"), (False, "none", "z")], ttl=20)
    assert await kv.exists_each(["p:1", "p:2", "none"]) == [False, False, False]
    await kv.set_ops([])
