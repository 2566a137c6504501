"""Typing and read marks between two stomp.py clients: typing reaches the peer (never its sender),
is rate-limited and never stored; a read mark reaches the peer with the seq, and the room's REST
view has ``peer_last_read_seq``."""

from __future__ import annotations

import json

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, StompPy
from withus.models.chat import ChatMessage


async def test_typing_reaches_the_peer_once_per_two_seconds_and_is_not_stored(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session, nickname="타자수"), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    a_auth = {"Authorization": f"Bearer {a_tokens.access_token}"}
    async with live_server.http() as http:
        room_id = (await http.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a_auth)).json()["id"]

    a, b = StompPy(live_server), StompPy(live_server)
    await a.connect(a_tokens.access_token)
    await b.connect(b_tokens.access_token)
    try:
        await a.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        await b.subscribe("/user/queue/messages", "mine")
        for n in range(3):  # a burst: one signal goes out
            await a.send_json(f"/app/chat/rooms/{room_id}/typing", {}, receipt=f"t{n}")
            assert await a.receipt() == f"t{n}"
        frames = {f.headers["subscription"]: f for f in [await b.message(), await b.message()]}
        assert set(frames) == {"room", "mine"}
        for frame in frames.values():
            assert frame.headers["withus-event"] == "typing"
            assert frame.headers["room-id"] == str(room_id)
            assert json.loads(frame.body) == {"user_id": alice.id, "room_id": room_id, "nickname": "타자수"}
        # A message after it: the burst made no second typing frame, the sender heard none of its own.
        await a.send_json(f"/app/chat/rooms/{room_id}", {"body": "안녕"}, receipt="m")
        assert await a.receipt() == "m"
        after = [await b.message(), await b.message()]
        assert all("withus-event" not in f.headers for f in after)
        own = await a.message()
        assert "withus-event" not in own.headers and json.loads(own.body)["body"] == "안녕"
        assert a.pending_messages() == [] and b.pending_messages() == []
        # Not a room of mine: refused like a SEND.
        await b.send_json("/app/chat/rooms/999999/typing", {}, receipt="x")
        assert (await b.error()).headers["message"] == "forbidden"
    finally:
        await a.disconnect()
        await b.disconnect()
    stored = (await session.exec(select(func.count()).where(col(ChatMessage.room_id) == room_id))).one()
    assert stored == 1  # typing is never stored


async def test_a_read_mark_reaches_the_peer_and_the_room_view_has_it(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    a_auth = {"Authorization": f"Bearer {a_tokens.access_token}"}
    b_auth = {"Authorization": f"Bearer {b_tokens.access_token}"}
    async with live_server.http() as http:
        room_id = (await http.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a_auth)).json()["id"]
        sent = (await http.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "읽어?"}, headers=a_auth)).json()
        room = (await http.get(f"/api/chat/rooms/{room_id}", headers=a_auth)).json()
        assert room["peer_last_read_seq"] == 0

        a = StompPy(live_server)
        await a.connect(a_tokens.access_token)
        try:
            await a.subscribe(f"/topic/chat/rooms/{room_id}", "room")
            await a.subscribe("/user/queue/messages", "mine")
            r = await http.post(f"/api/chat/rooms/{room_id}/read", json={"seq": sent["seq"]}, headers=b_auth)
            assert r.status_code == 204, r.text
            frames = {f.headers["subscription"]: f for f in [await a.message(), await a.message()]}
            assert set(frames) == {"room", "mine"}
            for frame in frames.values():
                assert frame.headers["withus-event"] == "read"
                assert json.loads(frame.body) == {"user_id": bob.id, "room_id": room_id, "seq": sent["seq"]}
            # The same mark again moves nothing: no second frame.
            await http.post(f"/api/chat/rooms/{room_id}/read", json={"seq": sent["seq"]}, headers=b_auth)
            room = (await http.get(f"/api/chat/rooms/{room_id}", headers=a_auth)).json()
            assert room["peer_last_read_seq"] == sent["seq"]
            assert a.pending_messages() == []
        finally:
            await a.disconnect()
