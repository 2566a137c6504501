"""The real-time figures on /metrics move with real STOMP and SSE clients (a live server on a free
port, both stacks): open connections, the SEND queue's batches, messages stored, STOMP errors."""

from __future__ import annotations

import json

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import make_user
from tests.ops.metrics_helpers import value
from tests.realtime.conftest import LiveServer
from tests.realtime.test_sse import bearer, open_stream
from tests.realtime.test_stomp_protocol import _connected, _error, _room


async def _scrape(server: LiveServer) -> str:
    async with server.http() as http:  # from 127.0.0.1: a TRUSTED_PROXIES address
        r = await http.get("/metrics")
    assert r.status_code == 200
    return r.text


async def test_stomp_figures_move(live_server: LiveServer, session: AsyncSession) -> None:
    a, b = await make_user(session), await make_user(session)
    room = await _room(live_server, a, b)
    before = await _scrape(live_server)
    peer = await _connected(live_server, a)
    try:
        during = await _scrape(live_server)
        open_stomp = "withus_open_connections"
        assert value(during, open_stomp, kind="stomp") - value(before, open_stomp, kind="stomp") == 1
        for i in range(3):
            await peer.send(
                "SEND", {"destination": f"/app/chat/rooms/{room}", "receipt": f"r{i}"}, json.dumps({"body": f"{i}"})
            )
            assert (await peer.recv()).command == "RECEIPT"
        sent = await _scrape(live_server)
        for name in ("withus_send_batch_size_count", "withus_chat_messages_stored_total"):
            assert value(sent, name) - value(before, name) == 3, name
        assert value(sent, "withus_send_batch_size_sum") - value(before, "withus_send_batch_size_sum") == 3
        assert value(sent, "withus_send_queue_depth") == 0
        await peer.send_raw(b"SEND\nreceipt:r-dest\n\n{}\0")  # no destination
        assert _error(await peer.recv_until_closed()).get("message") == "missing_header"
    finally:
        await peer.close()
    after = await _scrape(live_server)
    errors = "withus_stomp_errors_total"
    assert value(after, errors, code="missing_header") - value(before, errors, code="missing_header") == 1
    assert value(after, "withus_open_connections", kind="stomp") == value(
        before, "withus_open_connections", kind="stomp"
    )
    assert (
        value(after, "withus_connections_total", kind="stomp") - value(before, "withus_connections_total", kind="stomp")
        == 1
    )


async def test_an_sse_stream_is_counted_while_it_lasts(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    before = await _scrape(live_server)
    async with open_stream(live_server, headers=await bearer(user)):
        during = await _scrape(live_server)
        assert (
            value(during, "withus_open_connections", kind="sse") - value(before, "withus_open_connections", kind="sse")
            == 1
        )
    refused = httpx.AsyncClient(base_url=live_server.url)
    async with refused:  # a stream refused (no login) is no open stream
        assert (await refused.get("/api/notifications/stream")).status_code == 401
    after = await _scrape(live_server)
    assert value(after, "withus_open_connections", kind="sse") == value(before, "withus_open_connections", kind="sse")
    route = "/api/notifications/stream"
    count = "withus_http_request_duration_seconds_count"
    assert value(after, count, route=route, status="200") - value(before, count, route=route, status="200") == 1
