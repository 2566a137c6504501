"""Editing and deleting chat messages over REST: who may, the 24-hour window, the text gone from
the database, the same seq in the history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import update
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.models.base import utcnow
from withus.models.chat import ChatMessage
from withus.models.user import User


async def _room(client: httpx.AsyncClient, headers: dict[str, str], peer: User) -> int:
    r = await client.post("/api/chat/rooms", json={"user_id": peer.id}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


async def _send(client: httpx.AsyncClient, headers: dict[str, str], room_id: int, body: str) -> Any:
    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _history(client: httpx.AsyncClient, headers: dict[str, str], room_id: int) -> list[Any]:
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_the_sender_edits_within_24_hours_and_everyone_sees_edited_at(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = await _room(client, a, bob)
    first = await _send(client, a, room_id, "내일 7시?")
    assert first["edited_at"] is None and first["deleted"] is False

    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "내일 8시?"}, headers=a)
    assert r.status_code == 200, r.text
    edited = r.json()
    assert edited["id"] == first["id"] and edited["seq"] == first["seq"]
    assert edited["body"] == "내일 8시?" and edited["edited_at"] is not None

    seen = await _history(client, b, room_id)
    assert [(m["seq"], m["body"], m["edited_at"] is not None) for m in seen] == [(first["seq"], "내일 8시?", True)]

    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "남의 글"}, headers=b)
    assert r.status_code == 403 and r.json()["code"] == "not_your_message"
    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "   "}, headers=a)
    assert r.status_code == 422
    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": 5}, headers=a)
    assert r.status_code == 422

    await session.exec(
        update(ChatMessage).where(ChatMessage.id == first["id"]).values(created_at=utcnow() - timedelta(hours=25))
    )
    await session.commit()
    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "늦은 수정"}, headers=a)
    assert r.status_code == 403 and r.json()["code"] == "edit_window_passed"


async def test_a_deleted_message_keeps_its_seq_and_its_text_is_gone_from_the_database(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = await _room(client, a, bob)
    one = await _send(client, a, room_id, "비밀번호는 1234")
    two = await _send(client, b, room_id, "앗")

    assert (await client.delete(f"/api/chat/messages/{one['id']}", headers=b)).status_code == 403
    assert (await client.delete(f"/api/chat/messages/{one['id']}", headers=a)).status_code == 204
    assert (await client.delete(f"/api/chat/messages/{one['id']}", headers=a)).status_code == 204  # already gone

    seen = await _history(client, b, room_id)
    assert [(m["seq"], m["body"], m["deleted"]) for m in seen] == [
        (one["seq"], "", True),
        (two["seq"], "앗", False),
    ]
    stored = await session.get(ChatMessage, one["id"], populate_existing=True)
    assert stored is not None and stored.body == "" and stored.deleted_at is not None
    await session.rollback()  # end the read: SQLite lets one writer in
    r = await client.patch(f"/api/chat/messages/{one['id']}", json={"body": "되살리기"}, headers=a)
    assert r.status_code == 403 and r.json()["code"] == "message_gone"


async def test_staff_delete_in_a_club_room_and_strangers_get_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    mod, member, outsider = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=mod, role="moderator")
    await add_member(session, club_id=club_id, user=member)
    h, d, m, o = (
        await auth_headers(host),
        await auth_headers(mod),
        await auth_headers(member),
        await auth_headers(outsider),
    )
    room_id = (await client.get(f"/api/clubs/{club_id}", headers=h)).json()["chat_room_id"]

    first = await _send(client, m, room_id, "광고입니다")
    second = await _send(client, m, room_id, "또 광고")
    third = await _send(client, h, room_id, "공지")
    assert (await client.delete(f"/api/chat/messages/{first['id']}", headers=o)).status_code == 404
    assert (await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "x"}, headers=o)).status_code == 404
    assert (await client.delete("/api/chat/messages/999999999", headers=h)).status_code == 404
    assert (await client.delete(f"/api/chat/messages/{third['id']}", headers=m)).status_code == 403
    r = await client.patch(f"/api/chat/messages/{first['id']}", json={"body": "고침"}, headers=h)
    assert r.status_code == 403  # staff delete, they do not edit
    assert (await client.delete(f"/api/chat/messages/{first['id']}", headers=h)).status_code == 204
    assert (await client.delete(f"/api/chat/messages/{second['id']}", headers=d)).status_code == 204
    seen = await _history(client, m, room_id)
    assert [(x["body"], x["deleted"]) for x in seen] == [("", True), ("", True), ("공지", False)]
