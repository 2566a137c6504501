"""The user's queues with the third-party stomp.py client: after the bus lost the store, what
/user/queue/messages and /user/queue/notifications missed is filled from the database, each once;
and a user's connections are capped (the oldest is closed with ERROR message:too_many_connections)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, StompPy
from tests.realtime.test_stomp_reconnect import _kill_hub_subscription, _rest, _send
from withus.db import session_scope
from withus.models.user import User
from withus.realtime.bus import GAP, get_hub
from withus.services import chat_sending
from withus.services import notifications as notification_service


class _Silent:
    """A store whose publishes go nowhere (the events are lost, as in a bus outage); the rest is real."""

    def __init__(self, real: Any) -> None:
        self.real = real

    async def publish(self, channel: str, data: str) -> None:
        return None

    async def publish_many(self, messages: list[tuple[str, str]]) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


async def _lost_message(user: User, room_id: int, body: str) -> None:
    """Stored, but its publish never reaches the bus."""
    real = chat_sending.get_kv()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(chat_sending, "get_kv", lambda: _Silent(real))
        await _send(user, room_id, body)


async def _lost_notification(user_id: int, title: str) -> int:
    real = notification_service.get_kv()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(notification_service, "get_kv", lambda: _Silent(real))
        async with session_scope() as s:
            n = await notification_service.notify(s, user_id=user_id, type="notice", title=title, link="/")
            assert n is not None and n.id is not None
            return n.id


async def _gap() -> None:
    """Cut the hub off the store and wait until it is back (every listener was told GAP)."""
    seen = await get_hub().listen("chat:room:0")
    await _kill_hub_subscription()
    assert (await asyncio.wait_for(seen.get(), 15))[0] == GAP
    seen.close()


def _by_subscription(frames: list[Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for frame in frames:
        out.setdefault(frame.headers["subscription"], []).append(json.loads(frame.body))
    return out


async def test_the_user_queues_are_filled_after_a_bus_gap_each_message_once(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_token = (await login_pair(alice)).access_token
    room_id = (await _rest(live_server, a_token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    assert bob.id is not None
    await _send(alice, room_id, "before subscribing")  # older than the SUBSCRIBE: never replayed

    b = StompPy(live_server)
    await b.connect((await login_pair(bob)).access_token)
    try:
        await b.subscribe("/user/queue/messages", "mine")
        await b.subscribe("/user/queue/notifications", "bell")
        await _send(alice, room_id, "live")
        live = await b.message()
        assert (live.headers["subscription"], json.loads(live.body)["body"]) == ("mine", "live")

        await _lost_message(alice, room_id, "lost 1")
        await _lost_message(alice, room_id, "lost 2")
        lost_id = await _lost_notification(bob.id, "놓친 공지")
        await _gap()

        frames = [await b.message() for _ in range(3)]
        assert all("withus-event" not in f.headers for f in frames)  # new messages, as any client reads them
        got = _by_subscription(frames)
        assert [(m["seq"], m["body"]) for m in got["mine"]] == [(3, "lost 1"), (4, "lost 2")]
        assert [(n["id"], n["title"]) for n in got["bell"]] == [(lost_id, "놓친 공지")]

        # Live again, and nothing replayed twice: a second gap finds nothing new.
        await _gap()
        await _send(alice, room_id, "after")
        after = await b.message()
        assert (after.headers["subscription"], json.loads(after.body)["seq"]) == ("mine", 5)
        await asyncio.sleep(0.3)
        assert b.pending_messages() == []
    finally:
        await b.disconnect()


async def test_a_club_joined_during_the_gap_is_replayed_from_the_join(
    live_server: LiveServer, session: AsyncSession
) -> None:
    host, bob = await make_user(session), await make_user(session)
    h_token, b_token = (await login_pair(host)).access_token, (await login_pair(bob)).access_token
    club = await _rest(
        live_server,
        h_token,
        "POST",
        "/api/clubs",
        json={"name": "갭 모임", "description": "", "category": "ETC", "join_policy": "open", "visibility": "public"},
    )
    room_id = (await _rest(live_server, h_token, "GET", f"/api/clubs/{club['id']}"))["chat_room_id"]
    await _send(host, room_id, "before bob joined")

    b = StompPy(live_server)
    await b.connect(b_token)
    try:
        await b.subscribe("/user/queue/messages", "mine")
        await _rest(live_server, b_token, "POST", f"/api/clubs/{club['id']}/join", json={})
        await _lost_message(host, room_id, "while bob was away")
        await _gap()
        replayed = json.loads((await b.message()).body)
        assert (replayed["room_id"], replayed["body"]) == (room_id, "while bob was away")
        await asyncio.sleep(0.3)
        assert b.pending_messages() == []  # not the club's history before the join
    finally:
        await b.disconnect()


async def test_past_the_cap_the_oldest_connection_of_a_user_is_closed(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    stomp_config.max_connections_per_user = 2
    bob, carol = await make_user(session), await make_user(session)
    b_token, c_token = (await login_pair(bob)).access_token, (await login_pair(carol)).access_token
    first, second, third = StompPy(live_server), StompPy(live_server), StompPy(live_server)
    other = StompPy(live_server)
    try:
        await first.connect(b_token)
        await first.subscribe("/user/queue/messages", "mine")
        await second.connect(b_token)
        await other.connect(c_token)  # someone else's connections do not count
        await other.subscribe("/user/queue/messages", "mine")
        with pytest.raises(queue.Empty):
            await first.error(timeout=0.5)
        await third.connect(b_token)

        error = await first.error()
        assert error.headers["message"] == "too_many_connections"
        assert await first.wait_disconnected()
        for alive in (second, third, other):  # the newer ones and other people's stay
            await alive.subscribe("/user/queue/notifications", "bell")
    finally:
        for client in (first, second, third, other):
            with contextlib.suppress(Exception):  # the closed one may refuse
                await client.disconnect()
