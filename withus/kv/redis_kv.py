"""The store on a real Redis server (redis-py's asyncio client)."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hashlib
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry


class _RedisSubscription:
    CONFIRM_TIMEOUT = 5.0

    def __init__(self, pubsub: PubSub, prefix: str) -> None:
        self._pubsub = pubsub
        self._prefix = prefix
        self._closed = False
        self._confirming: dict[str, list[asyncio.Future[None]]] = {}

    async def __aiter__(self) -> AsyncIterator[tuple[str, str]]:
        # Not pubsub.listen(): its blocking read uses the client's socket_timeout and
        # raises TimeoutError after 5 idle seconds. Polling with a timeout never does,
        # and each poll lets redis-py send its health-check PING on a quiet connection.
        prefix_len = len(self._prefix)
        while not self._closed:
            try:
                msg = await self._pubsub.get_message(timeout=1.0)
            except Exception:
                if self._closed:
                    return
                raise
            if msg is None:
                continue
            kind = msg.get("type")
            if kind == "message" or kind == "pmessage":
                yield str(msg["channel"])[prefix_len:], str(msg["data"])
            elif kind == "subscribe":
                for waiter in self._confirming.pop(str(msg["channel"]), ()):
                    if not waiter.done():
                        waiter.set_result(None)

    async def add(self, *channels: str) -> None:
        if not channels:
            return
        loop = asyncio.get_running_loop()
        names = [self._prefix + c for c in channels]
        waiters = []
        for name in names:
            waiter = loop.create_future()
            self._confirming.setdefault(name, []).append(waiter)
            waiters.append(waiter)
        try:
            await self._pubsub.subscribe(*names)
            async with asyncio.timeout(self.CONFIRM_TIMEOUT):
                await asyncio.gather(*waiters)
        finally:
            for name, waiter in zip(names, waiters, strict=True):
                pending = self._confirming.get(name)
                if pending is not None and waiter in pending:
                    pending.remove(waiter)
                    if not pending:
                        del self._confirming[name]

    async def remove(self, *channels: str) -> None:
        if channels:
            await self._pubsub.unsubscribe(*(self._prefix + c for c in channels))

    async def close(self) -> None:
        self._closed = True
        for waiters in self._confirming.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.cancel()
        with contextlib.suppress(Exception):  # closing a broken connection has nothing to report
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]


class _Connection(aioredis.Connection):
    """redis-py's TCP connection, its write timed out by ``asyncio.timeout`` instead of
    ``asyncio.wait_for``: on Python 3.11 ``wait_for`` runs the write in a task of its own, one
    more task and loop turn for every command sent (the write's own error handling kept as is)."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.socket_timeout:
            await super().send_packed_command(command, check_health)
            return
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            async with asyncio.timeout(self.socket_timeout):
                await self._send_packed_command(command)
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as e:
            await self.disconnect(nowait=True)
            err_no, errmsg = ("UNKNOWN", e.args[0]) if len(e.args) == 1 else (e.args[0], e.args[1])
            raise RedisConnectionError(f"Error {err_no} while writing to socket. {errmsg}.") from e
        except BaseException:
            await self.disconnect(nowait=True)  # a half-sent command leaves the connection unusable
            raise


MAX_CONNECTIONS = 64
"""Redis connections per process (commands and pub/sub together)."""

# The batch commands of the chat's group commit, each one command and one reply whatever the
# number of keys or messages: a pipeline of N commands cost redis-py N commands packed and N
# replies parsed (2N more with MULTI's QUEUED replies), per batch. Same effects, same atomicity.
_INCR_EACH = """
local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('INCR', key)
  if ARGV[1] ~= '' then redis.call('PEXPIRE', key, ARGV[1], 'NX') end
end
return out
"""
_EXISTS_EACH = """
local out = {}
for i, key in ipairs(KEYS) do out[i] = redis.call('EXISTS', key) end
return out
"""
# ARGV: groups of (data, n, n channels), published in order.
_PUBLISH_MANY = """
local i = 1
while i <= #ARGV do
  local data, n = ARGV[i], tonumber(ARGV[i + 1])
  for j = 1, n do redis.call('PUBLISH', ARGV[i + 1 + j], data) end
  i = i + 2 + n
end
return 0
"""
# KEYS: the sets; ARGV[1]: the TTL in ms ('' for none), then per key '+member' (SADD, TTL re-armed)
# or '-member' (SREM), in call order: the presence writes of a batch, one command however many.
_SET_OPS = """
local ttl = ARGV[1]
for i, key in ipairs(KEYS) do
  local op, member = string.sub(ARGV[i + 1], 1, 1), string.sub(ARGV[i + 1], 2)
  if op == '+' then
    redis.call('SADD', key, member)
    if ttl ~= '' then redis.call('PEXPIRE', key, ttl) end
  else
    redis.call('SREM', key, member)
  end
end
return 0
"""


class RedisKV:
    name = "redis"
    shared = True

    def __init__(self, url: str, **kwargs: Any) -> None:
        self.url = url
        # A bounded pool that makes a burst wait for a connection: the default pool opens one
        # connection per concurrent command (1,000 STOMP clients sending at once opened hundreds,
        # each then PINGed by the health check before its next use).
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=5,
            decode_responses=True,
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=15,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries=3),
            **({"connection_class": _Connection} if url.startswith("redis://") else {}),  # TLS and sockets as they are
            **kwargs,
        )
        self.client: aioredis.Redis = aioredis.Redis.from_pool(pool)  # closes the pool with the client
        # Redis pub/sub ignores the database index: channels are namespaced by it, as keys are,
        # so two deployments (or test runs) on one server with different indexes never hear each other.
        self._channel_prefix = f"db{self.client.connection_pool.connection_kwargs.get('db', 0)}:"
        self._shas: dict[str, str] = {}

    async def _script(self, source: str, keys: list[str], args: list[str]) -> Any:
        """EVALSHA, loading the script when the server does not have it (a restart, SCRIPT FLUSH).
        Not redis-py's registered scripts: each call of one checked its client against a typing
        Protocol (an isinstance that cost more than the rest of the call here)."""
        sha = self._shas.get(source)
        if sha is None:
            sha = self._shas[source] = hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 (Redis's script id)
        try:
            return await self.client.evalsha(sha, len(keys), *keys, *args)  # type: ignore[misc]
        except NoScriptError:
            await self.client.script_load(source)  # type: ignore[misc]
            return await self.client.evalsha(sha, len(keys), *keys, *args)  # type: ignore[misc]

    async def ping(self) -> None:
        await self.client.ping()  # type: ignore[misc]

    async def get(self, key: str) -> str | None:
        return await self.client.get(key)  # type: ignore[no-any-return]

    async def mget(self, keys: list[str]) -> list[str | None]:
        if not keys:
            return []
        return list(await self.client.mget(keys))

    async def set(self, key: str, value: str, *, ttl: float | None = None, nx: bool = False) -> bool:
        px = int(ttl * 1000) if ttl is not None else None
        return bool(await self.client.set(key, value, px=px, nx=nx))

    async def getdel(self, key: str) -> str | None:
        return await self.client.getdel(key)  # type: ignore[no-any-return]

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self.client.delete(*keys))

    async def exists(self, key: str) -> bool:
        return bool(await self.client.exists(key))  # type: ignore[misc]

    async def exists_each(self, keys: list[str]) -> list[bool]:
        if not keys:
            return []
        return [bool(n) for n in await self._script(_EXISTS_EACH, keys, [])]

    async def incr(self, key: str, *, ttl: float | None = None) -> int:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            if ttl is not None:
                pipe.pexpire(key, int(ttl * 1000), nx=True)
            result = await pipe.execute()
        return int(result[0])

    async def incr_each(self, keys: list[str], *, ttl: float | None = None) -> list[int]:
        if not keys:
            return []
        ms = "" if ttl is None else str(int(ttl * 1000))
        return [int(n) for n in await self._script(_INCR_EACH, keys, [ms])]

    async def ttl(self, key: str) -> float | None:
        ms = int(await self.client.pttl(key))
        return None if ms < 0 else ms / 1000

    async def expire(self, key: str, ttl: float) -> bool:
        return bool(await self.client.pexpire(key, int(ttl * 1000)))

    async def hset(self, key: str, mapping: dict[str, str], *, ttl: float | None = None) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            if ttl is not None:
                pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()

    async def hgetall(self, key: str) -> dict[str, str]:
        return dict(await self.client.hgetall(key))  # type: ignore[misc]

    async def sadd(self, key: str, *members: str, ttl: float | None = None) -> int:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(key, *members)
            if ttl is not None:
                pipe.pexpire(key, int(ttl * 1000))
            result = await pipe.execute()
        return int(result[0])

    async def srem(self, key: str, *members: str) -> int:
        return int(await self.client.srem(key, *members))  # type: ignore[misc]

    async def smembers(self, key: str) -> builtins.set[str]:
        return set(await self.client.smembers(key))  # type: ignore[misc]

    async def set_ops(self, ops: list[tuple[bool, str, str]], *, ttl: float | None = None) -> None:
        if not ops:
            return
        keys = [key for _, key, _ in ops]
        args = ["" if ttl is None else str(int(ttl * 1000))]
        args += [("+" if add else "-") + member for add, _, member in ops]
        await self._script(_SET_OPS, keys, args)

    async def publish(self, channel: str, data: str) -> None:
        await self.client.publish(self._channel_prefix + channel, data)

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        if not messages:
            return
        args: list[str] = []  # consecutive messages of the same data go once, with their channels
        count_at = -1
        last: str | None = None
        for channel, data in messages:
            if data is not last and data != last:
                last = data
                args += [data, "0"]
                count_at = len(args) - 1
            args.append(self._channel_prefix + channel)
            args[count_at] = str(int(args[count_at]) + 1)
        await self._script(_PUBLISH_MANY, [], args)

    async def subscribe(self, *channels: str, patterns: tuple[str, ...] = ()) -> _RedisSubscription:
        pubsub = self.client.pubsub()  # the subscribe replies confirm ``add`` (the iterator reads them)
        prefix = self._channel_prefix
        if channels:
            await pubsub.subscribe(*(prefix + c for c in channels))
        if patterns:
            await pubsub.psubscribe(*(prefix + p for p in patterns))
        return _RedisSubscription(pubsub, prefix)

    async def close(self) -> None:
        await self.client.aclose()
