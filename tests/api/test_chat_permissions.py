"""Who may do what to a chat room over REST: every endpoint x anonymous, outsider, participant;
club rooms: host, moderator, member, non-member, banned, former member."""

from __future__ import annotations

from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

import withus.services.chat  # noqa: F401  (registers the club-room hooks)
from tests.club_factories import add_member, ban, make_club
from tests.factories import auth_headers, make_user
from withus.models.club import Club

ANONYMOUS: dict[str, str] = {}


def _actions(room_id: int) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    base = f"/api/chat/rooms/{room_id}"
    return [
        ("get room", "GET", base, None),
        ("list messages", "GET", f"{base}/messages", None),
        ("send", "POST", f"{base}/messages", {"body": "안녕하세요"}),
        ("read", "POST", f"{base}/read", {"seq": 1}),
        ("hide", "DELETE", base, None),
    ]


async def _matrix(
    client: httpx.AsyncClient, room_id: int, who: dict[str, dict[str, str]], expected: dict[str, dict[str, int]]
) -> list[str]:
    """Run every action as everyone; the list of mismatches (empty when all is as expected)."""
    wrong = []
    for name, method, url, body in _actions(room_id):
        for role, headers in who.items():
            r = await client.request(method, url, json=body, headers=headers)
            want = expected[role].get(name, expected[role].get("*"))
            if r.status_code != want:
                wrong.append(f"{role} {name}: {r.status_code} (expected {want}) {r.text[:80]}")
    return wrong


async def test_direct_room_permissions(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob, eve = await make_user(session), await make_user(session), await make_user(session)
    a, b, e = await auth_headers(alice), await auth_headers(bob), await auth_headers(eve)
    r = await client.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a)
    room_id = r.json()["id"]
    await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "첫 메시지"}, headers=a)

    assert (await client.post("/api/chat/rooms", json={"user_id": bob.id})).status_code == 401
    assert (await client.get("/api/chat/rooms")).status_code == 401
    wrong = await _matrix(
        client,
        room_id,
        {"anonymous": ANONYMOUS, "outsider": e, "participant": b},
        {
            "anonymous": {"*": 401},
            "outsider": {"*": 404},
            "participant": {"get room": 200, "list messages": 200, "send": 201, "read": 204, "hide": 204},
        },
    )
    assert wrong == []
    r = await client.get(f"/api/chat/rooms/{room_id}", headers=e)
    assert r.json()["code"] == "room_not_found"  # the same answer as for a room that does not exist
    r = await client.get("/api/chat/rooms/987654", headers=e)
    assert r.status_code == 404 and r.json()["code"] == "room_not_found"
    assert [x["id"] for x in (await client.get("/api/chat/rooms", headers=e)).json()["items"]] == []


async def test_club_room_permissions_follow_membership(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, moderator, member = await make_user(session), await make_user(session), await make_user(session)
    outsider, banned, former = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, visibility="public")
    await add_member(session, club_id=club_id, user=moderator, role="moderator")
    await add_member(session, club_id=club_id, user=member)
    await add_member(session, club_id=club_id, user=former)
    club = await session.get(Club, club_id)
    assert club is not None and club.chat_room_id is not None
    room_id = club.chat_room_id
    await session.commit()
    hh = await auth_headers(host)
    await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "공지"}, headers=hh)
    fh = await auth_headers(former)
    assert (await client.post(f"/api/clubs/{club_id}/leave", headers=fh)).status_code == 204
    bh = await auth_headers(banned)
    await client.post(f"/api/clubs/{club_id}/join", json={}, headers=bh)
    await ban(session, club_id=club_id, user=banned)  # the ban ends the membership
    await client.delete(f"/api/clubs/{club_id}/members/{banned.id}", params={"ban": "true"}, headers=hh)

    member_ok = {"get room": 200, "list messages": 200, "send": 201, "read": 204, "hide": 409}
    wrong = await _matrix(
        client,
        room_id,
        {
            "anonymous": ANONYMOUS,
            "outsider": await auth_headers(outsider),
            "banned": bh,
            "former member": fh,
            "host": hh,
            "moderator": await auth_headers(moderator),
            "member": await auth_headers(member),
        },
        {
            "anonymous": {"*": 401},
            "outsider": {"*": 404},  # even in a public club: the chat is for members
            "banned": {"*": 404},
            "former member": {"*": 404},
            "host": member_ok,
            "moderator": member_ok,
            "member": member_ok,
        },
    )
    assert wrong == []
