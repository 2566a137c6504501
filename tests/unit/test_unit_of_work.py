"""The unit of work of an API request (``api.deps.UnitOfWorkRoute``): opened on first use,
committed before the response is sent, rolled back on an exception, read-only for GET."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api import problems
from api.deps import SessionDep, UnitOfWorkRoute
from tests.factories import cheap_hash
from withus.db import after_commit
from withus.errors import Conflict
from withus.models.user import User

events: list[str] = []


def _user(name: str) -> User:
    return User(username=name, nickname=name, email=f"{name}@example.com", password_hash=cheap_hash("x" * 12))


@pytest.fixture
async def uow_client(stack: object) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    problems.install(app)
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.post("/users/{name}")
    async def create(name: str, session: SessionDep, fail: bool = False) -> dict[str, object]:
        session.add(_user(name))
        await session.flush()

        async def published() -> None:
            events.append(name)

        after_commit(session, published)
        if fail:
            raise Conflict("no", code="no")
        return {"ok": True}

    @router.get("/users/{name}")
    async def read(name: str, session: SessionDep) -> dict[str, object]:
        found = (await session.exec(select(User.id).where(col(User.username) == name))).first()
        return {"found": found is not None}

    @router.get("/write-in-a-read")
    async def write_in_a_read(session: SessionDep) -> dict[str, object]:
        session.add(_user("sneaky"))
        await session.flush()
        return {}

    @router.get("/no-database")
    async def no_database(request: Request) -> dict[str, object]:
        return {"opened": request.scope["withus.unit_of_work"]._session is not None}

    app.include_router(router)
    events.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_committed_before_the_response_then_hooks_run(uow_client: httpx.AsyncClient) -> None:
    assert (await uow_client.post("/users/kim")).status_code == 200
    assert events == ["kim"]
    assert (await uow_client.get("/users/kim")).json() == {"found": True}


async def test_an_error_rolls_back_and_drops_the_hooks(uow_client: httpx.AsyncClient, session: AsyncSession) -> None:
    r = await uow_client.post("/users/lee", params={"fail": "true"})
    assert r.status_code == 409
    assert events == []
    assert (await uow_client.get("/users/lee")).json() == {"found": False}
    assert (await session.exec(select(User).where(col(User.username) == "lee"))).first() is None


async def test_a_get_cannot_write(uow_client: httpx.AsyncClient) -> None:
    from withus.db import ReadOnlyViolation

    with pytest.raises(ReadOnlyViolation):
        await uow_client.get("/write-in-a-read")
    assert (await uow_client.get("/users/sneaky")).json() == {"found": False}


async def test_the_session_is_opened_only_when_asked_for(uow_client: httpx.AsyncClient) -> None:
    assert (await uow_client.get("/no-database")).json() == {"opened": False}


async def test_a_router_without_the_route_class_fails_loudly(stack: object) -> None:
    app = FastAPI()

    @app.get("/x")
    async def x(session: SessionDep) -> None:
        return None

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        with pytest.raises(RuntimeError, match="UnitOfWorkRoute"):
            await c.get("/x")
