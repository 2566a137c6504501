"""Membership flows: join, requests, invitations, leave, remove/ban, roles, transfer, my clubs."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import NotifyCollector, add_member, make_club, role_of
from tests.factories import auth_headers, make_user
from withus.models.base import utcnow
from withus.models.club import Club, ClubMember, Invitation, JoinRequest
from withus.models.user import User


async def _count(session: AsyncSession, club_id: int) -> tuple[int, int]:
    """(stored member_count, actual rows) — they must always agree."""
    club = await session.get(Club, club_id, populate_existing=True)
    assert club is not None
    rows = (await session.exec(select(ClubMember).where(ClubMember.club_id == club_id))).all()
    await session.commit()  # end the read: SQLite's BEGIN IMMEDIATE would block the API's writes
    return club.member_count, len(rows)


async def _h(user: User) -> dict[str, str]:
    return await auth_headers(user)


# ---------------------------------------------------------------- join


async def test_join_open_club_makes_a_member_at_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert r.status_code == 200 and r.json() == {"status": "member"}
    assert await _count(session, club_id) == (2, 2)
    detail = (await client.get(f"/api/clubs/{club_id}", headers=await _h(joiner))).json()
    assert detail["my_role"] == "member" and detail["member_count"] == 2
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert r.status_code == 409 and r.json()["code"] == "already_member"


async def test_join_approval_club_creates_a_pending_request_and_tells_staff(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host, mod, member, joiner = [await make_user(session) for _ in range(4)]
    club_id = await make_club(session, host=host, join_policy="approval")
    await add_member(session, club_id=club_id, user=mod, role="moderator")
    await add_member(session, club_id=club_id, user=member)
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/join", json={"message": "  축구 좋아해요 "}, headers=await _h(joiner))
    assert r.status_code == 200 and r.json() == {"status": "pending"}
    published = await events.stop()
    assert sorted(uid for uid, n in published if n["type"] == "join_request") == sorted([host.id, mod.id])
    _, note = published[0]
    assert note["link"] == f"/clubs/{club_id}/manage" and note["data"] == {"club_id": club_id, "user_id": joiner.id}
    assert await _count(session, club_id) == (3, 3)
    detail = (await client.get(f"/api/clubs/{club_id}", headers=await _h(joiner))).json()
    assert detail["my_role"] is None and detail["my_request_status"] == "pending"
    reqs = (await client.get(f"/api/clubs/{club_id}/join-requests", headers=await _h(mod))).json()["items"]
    assert [(q["user"]["id"], q["message"], q["status"]) for q in reqs] == [(joiner.id, "축구 좋아해요", "pending")]
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert r.status_code == 409 and r.json()["code"] == "request_pending"


async def test_join_message_over_300_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    r = await client.post(f"/api/clubs/{club_id}/join", json={"message": "가" * 301}, headers=await _h(joiner))
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["message"]
    r = await client.post(f"/api/clubs/{club_id}/join", json={"message": "가" * 300}, headers=await _h(joiner))
    assert r.status_code == 200


async def test_join_invite_only_club_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="invite")
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert r.status_code == 403 and r.json()["code"] == "invite_only"


async def test_join_full_club_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, first, second = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, capacity=2)
    assert (await client.post(f"/api/clubs/{club_id}/join", headers=await _h(first))).status_code == 200
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(second))
    assert r.status_code == 409 and r.json()["code"] == "club_full"
    approval = await make_club(session, host=host, capacity=2, join_policy="approval")
    await add_member(session, club_id=approval, user=first)
    r = await client.post(f"/api/clubs/{approval}/join", headers=await _h(second))
    assert r.status_code == 409 and r.json()["code"] == "club_full"


@pytest.mark.parametrize(("start", "end"), [(1, 2), (-2, -1)])
async def test_join_outside_the_recruiting_window_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, start: int, end: int
) -> None:
    host, joiner = await make_user(session), await make_user(session)
    now = utcnow()
    club_id = await make_club(
        session, host=host, recruit_from=now + timedelta(days=start), recruit_until=now + timedelta(days=end)
    )
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert r.status_code == 409 and r.json()["code"] == "not_recruiting"


async def test_banned_user_cannot_join_until_unbanned(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, user = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=user)
    r = await client.delete(f"/api/clubs/{club_id}/members/{user.id}", params={"ban": "true"}, headers=await _h(host))
    assert r.status_code == 204
    assert await _count(session, club_id) == (1, 1)
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(user))
    assert r.status_code == 403 and r.json()["code"] == "banned"
    bans = (await client.get(f"/api/clubs/{club_id}/bans", headers=await _h(host))).json()["items"]
    assert [b["user"]["id"] for b in bans] == [user.id]
    assert (await client.delete(f"/api/clubs/{club_id}/bans/{user.id}", headers=await _h(host))).status_code == 204
    r = await client.delete(f"/api/clubs/{club_id}/bans/{user.id}", headers=await _h(host))
    assert r.status_code == 404 and r.json()["code"] == "ban_not_found"
    assert (await client.post(f"/api/clubs/{club_id}/join", headers=await _h(user))).status_code == 200


# ---------------------------------------------------------------- requests


async def test_withdrawn_request_cannot_be_approved(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    assert (await client.delete(f"/api/clubs/{club_id}/join-requests/me", headers=await _h(joiner))).status_code == 204
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{joiner.id}/approve", headers=await _h(host))
    assert r.status_code == 409 and r.json()["code"] == "request_not_pending"
    r = await client.delete(f"/api/clubs/{club_id}/join-requests/me", headers=await _h(joiner))
    assert r.status_code == 404 and r.json()["code"] == "request_not_found"
    assert (await client.get(f"/api/clubs/{club_id}/join-requests", headers=await _h(host))).json()["items"] == []
    # Asking again after withdrawing is allowed.
    r = await client.post(f"/api/clubs/{club_id}/join", json={"message": "다시"}, headers=await _h(joiner))
    assert r.json() == {"status": "pending"}


async def test_approve_makes_a_member_and_tells_the_requester(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, mod, joiner = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    await add_member(session, club_id=club_id, user=mod, role="moderator")
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{joiner.id}/approve", headers=await _h(mod))
    assert r.status_code == 200, r.text
    assert r.json()["user"]["id"] == joiner.id and r.json()["role"] == "member"
    assert [(uid, n["type"]) for uid, n in await events.stop()] == [(joiner.id, "join_approved")]
    assert await role_of(session, club_id=club_id, user=joiner) == "member"
    assert await _count(session, club_id) == (3, 3)
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{joiner.id}/approve", headers=await _h(host))
    assert r.status_code == 409 and r.json()["code"] == "request_not_pending"
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{joiner.id}/decline", headers=await _h(host))
    assert r.status_code == 409 and r.json()["code"] == "request_not_pending"
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{host.id}/approve", headers=await _h(host))
    assert r.status_code == 404 and r.json()["code"] == "request_not_found"


async def test_decline_tells_the_requester(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(joiner))
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{joiner.id}/decline", headers=await _h(host))
    assert r.status_code == 204
    published = await events.stop()
    assert [(uid, n["type"], n["link"]) for uid, n in published] == [(joiner.id, "join_declined", f"/clubs/{club_id}")]
    assert await role_of(session, club_id=club_id, user=joiner) is None


async def test_approving_when_full_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, a, b = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval", capacity=2)
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(a))
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(b))
    assert (
        await client.post(f"/api/clubs/{club_id}/join-requests/{a.id}/approve", headers=await _h(host))
    ).status_code == 200
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{b.id}/approve", headers=await _h(host))
    assert r.status_code == 409 and r.json()["code"] == "club_full"
    assert await _count(session, club_id) == (2, 2)


# ---------------------------------------------------------------- invitations


async def test_invitation_is_accepted_by_the_invitee_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, invitee, other = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="invite")
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=await _h(host))
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["status"] == "pending" and inv["user"]["id"] == invitee.id and inv["inviter"]["id"] == host.id
    assert inv["club"]["id"] == club_id
    published = await events.stop()
    assert [(uid, n["type"]) for uid, n in published] == [(invitee.id, "club_invitation")]
    assert published[0][1]["data"]["invitation_id"] == inv["id"]
    # Nobody is added without consent.
    assert await role_of(session, club_id=club_id, user=invitee) is None
    mine = (await client.get("/api/users/me/invitations", headers=await _h(invitee))).json()["items"]
    assert [i["id"] for i in mine] == [inv["id"]]
    assert (await client.get("/api/users/me/invitations", headers=await _h(other))).json()["items"] == []
    r = await client.post(f"/api/invitations/{inv['id']}/accept", headers=await _h(other))
    assert r.status_code == 404
    r = await client.post(f"/api/invitations/{inv['id']}/accept", headers=await _h(invitee))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert await role_of(session, club_id=club_id, user=invitee) == "member"
    assert await _count(session, club_id) == (2, 2)
    r = await client.post(f"/api/invitations/{inv['id']}/accept", headers=await _h(invitee))
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_pending"
    assert (await client.get("/api/users/me/invitations", headers=await _h(invitee))).json()["items"] == []


async def test_declined_invitation_adds_nobody(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, invitee = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="invite")
    inv = (
        await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=await _h(host))
    ).json()
    assert (await client.post(f"/api/invitations/{inv['id']}/decline", headers=await _h(invitee))).status_code == 204
    assert await role_of(session, club_id=club_id, user=invitee) is None
    r = await client.post(f"/api/invitations/{inv['id']}/accept", headers=await _h(invitee))
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_pending"
    # Once answered, the user can be invited again.
    r = await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=await _h(host))
    assert r.status_code == 201


async def test_invite_conflicts(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, member, invitee, banned = [await make_user(session) for _ in range(4)]
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=member)
    h = await _h(host)
    await client.delete(f"/api/clubs/{club_id}/members/{banned.id}", params={"ban": "true"}, headers=h)

    async def invite(user_id: int) -> httpx.Response:
        return await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": user_id}, headers=h)

    assert (await invite(member.id)).json()["code"] == "already_member"
    assert (await invite(host.id)).json()["code"] == "already_member"
    assert (await invite(banned.id)).json()["code"] == "user_banned"
    assert (await invite(999999)).status_code == 404
    assert (await invite(invitee.id)).status_code == 201
    r = await invite(invitee.id)
    assert r.status_code == 409 and r.json()["code"] == "invitation_pending"
    r = await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": "x"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "user_id"


async def test_accepting_checks_capacity_and_ban(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, a, b = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, capacity=2, join_policy="invite")
    h = await _h(host)
    inv_a = (await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": a.id}, headers=h)).json()
    inv_b = (await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": b.id}, headers=h)).json()
    assert (await client.post(f"/api/invitations/{inv_a['id']}/accept", headers=await _h(a))).status_code == 200
    r = await client.post(f"/api/invitations/{inv_b['id']}/accept", headers=await _h(b))
    assert r.status_code == 409 and r.json()["code"] == "club_full"
    # A ban cancels the pending invitation.
    await client.delete(f"/api/clubs/{club_id}/members/{b.id}", params={"ban": "true"}, headers=h)
    r = await client.post(f"/api/invitations/{inv_b['id']}/accept", headers=await _h(b))
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_pending"


async def test_join_with_a_pending_invitation_accepts_it(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, invitee = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="invite")
    inv = (
        await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=await _h(host))
    ).json()
    detail = (await client.get(f"/api/clubs/{club_id}", headers=await _h(invitee))).json()
    assert detail["my_invitation_id"] == inv["id"]
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await _h(invitee))
    assert r.status_code == 200 and r.json() == {"status": "member"}
    stored = await session.get(Invitation, inv["id"], populate_existing=True)
    await session.commit()
    assert stored is not None and stored.status == "accepted"


async def test_staff_cancel_an_invitation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, invitee = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="invite")
    h = await _h(host)
    inv = (await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=h)).json()
    listed = (await client.get(f"/api/clubs/{club_id}/invitations", headers=h)).json()["items"]
    assert [i["id"] for i in listed] == [inv["id"]]
    assert (await client.delete(f"/api/clubs/{club_id}/invitations/{inv['id']}", headers=h)).status_code == 204
    r = await client.post(f"/api/invitations/{inv['id']}/accept", headers=await _h(invitee))
    assert r.status_code == 409 and r.json()["code"] == "invitation_not_pending"


# ---------------------------------------------------------------- leave, remove, roles, transfer


async def test_leave_uncounts_and_host_must_transfer(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, member = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=member)
    r = await client.post(f"/api/clubs/{club_id}/leave", headers=await _h(member))
    assert r.status_code == 204 and r.content == b""
    assert await _count(session, club_id) == (1, 1)
    r = await client.post(f"/api/clubs/{club_id}/leave", headers=await _h(member))
    assert r.status_code == 403 and r.json()["code"] == "not_a_member"
    r = await client.post(f"/api/clubs/{club_id}/leave", headers=await _h(host))
    assert r.status_code == 409 and r.json()["code"] == "host_must_transfer"


async def test_remove_tells_the_removed_member(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, mod, member = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=mod, role="moderator")
    await add_member(session, club_id=club_id, user=member)
    events = await NotifyCollector().start()
    r = await client.delete(f"/api/clubs/{club_id}/members/{member.id}", headers=await _h(mod))
    assert r.status_code == 204
    published = await events.stop()
    assert [(uid, n["type"], n["data"]) for uid, n in published] == [
        (member.id, "removed_from_club", {"club_id": club_id, "banned": False})
    ]
    assert await _count(session, club_id) == (2, 2)
    r = await client.delete(f"/api/clubs/{club_id}/members/{member.id}", headers=await _h(mod))
    assert r.status_code == 404 and r.json()["code"] == "member_not_found"
    # Host removes a moderator.
    assert (await client.delete(f"/api/clubs/{club_id}/members/{mod.id}", headers=await _h(host))).status_code == 204
    # The member can come back (removal is not a ban).
    assert (await client.post(f"/api/clubs/{club_id}/join", headers=await _h(member))).status_code == 200


async def test_staff_can_ban_a_non_member(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, pest = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    await client.post(f"/api/clubs/{club_id}/join", headers=await _h(pest))
    events = await NotifyCollector().start()
    r = await client.delete(f"/api/clubs/{club_id}/members/{pest.id}", params={"ban": "true"}, headers=await _h(host))
    assert r.status_code == 204
    assert await events.stop() == []  # not a member: nothing to tell
    jr = await session.get(JoinRequest, (club_id, pest.id), populate_existing=True)
    await session.commit()
    assert jr is not None and jr.status == "declined"
    assert (await client.post(f"/api/clubs/{club_id}/join", headers=await _h(pest))).json()["code"] == "banned"


async def test_host_changes_roles_and_the_member_is_told(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, member, outsider = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=member)
    h = await _h(host)
    events = await NotifyCollector().start()
    r = await client.patch(f"/api/clubs/{club_id}/members/{member.id}", json={"role": "moderator"}, headers=h)
    assert r.status_code == 200 and r.json()["role"] == "moderator"
    r = await client.patch(f"/api/clubs/{club_id}/members/{member.id}", json={"role": "moderator"}, headers=h)
    assert r.status_code == 200  # unchanged: nobody is told twice
    published = await events.stop()
    assert [(uid, n["type"], n["data"]["role"]) for uid, n in published] == [(member.id, "role_changed", "moderator")]
    r = await client.patch(f"/api/clubs/{club_id}/members/{host.id}", json={"role": "member"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "use_transfer"
    r = await client.patch(f"/api/clubs/{club_id}/members/{outsider.id}", json={"role": "member"}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "member_not_found"
    r = await client.patch(f"/api/clubs/{club_id}/members/{member.id}", json={"role": "host"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"


async def test_transfer_makes_the_old_host_a_moderator(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, member, outsider = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=member)
    h = await _h(host)
    r = await client.post(f"/api/clubs/{club_id}/transfer", json={"user_id": outsider.id}, headers=h)
    assert r.status_code == 404 and r.json()["code"] == "member_not_found"
    r = await client.post(f"/api/clubs/{club_id}/transfer", json={"user_id": host.id}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "already_host"
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/transfer", json={"user_id": member.id}, headers=h)
    assert r.status_code == 200 and r.json()["role"] == "host"
    assert [(uid, n["type"]) for uid, n in await events.stop()] == [(member.id, "role_changed")]
    assert await role_of(session, club_id=club_id, user=host) == "moderator"
    assert await role_of(session, club_id=club_id, user=member) == "host"
    detail = (await client.get(f"/api/clubs/{club_id}")).json()
    assert detail["host"]["id"] == member.id
    # The old host may now leave; the new one may not.
    assert (await client.post(f"/api/clubs/{club_id}/leave", headers=h)).status_code == 204
    r = await client.post(f"/api/clubs/{club_id}/leave", headers=await _h(member))
    assert r.json()["code"] == "host_must_transfer"


async def test_members_list_orders_roles_and_pages(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host)
    members = [await make_user(session) for _ in range(4)]
    for m in members:
        await add_member(session, club_id=club_id, user=m)
    mod = await make_user(session)
    await add_member(session, club_id=club_id, user=mod, role="moderator")
    seen: list[tuple[int, str]] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await client.get(f"/api/clubs/{club_id}/members", params=params)).json()
        seen += [(m["user"]["id"], m["role"]) for m in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [(host.id, "host"), (mod.id, "moderator")] + [(m.id, "member") for m in members]


async def test_my_clubs_lists_my_role_in_each(client: httpx.AsyncClient, session: AsyncSession) -> None:
    me, other = await make_user(session), await make_user(session)
    hosted = await make_club(session, host=me)
    joined = await make_club(session, host=other)
    await add_member(session, club_id=joined, user=me, role="moderator")
    await make_club(session, host=other)  # not mine
    h = await _h(me)
    body = (await client.get("/api/users/me/clubs", headers=h)).json()
    assert [(c["id"], c["my_role"]) for c in body["items"]] == [(joined, "moderator"), (hosted, "host")]
    assert body["next_cursor"] is None
    page = (await client.get("/api/users/me/clubs", params={"limit": 1}, headers=h)).json()
    assert [c["id"] for c in page["items"]] == [joined]
    rest = (await client.get("/api/users/me/clubs", params={"cursor": page["next_cursor"]}, headers=h)).json()
    assert [c["id"] for c in rest["items"]] == [hosted]
    assert (await client.get("/api/users/me/clubs")).status_code == 401
    assert (await client.get("/api/users/me/invitations")).status_code == 401


async def test_profile_lists_the_clubs_a_user_hosts(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, viewer = await make_user(session), await make_user(session)
    first = await make_club(session, host=host)
    second = await make_club(session, host=host)
    other = await make_club(session, host=viewer)
    await add_member(session, club_id=other, user=host)  # a member there, not the host
    closed = await make_club(session, host=host)
    await client.delete(f"/api/clubs/{closed}", headers=await _h(host))
    r = await client.get(f"/api/users/{host.id}/clubs", headers=await _h(viewer))
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == [second, first]
    assert (await client.get(f"/api/users/{host.id}/clubs")).status_code == 401
    assert (await client.get("/api/users/999999/clubs", headers=await _h(viewer))).status_code == 404
