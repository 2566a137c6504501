"""Keys with TTL, counters and publish/subscribe: real Redis or an in-process stand-in.

Everything shared between requests and instances — sessions, email codes, rate
limits, chat and notification fan-out — goes through :func:`get_kv`. With
``REDIS_URL`` set it is Redis; without it an in-process stand-in that is only
correct for a single process (the server says so when it starts).
"""

from __future__ import annotations

from withus.kv.base import KeyValue, Subscription
from withus.kv.memory import MemoryKV
from withus.settings import get_settings

__all__ = ["KeyValue", "MemoryKV", "Subscription", "close_kv", "get_kv", "set_kv"]

_kv: KeyValue | None = None


def get_kv() -> KeyValue:
    global _kv
    if _kv is None:
        url = get_settings().redis_url
        if url:
            from withus.kv.redis_kv import RedisKV

            _kv = RedisKV(url)
        else:
            _kv = MemoryKV()
    return _kv


def set_kv(kv: KeyValue | None) -> None:
    """Replace the process's store (tests)."""
    global _kv
    _kv = kv


async def close_kv() -> None:
    global _kv
    if _kv is not None:
        await _kv.close()
    _kv = None
