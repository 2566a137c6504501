"""Arranging boards for the board and report tests: a club with one person per role.

No tests here; the board and report test modules import these helpers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth_headers, make_user
from withus.kv import get_kv
from withus.models.base import utcnow
from withus.models.club import Club, ClubBan, ClubMember
from withus.models.comment import Comment
from withus.models.post import Post
from withus.models.user import User

ROLES = ("anonymous", "outsider", "member", "author", "moderator", "host", "banned", "admin")


@dataclass
class World:
    """One club (``club``) with a person in each role, and a second club (``other``) with its own staff."""

    club: Club
    other: Club
    people: dict[str, User]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def h(self, role: str) -> dict[str, str]:
        return self.headers.get(role, {})

    def id(self, role: str) -> int:
        uid = self.people[role].id
        assert uid is not None
        return uid


async def make_club(session: AsyncSession, *, host: User, visibility: str = "public", name: str = "풋살 모임") -> Club:
    assert host.id is not None
    now = utcnow()
    club = Club(
        name=name,
        description="토요일 아침 풋살",
        category="SPORTS",
        join_policy="open",
        visibility=visibility,
        host_id=host.id,
        member_count=1,
        created_at=now,
        updated_at=now,
    )
    session.add(club)
    await session.flush()
    assert club.id is not None
    session.add(ClubMember(club_id=club.id, user_id=host.id, role="host"))
    await session.commit()
    return club


async def add_member(session: AsyncSession, club: Club, user: User, role: str = "member") -> None:
    assert club.id is not None and user.id is not None
    session.add(ClubMember(club_id=club.id, user_id=user.id, role=role))
    club.member_count += 1
    session.add(club)
    await session.commit()


async def ban(session: AsyncSession, club: Club, user: User) -> None:
    assert club.id is not None and user.id is not None
    session.add(ClubBan(club_id=club.id, user_id=user.id))
    await session.commit()


async def build_world(session: AsyncSession, *, visibility: str = "public") -> World:
    people = {
        "host": await make_user(session, nickname="모임장"),
        "moderator": await make_user(session, nickname="운영진"),
        "member": await make_user(session, nickname="회원"),
        "author": await make_user(session, nickname="글쓴이"),
        "outsider": await make_user(session, nickname="외부인"),
        "banned": await make_user(session, nickname="강퇴회원"),
        "admin": await make_user(session, nickname="관리자", is_admin=True),
        "other_host": await make_user(session, nickname="옆모임장"),
        "other_moderator": await make_user(session, nickname="옆운영진"),
    }
    club = await make_club(session, host=people["host"], visibility=visibility)
    await add_member(session, club, people["moderator"], "moderator")
    await add_member(session, club, people["member"])
    await add_member(session, club, people["author"])
    await ban(session, club, people["banned"])
    other = await make_club(session, host=people["other_host"], visibility=visibility, name="옆 모임")
    await add_member(session, other, people["other_moderator"], "moderator")
    world = World(club=club, other=other, people=people)
    for role, user in people.items():
        world.headers[role] = await auth_headers(user)
    return world


async def add_post(
    session: AsyncSession, club: Club, author: User, *, kind: str = "board", title: str = "제목", body: str = "본문"
) -> Post:
    assert club.id is not None and author.id is not None
    post = Post(club_id=club.id, author_id=author.id, kind=kind, title=title, body=body)
    session.add(post)
    await session.commit()
    return post


async def add_comment(
    session: AsyncSession, post: Post, author: User, *, parent: Comment | None = None, body: str = "댓글"
) -> Comment:
    assert post.id is not None and author.id is not None
    comment = Comment(post_id=post.id, author_id=author.id, parent_id=parent.id if parent else None, body=body)
    session.add(comment)
    post.comment_count += 1
    session.add(post)
    await session.commit()
    return comment


class Notifications:
    """What is published on ``notify:*`` while the block runs, as ``(user_id, payload)``."""

    def __init__(self) -> None:
        self.received: list[tuple[int, dict[str, Any]]] = []
        self._queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()

    async def next(self, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
        item = await asyncio.wait_for(self._queue.get(), timeout)
        self.received.append(item)
        return item

    async def take(self, n: int, timeout: float = 5.0) -> list[tuple[int, dict[str, Any]]]:
        return [await self.next(timeout) for _ in range(n)]


@asynccontextmanager
async def listen_notifications() -> AsyncIterator[Notifications]:
    sub = await get_kv().subscribe(patterns=("notify:*",))
    out = Notifications()

    async def pump() -> None:
        async for channel, data in sub:
            out._queue.put_nowait((int(channel.rsplit(":", 1)[1]), json.loads(data)))

    task = asyncio.create_task(pump())
    await asyncio.sleep(0)  # let the subscription start before the test acts
    try:
        yield out
    finally:
        task.cancel()
        await sub.close()
