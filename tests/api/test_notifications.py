"""Notifications: stored per user, published on notify:{user_id} only after commit,
listed newest first, read / read-all / delete of one's own only."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import NotifyCollector, add_member, make_club
from tests.factories import auth_headers, make_user
from withus.db import session_scope
from withus.errors import Conflict
from withus.models.notification import Notification
from withus.models.user import User
from withus.services import membership as membership_service
from withus.services import notifications as notification_service


async def _notify(user: User, n: int = 1, type_: str = "join_approved") -> list[int]:
    assert user.id is not None
    ids = []
    async with session_scope() as s:
        for i in range(n):
            note = await notification_service.notify(
                s, user_id=user.id, type=type_, title=f"알림 {i}", body="본문", link="/clubs/1", data={"i": i}
            )
            ids.append(note.id)
    return ids  # type: ignore[return-value]


async def test_notify_publishes_the_stored_json_after_commit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    events = await NotifyCollector().start()
    [nid] = await _notify(user)
    published = await events.stop()
    listed = (await client.get("/api/notifications", headers=await auth_headers(user))).json()["items"]
    assert published == [(user.id, listed[0])]
    assert listed[0] == {
        "id": nid,
        "type": "join_approved",
        "title": "알림 0",
        "body": "본문",
        "link": "/clubs/1",
        "read": False,
        "created_at": listed[0]["created_at"],
        "data": {"i": 0},
    }


async def test_nothing_is_published_or_stored_when_the_transaction_fails(session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    events = await NotifyCollector().start()
    with pytest.raises(RuntimeError):
        async with session_scope() as s:
            assert await membership_service.do_join(s, club_id=club_id, user=joiner) == "pending"
            raise RuntimeError("something later in the same unit of work fails")
    assert await events.stop() == []
    assert (await session.exec(select(Notification))).all() == []
    await session.commit()


async def test_a_refused_action_publishes_nothing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host, a, b = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval", capacity=2)
    await client.post(f"/api/clubs/{club_id}/join", headers=await auth_headers(a))
    await client.post(f"/api/clubs/{club_id}/join", headers=await auth_headers(b))
    h = await auth_headers(host)
    await client.post(f"/api/clubs/{club_id}/join-requests/{a.id}/approve", headers=h)
    events = await NotifyCollector().start()
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{b.id}/approve", headers=h)
    assert r.status_code == 409
    assert await events.stop() == []


async def test_service_errors_roll_back_the_notification_of_a_failed_request(session: AsyncSession) -> None:
    host, joiner = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, join_policy="approval")
    async with session_scope() as s:
        await membership_service.do_join(s, club_id=club_id, user=joiner)
    events = await NotifyCollector().start()
    with pytest.raises(Conflict):
        async with session_scope() as s:
            await membership_service.do_join(s, club_id=club_id, user=joiner)
    assert await events.stop() == []


async def test_notify_club_members_reaches_every_member_but_the_author(session: AsyncSession) -> None:
    host, a, b = await make_user(session), await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=a)
    await add_member(session, club_id=club_id, user=b)
    events = await NotifyCollector().start()
    async with session_scope() as s:
        n = await notification_service.notify_club_members(
            s,
            club_id=club_id,
            type="notice",
            title="공지",
            link="/posts/1",
            data={"post_id": 1},
            exclude_user_id=host.id,
        )
    assert n == 2
    published = await events.stop()
    assert sorted(uid for uid, _ in published) == sorted([a.id, b.id])
    stored = (await session.exec(select(Notification).order_by(Notification.user_id))).all()
    await session.commit()
    assert [(x.user_id, x.type, x.data) for x in stored] == [
        (a.id, "notice", {"post_id": 1}),
        (b.id, "notice", {"post_id": 1}),
    ]
    assert {p["id"] for _, p in published} == {x.id for x in stored}


async def test_list_is_newest_first_with_pages_and_unread_filter(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    ids = await _notify(user, 5)
    h = await auth_headers(user)
    first = (await client.get("/api/notifications", params={"limit": 2}, headers=h)).json()
    assert [n["id"] for n in first["items"]] == [ids[4], ids[3]]
    second = (
        await client.get("/api/notifications", params={"limit": 2, "cursor": first["next_cursor"]}, headers=h)
    ).json()
    assert [n["id"] for n in second["items"]] == [ids[2], ids[1]]
    assert (await client.post(f"/api/notifications/{ids[4]}/read", headers=h)).status_code == 204
    assert (await client.post(f"/api/notifications/{ids[4]}/read", headers=h)).status_code == 204  # idempotent
    unread = (await client.get("/api/notifications", params={"unread": "true"}, headers=h)).json()["items"]
    assert [n["id"] for n in unread] == [ids[3], ids[2], ids[1], ids[0]]
    assert (await client.get("/api/notifications/unread-count", headers=h)).json() == {"count": 4}
    everything = (await client.get("/api/notifications", headers=h)).json()["items"]
    assert [n["read"] for n in everything] == [True, False, False, False, False]


async def test_read_all_and_delete(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    ids = await _notify(user, 3)
    h = await auth_headers(user)
    r = await client.post("/api/notifications/read-all", headers=h)
    assert r.status_code == 204 and r.content == b""
    assert (await client.get("/api/notifications/unread-count", headers=h)).json() == {"count": 0}
    r = await client.delete(f"/api/notifications/{ids[1]}", headers=h)
    assert r.status_code == 204
    assert [n["id"] for n in (await client.get("/api/notifications", headers=h)).json()["items"]] == [ids[2], ids[0]]
    assert (await client.delete(f"/api/notifications/{ids[1]}", headers=h)).status_code == 404


async def test_someone_elses_notification_is_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    owner, other = await make_user(session), await make_user(session)
    [nid] = await _notify(owner)
    h = await auth_headers(other)
    for r in (
        await client.post(f"/api/notifications/{nid}/read", headers=h),
        await client.delete(f"/api/notifications/{nid}", headers=h),
    ):
        assert r.status_code == 404 and r.json()["code"] == "notification_not_found"
    assert (await client.get("/api/notifications", headers=h)).json()["items"] == []
    # Untouched for its owner; read-all of someone else changes nothing of mine.
    await client.post("/api/notifications/read-all", headers=h)
    mine = (await client.get("/api/notifications", headers=await auth_headers(owner))).json()["items"]
    assert [(n["id"], n["read"]) for n in mine] == [(nid, False)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/notifications"),
        ("GET", "/api/notifications/unread-count"),
        ("POST", "/api/notifications/1/read"),
        ("POST", "/api/notifications/read-all"),
        ("DELETE", "/api/notifications/1"),
    ],
)
async def test_notifications_need_login(client: httpx.AsyncClient, stack: object, method: str, path: str) -> None:
    r = await client.request(method, path)
    assert r.status_code == 401


async def test_list_since_replays_after_an_id(session: AsyncSession) -> None:
    user = await make_user(session)
    ids = await _notify(user, 4)
    assert user.id is not None
    replay = await notification_service.list_since(session, user_id=user.id, after_id=ids[1])
    await session.commit()
    assert [n.id for n in replay] == ids[2:]


async def test_unknown_type_is_refused(session: AsyncSession) -> None:
    user = await make_user(session)
    assert user.id is not None
    with pytest.raises(ValueError, match="unknown notification type"):
        await notification_service.notify(session, user_id=user.id, type="party", title="x")
    await session.rollback()
