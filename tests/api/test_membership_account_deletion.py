"""Deleting an account: hosted clubs pass to the longest-standing moderator, else the
longest-standing member, else close; every membership of the account ends."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import NotifyCollector, add_member, make_club
from tests.factories import DEFAULT_PASSWORD, make_user
from withus.db import session_scope
from withus.models.club import Club, ClubMember, JoinRequest
from withus.models.user import User
from withus.services import users as user_service


async def _delete(user: User) -> None:
    async with session_scope() as s:
        fresh = await s.get(User, user.id)
        assert fresh is not None
        await user_service.do_delete_account(s, user=fresh, password=DEFAULT_PASSWORD)


async def _state(session: AsyncSession, club_id: int) -> tuple[Club, dict[int, str]]:
    club = await session.get(Club, club_id, populate_existing=True)
    assert club is not None
    rows = (await session.exec(select(ClubMember).where(ClubMember.club_id == club_id))).all()
    await session.commit()
    return club, {m.user_id: m.role for m in rows}


async def _backdate(session: AsyncSession, club_id: int, user: User, days: int) -> None:
    m = await session.get(ClubMember, (club_id, user.id))
    assert m is not None
    m.joined_at = m.joined_at - timedelta(days=days)
    session.add(m)
    await session.commit()


async def test_hosted_club_passes_to_the_longest_standing_moderator(session: AsyncSession) -> None:
    host, old_member, mod_new, mod_old = [await make_user(session) for _ in range(4)]
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=old_member)
    await add_member(session, club_id=club_id, user=mod_old, role="moderator")
    await add_member(session, club_id=club_id, user=mod_new, role="moderator")
    await _backdate(session, club_id, old_member, 30)  # seniority among members does not beat a moderator
    await _backdate(session, club_id, mod_old, 10)
    events = await NotifyCollector().start()
    await _delete(host)
    club, roles = await _state(session, club_id)
    assert club.closed_at is None and club.host_id == mod_old.id
    assert roles == {mod_old.id: "host", mod_new.id: "moderator", old_member.id: "member"}
    assert club.member_count == 3
    assert [(uid, n["type"], n["data"]["role"]) for uid, n in await events.stop()] == [
        (mod_old.id, "role_changed", "host")
    ]


async def test_hosted_club_without_moderators_passes_to_the_longest_standing_member(session: AsyncSession) -> None:
    host, newer, older = [await make_user(session) for _ in range(3)]
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=older)
    await add_member(session, club_id=club_id, user=newer)
    await _backdate(session, club_id, older, 5)
    await _delete(host)
    club, roles = await _state(session, club_id)
    assert club.host_id == older.id and roles == {older.id: "host", newer.id: "member"}


async def test_hosted_club_with_nobody_left_closes(session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    session.add(JoinRequest(club_id=club_id, user_id=joiner.id))  # type: ignore[arg-type]
    await session.commit()
    await _delete(host)
    club, roles = await _state(session, club_id)
    assert club.closed_at is not None and roles == {}
    jr = await session.get(JoinRequest, (club_id, joiner.id), populate_existing=True)
    await session.commit()
    assert jr is not None and jr.status == "declined"


async def test_memberships_of_a_deleted_account_end(session: AsyncSession) -> None:
    host, leaver = await make_user(session), await make_user(session)
    a = await make_club(session, host=host)
    b = await make_club(session, host=host, join_policy="approval")
    await add_member(session, club_id=a, user=leaver, role="moderator")
    session.add(JoinRequest(club_id=b, user_id=leaver.id))  # type: ignore[arg-type]
    await session.commit()
    await _delete(leaver)
    club, roles = await _state(session, a)
    assert roles == {host.id: "host"} and club.member_count == 1
    jr = await session.get(JoinRequest, (b, leaver.id), populate_existing=True)
    await session.commit()
    assert jr is not None and jr.status == "withdrawn"
