"""GET /api/health/live and /api/health/ready: the load balancer's questions."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from withus.kv import set_kv
from withus.kv.redis_kv import RedisKV
from withus.realtime import shutdown


@pytest.fixture
def draining() -> Iterator[None]:
    shutdown.begin("test")
    try:
        yield
    finally:
        shutdown.reset()


async def test_live_and_ready_when_all_is_well(client: httpx.AsyncClient, stack: object) -> None:
    live = await client.get("/api/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    ready = await client.get("/api/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "draining": False, "database": "ok", "redis": "ok", "reasons": []}


async def test_ready_is_503_while_draining_and_live_stays_200(
    client: httpx.AsyncClient, stack: object, draining: None
) -> None:
    ready = await client.get("/api/health/ready")
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["draining"] and ready.json()["draining"] is True
    assert (await client.get("/api/health/live")).status_code == 200


async def test_ready_turns_503_before_any_client_is_told_to_go(client: httpx.AsyncClient, stack: object) -> None:
    """The first thing a shutdown does is the state readiness reads: a callback that runs when the
    clients are told (as every STOMP session and SSE stream registers one) already sees 503."""
    seen: list[int] = []

    async def ask() -> None:
        seen.append((await client.get("/api/health/ready")).status_code)

    import asyncio

    tasks: list[asyncio.Task[None]] = []
    try:
        with shutdown.when_shutting_down(lambda: tasks.append(asyncio.ensure_future(ask()))):
            shutdown.begin("test")
            await asyncio.sleep(0)
            await asyncio.gather(*tasks)
    finally:
        shutdown.reset()
    assert seen == [503]


async def test_ready_names_redis_when_it_is_down(client: httpx.AsyncClient, stack: object) -> None:
    set_kv(RedisKV("redis://127.0.0.1:1/0"))  # nothing listens on port 1
    ready = await client.get("/api/health/ready")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "error",
        "draining": False,
        "database": "ok",
        "redis": "error",
        "reasons": ["redis"],
    }


async def test_ready_names_the_database_when_it_is_down(client: httpx.AsyncClient, stack: object) -> None:
    from tests.conftest import apply_env
    from withus import db

    apply_env("postgresql://postgres@127.0.0.1:1/test", None)
    await db.dispose_engine()
    ready = await client.get("/api/health/ready")
    assert ready.status_code == 503
    assert ready.json()["reasons"] == ["database"]


async def test_health_keeps_its_contract(client: httpx.AsyncClient, stack: object) -> None:
    body = (await client.get("/api/health")).json()
    assert set(body) == {"status", "database", "redis", "redis_mode"}


async def test_the_openapi_document_names_both(client: httpx.AsyncClient, stack: object) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    assert "/api/health/live" in paths and "/api/health/ready" in paths
    assert "503" in paths["/api/health/ready"]["get"]["responses"]
