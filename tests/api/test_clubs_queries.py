"""GET /api/clubs costs the same number of SQL statements whatever the page size (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.db import get_engine


@contextmanager
def count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def _before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", _before)


async def _seed(session: AsyncSession, n: int) -> None:
    hosts = [await make_user(session) for _ in range(3)]
    for i in range(n):
        club_id = await make_club(session, host=hosts[i % 3], category="GAME" if i % 2 else "FOOD")
        if i % 5 == 0:
            await add_member(session, club_id=club_id, user=hosts[(i + 1) % 3])


@pytest.mark.parametrize("params", [{}, {"category": "GAME"}, {"q": "모임"}])
async def test_club_list_query_count_does_not_grow_with_the_page(
    client: httpx.AsyncClient, session: AsyncSession, params: dict[str, str]
) -> None:
    await _seed(session, 60)
    counts = {}
    for limit in (5, 50):
        with count_statements() as statements:
            r = await client.get("/api/clubs", params={**params, "limit": limit})
        assert r.status_code == 200
        assert len(r.json()["items"]) == (limit if not params.get("category") else min(limit, 30))
        counts[limit] = len(statements)
    assert counts[5] == counts[50]
    assert 1 <= counts[5] <= 3  # (BEGIN on SQLite,) the page itself — nothing per club


async def test_my_clubs_query_count_does_not_grow_with_the_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    me = await make_user(session)
    others = [await make_user(session) for _ in range(2)]
    for i in range(30):
        club_id = await make_club(session, host=others[i % 2])
        await add_member(session, club_id=club_id, user=me)
    headers = await auth_headers(me)
    counts = {}
    for limit in (5, 25):
        with count_statements() as statements:
            r = await client.get("/api/users/me/clubs", params={"limit": limit}, headers=headers)
        assert len(r.json()["items"]) == limit
        counts[limit] = len(statements)
    assert counts[5] == counts[25]
    assert counts[5] >= 1


async def test_members_query_count_does_not_grow_with_the_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host)
    for _ in range(25):
        await add_member(session, club_id=club_id, user=await make_user(session))
    counts = {}
    for limit in (5, 25):
        with count_statements() as statements:
            r = await client.get(f"/api/clubs/{club_id}/members", params={"limit": limit})
        assert len(r.json()["items"]) == limit
        counts[limit] = len(statements)
    assert counts[5] == counts[25]
    assert counts[5] >= 1
