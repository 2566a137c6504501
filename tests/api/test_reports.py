"""Reports: once per reporter and target, only of what the reporter can see; the review queue
per role; decisions that hide (for readers only) or dismiss; counts that hide nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import World, add_comment, add_post, build_world
from tests.factories import auth_headers, make_user
from withus.models.report import Report


async def _report(
    client: httpx.AsyncClient, w: World, who: str, target_type: str, target_id: int | None, reason: str = "광고입니다"
) -> httpx.Response:
    body = {"target_type": target_type, "target_id": target_id, "reason": reason}
    return await client.post("/api/reports", json=body, headers=w.h(who))


async def _queue(client: httpx.AsyncClient, w: World, who: str, **params: Any) -> list[tuple[str, int]]:
    r = await client.get("/api/reports", params=params, headers=w.h(who))
    assert r.status_code == 200, r.text
    return [(i["target_type"], i["target_id"]) for i in r.json()["items"]]


# ---------------------------------------------------------------- reporting


async def test_report_is_created_with_the_club_resolved_on_the_server(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["author"])
    cases = [
        ("post", post.id, w.club.id),
        ("comment", comment.id, w.club.id),
        ("club", w.other.id, w.other.id),
        ("user", w.id("author"), None),
    ]
    for target_type, target_id, club_id in cases:
        body = {"target_type": target_type, "target_id": target_id, "reason": "사유", "club_id": 424242}
        r = await client.post("/api/reports", json=body, headers=w.h("member"))
        assert r.status_code == 201, r.text
        got = r.json()
        assert (got["target_type"], got["target_id"], got["club_id"], got["status"]) == (
            target_type,
            target_id,
            club_id,
            "open",
        )


async def test_second_report_of_the_same_target_is_409(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    assert (await _report(client, w, "member", "post", post.id)).status_code == 201
    r = await _report(client, w, "member", "post", post.id, reason="다른 사유")
    assert (r.status_code, r.json()["code"]) == (409, "already_reported")
    # Another reporter, or another target, is fine.
    assert (await _report(client, w, "host", "post", post.id)).status_code == 201
    assert (await _report(client, w, "member", "user", w.id("author"))).status_code == 201
    total = len((await session.exec(select(Report.id))).all())
    await session.commit()
    assert total == 3


async def test_target_must_exist_and_be_visible_to_the_reporter(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session, visibility="private")
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["author"])
    for target_type in ("user", "club", "post", "comment", "message"):
        r = await _report(client, w, "member", target_type, 999999)
        assert r.status_code == 404, target_type
        assert r.json()["code"] in ("target_not_found", "club_not_found", "post_not_found", "comment_not_found")
    # A private club's content is not visible to an outsider: they cannot report it.
    assert (await _report(client, w, "outsider", "post", post.id)).json()["code"] == "not_a_member"
    assert (await _report(client, w, "outsider", "comment", comment.id)).json()["code"] == "not_a_member"
    # Deleted content cannot be reported.
    await client.delete(f"/api/posts/{post.id}", headers=w.h("author"))
    assert (await _report(client, w, "member", "post", post.id)).status_code == 404
    # Nobody reports themselves.
    r = await _report(client, w, "member", "user", w.id("member"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "target_id"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "post", "target_id": 1}, "reason"),
        ({"target_type": "post", "target_id": 1, "reason": ""}, "reason"),
        ({"target_type": "post", "target_id": 1, "reason": "  "}, "reason"),
        ({"target_type": "post", "target_id": 1, "reason": "가" * 501}, "reason"),
        ({"target_type": "board", "target_id": 1, "reason": "사유"}, "target_type"),
        ({"target_type": "post", "target_id": "하나", "reason": "사유"}, "target_id"),
        ({"target_type": "post", "reason": "사유"}, "target_id"),
    ],
)
async def test_report_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    user = await make_user(session)
    r = await client.post("/api/reports", json=body, headers=await auth_headers(user))
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_reason_of_500_characters_is_accepted(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    assert (await _report(client, w, "member", "user", w.id("author"), reason="가" * 500)).status_code == 201


async def test_reporting_needs_a_login(client: httpx.AsyncClient, session: AsyncSession) -> None:
    r = await client.post("/api/reports", json={"target_type": "user", "target_id": 1, "reason": "x"})
    assert r.status_code == 401
    assert (await client.get("/api/reports")).status_code == 401


async def test_reports_hide_nothing_by_themselves(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["author"])
    reporters = [await make_user(session) for _ in range(6)]
    for u in reporters:
        h = await auth_headers(u)
        for target_type, target_id in (("post", post.id), ("comment", comment.id)):
            body = {"target_type": target_type, "target_id": target_id, "reason": "싫어요"}
            assert (await client.post("/api/reports", json=body, headers=h)).status_code == 201
    assert (await client.get(f"/api/posts/{post.id}")).status_code == 200
    assert len((await client.get(f"/api/posts/{post.id}/comments")).json()["items"]) == 1
    assert len((await client.get(f"/api/clubs/{w.club.id}/posts")).json()["items"]) == 1


async def test_reporting_too_often_is_429(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    targets = [await make_user(session) for _ in range(21)]
    for u in targets[:20]:
        assert (await _report(client, w, "member", "user", u.id)).status_code == 201
    r = await _report(client, w, "member", "user", targets[20].id)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


# ---------------------------------------------------------------- the queue


async def _fill_queue(client: httpx.AsyncClient, session: AsyncSession, w: World) -> dict[str, tuple[str, int]]:
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["author"])
    other_post = await add_post(session, w.other, w.people["other_host"])
    targets = {
        "post": ("post", post.id),
        "comment": ("comment", comment.id),
        "club": ("club", w.club.id),
        "user": ("user", w.id("author")),
        "other_post": ("post", other_post.id),
    }
    for target_type, target_id in targets.values():
        assert target_id is not None
        assert (await _report(client, w, "member", target_type, target_id)).status_code == 201
    return targets  # type: ignore[return-value]


async def test_review_queue_shows_each_role_what_it_reviews(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    t = await _fill_queue(client, session, w)
    newest_first = [t["other_post"], t["user"], t["club"], t["comment"], t["post"]]
    assert await _queue(client, w, "admin") == newest_first
    assert await _queue(client, w, "host") == [t["comment"], t["post"]]
    assert await _queue(client, w, "moderator") == [t["comment"], t["post"]]
    assert await _queue(client, w, "member") == []
    assert await _queue(client, w, "author") == []
    assert await _queue(client, w, "other_host") == [t["other_post"]]
    assert await _queue(client, w, "other_moderator") == [t["other_post"]]


async def test_queue_items_say_who_reported_and_what(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"], title="수상한 글")
    await _report(client, w, "member", "post", post.id, reason="광고")
    item = (await client.get("/api/reports", headers=w.h("host"))).json()["items"][0]
    assert item["reporter"]["nickname"] == "회원"
    assert item["reason"] == "광고"
    assert item["target_preview"] == "수상한 글" and item["target_link"] == f"/posts/{post.id}"
    assert item["decided_by"] is None and item["decided_at"] is None


async def test_queue_paginates_and_filters_by_status(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    t = await _fill_queue(client, session, w)
    first = (await client.get("/api/reports", params={"limit": 3}, headers=w.h("admin"))).json()
    second = (
        await client.get("/api/reports", params={"limit": 3, "cursor": first["next_cursor"]}, headers=w.h("admin"))
    ).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next_cursor"] is None
    report_id = first["items"][0]["id"]
    assert (await client.post(f"/api/reports/{report_id}/dismiss", headers=w.h("admin"))).status_code == 200
    assert await _queue(client, w, "admin", status="dismissed") == [t["other_post"]]
    assert len(await _queue(client, w, "admin")) == 4
    r = await client.get("/api/reports", params={"status": "closed"}, headers=w.h("admin"))
    assert r.status_code == 422


# ---------------------------------------------------------------- decisions


async def _report_id(session: AsyncSession, target_type: str, target_id: int) -> int:
    rid = (
        await session.exec(
            select(Report.id)
            .where(Report.target_type == target_type, Report.target_id == target_id)
            .order_by(col(Report.id))
        )
    ).first()
    await session.commit()
    assert rid is not None
    return rid


async def test_hiding_a_post_hides_it_from_readers_but_not_from_staff(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    await _report(client, w, "member", "post", post.id)
    await _report(client, w, "outsider", "post", post.id)
    rid = await _report_id(session, "post", post.id)

    r = await client.post(f"/api/reports/{rid}/hide", headers=w.h("moderator"))
    assert r.status_code == 200
    assert r.json()["status"] == "hidden" and r.json()["decided_by"]["id"] == w.id("moderator")
    # Every open report of that target is closed by the one decision.
    assert await _queue(client, w, "host") == []
    assert len(await _queue(client, w, "admin", status="hidden")) == 2

    for who in ("anonymous", "outsider", "member", "author"):
        r = await client.get(f"/api/posts/{post.id}", headers=w.h(who))
        assert (r.status_code, r.json()["code"]) == (404, "post_not_found"), who
        assert (await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h(who))).json()["items"] == []
    r = await client.patch(f"/api/posts/{post.id}", json={"title": "x"}, headers=w.h("author"))
    assert r.status_code == 404
    for who in ("host", "moderator", "admin"):
        r = await client.get(f"/api/posts/{post.id}", headers=w.h(who))
        assert r.status_code == 200 and r.json()["hidden"] is True
        items = (await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h(who))).json()["items"]
        assert [(p["id"], p["hidden"]) for p in items] == [(post.id, True)]


async def test_hiding_a_comment_hides_it_from_readers(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    lone = await add_comment(session, post, w.people["author"], body="나쁜 댓글")
    threaded = await add_comment(session, post, w.people["author"], body="답글 달린 나쁜 댓글")
    await add_comment(session, post, w.people["member"], parent=threaded, body="답글")
    for c in (lone, threaded):
        assert c.id is not None
        await _report(client, w, "member", "comment", c.id)
        rid = await _report_id(session, "comment", c.id)
        assert (await client.post(f"/api/reports/{rid}/hide", headers=w.h("host"))).status_code == 200

    items = (await client.get(f"/api/posts/{post.id}/comments", headers=w.h("member"))).json()["items"]
    assert [c["id"] for c in items] == [threaded.id]
    assert items[0]["hidden"] is True and items[0]["author"] is None and "답글 달린" not in items[0]["body"]
    assert [r["body"] for r in items[0]["replies"]] == ["답글"]
    assert (await client.get(f"/api/posts/{post.id}", headers=w.h("member"))).json()["comment_count"] == 1
    r = await client.patch(f"/api/comments/{lone.id}", json={"body": "x"}, headers=w.h("author"))
    assert r.status_code == 404

    staff = (await client.get(f"/api/posts/{post.id}/comments", headers=w.h("moderator"))).json()["items"]
    assert [(c["id"], c["hidden"], c["body"]) for c in staff] == [
        (lone.id, True, "나쁜 댓글"),
        (threaded.id, True, "답글 달린 나쁜 댓글"),
    ]


async def test_dismiss_changes_nothing_but_the_reports(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    assert post.id is not None
    await _report(client, w, "member", "post", post.id)
    rid = await _report_id(session, "post", post.id)
    r = await client.post(f"/api/reports/{rid}/dismiss", headers=w.h("host"))
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert (await client.get(f"/api/posts/{post.id}")).json()["hidden"] is False
    r = await client.post(f"/api/reports/{rid}/hide", headers=w.h("host"))
    assert (r.status_code, r.json()["code"]) == (409, "already_decided")


async def test_decisions_on_reports_the_caller_does_not_review_are_404(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    t = await _fill_queue(client, session, w)
    ids = {name: await _report_id(session, *target) for name, target in t.items()}
    cases = [
        ("member", "post"),
        ("other_host", "post"),  # staff of another club
        ("other_moderator", "comment"),
        ("host", "other_post"),
        ("host", "club"),  # the club itself: administrators only
        ("moderator", "user"),
    ]
    for who, name in cases:
        for decision in ("hide", "dismiss"):
            r = await client.post(f"/api/reports/{ids[name]}/{decision}", headers=w.h(who))
            assert (r.status_code, r.json()["code"]) == (404, "report_not_found"), (who, name, decision)
    assert (await client.post("/api/reports/999999/hide", headers=w.h("admin"))).status_code == 404
    assert (await client.get(f"/api/posts/{t['post'][1]}")).status_code == 200


async def test_administrators_decide_on_users_and_clubs(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    t = await _fill_queue(client, session, w)
    for name in ("user", "club"):
        rid = await _report_id(session, *t[name])
        r = await client.post(f"/api/reports/{rid}/hide", headers=w.h("admin"))
        assert r.status_code == 200 and r.json()["status"] == "hidden"
    # Recorded, nothing else: the club and its board are still there.
    assert (await client.get(f"/api/clubs/{w.club.id}/posts")).status_code == 200


async def test_two_decisions_at_once_on_one_target_settle_as_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    import asyncio

    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    assert post.id is not None
    first = (await _report(client, w, "member", "post", post.id)).json()["id"]
    second = (await _report(client, w, "outsider", "post", post.id)).json()["id"]
    hide, dismiss = await asyncio.gather(
        client.post(f"/api/reports/{first}/hide", headers=w.h("host")),
        client.post(f"/api/reports/{second}/dismiss", headers=w.h("moderator")),
    )
    outcomes = sorted([hide.status_code, dismiss.status_code])
    assert outcomes == [200, 409]
    loser = hide if hide.status_code == 409 else dismiss
    assert loser.json()["code"] == "already_decided"
    statuses = set((await session.exec(select(Report.status))).all())
    await session.commit()
    assert statuses == ({"hidden"} if hide.status_code == 200 else {"dismissed"})
    hidden = (await client.get(f"/api/posts/{post.id}", headers=w.h("member"))).status_code == 404
    assert hidden == (hide.status_code == 200)
