"""Chat through /ws with the third-party stomp.py client: two people, one room, messages live."""

from __future__ import annotations

import asyncio
import json
import queue
from typing import Any

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, StompPy
from withus.db import sessionmaker
from withus.models.chat import ChatMessage


async def _room_between(server: LiveServer, token: str, peer_id: int) -> int:
    async with server.http() as http:
        r = await http.post("/api/chat/rooms", json={"user_id": peer_id}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


async def _stored(room_id: int) -> list[ChatMessage]:
    async with sessionmaker()() as s:
        rows = await s.exec(select(ChatMessage).where(ChatMessage.room_id == room_id).order_by(ChatMessage.seq))
        return list(rows.all())


async def test_two_users_chat_live_through_stomp_py(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    room_id = await _room_between(live_server, a_tokens.access_token, bob.id)

    a, b = StompPy(live_server), StompPy(live_server)
    await a.connect(a_tokens.access_token)
    await b.connect(b_tokens.access_token)
    try:
        await a.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        await b.subscribe("/user/queue/messages", "mine")

        await a.send_json(f"/app/chat/rooms/{room_id}", {"body": "안녕하세요 👋", "client_msg_id": "m-1"}, receipt="r1")
        assert await a.receipt() == "r1"

        frames = [await b.message(), await b.message()]
        by_sub = {f.headers["subscription"]: f for f in frames}
        assert set(by_sub) == {"room", "mine"}
        room_frame = by_sub["room"]
        assert room_frame.headers["destination"] == f"/topic/chat/rooms/{room_id}"
        assert by_sub["mine"].headers["destination"] == "/user/queue/messages"
        assert room_frame.headers["content-type"] == "application/json"
        assert room_frame.headers["message-id"]
        message = json.loads(room_frame.body)
        assert message["body"] == "안녕하세요 👋"
        assert message["room_id"] == room_id and message["seq"] == 1 and message["client_msg_id"] == "m-1"
        assert message["sender"] == {"id": alice.id, "nickname": alice.nickname, "avatar_url": alice.avatar_url}
        assert json.loads(by_sub["mine"].body) == message
        # The sender hears their own message on the room topic too (other tabs stay in sync).
        assert json.loads((await a.message()).body)["seq"] == 1

        await b.send_json(f"/app/chat/rooms/{room_id}", {"body": "반가워요"}, receipt="r2")
        assert await b.receipt() == "r2"
        reply = json.loads((await a.message()).body)
        assert reply["body"] == "반가워요" and reply["seq"] == 2 and reply["client_msg_id"] is None
    finally:
        await a.disconnect()
        await b.disconnect()
    assert [m.body for m in await _stored(room_id)] == ["안녕하세요 👋", "반가워요"]


async def test_receipt_comes_after_the_message_is_stored(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens = await login_pair(alice)
    room_id = await _room_between(live_server, a_tokens.access_token, bob.id)
    a = StompPy(live_server)
    await a.connect(a_tokens.access_token)
    try:
        for i in range(1, 6):
            await a.send_json(f"/app/chat/rooms/{room_id}", {"body": f"m{i}"}, receipt=f"r{i}")
            assert await a.receipt() == f"r{i}"
            # The moment the receipt is in, the message is in the database for anyone to read.
            assert [m.seq for m in await _stored(room_id)] == list(range(1, i + 1))
    finally:
        await a.disconnect()


async def test_resend_with_same_client_msg_id_is_stored_and_delivered_once(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    room_id = await _room_between(live_server, a_tokens.access_token, bob.id)
    a, b = StompPy(live_server), StompPy(live_server)
    await a.connect(a_tokens.access_token)
    await b.connect(b_tokens.access_token)
    try:
        await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        destination = f"/app/chat/rooms/{room_id}"
        await a.send_json(destination, {"body": "한 번만", "client_msg_id": "dup-1"}, receipt="first")
        assert await a.receipt() == "first"
        await a.send_json(destination, {"body": "한 번만", "client_msg_id": "dup-1"}, receipt="again")
        assert await a.receipt() == "again"  # the resend is acknowledged like the first send
        await a.send_json(destination, {"body": "다음"}, receipt="next")
        assert await a.receipt() == "next"

        first, second = json.loads((await b.message()).body), json.loads((await b.message()).body)
        assert (first["body"], first["seq"]) == ("한 번만", 1)
        assert (second["body"], second["seq"]) == ("다음", 2)  # no second copy in between
        with pytest.raises(queue.Empty):
            await b.message(timeout=0.3)
    finally:
        await a.disconnect()
        await b.disconnect()
    assert [(m.seq, m.body) for m in await _stored(room_id)] == [(1, "한 번만"), (2, "다음")]


async def test_stomp_py_is_refused_a_room_it_is_not_in(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob, eve = await make_user(session), await make_user(session), await make_user(session)
    room_id = await _room_between(live_server, (await login_pair(alice)).access_token, bob.id)
    e = StompPy(live_server)
    await e.connect((await login_pair(eve)).access_token)
    await asyncio.to_thread(e.conn.subscribe, f"/topic/chat/rooms/{room_id}", "x", headers={"receipt": "s"})
    error = await e.error()
    assert error.headers["message"] == "forbidden" and error.headers["receipt-id"] == "s"
    assert await e.wait_disconnected()
    await e.disconnect()


async def test_stomp_py_heartbeats_keep_the_connection_alive(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    stomp_config.heartbeat_send_ms = 300
    stomp_config.heartbeat_receive_ms = 300
    stomp_config.heartbeat_grace_ms = 300
    alice, bob = await make_user(session), await make_user(session)
    token = (await login_pair(alice)).access_token
    room_id = await _room_between(live_server, token, bob.id)
    a = StompPy(live_server, heartbeats=(300, 300))
    await a.connect(token)
    try:
        await asyncio.sleep(2)  # many intervals in both directions, with nothing else sent
        assert not a.events.disconnected.is_set()
        await a.send_json(f"/app/chat/rooms/{room_id}", {"body": "still here"}, receipt="alive")
        assert await a.receipt() == "alive"
    finally:
        await a.disconnect()
