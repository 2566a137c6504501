"""Test data for clubs: a club with its host, members of each role, bans; and a
collector of what is published on the ``notify:*`` channels.

    from tests.club_factories import make_club, add_member, NotifyCollector

``make_club`` and ``add_member`` commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.kv import get_kv
from withus.models.club import ClubBan, ClubCreate, ClubMember
from withus.models.user import User
from withus.services import clubs as club_service
from withus.services import hooks, rate_limit
from withus.services import notifications as notification_service

_counter = itertools.count(1)


async def make_club(
    session: AsyncSession,
    *,
    host: User,
    name: str | None = None,
    description: str = "같이 즐겨요",
    category: str = "SPORTS",
    join_policy: str = "open",
    visibility: str = "public",
    capacity: int | None = None,
    recruit_from: datetime | None = None,
    recruit_until: datetime | None = None,
    location: str | None = None,
) -> int:
    """Create and commit a club hosted by ``host``; returns its id."""
    data = ClubCreate(
        name=name or f"테스트 모임 {next(_counter)}",
        description=description,
        category=category,  # type: ignore[arg-type]
        join_policy=join_policy,  # type: ignore[arg-type]
        visibility=visibility,  # type: ignore[arg-type]
        capacity=capacity,
        recruit_from=recruit_from,
        recruit_until=recruit_until,
        location=location,
    )
    hooks.install()  # seeds outside the stack fixture (browser, scale-out) make clubs as the app does
    club = await club_service.do_create_club(session, user=host, data=data)
    await session.commit()
    await rate_limit.reset("club_create", str(host.id))  # arranging data is not a user creating too fast
    assert club.id is not None
    return club.id


async def add_member(session: AsyncSession, *, club_id: int, user: User, role: str = "member") -> None:
    """Make ``user`` a member (any role but host) without the join rules; commits."""
    from withus.services import membership

    club = await club_service.lock_club(session, club_id=club_id)
    assert user.id is not None
    await membership.add_member(session, club=club, user_id=user.id, role=role)
    await session.commit()


async def ban(session: AsyncSession, *, club_id: int, user: User) -> None:
    assert user.id is not None
    session.add(ClubBan(club_id=club_id, user_id=user.id))
    await session.commit()


async def role_of(session: AsyncSession, *, club_id: int, user: User) -> str | None:
    assert user.id is not None
    m = await session.get(ClubMember, (club_id, user.id), populate_existing=True)
    role = m.role if m is not None else None
    await session.commit()  # end the read: SQLite's BEGIN IMMEDIATE would block the API's writes
    return role


class NotifyCollector:
    """Everything published on ``notify:*`` between ``start()`` and ``stop()``.

    A marker is published and awaited after subscribing (so the subscription is live) and
    again at ``stop()`` (so everything published before it has arrived): an empty result
    really means nothing was published.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[int, dict[str, Any]]] = []
        self._sub: Any = None
        self._task: asyncio.Task[None] | None = None
        self._marks: dict[str, asyncio.Event] = {}

    async def start(self) -> NotifyCollector:
        self._sub = await get_kv().subscribe(patterns=("notify:*",))
        self._task = asyncio.create_task(self._read())
        await self._mark("start")
        return self

    async def _read(self) -> None:
        async for channel, data in self._sub:
            suffix = channel.split("notify:", 1)[1]
            if suffix.startswith("marker-"):
                self._marks.setdefault(suffix, asyncio.Event()).set()
                continue
            # as a Korean reader gets it (an edge renders the stored messages, see for_reader)
            self.messages.append((int(suffix), json.loads(notification_service.for_reader(data, "ko"))))

    async def _mark(self, name: str) -> None:
        key = f"marker-{name}-{next(_counter)}"
        event = self._marks.setdefault(key, asyncio.Event())
        for _ in range(50):
            await get_kv().publish(f"notify:{key}", "x")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), 0.1)
                return
        raise AssertionError("the notify:* subscription never received its marker")

    async def stop(self) -> list[tuple[int, dict[str, Any]]]:
        await self._mark("stop")
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._sub.close()
        return self.messages

    def of_type(self, type_: str) -> list[tuple[int, dict[str, Any]]]:
        return [(uid, n) for uid, n in self.messages if n["type"] == type_]
