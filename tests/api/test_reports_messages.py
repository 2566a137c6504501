"""Reports of chat messages: club-room messages go to the club's staff and administrators,
one-to-one messages to administrators only; only administrators hide a message."""

from __future__ import annotations

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import World, build_world
from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom
from withus.models.club import Club
from withus.models.report import Report
from withus.models.user import User


async def _club_message(session: AsyncSession, club: Club, sender: User, body: str = "욕설") -> ChatMessage:
    room = ChatRoom(kind="club", club_id=club.id, last_seq=1)
    session.add(room)
    await session.flush()
    message = ChatMessage(room_id=room.id, seq=1, sender_id=sender.id, body=body)  # type: ignore[arg-type]
    session.add(message)
    await session.commit()
    return message


async def _direct_message(session: AsyncSession, a: User, b: User, body: str = "스팸") -> ChatMessage:
    assert a.id is not None and b.id is not None
    low, high = sorted((a.id, b.id))
    room = ChatRoom(kind="direct", user_low_id=low, user_high_id=high, last_seq=1)
    session.add(room)
    await session.flush()
    assert room.id is not None
    session.add_all([ChatParticipant(room_id=room.id, user_id=low), ChatParticipant(room_id=room.id, user_id=high)])
    message = ChatMessage(room_id=room.id, seq=1, sender_id=a.id, body=body)
    session.add(message)
    await session.commit()
    return message


async def _report(client: httpx.AsyncClient, w: World, who: str, message_id: int | None) -> httpx.Response:
    body = {"target_type": "message", "target_id": message_id, "reason": "불쾌합니다"}
    return await client.post("/api/reports", json=body, headers=w.h(who))


async def _queue(client: httpx.AsyncClient, w: World, who: str) -> list[int]:
    items = (await client.get("/api/reports", headers=w.h(who))).json()["items"]
    return [i["target_id"] for i in items if i["target_type"] == "message"]


async def test_club_room_message_goes_to_the_clubs_staff(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    message = await _club_message(session, w.club, w.people["author"])
    r = await _report(client, w, "member", message.id)
    assert r.status_code == 201 and r.json()["club_id"] == w.club.id
    # Not a member of the club: the room's messages are not theirs to see.
    assert (await _report(client, w, "outsider", message.id)).json()["code"] == "target_not_found"
    assert (await _report(client, w, "other_host", message.id)).status_code == 404

    for who in ("host", "moderator", "admin"):
        assert await _queue(client, w, who) == [message.id], who
    for who in ("member", "other_host"):
        assert await _queue(client, w, who) == [], who

    item = (await client.get("/api/reports", headers=w.h("host"))).json()["items"][0]
    assert item["target_preview"] == "욕설" and item["target_link"] == f"/chat/{message.room_id}"
    r = await client.post(f"/api/reports/{item['id']}/hide", headers=w.h("host"))
    assert (r.status_code, r.json()["code"]) == (403, "admin_only")
    r = await client.post(f"/api/reports/{item['id']}/hide", headers=w.h("admin"))
    assert r.status_code == 200 and r.json()["status"] == "hidden"
    await session.refresh(message)
    hidden_at = message.hidden_at
    await session.commit()
    assert hidden_at is not None
    # Readers of the room see the message's place, not its words.
    got = (await client.get(f"/api/chat/rooms/{message.room_id}/messages", headers=w.h("member"))).json()
    items = got["items"] if isinstance(got, dict) else got
    assert [(m["id"], m["hidden"], m["body"]) for m in items] == [(message.id, True, "")]


async def test_staff_may_dismiss_a_club_message_report(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    message = await _club_message(session, w.club, w.people["author"])
    await _report(client, w, "member", message.id)
    rid = (await session.exec(select(Report.id).order_by(col(Report.id)))).first()
    await session.commit()
    r = await client.post(f"/api/reports/{rid}/dismiss", headers=w.h("moderator"))
    assert r.status_code == 200 and r.json()["status"] == "dismissed"


async def test_direct_message_reports_are_for_administrators(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    message = await _direct_message(session, w.people["author"], w.people["member"])
    assert (await _report(client, w, "host", message.id)).json()["code"] == "target_not_found"
    r = await _report(client, w, "member", message.id)
    assert r.status_code == 201 and r.json()["club_id"] is None
    assert await _queue(client, w, "admin") == [message.id]
    assert await _queue(client, w, "host") == []
    rid = r.json()["id"]
    assert (await client.post(f"/api/reports/{rid}/hide", headers=w.h("host"))).status_code == 404
    assert (await client.post(f"/api/reports/{rid}/hide", headers=w.h("admin"))).status_code == 200


async def test_a_hidden_message_cannot_be_reported_again(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    message = await _club_message(session, w.club, w.people["author"])
    rid = (await _report(client, w, "member", message.id)).json()["id"]
    await client.post(f"/api/reports/{rid}/hide", headers=w.h("admin"))
    assert (await _report(client, w, "host", message.id)).json()["code"] == "target_not_found"
