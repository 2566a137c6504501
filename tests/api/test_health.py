"""GET /api/health names the part that is down, and recovers with it."""

from __future__ import annotations

import httpx
import pytest

from withus import db
from withus.kv import set_kv
from withus.kv.redis_kv import RedisKV


async def test_health_ok(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["redis"] == "ok"


async def test_health_names_redis_when_it_is_down(client: httpx.AsyncClient, stack: object) -> None:
    set_kv(RedisKV("redis://127.0.0.1:1/0"))  # nothing listens on port 1
    r = await client.get("/api/health")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": "ok", "redis": "error", "redis_mode": "redis"}


async def test_health_names_database_when_it_is_down(
    client: httpx.AsyncClient, stack: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import apply_env

    apply_env("postgresql://postgres@127.0.0.1:1/test", None)
    await db.dispose_engine()
    r = await client.get("/api/health")
    assert r.status_code == 503
    assert r.json()["database"] == "error"
    assert r.json()["redis"] == "ok"
