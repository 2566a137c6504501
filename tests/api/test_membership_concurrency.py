"""Capacity holds under concurrent joins, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import make_club
from tests.factories import auth_headers, make_user
from withus.db import session_scope
from withus.errors import Conflict
from withus.models.club import Club, ClubMember
from withus.services import membership as membership_service


async def _members(session: AsyncSession, club_id: int) -> tuple[int, int]:
    club = await session.get(Club, club_id, populate_existing=True)
    assert club is not None
    n = (await session.exec(select(func.count()).select_from(ClubMember).where(ClubMember.club_id == club_id))).one()
    await session.commit()
    return club.member_count, int(n)


async def test_twenty_concurrent_joins_fill_five_places_exactly(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host, capacity=6)  # the host + 5 places
    joiners = [await make_user(session) for _ in range(20)]
    headers = [await auth_headers(u) for u in joiners]

    async def join(h: dict[str, str]) -> httpx.Response:
        return await client.post(f"/api/clubs/{club_id}/join", headers=h)

    responses = await asyncio.gather(*(join(h) for h in headers))
    outcomes = Counter(
        (r.status_code, r.json()["status"] if r.status_code == 200 else r.json()["code"]) for r in responses
    )
    assert outcomes == {(200, "member"): 5, (409, "club_full"): 15}
    assert await _members(session, club_id) == (6, 6)


async def test_concurrent_joins_over_separate_sessions_respect_capacity(session: AsyncSession) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host, capacity=6)
    joiners = [await make_user(session) for _ in range(20)]

    async def join(user: object) -> str:
        try:
            async with session_scope() as s:
                return await membership_service.do_join(s, club_id=club_id, user=user)  # type: ignore[arg-type]
        except Conflict as exc:
            return exc.code

    results = Counter(await asyncio.gather(*(join(u) for u in joiners)))
    assert results == {"member": 5, "club_full": 15}
    assert await _members(session, club_id) == (6, 6)


async def test_concurrent_leaves_and_joins_keep_the_counter_true(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host)
    stayers = [await make_user(session) for _ in range(6)]
    for u in stayers:
        assert (await client.post(f"/api/clubs/{club_id}/join", headers=await auth_headers(u))).status_code == 200
    newcomers = [await make_user(session) for _ in range(6)]
    calls = [client.post(f"/api/clubs/{club_id}/leave", headers=await auth_headers(u)) for u in stayers]
    calls += [client.post(f"/api/clubs/{club_id}/join", headers=await auth_headers(u)) for u in newcomers]
    responses = await asyncio.gather(*calls)
    assert sorted(r.status_code for r in responses) == [200] * 6 + [204] * 6
    assert await _members(session, club_id) == (7, 7)
