"""Redis, then PostgreSQL, restarted under traffic (chat messages and notifications through
nginx): ``/api/health`` names the part that is down, every instance is healthy again within
5 seconds of it returning, nothing acknowledged is lost, and the live clients — STOMP and
SSE — resume, the gap filled by replay.

These are the deployment's own throwaway servers; the machine's PostgreSQL and Redis are
never touched."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from deploy.local import LocalDeployment
from tests.scaleout.clients import all_messages, rest
from tests.scaleout.conftest import Seeder
from tests.scaleout.traffic import ChatTraffic, CommentTraffic, RoomFollower, StreamFollower

RECOVERY = 5.0  # seconds: the bound, from the store's return to every instance healthy


async def _health(url: str) -> tuple[int, dict[str, Any]]:
    try:
        async with httpx.AsyncClient(timeout=4) as http:
            r = await http.get(f"{url}/api/health")
        return r.status_code, r.json()
    except httpx.HTTPError as exc:
        return 0, {"error": type(exc).__name__}


async def _until(predicate: Callable[[], Any], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def _restart_under_traffic(deployment: LocalDeployment, seeder: Seeder, part: str) -> None:
    data = seeder({"users": ["bob", "alice", "carol"], "club": {"host": "bob", "members": ["alice", "carol"]}})
    users, club = data["users"], data["club_id"]
    bob, alice, carol = users["bob"]["access_token"], users["alice"]["access_token"], users["carol"]["access_token"]
    room = data["club_room_id"]
    url = deployment.url
    post = await rest(url, bob, "POST", f"/api/clubs/{club}/posts", json={"title": "재시작", "body": "댓글 주세요"})

    follower = RoomFollower(url, url, bob, room)
    stream = StreamFollower(url, bob)
    chat = ChatTraffic(url, alice, room, prefix=part)
    comments = CommentTraffic(url, carol, post["id"], interval=0.8)
    await follower.start()
    await stream.start()
    chat.start()
    comments.start()
    try:
        assert await chat.wait_acked(3, timeout=20)
        store = deployment.redis if part == "redis" else deployment.postgres
        store.stop()
        # Each instance says which part is down (503), the other part still ok.
        key = "redis" if part == "redis" else "database"
        other = "database" if part == "redis" else "redis"
        for index in range(deployment.count):
            instance_url = deployment.instance(index).url

            async def reports_down(u: str = instance_url) -> bool:
                status, body = await _health(u)
                return status == 503 and body.get(key) == "error" and body.get(other) == "ok"

            assert await _until(reports_down, 15), await _health(instance_url)
        acked_during = len(chat.acked)
        await asyncio.sleep(2)  # traffic keeps coming while it is down

        store.start()
        returned = time.monotonic()
        for index in range(deployment.count):
            instance_url = deployment.instance(index).url

            async def healthy(u: str = instance_url) -> bool:
                return (await _health(u))[0] == 200

            left = RECOVERY - (time.monotonic() - returned)
            assert await _until(healthy, max(left, 0.1)), f"instance {index} not healthy {RECOVERY:.0f} s after"
        # Writes go through again (they failed while it was down), and the traffic carries on for a while.
        assert await chat.wait_acked(acked_during + 5, timeout=30)
        assert chat.failures > 0
        comments_before = len(comments.acked)
        await _until(lambda: _true_after(comments, comments_before + 2), 30)
    finally:
        await chat.stop()
        await comments.stop()

    try:
        # Nothing acknowledged is lost, nothing is stored twice.
        stored = await all_messages(url, bob, room)
        assert [m["client_msg_id"] for m in stored] == chat.acked
        assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
        notifications = await rest(url, bob, "GET", "/api/notifications", params={"limit": 100})
        comment_ids = {n["data"].get("comment_id") for n in notifications["items"] if n["type"] == "comment"}
        assert set(comments.acked) <= comment_ids

        # The STOMP follower got every message: live, or from REST after a reconnect — each seq once per connection.
        expected = {m["seq"] for m in stored}
        assert await _until(lambda: _true(follower.seen() >= expected), 30), sorted(expected - follower.seen())
        for frames in follower.live():
            seqs = [m["seq"] for m in frames]
            assert seqs == sorted(set(seqs))
        # The SSE follower got every notification once (replay after Last-Event-ID fills the gap).
        wanted = {n["id"] for n in notifications["items"]}
        assert await _until(lambda: _true(set(stream.ids()) >= wanted), 30), sorted(wanted - set(stream.ids()))
        assert len(stream.ids()) == len(set(stream.ids()))
    finally:
        await follower.stop()
        await stream.stop()


async def _true(value: bool) -> bool:
    return value


async def _true_after(traffic: CommentTraffic, count: int) -> bool:
    return len(traffic.acked) >= count


async def test_a_redis_restart_under_traffic_loses_nothing_and_clients_resume(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    await _restart_under_traffic(deployment, seeder, "redis")


async def test_a_postgres_restart_under_traffic_loses_nothing_and_clients_resume(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    await _restart_under_traffic(deployment, seeder, "postgres")
