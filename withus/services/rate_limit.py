"""Fixed-window rate limits and cool-downs in the KV store (shared by every instance).

Each limit raises :class:`withus.errors.RateLimited` with ``retry_after`` set
to the seconds left in the window, which the API sends as ``Retry-After``.
Identifiers that could be personal (emails, login names) are hashed into the
key so the store holds no readable addresses.
"""

from __future__ import annotations

import hashlib

from withus.errors import RateLimited
from withus.kv import get_kv
from withus.observability import metrics


def key(name: str, ident: str) -> str:
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:32]
    return f"rl:{name}:{digest}"


async def _retry_after(k: str, default: float) -> int:
    ttl = await get_kv().ttl(k)
    return max(1, int(ttl + 0.999)) if ttl is not None else max(1, int(default))


async def hit(name: str, ident: str, *, limit: int, window: float, detail: str | None = None) -> int:
    """Count one event; refuse it when it is beyond ``limit`` in the current window."""
    k = key(name, ident)
    count = await get_kv().incr(k, ttl=window)
    if count > limit:
        metrics.rate_limited(name)
        raise RateLimited(detail, retry_after=await _retry_after(k, window))
    return count


async def hit_each(
    name: str, idents: list[str], *, limit: int, window: float, detail: str | None = None
) -> list[RateLimited | None]:
    """:func:`hit` for several events at once (an ident may repeat), in one round trip:
    for each, None when counted within the limit, else the refusal (not raised)."""
    keys = [key(name, ident) for ident in idents]
    counts = await get_kv().incr_each(keys, ttl=window)
    refusals: list[RateLimited | None] = []
    for k, n in zip(keys, counts, strict=True):
        if n > limit:
            metrics.rate_limited(name)
        refusals.append(RateLimited(detail, retry_after=await _retry_after(k, window)) if n > limit else None)
    return refusals


async def check(name: str, ident: str, *, limit: int, window: float, detail: str | None = None) -> None:
    """Refuse when ``limit`` events were already counted (without counting this one)."""
    k = key(name, ident)
    value = await get_kv().get(k)
    if value is not None and int(value) >= limit:
        metrics.rate_limited(name)
        raise RateLimited(detail, retry_after=await _retry_after(k, window))


async def count(name: str, ident: str, *, window: float) -> int:
    """Count one event without refusing it (pair with :func:`check`)."""
    return await get_kv().incr(key(name, ident), ttl=window)


async def reset(name: str, ident: str) -> None:
    await get_kv().delete(key(name, ident))


async def cooldown(name: str, ident: str, *, seconds: float, detail: str | None = None) -> None:
    """Allow one event per ``seconds``; a second one inside that time is refused."""
    k = key(name, ident)
    if not await get_kv().set(k, "1", ttl=seconds, nx=True):
        metrics.rate_limited(name)
        raise RateLimited(detail, retry_after=await _retry_after(k, seconds))


async def clear_cooldown(name: str, ident: str) -> None:
    await get_kv().delete(key(name, ident))
