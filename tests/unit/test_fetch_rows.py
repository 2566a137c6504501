"""``withus.db.fetch_rows``: prebuilt SELECTs of a read unit of work run on asyncpg itself on
PostgreSQL, with SQLAlchemy's results and SQLAlchemy's errors; through SQLAlchemy everywhere else."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import Float, Integer, String, bindparam, func, literal_column, select, text
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import make_club
from tests.conftest import Stack
from tests.factories import make_user
from withus.db import _driver_form, fetch_rows, get_engine, read_scope, session_scope
from withus.models.club import Club
from withus.services import club_listing
from withus.services import clubs as club_service
from withus.services import posts as post_service

_clubs = Club.__table__  # type: ignore[attr-defined]
_by_category = (
    select(_clubs.c.id, _clubs.c.name, _clubs.c.created_at, _clubs.c.closed_at)
    .where(_clubs.c.category == bindparam("category"))
    .order_by(_clubs.c.id)
    .limit(bindparam("limit"))
)


def _from_asyncpg(rows: object) -> bool:
    return type(rows).__name__ == "list" and all(type(r).__module__.startswith("asyncpg") for r in rows)  # type: ignore[attr-defined]


async def test_rows_are_the_same_on_either_path(stack: Stack, session: AsyncSession) -> None:
    host = await make_user(session)
    for category in ("GAME", "FOOD", "GAME"):
        await make_club(session, host=host, category=category)
    params = {"category": "GAME", "limit": 10}
    async with read_scope() as s:
        rows = await fetch_rows(s, _by_category, params)
        assert _from_asyncpg(rows) == (stack.name == "pg")  # the driver's own rows only on PostgreSQL
    async with session_scope() as s:  # a transaction: always SQLAlchemy
        expected = await fetch_rows(s, _by_category, params)
        assert not _from_asyncpg(expected)
    assert [tuple(r) for r in rows] == [tuple(r) for r in expected] and len(rows) == 2
    (club_id, _name, created_at, closed_at) = rows[0]
    assert created_at.tzinfo is not None or stack.name != "pg"
    assert closed_at is None and isinstance(club_id, int)


async def test_statements_that_sqlalchemy_must_run() -> None:
    dialect = asyncpg_dialect()
    assert _driver_form(_by_category, dialect) is not None
    # rendered into the SQL per execution (the club keyword search), quoted as SQLAlchemy quotes it
    keyword = select(_clubs.c.id).where(_clubs.c.name.like(bindparam("q", type_=String(), literal_execute=True)))
    form = _driver_form(keyword, dialect)
    assert form is not None
    sql, args = form.render({"q": "%it's \\ 50%%_x%"})
    assert "LIKE '%it''s \\ 50%%_x%'" in sql and "POSTCOMPILE" not in sql and args == []
    # an expanding list
    assert _driver_form(select(_clubs.c.id).where(_clubs.c.id.in_(bindparam("ids", expanding=True))), dialect) is None
    # a value bound in the statement itself
    assert _driver_form(select(_clubs.c.id).where(_clubs.c.id == 5), dialect) is None
    # the page statements of the lists go the fast way
    assert _driver_form(
        club_listing._club_list_statement(with_category=True, with_query=False, with_cursor=True), dialect
    )
    assert _driver_form(club_service._read_access_statement(reader=True), dialect)
    for reader, with_kind, with_cursor in itertools.product((False, True), repeat=3):
        shape = post_service._board_page_statement(reader=reader, with_kind=with_kind, with_cursor=with_cursor)
        assert _driver_form(shape, dialect), (reader, with_kind, with_cursor)


async def test_a_dead_connection_is_sqlalchemys_error_then_recovers(stack: Stack) -> None:
    if stack.name != "pg":
        pytest.skip("PostgreSQL only")
    pid_statement = select(literal_column("pg_backend_pid()", Integer))
    async with read_scope() as s:
        [(pid,)] = await fetch_rows(s, pid_statement, {})
        async with get_engine().connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as caught:
            await fetch_rows(s, pid_statement, {})
        assert caught.value.connection_invalidated  # what the API answers with 503
    async with read_scope() as s:
        [(new_pid,)] = await fetch_rows(s, pid_statement, {})
    assert new_pid != pid


async def test_a_cancelled_statement_takes_its_connection_out_of_the_pool(stack: Stack) -> None:
    if stack.name != "pg":
        pytest.skip("PostgreSQL only")
    sleep = select(func.pg_sleep(bindparam("seconds", type_=Float)).label("slept"))
    pid_statement = select(literal_column("pg_backend_pid()", Integer))
    pids: list[int] = []

    async def slow() -> None:
        async with read_scope() as s:
            [(pid,)] = await fetch_rows(s, pid_statement, {})
            pids.append(pid)
            await fetch_rows(s, sleep, {"seconds": 5.0})

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(slow(), 0.3)
    # The cancelled connection was terminated, not put back in the pool for the next request.
    for _ in range(3):
        async with read_scope() as s:
            [(pid,)] = await fetch_rows(s, pid_statement, {})
            assert pid != pids[0]


async def test_the_caller_is_loaded_as_the_orm_would(stack: Stack, session: AsyncSession) -> None:
    from sqlalchemy import inspect as sa_inspect

    from withus.models.user import User
    from withus.services import users as user_service

    me = await make_user(session, tags=["풋살", "보드게임"])
    assert me.id is not None
    async with session_scope() as s:
        expected = await s.get(User, me.id)
        assert expected is not None
        expected_values = expected.model_dump()
    for scope in (read_scope, session_scope):
        async with scope() as s:
            user = await user_service.get_caller(s, user_id=me.id)
            assert user is not None and user.model_dump() == expected_values
            state = sa_inspect(user)
            assert state.persistent and not s.dirty  # as if loaded: in the session, unchanged
            assert await s.get(User, me.id) is user  # the identity map holds it
            assert await user_service.get_caller(s, user_id=me.id) is user
            assert await user_service.get_caller(s, user_id=me.id + 1000) is None
    async with session_scope() as s:  # already in the session but expired: loaded again, as session.get does
        user = await user_service.get_caller(s, user_id=me.id)
        s.expire(user)
        assert await user_service.get_caller(s, user_id=me.id) is user and user.nickname == me.nickname
    async with session_scope() as s:  # a change to it is written like any other
        user = await user_service.get_caller(s, user_id=me.id)
        assert user is not None
        user.introduction = "안녕하세요"
    async with read_scope() as s:
        again = await user_service.get_caller(s, user_id=me.id)
        assert again is not None and again.introduction == "안녕하세요" and again.tags == ["풋살", "보드게임"]
