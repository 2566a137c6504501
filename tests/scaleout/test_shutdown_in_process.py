"""The process-wide shutdown signal (``withus.realtime.shutdown``) on a live in-process server, both
stacks: STOMP sessions finish the frame in hand, send ERROR ``server_shutdown`` and close with 1012;
SSE streams end; connections opened while shutting down are told at once; ``drain`` waits for them.
(The real SIGTERM of a production instance is in test_sigterm_graceful.py.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, live_server  # noqa: F401  (the fixture)
from tests.scaleout.clients import Sse, Stomp, rest
from withus.realtime import shutdown


@pytest.fixture
def shutting() -> Iterator[None]:
    shutdown.reset()
    yield
    shutdown.reset()


async def test_stomp_sessions_are_told_and_closed_with_1012_after_the_send_in_hand(
    live_server: LiveServer,  # noqa: F811
    session: AsyncSession,
    shutting: None,
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    token = (await login_pair(alice)).access_token
    room = (await rest(live_server.url, token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    client = Stomp(live_server.url, origin=live_server.origin, token=token)
    await client.connect()
    await client.subscribe(f"/topic/chat/rooms/{room}", "room")
    await client.send_message(room, "마지막 메시지", "last", receipt="last")
    shutdown.begin("test")
    assert await client.wait_for(client.closed.is_set)
    assert [e.get("message") for e in client.errors] == ["server_shutdown"]
    assert client.close_code == 1012
    assert await shutdown.drain(2.0)
    stored = await rest(live_server.url, token, "GET", f"/api/chat/rooms/{room}/messages")
    # A SEND is never half done: stored with its RECEIPT, or not stored and never acknowledged.
    assert ("last" in client.receipts) == bool(stored["items"])

    late = Stomp(live_server.url, origin=live_server.origin, token=token)
    with contextlib.suppress(ConnectionError):
        await late.connect()
    assert await late.wait_for(late.closed.is_set)
    assert [e.get("message") for e in late.errors] == ["server_shutdown"]
    assert late.close_code == 1012
    await client.close()
    await late.close()


async def test_sse_streams_end_when_the_server_shuts_down(
    live_server: LiveServer,  # noqa: F811
    session: AsyncSession,
    shutting: None,
) -> None:
    user = await make_user(session)
    token = (await login_pair(user)).access_token
    stream = Sse(live_server.url, token)
    stream.start()
    assert await stream.wait_for(stream.opened.is_set)
    assert shutdown.active() >= 1
    shutdown.begin("test")
    assert await stream.wait_for(stream.ended.is_set, timeout=5)
    assert stream.status == 200 and stream.error is None
    assert await shutdown.drain(2.0)
    assert shutdown.active() == 0
    await stream.close()


def test_begin_is_idempotent_and_reset_leaves_the_state(shutting: None) -> None:
    assert not shutdown.is_shutting_down()
    assert shutdown.begin("first") is True
    assert shutdown.begin("second") is False
    assert shutdown.is_shutting_down()
    shutdown.reset()
    assert not shutdown.is_shutting_down()
    assert shutdown.active() == 0
