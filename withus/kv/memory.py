"""The in-process stand-in for Redis: correct for one process only."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import fnmatch
import time
from collections.abc import AsyncIterator
from typing import Any


class _MemorySubscription:
    def __init__(self, kv: MemoryKV, channels: tuple[str, ...], patterns: tuple[str, ...]) -> None:
        self._kv = kv
        self.channels = set(channels)
        self.patterns = patterns
        self.queue: asyncio.Queue[tuple[str, str] | None] = asyncio.Queue(maxsize=10_000)
        self._closed = False

    def matches(self, channel: str) -> bool:
        return channel in self.channels or any(fnmatch.fnmatchcase(channel, p) for p in self.patterns)

    def deliver(self, channel: str, data: str) -> None:
        # A stuck reader loses messages, as a slow Redis client would be cut off.
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait((channel, data))

    async def add(self, *channels: str) -> None:
        self.channels.update(channels)

    async def remove(self, *channels: str) -> None:
        self.channels.difference_update(channels)

    async def __aiter__(self) -> AsyncIterator[tuple[str, str]]:
        while True:
            item = await self.queue.get()
            if item is None:
                return
            yield item

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._kv._subs.discard(self)
            self.queue.put_nowait(None)


class MemoryKV:
    name = "memory"
    shared = False

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._expiry: dict[str, float] = {}
        self._subs: set[_MemorySubscription] = set()

    def _alive(self, key: str) -> bool:
        exp = self._expiry.get(key)
        if exp is not None and exp <= time.monotonic():
            self._data.pop(key, None)
            self._expiry.pop(key, None)
            return False
        return key in self._data

    def _set_ttl(self, key: str, ttl: float | None) -> None:
        if ttl is None:
            self._expiry.pop(key, None)
        else:
            self._expiry[key] = time.monotonic() + ttl

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, exp in self._expiry.items() if exp <= now]:
            self._data.pop(key, None)
            self._expiry.pop(key, None)

    async def ping(self) -> None:
        return None

    async def get(self, key: str) -> str | None:
        if not self._alive(key):
            return None
        value = self._data[key]
        return value if isinstance(value, str) else None

    async def mget(self, keys: list[str]) -> list[str | None]:
        return [await self.get(k) for k in keys]

    async def set(self, key: str, value: str, *, ttl: float | None = None, nx: bool = False) -> bool:
        if nx and self._alive(key):
            return False
        if len(self._expiry) > 10_000:
            self._sweep()
        self._data[key] = value
        self._set_ttl(key, ttl)
        return True

    async def getdel(self, key: str) -> str | None:
        value = await self.get(key)
        if value is not None:
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return value

    async def delete(self, *keys: str) -> int:
        n = 0
        for key in keys:
            if self._alive(key):
                n += 1
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return n

    async def exists(self, key: str) -> bool:
        return self._alive(key)

    async def exists_each(self, keys: list[str]) -> list[bool]:
        return [self._alive(k) for k in keys]

    async def incr(self, key: str, *, ttl: float | None = None) -> int:
        if not self._alive(key):
            self._data[key] = "0"
            self._set_ttl(key, ttl)
        value = int(self._data[key]) + 1
        self._data[key] = str(value)
        return value

    async def incr_each(self, keys: list[str], *, ttl: float | None = None) -> list[int]:
        return [await self.incr(k, ttl=ttl) for k in keys]

    async def ttl(self, key: str) -> float | None:
        if not self._alive(key) or key not in self._expiry:
            return None
        return max(0.0, self._expiry[key] - time.monotonic())

    async def expire(self, key: str, ttl: float) -> bool:
        if not self._alive(key):
            return False
        self._set_ttl(key, ttl)
        return True

    async def hset(self, key: str, mapping: dict[str, str], *, ttl: float | None = None) -> None:
        current = self._data.get(key) if self._alive(key) else None
        if not isinstance(current, dict):
            current = {}
            self._data[key] = current
        current.update(mapping)
        if ttl is not None:
            self._set_ttl(key, ttl)

    async def hgetall(self, key: str) -> dict[str, str]:
        if not self._alive(key):
            return {}
        value = self._data[key]
        return dict(value) if isinstance(value, dict) else {}

    async def sadd(self, key: str, *members: str, ttl: float | None = None) -> int:
        current = self._data.get(key) if self._alive(key) else None
        if not isinstance(current, set):
            current = set()
            self._data[key] = current
        before = len(current)
        current.update(members)
        if ttl is not None:
            self._set_ttl(key, ttl)
        return len(current) - before

    async def srem(self, key: str, *members: str) -> int:
        current = self._data.get(key) if self._alive(key) else None
        if not isinstance(current, set):
            return 0
        before = len(current)
        current.difference_update(members)
        if not current:  # as Redis: a set that becomes empty is gone
            await self.delete(key)
        return before - len(current)

    async def smembers(self, key: str) -> builtins.set[str]:
        if not self._alive(key):
            return set()
        value = self._data[key]
        return set(value) if isinstance(value, set) else set()

    async def set_ops(self, ops: list[tuple[bool, str, str]], *, ttl: float | None = None) -> None:
        for add, key, member in ops:
            if add:
                await self.sadd(key, member, ttl=ttl)
            else:
                await self.srem(key, member)

    async def publish(self, channel: str, data: str) -> None:
        for sub in list(self._subs):
            if sub.matches(channel):
                sub.deliver(channel, data)

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        for channel, data in messages:
            await self.publish(channel, data)

    async def subscribe(self, *channels: str, patterns: tuple[str, ...] = ()) -> _MemorySubscription:
        sub = _MemorySubscription(self, channels, patterns)
        self._subs.add(sub)
        return sub

    async def close(self) -> None:
        for sub in list(self._subs):
            await sub.close()

    def flush(self) -> None:
        self._data.clear()
        self._expiry.clear()
