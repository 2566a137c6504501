"""Chat over REST: 1:1 rooms, club rooms, messages by seq, read state, hiding, notifications."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.db import get_engine
from withus.models.chat import ChatMessage
from withus.models.notification import Notification
from withus.models.user import User
from withus.realtime import presence


async def _open(client: httpx.AsyncClient, headers: dict[str, str], peer: User) -> httpx.Response:
    return await client.post("/api/chat/rooms", json={"user_id": peer.id}, headers=headers)


async def _send(client: httpx.AsyncClient, headers: dict[str, str], room_id: int, body: str, **extra: Any) -> Any:
    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": body, **extra}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _rooms(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    r = await client.get("/api/chat/rooms", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


@contextmanager
def count_queries() -> Iterator[list[str]]:
    statements: list[str] = []
    engine = get_engine().sync_engine

    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _count)


async def test_open_room_creates_it_once_for_the_pair(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)

    first = await _open(client, a, bob)
    assert first.status_code == 201
    room = first.json()
    assert room["kind"] == "direct" and room["title"] == bob.nickname
    assert room["peer"] == {"id": bob.id, "nickname": bob.nickname, "avatar_url": bob.avatar_url}
    assert room["club"] is None and room["last_message"] is None and room["unread_count"] == 0

    again = await _open(client, a, bob)
    assert again.status_code == 200 and again.json()["id"] == room["id"]
    from_bob = await _open(client, b, alice)
    assert from_bob.status_code == 200 and from_bob.json()["id"] == room["id"]
    assert from_bob.json()["title"] == alice.nickname


async def test_no_chat_with_yourself_a_stranger_or_someone_who_blocked_you(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob, carol = await make_user(session), await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)

    r = await _open(client, a, alice)
    assert r.status_code == 400 and r.json()["code"] == "cannot_chat_with_self"
    r = await client.post("/api/chat/rooms", json={"user_id": 999_999}, headers=a)
    assert r.status_code == 404 and r.json()["code"] == "user_not_found"

    assert (await client.post(f"/api/users/{alice.id}/block", headers=b)).status_code == 204
    r = await _open(client, a, bob)  # bob blocked alice
    assert r.status_code == 403 and r.json()["code"] == "blocked"
    r = await _open(client, b, alice)  # and bob cannot start one with the person he blocked either
    assert r.status_code == 403 and r.json()["code"] == "blocked"

    # A room that existed before the block takes no more messages from either side.
    room = (await _open(client, a, carol)).json()
    c = await auth_headers(carol)
    assert (await client.post(f"/api/users/{alice.id}/block", headers=c)).status_code == 204
    r = await client.post(f"/api/chat/rooms/{room['id']}/messages", json={"body": "안녕"}, headers=a)
    assert r.status_code == 403 and r.json()["code"] == "blocked"


async def test_messages_are_numbered_per_room_and_read_by_seq(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = (await _open(client, a, bob)).json()["id"]

    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "첫 메시지"}, headers=a)
    assert r.status_code == 201
    first = r.json()
    assert set(first) >= {"id", "room_id", "seq", "sender", "body", "client_msg_id", "created_at"}
    assert first["room_id"] == room_id and first["seq"] == 1 and first["client_msg_id"] is None
    assert first["sender"] == {"id": alice.id, "nickname": alice.nickname, "avatar_url": alice.avatar_url}
    assert first["created_at"].endswith(("+00:00", "Z"))
    for i in range(2, 8):
        await _send(client, b if i % 2 else a, room_id, f"메시지 {i}")

    r = await client.get(f"/api/chat/rooms/{room_id}/messages", headers=b)
    assert [m["seq"] for m in r.json()["items"]] == [1, 2, 3, 4, 5, 6, 7]
    assert r.json()["next_cursor"] is None

    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"after_seq": 2, "limit": 3}, headers=b)
    page = r.json()
    assert [m["seq"] for m in page["items"]] == [3, 4, 5] and page["next_cursor"]
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"cursor": page["next_cursor"]}, headers=b)
    assert [m["seq"] for m in r.json()["items"]] == [6, 7] and r.json()["next_cursor"] is None

    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"before_seq": 6, "limit": 2}, headers=b)
    page = r.json()
    assert [m["seq"] for m in page["items"]] == [4, 5]
    params = {"cursor": page["next_cursor"], "limit": 2}
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params=params, headers=b)
    assert [m["seq"] for m in r.json()["items"]] == [2, 3] and r.json()["next_cursor"]
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"limit": 2}, headers=b)
    assert [m["seq"] for m in r.json()["items"]] == [6, 7]  # no bound: the latest, ascending

    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"cursor": "garbage"}, headers=b)
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", params={"after_seq": -1}, headers=b)
    assert r.status_code == 422


async def test_message_body_is_checked(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a = await auth_headers(alice)
    room_id = (await _open(client, a, bob)).json()["id"]
    url = f"/api/chat/rooms/{room_id}/messages"

    assert (await client.post(url, json={"body": "가" * 1000}, headers=a)).status_code == 201
    for bad in ({"body": "가" * 1001}, {"body": "   "}, {"body": ""}, {"body": 12}, {}):
        r = await client.post(url, json=bad, headers=a)
        assert r.status_code == 422, bad
        assert r.json()["errors"][0]["field"] == "body"
    r = await client.post(url, json={"body": "가" * 1001}, headers=a)
    assert r.json()["code"] == "message_too_long"
    r = await client.post(url, json={"body": "ok", "client_msg_id": "x" * 65}, headers=a)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "client_msg_id"
    count = (await session.exec(select(func.count()).select_from(ChatMessage))).one()
    await session.commit()
    assert count == 1


async def test_resend_with_the_same_client_msg_id_returns_the_stored_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = (await _open(client, a, bob)).json()["id"]
    url = f"/api/chat/rooms/{room_id}/messages"

    first = await client.post(url, json={"body": "한 번", "client_msg_id": "c-1"}, headers=a)
    again = await client.post(url, json={"body": "한 번", "client_msg_id": "c-1"}, headers=a)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    # The id is the sender's: the other person may use the same one.
    other = await client.post(url, json={"body": "나도", "client_msg_id": "c-1"}, headers=b)
    assert other.status_code == 201 and other.json()["seq"] == 2
    rows = (await session.exec(select(ChatMessage).where(ChatMessage.room_id == room_id))).all()
    await session.commit()
    assert [(m.seq, m.client_msg_id) for m in rows] == [(1, "c-1"), (2, "c-1")]


async def test_unread_counts_follow_read_state(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = (await _open(client, a, bob)).json()["id"]
    for i in range(3):
        await _send(client, b, room_id, f"{i}")

    assert (await _rooms(client, a))["items"][0]["unread_count"] == 3
    assert (await _rooms(client, b))["items"][0]["unread_count"] == 0  # your own messages are read
    url = f"/api/chat/rooms/{room_id}/read"
    r = await client.post(url, json={"seq": 2}, headers=a)
    assert r.status_code == 204 and r.content == b""
    assert (await _rooms(client, a))["items"][0]["unread_count"] == 1
    await client.post(url, json={"seq": 1}, headers=a)  # read state never goes back
    room = (await client.get(f"/api/chat/rooms/{room_id}", headers=a)).json()
    assert room["unread_count"] == 1 and room["last_read_seq"] == 2 and room["last_seq"] == 3
    await client.post(url, json={"seq": 99}, headers=a)  # past the end = everything
    room = (await client.get(f"/api/chat/rooms/{room_id}", headers=a)).json()
    assert room["unread_count"] == 0 and room["last_read_seq"] == 3
    assert (await client.post(url, json={"seq": -1}, headers=a)).status_code == 422
    # Alice answering marks the room read for her, and is one unread for bob.
    await _send(client, b, room_id, "하나 더")
    await _send(client, a, room_id, "답장")
    assert (await _rooms(client, a))["items"][0]["unread_count"] == 0
    assert (await _rooms(client, b))["items"][0]["unread_count"] == 1


async def test_room_list_is_latest_activity_first_with_the_last_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = await make_user(session)
    others = [await make_user(session) for _ in range(4)]
    h = await auth_headers(me)
    rooms = [(await _open(client, h, u)).json()["id"] for u in others]
    for room_id, text in zip(rooms, ["첫째", "둘째", "셋째", "넷째"]):
        await _send(client, h, room_id, text)
    await _send(client, await auth_headers(others[1]), rooms[1], "둘째의 답")

    listing = await _rooms(client, h)
    assert [r["id"] for r in listing["items"]] == [rooms[1], rooms[3], rooms[2], rooms[0]]
    top = listing["items"][0]
    assert top["last_message"]["body"] == "둘째의 답" and top["last_message"]["sender"]["id"] == others[1].id
    assert top["unread_count"] == 1 and top["title"] == others[1].nickname

    page = await _rooms(client, h, limit=3)
    assert len(page["items"]) == 3 and page["next_cursor"]
    rest = await _rooms(client, h, limit=3, cursor=page["next_cursor"])
    assert [r["id"] for r in rest["items"]] == [rooms[0]] and rest["next_cursor"] is None


async def test_room_list_takes_the_same_number_of_queries_for_1_or_12_rooms(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    few, many = await make_user(session), await make_user(session)
    hf, hm = await auth_headers(few), await auth_headers(many)
    peer = await make_user(session)
    await _send(client, hf, (await _open(client, hf, peer)).json()["id"], "hi")
    for _ in range(8):
        other = await make_user(session)
        await _send(client, hm, (await _open(client, hm, other)).json()["id"], "hi")
    for _ in range(4):
        club_id = await make_club(session, host=await make_user(session))
        await add_member(session, club_id=club_id, user=many)

    with count_queries() as one:
        assert len((await _rooms(client, hf))["items"]) == 1
    with count_queries() as twelve:
        assert len((await _rooms(client, hm))["items"]) == 12
    assert len(one) == len(twelve)


async def test_hiding_a_room_is_for_me_only_and_a_new_message_brings_it_back(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = (await _open(client, a, bob)).json()["id"]
    await _send(client, a, room_id, "예전 이야기")
    await _send(client, b, room_id, "예전 답장")

    r = await client.delete(f"/api/chat/rooms/{room_id}", headers=a)
    assert r.status_code == 204
    assert (await _rooms(client, a))["items"] == []
    # Still mine (by id), but what came before is gone for me; bob keeps everything.
    assert (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=a)).json()["items"] == []
    bob_view = (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=b)).json()["items"]
    assert [m["body"] for m in bob_view] == ["예전 이야기", "예전 답장"]
    assert (await _rooms(client, b))["items"][0]["id"] == room_id

    await _send(client, b, room_id, "다시 안녕")
    listing = (await _rooms(client, a))["items"]
    assert [r["id"] for r in listing] == [room_id]
    assert listing[0]["unread_count"] == 1 and listing[0]["last_message"]["body"] == "다시 안녕"
    alice_view = (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=a)).json()["items"]
    assert [m["body"] for m in alice_view] == ["다시 안녕"]

    # Hiding again, then opening the room from the profile, brings it back empty.
    await client.delete(f"/api/chat/rooms/{room_id}", headers=a)
    again = await _open(client, a, bob)
    assert again.status_code == 200 and again.json()["id"] == room_id
    assert again.json()["last_message"] is None and again.json()["unread_count"] == 0
    assert [r["id"] for r in (await _rooms(client, a))["items"]] == [room_id]


async def test_club_room_follows_club_membership(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, member, outsider = await make_user(session), await make_user(session), await make_user(session)
    h, m, o = await auth_headers(host), await auth_headers(member), await auth_headers(outsider)
    r = await client.post(
        "/api/clubs",
        json={"name": "토요 풋살", "description": "주말 풋살", "category": "SPORTS", "join_policy": "open"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    club_id = r.json()["id"]
    room_id = (await client.get(f"/api/clubs/{club_id}", headers=h)).json()["chat_room_id"]
    assert isinstance(room_id, int)

    await _send(client, h, room_id, "환영합니다")
    room = (await client.get(f"/api/chat/rooms/{room_id}", headers=h)).json()
    assert room["kind"] == "club" and room["title"] == "토요 풋살" and room["club"]["id"] == club_id
    assert room["peer"] is None
    assert (await client.get(f"/api/chat/rooms/{room_id}", headers=m)).status_code == 404

    assert (await client.post(f"/api/clubs/{club_id}/join", json={}, headers=m)).status_code == 200
    # A new member sees the room's history, and starts with it read.
    history = (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=m)).json()["items"]
    assert [x["body"] for x in history] == ["환영합니다"]
    listing = (await _rooms(client, m))["items"]
    assert [(x["id"], x["unread_count"]) for x in listing] == [(room_id, 0)]
    await _send(client, m, room_id, "안녕하세요!")
    assert (await _rooms(client, h))["items"][0]["unread_count"] == 1

    r = await client.delete(f"/api/chat/rooms/{room_id}", headers=m)
    assert r.status_code == 409 and r.json()["code"] == "cannot_hide_club_room"
    assert (await client.post(f"/api/clubs/{club_id}/leave", headers=m)).status_code == 204
    assert (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=m)).status_code == 404
    assert (await _rooms(client, m))["items"] == []
    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "x"}, headers=o)
    assert r.status_code == 404

    assert (await client.delete(f"/api/clubs/{club_id}", headers=h)).status_code == 204
    assert (await client.get(f"/api/chat/rooms/{room_id}", headers=h)).status_code == 404  # a closed club's room


async def test_a_chat_message_notifies_only_who_is_away_and_once_until_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = (await _open(client, a, bob)).json()["id"]
    assert bob.id is not None

    async def bob_notifications() -> list[Notification]:
        rows = (
            await session.exec(
                select(Notification)
                .where(Notification.user_id == bob.id, Notification.type == "chat_message")
                .order_by(col(Notification.id))
            )
        ).all()
        await session.commit()
        return list(rows)

    await _send(client, a, room_id, "지금 시간 돼?")
    await _send(client, a, room_id, "답장 줘")
    notes = await bob_notifications()
    assert len(notes) == 1  # one per room until bob reads it
    note = notes[0]
    assert note.link == f"/chat/{room_id}" and note.body == "지금 시간 돼?" and alice.nickname in note.title
    assert note.data["room_id"] == room_id and note.data["seq"] == 1

    await client.post(f"/api/chat/rooms/{room_id}/read", json={"seq": 2}, headers=b)
    await _send(client, a, room_id, "읽었네")
    assert len(await bob_notifications()) == 2

    await client.post(f"/api/chat/rooms/{room_id}/read", json={"seq": 3}, headers=b)
    await presence.enter(room_id=room_id, user_id=bob.id, viewer_id="tab-1")  # bob has the room open
    await _send(client, a, room_id, "보고 있구나")
    assert len(await bob_notifications()) == 2
    await presence.leave(room_id=room_id, user_id=bob.id, viewer_id="tab-1")
    await _send(client, a, room_id, "갔구나")
    assert len(await bob_notifications()) == 3
    # The sender is never notified of their own messages.
    mine = (await session.exec(select(Notification).where(Notification.user_id == alice.id))).all()
    await session.commit()
    assert mine == []


async def test_sending_too_fast_is_rate_limited(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from withus.services.chat import SEND_LIMIT

    alice, bob = await make_user(session), await make_user(session)
    a = await auth_headers(alice)
    room_id = (await _open(client, a, bob)).json()["id"]
    for i in range(SEND_LIMIT):
        await _send(client, a, room_id, f"{i}")
    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "one too many"}, headers=a)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) >= 1
    count = (await session.exec(select(func.count()).select_from(ChatMessage))).one()
    await session.commit()
    assert count == SEND_LIMIT
