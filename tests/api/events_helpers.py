"""Arranging events for the API tests: a club with a host, a moderator and members, and events
created through the API as a client would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.models.event_schemas import KST
from withus.models.user import User


@dataclass
class Club:
    id: int
    host: User
    headers: dict[int, dict[str, str]] = field(default_factory=dict)
    members: list[User] = field(default_factory=list)

    def h(self, user: User) -> dict[str, str]:
        assert user.id is not None
        return self.headers[user.id]


async def club_with_members(session: AsyncSession, n_members: int = 2, *, visibility: str = "public") -> Club:
    host = await make_user(session)
    club_id = await make_club(session, host=host, visibility=visibility)
    club = Club(club_id, host)
    club.headers[host.id] = await auth_headers(host)  # type: ignore[index]
    for _ in range(n_members):
        user = await make_user(session)
        await add_member(session, club_id=club_id, user=user)
        club.members.append(user)
        club.headers[user.id] = await auth_headers(user)  # type: ignore[index]
    return club


def at(days: float = 2, hour: int = 19) -> datetime:
    """A Korean time ``days`` from now at ``hour``:00."""
    base = (datetime.now(KST) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base


def event_body(starts: datetime | None = None, **extra: Any) -> dict[str, Any]:
    starts = starts or at()
    body: dict[str, Any] = {
        "title": "토요일 풋살",
        "description": "잠실에서 만나요",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "location": "잠실 풋살장",
    }
    body.update(extra)
    return body


async def create_event(client: httpx.AsyncClient, club: Club, **extra: Any) -> dict[str, Any]:
    starts = extra.pop("starts", None)
    r = await client.post(f"/api/clubs/{club.id}/events", json=event_body(starts, **extra), headers=club.h(club.host))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def rsvp(
    client: httpx.AsyncClient, event_id: int, headers: dict[str, str], response: str = "going"
) -> httpx.Response:
    return await client.put(f"/api/events/{event_id}/rsvp", json={"response": response}, headers=headers)


async def notification_types(session: AsyncSession, user_id: int | None) -> list[str]:
    """The types of a user's notifications, oldest first (ends the test session's transaction:
    on SQLite it holds the write lock)."""
    from sqlmodel import col, select

    from withus.models.notification import Notification

    rows = (
        await session.exec(
            select(Notification.type).where(Notification.user_id == user_id).order_by(col(Notification.id))
        )
    ).all()
    await session.commit()
    return list(rows)


async def notifications(session: AsyncSession, user_id: int | None, type: str) -> list[Any]:
    from sqlmodel import col, select

    from withus.models.notification import Notification

    stmt = select(Notification).where(Notification.user_id == user_id, Notification.type == type)
    rows = list((await session.exec(stmt.order_by(col(Notification.id)))).all())
    await session.commit()
    return rows
