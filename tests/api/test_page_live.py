"""Open pages stay fresh: what the services publish after a commit for the pages that re-read
(withus.services.page_live) — a post's comments, a club's membership, a user's chat rooms."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import add_post, build_world
from withus.db import session_scope
from withus.kv import get_kv
from withus.services import chat_rooms as room_service


class Published:
    """What is published on the page channels while the block runs, as ``(channel, payload)``."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self.skipped: list[tuple[str, dict[str, Any]]] = []

    async def next(self, timeout: float = 5.0) -> tuple[str, dict[str, Any]]:
        return await asyncio.wait_for(self.queue.get(), timeout)

    async def until(self, channel: str, timeout: float = 5.0) -> dict[str, Any]:
        """The next payload on ``channel`` (others published meanwhile are kept in ``skipped``)."""
        while True:
            name, payload = await self.next(timeout)
            if name == channel:
                return payload
            self.skipped.append((name, payload))

    def drain(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        while not self.queue.empty():
            out.append(self.queue.get_nowait())
        return out


@asynccontextmanager
async def published() -> AsyncIterator[Published]:
    sub = await get_kv().subscribe(patterns=("post:*", "club:*", "chat:user:*"))
    out = Published()

    async def pump() -> None:
        async for channel, data in sub:
            out.queue.put_nowait((channel, json.loads(data)))

    task = asyncio.create_task(pump())
    await asyncio.sleep(0.05)
    try:
        yield out
    finally:
        task.cancel()
        await sub.close()


async def test_a_comment_a_reply_and_a_delete_say_the_post_changed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    channel = f"post:{post.id}"
    async with published() as bus:
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "첫 댓글"}, headers=w.h("member"))
        assert r.status_code == 201, r.text
        assert await bus.until(channel) == {"event": "changed", "post_id": post.id}
        comment_id = r.json()["id"]
        r = await client.post(
            f"/api/posts/{post.id}/comments", json={"body": "답글", "parent_id": comment_id}, headers=w.h("author")
        )
        assert r.status_code == 201, r.text
        assert (await bus.until(channel))["post_id"] == post.id
        r = await client.delete(f"/api/comments/{comment_id}", headers=w.h("member"))
        assert r.status_code == 204, r.text
        assert (await bus.until(channel))["post_id"] == post.id


async def test_a_refused_comment_publishes_nothing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    async with published() as bus:
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "밖에서"}, headers=w.h("outsider"))
        assert r.status_code == 403, r.text
        r = await client.patch(f"/api/posts/{post.id}", json={"title": "고친 제목"}, headers=w.h("author"))
        assert r.status_code == 200, r.text
        # the first thing on the post's channel is the edit: the refused comment sent nothing
        assert await bus.next() == (f"post:{post.id}", {"event": "changed", "post_id": post.id})


async def test_joining_says_the_club_changed_once_and_brings_its_room_to_the_chat_list(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    uid = w.id("outsider")
    async with published() as bus:
        r = await client.post(f"/api/clubs/{w.club.id}/join", json={}, headers=w.h("outsider"))
        assert r.status_code == 200, r.text
        rooms = await bus.until(f"chat:user:{uid}")
        assert rooms["event"] == "rooms_changed"
        room_id = (await client.get(f"/api/clubs/{w.club.id}", headers=w.h("outsider"))).json()["chat_room_id"]
        assert rooms["room_id"] == room_id
        await asyncio.sleep(0.2)
        club_events = [p for c, p in bus.skipped + bus.drain() if c == f"club:{w.club.id}"]
        # one per transaction, though the join locks the club and then counts the member
        assert club_events == [{"event": "changed", "club_id": w.club.id}]

        r = await client.post(f"/api/clubs/{w.club.id}/leave", headers=w.h("outsider"))
        assert r.status_code == 204, r.text
        assert await bus.until(f"chat:user:{uid}") == {"event": "rooms_changed", "room_id": room_id}


async def test_a_request_and_its_approval_each_say_the_club_changed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    w.club.join_policy = "approval"
    session.add(w.club)
    await session.commit()
    channel = f"club:{w.club.id}"
    async with published() as bus:
        r = await client.post(f"/api/clubs/{w.club.id}/join", json={"message": "안녕하세요"}, headers=w.h("outsider"))
        assert r.status_code == 200 and r.json()["status"] == "pending", r.text
        assert await bus.until(channel) == {"event": "changed", "club_id": w.club.id}
        r = await client.post(
            f"/api/clubs/{w.club.id}/join-requests/{w.id('outsider')}/approve", headers=w.h("moderator")
        )
        assert r.status_code == 200, r.text
        assert await bus.until(channel) == {"event": "changed", "club_id": w.club.id}
        assert (await bus.until(f"chat:user:{w.id('outsider')}"))["event"] == "rooms_changed"


async def test_the_chat_badge_counts_the_unread_messages_of_all_my_rooms(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    me, peer, member = w.id("outsider"), w.h("member"), w.h("outsider")

    async def total() -> int:
        async with session_scope() as s:
            return await room_service.unread_total(s, user_id=me)

    assert await total() == 0
    room = (await client.post("/api/chat/rooms", json={"user_id": me}, headers=peer)).json()
    for body in ("하나", "둘"):
        r = await client.post(f"/api/chat/rooms/{room['id']}/messages", json={"body": body}, headers=peer)
        assert r.status_code == 201, r.text
    r = await client.post(f"/api/clubs/{w.club.id}/join", json={}, headers=member)
    assert r.status_code == 200, r.text
    club_room = (await client.get(f"/api/clubs/{w.club.id}", headers=member)).json()["chat_room_id"]
    r = await client.post(f"/api/chat/rooms/{club_room}/messages", json={"body": "환영"}, headers=w.h("host"))
    assert r.status_code == 201, r.text
    rooms = (await client.get("/api/chat/rooms", headers=member)).json()["items"]
    assert await total() == sum(x["unread_count"] for x in rooms) == 3
    r = await client.post(f"/api/chat/rooms/{room['id']}/read", json={"seq": 1}, headers=member)
    assert r.status_code == 204, r.text
    assert await total() == 2
