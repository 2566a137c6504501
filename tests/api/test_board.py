"""The board: order and pagination, replies, soft deletion, validation, blocked and deleted authors,
rate limits, notifications after commit, and a constant number of queries per page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import (
    World,
    add_comment,
    add_member,
    add_post,
    build_world,
    listen_notifications,
)
from tests.factories import auth_headers, make_user
from withus.db import get_engine
from withus.models.base import utcnow
from withus.models.notification import Notification
from withus.models.post import Post


async def _write(client: httpx.AsyncClient, w: World, who: str, **body: Any) -> dict[str, Any]:
    body.setdefault("body", "본문")
    r = await client.post(f"/api/clubs/{w.club.id}/posts", json=body, headers=w.h(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


# ---------------------------------------------------------------- order and pagination


async def test_notices_are_pinned_on_top_then_newest_first(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    b1 = await _write(client, w, "member", title="일반 1")
    n1 = await _write(client, w, "host", title="공지 1", kind="notice")
    b2 = await _write(client, w, "author", title="일반 2")
    n2 = await _write(client, w, "moderator", title="공지 2", kind="notice")
    b3 = await _write(client, w, "member", title="일반 3")
    expected = [n2["id"], n1["id"], b3["id"], b2["id"], b1["id"]]

    page = (await client.get(f"/api/clubs/{w.club.id}/posts")).json()
    assert [p["id"] for p in page["items"]] == expected
    assert [p["pinned"] for p in page["items"]] == [True, True, False, False, False]
    assert page["next_cursor"] is None

    walked, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"/api/clubs/{w.club.id}/posts", params=params)).json()
        walked += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == expected

    boards = (await client.get(f"/api/clubs/{w.club.id}/posts", params={"kind": "board"})).json()["items"]
    assert [p["id"] for p in boards] == [b3["id"], b2["id"], b1["id"]]
    notices = (await client.get(f"/api/clubs/{w.club.id}/posts", params={"kind": "notice"})).json()["items"]
    assert [p["id"] for p in notices] == [n2["id"], n1["id"]]


async def test_list_shows_author_time_and_comment_count(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await _write(client, w, "author", title="제목")
    for who in ("member", "host"):
        r = await client.post(f"/api/posts/{post['id']}/comments", json={"body": "와"}, headers=w.h(who))
        assert r.status_code == 201
    item = (await client.get(f"/api/clubs/{w.club.id}/posts")).json()["items"][0]
    assert item["author"] == {"id": w.id("author"), "nickname": "글쓴이", "avatar_url": "/default-avatar.svg"}
    assert item["comment_count"] == 2
    assert item["created_at"].endswith("+00:00") or item["created_at"].endswith("Z")
    assert item["updated_at"] is None


async def test_bad_cursor_and_kind_are_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    r = await client.get(f"/api/clubs/{w.club.id}/posts", params={"cursor": "%%%not-a-cursor"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    r = await client.get(f"/api/clubs/{w.club.id}/posts", params={"kind": "event"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    for limit in (0, 101):
        r = await client.get(f"/api/clubs/{w.club.id}/posts", params={"limit": limit})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"


async def test_openapi_documents_the_board_and_report_endpoints(client: httpx.AsyncClient, stack: object) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    expected = {
        "/api/clubs/{club_id}/posts": {"get": "200", "post": "201"},
        "/api/posts/{post_id}": {"get": "200", "patch": "200", "delete": "204"},
        "/api/posts/{post_id}/comments": {"get": "200", "post": "201"},
        "/api/comments/{comment_id}": {"patch": "200", "delete": "204"},
        "/api/reports": {"get": "200", "post": "201"},
        "/api/reports/{report_id}/hide": {"post": "200"},
        "/api/reports/{report_id}/dismiss": {"post": "200"},
    }
    for path, methods in expected.items():
        for method, ok in methods.items():
            responses = doc["paths"][path][method]["responses"]
            assert ok in responses, (path, method)
            errors = [code for code in responses if code.startswith("4")]
            assert errors and all("application/problem+json" in responses[c]["content"] for c in errors)
    post = doc["components"]["schemas"]["PostPublic"]["properties"]
    assert {"author_blocked", "pinned", "comment_count", "hidden", "can_edit", "can_delete"} <= set(post)
    assert "replies" in doc["components"]["schemas"]["CommentPublic"]["properties"]


async def test_unknown_club_and_post_are_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    assert (await client.get("/api/clubs/999999/posts")).json()["code"] == "club_not_found"
    r = await client.get("/api/posts/999999", headers=w.h("member"))
    assert (r.status_code, r.json()["code"]) == (404, "post_not_found")
    r = await client.post("/api/posts/999999/comments", json={"body": "x"}, headers=w.h("member"))
    assert (r.status_code, r.json()["code"]) == (404, "post_not_found")


# ---------------------------------------------------------------- replies


async def test_replies_are_one_level_deep_and_nested_under_their_parent(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    url = f"/api/posts/{post.id}/comments"
    first = (await client.post(url, json={"body": "첫 댓글"}, headers=w.h("member"))).json()
    second = (await client.post(url, json={"body": "둘째 댓글"}, headers=w.h("host"))).json()
    reply = (await client.post(url, json={"body": "답글", "parent_id": first["id"]}, headers=w.h("author"))).json()
    r = await client.post(url, json={"body": "답글의 답글", "parent_id": reply["id"]}, headers=w.h("moderator"))
    assert r.status_code == 201
    assert r.json()["parent_id"] == first["id"]  # attached to the thread's top-level comment

    items = (await client.get(url)).json()["items"]
    assert [c["id"] for c in items] == [first["id"], second["id"]]
    assert [c["body"] for c in items[0]["replies"]] == ["답글", "답글의 답글"]
    assert all(c["parent_id"] == first["id"] and c["replies"] == [] for c in items[0]["replies"])
    assert items[1]["replies"] == []
    assert (await client.get(f"/api/posts/{post.id}")).json()["comment_count"] == 4


async def test_comments_paginate_by_thread(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    tops = [await add_comment(session, post, w.people["member"], body=f"댓글 {i}") for i in range(5)]
    await add_comment(session, post, w.people["host"], parent=tops[0], body="답글")
    url = f"/api/posts/{post.id}/comments"
    page1 = (await client.get(url, params={"limit": 3})).json()
    assert [c["id"] for c in page1["items"]] == [c.id for c in tops[:3]]
    assert len(page1["items"][0]["replies"]) == 1
    page2 = (await client.get(url, params={"limit": 3, "cursor": page1["next_cursor"]})).json()
    assert [c["id"] for c in page2["items"]] == [c.id for c in tops[3:]]
    assert page2["next_cursor"] is None


async def test_reply_to_a_deleted_comment_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    parent = await add_comment(session, post, w.people["member"])
    assert (await client.delete(f"/api/comments/{parent.id}", headers=w.h("member"))).status_code == 204
    r = await client.post(
        f"/api/posts/{post.id}/comments", json={"body": "답글", "parent_id": parent.id}, headers=w.h("host")
    )
    assert (r.status_code, r.json()["code"]) == (409, "comment_deleted")


# ---------------------------------------------------------------- soft deletion


async def test_deleted_post_is_gone_for_reading_editing_and_listing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["member"])
    assert (await client.delete(f"/api/posts/{post.id}", headers=w.h("moderator"))).status_code == 204
    for who in ("author", "host", "admin"):
        r = await client.get(f"/api/posts/{post.id}", headers=w.h(who))
        assert (r.status_code, r.json()["code"]) == (404, "post_not_found")
    r = await client.patch(f"/api/posts/{post.id}", json={"title": "되살리기"}, headers=w.h("author"))
    assert (r.status_code, r.json()["code"]) == (404, "post_not_found")
    assert (await client.delete(f"/api/posts/{post.id}", headers=w.h("author"))).status_code == 404
    assert (await client.get(f"/api/posts/{post.id}/comments")).status_code == 404
    assert (await client.delete(f"/api/comments/{comment.id}", headers=w.h("member"))).status_code == 404
    assert (await client.get(f"/api/clubs/{w.club.id}/posts")).json()["items"] == []
    # Soft: the row is still there.
    await session.refresh(post)
    assert post.deleted_at is not None
    await session.commit()


async def test_deleted_comment_with_replies_leaves_a_placeholder(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    with_reply = await add_comment(session, post, w.people["member"], body="답글 달린 댓글")
    await add_comment(session, post, w.people["host"], parent=with_reply, body="답글")
    alone = await add_comment(session, post, w.people["member"], body="혼자인 댓글")
    for c in (with_reply, alone):
        assert (await client.delete(f"/api/comments/{c.id}", headers=w.h("member"))).status_code == 204

    items = (await client.get(f"/api/posts/{post.id}/comments", headers=w.h("host"))).json()["items"]
    assert len(items) == 1
    gone = items[0]
    assert gone["id"] == with_reply.id
    assert gone["deleted"] is True and gone["body"] == "삭제된 댓글입니다" and gone["author"] is None
    assert gone["can_edit"] is False and gone["can_delete"] is False
    assert [r["body"] for r in gone["replies"]] == ["답글"]
    assert (await client.get(f"/api/posts/{post.id}")).json()["comment_count"] == 1
    r = await client.patch(f"/api/comments/{with_reply.id}", json={"body": "되살리기"}, headers=w.h("member"))
    assert (r.status_code, r.json()["code"]) == (404, "comment_not_found")


async def test_deleting_the_only_reply_removes_the_deleted_parents_placeholder(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    parent = await add_comment(session, post, w.people["member"])
    reply = await add_comment(session, post, w.people["host"], parent=parent)
    await client.delete(f"/api/comments/{parent.id}", headers=w.h("member"))
    await client.delete(f"/api/comments/{reply.id}", headers=w.h("host"))
    assert (await client.get(f"/api/posts/{post.id}/comments")).json()["items"] == []


# ---------------------------------------------------------------- editing


async def test_author_edits_title_and_body(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"], title="원래 제목", body="원래 본문")
    r = await client.patch(f"/api/posts/{post.id}", json={"body": "새 본문\r\n둘째 줄"}, headers=w.h("author"))
    assert r.status_code == 200
    assert r.json()["title"] == "원래 제목" and r.json()["body"] == "새 본문\n둘째 줄"
    assert r.json()["updated_at"] is not None
    comment = await add_comment(session, post, w.people["author"])
    r = await client.patch(f"/api/comments/{comment.id}", json={"body": "고친 댓글"}, headers=w.h("author"))
    assert r.status_code == 200 and r.json()["body"] == "고친 댓글" and r.json()["updated_at"] is not None


async def test_kind_cannot_be_changed_by_editing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    r = await client.patch(f"/api/posts/{post.id}", json={"kind": "notice"}, headers=w.h("author"))
    assert r.status_code == 200 and r.json()["kind"] == "board"


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "본문"}, "title"),
        ({"title": "", "body": "본문"}, "title"),
        ({"title": "   ", "body": "본문"}, "title"),
        ({"title": "가" * 101, "body": "본문"}, "title"),
        ({"title": "제목"}, "body"),
        ({"title": "제목", "body": ""}, "body"),
        ({"title": "제목", "body": "가" * 5001}, "body"),
        ({"title": "제목", "body": "널\x00문자"}, "body"),
        ({"title": "제목", "body": "본문", "kind": "event"}, "kind"),
        ({"title": 3, "body": "본문"}, "title"),
    ],
)
async def test_post_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    w = await build_world(session)
    r = await client.post(f"/api/clubs/{w.club.id}/posts", json=body, headers=w.h("member"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "validation_failed"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["message"]


async def test_limits_are_inclusive(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    r = await client.post(
        f"/api/clubs/{w.club.id}/posts", json={"title": "가" * 100, "body": "나" * 5000}, headers=w.h("member")
    )
    assert r.status_code == 201
    post_id = r.json()["id"]
    r = await client.post(f"/api/posts/{post_id}/comments", json={"body": "다" * 1000}, headers=w.h("member"))
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "가" * 1001}, "body"),
        ({"body": "답", "parent_id": "하나"}, "parent_id"),
    ],
)
async def test_comment_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    r = await client.post(f"/api/posts/{post.id}/comments", json=body, headers=w.h("member"))
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_patch_validation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    r = await client.patch(f"/api/posts/{post.id}", json={"title": None}, headers=w.h("author"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title"
    r = await client.patch(f"/api/posts/{post.id}", json={"body": "가" * 5001}, headers=w.h("author"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    comment = await add_comment(session, post, w.people["author"])
    r = await client.patch(f"/api/comments/{comment.id}", json={"body": " "}, headers=w.h("author"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"


async def test_text_is_stored_as_plain_text(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    body = '<script>alert("x")</script>\n두 번째 줄 https://example.com'
    post = await _write(client, w, "member", title="  <b>굵게</b>  ", body=body)
    assert post["title"] == "<b>굵게</b>"
    assert post["body"] == body  # kept as typed; every client escapes it when showing


# ---------------------------------------------------------------- blocked and deleted authors


async def test_blocked_authors_are_flagged_not_removed(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from withus.models.block import UserBlock

    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    await add_comment(session, post, w.people["author"])
    session.add(UserBlock(blocker_id=w.id("member"), blocked_id=w.id("author")))
    await session.commit()

    mine = (await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h("member"))).json()["items"]
    assert [(p["id"], p["author_blocked"]) for p in mine] == [(post.id, True)]
    assert (await client.get(f"/api/posts/{post.id}", headers=w.h("member"))).json()["author_blocked"] is True
    comments = (await client.get(f"/api/posts/{post.id}/comments", headers=w.h("member"))).json()["items"]
    assert comments[0]["author_blocked"] is True and comments[0]["body"] == "댓글"
    theirs = (await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h("host"))).json()["items"]
    assert theirs[0]["author_blocked"] is False


async def test_deleted_account_shows_as_withdrawn_member(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    author = w.people["author"]
    author.deleted_at = utcnow()
    author.avatar_path = "avatars/x.webp"
    session.add(author)
    await session.commit()
    item = (await client.get(f"/api/clubs/{w.club.id}/posts")).json()["items"][0]
    assert item["id"] == post.id
    assert item["author"]["nickname"] == "탈퇴한 회원"
    assert item["author"]["avatar_url"] == "/default-avatar.svg"


# ---------------------------------------------------------------- rate limits


async def test_posting_too_fast_is_429_with_retry_after(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    for i in range(10):
        await _write(client, w, "member", title=f"글 {i}")
    r = await client.post(
        f"/api/clubs/{w.club.id}/posts", json={"title": "하나 더", "body": "본문"}, headers=w.h("member")
    )
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # Per user: someone else still writes.
    await _write(client, w, "author", title="다른 사람")


async def test_commenting_too_fast_is_429(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    for _ in range(30):
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "댓글"}, headers=w.h("member"))
        assert r.status_code == 201
    r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "댓글"}, headers=w.h("member"))
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


# ---------------------------------------------------------------- notifications


async def test_comment_and_reply_notify_after_commit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"], title="주말 번개")
    url = f"/api/posts/{post.id}/comments"
    async with listen_notifications() as heard:
        c = (await client.post(url, json={"body": "저도 갈래요"}, headers=w.h("member"))).json()
        (uid, n) = await heard.next()
        assert uid == w.id("author") and n["type"] == "comment"
        assert n["link"] == f"/posts/{post.id}#comment-{c['id']}"
        assert n["data"] == {"club_id": w.club.id, "post_id": post.id, "comment_id": c["id"]}
        assert "회원" in n["body"] and "저도 갈래요" in n["body"]

        # A reply: the parent's author gets `reply`, the post's author `comment`.
        r = (await client.post(url, json={"body": "환영해요", "parent_id": c["id"]}, headers=w.h("host"))).json()
        got = {(uid, n["type"]) for uid, n in await heard.take(2)}
        assert got == {(w.id("member"), "reply"), (w.id("author"), "comment")}

        # The post's author answering a comment: only the comment's author hears of it.
        await client.post(url, json={"body": "좋아요", "parent_id": r["id"]}, headers=w.h("author"))
        (uid, n) = await heard.next()
        assert (uid, n["type"]) == (w.id("host"), "reply")

        # Commenting on one's own post notifies nobody; the next notification is the host's post's.
        await client.post(url, json={"body": "혼잣말"}, headers=w.h("author"))
        other = await add_post(session, w.club, w.people["host"])
        await client.post(f"/api/posts/{other.id}/comments", json={"body": "표시"}, headers=w.h("member"))
        (uid, n) = await heard.next()
        assert (uid, n["type"], n["data"]["post_id"]) == (w.id("host"), "comment", other.id)

    stored = (await session.exec(select(Notification.user_id, Notification.type).order_by(col(Notification.id)))).all()
    await session.commit()
    assert [tuple(s) for s in stored] == [
        (w.id("author"), "comment"),
        (w.id("member"), "reply"),
        (w.id("author"), "comment"),
        (w.id("host"), "reply"),
        (w.id("host"), "comment"),
    ]


async def test_no_comment_notification_to_who_blocked_the_commenter_or_left_a_private_club(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from sqlmodel import delete

    from withus.models.block import UserBlock
    from withus.models.club import ClubMember

    w = await build_world(session, visibility="private")
    blocked_post = await add_post(session, w.club, w.people["author"])
    left_post = await add_post(session, w.club, w.people["moderator"])
    probe = await add_post(session, w.club, w.people["host"])
    session.add(UserBlock(blocker_id=w.id("author"), blocked_id=w.id("member")))
    await session.exec(  # type: ignore[call-overload]
        delete(ClubMember).where(ClubMember.club_id == w.club.id, ClubMember.user_id == w.id("moderator"))
    )
    await session.commit()
    async with listen_notifications() as heard:
        for post in (blocked_post, left_post, probe):
            r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "댓글"}, headers=w.h("member"))
            assert r.status_code == 201
        (uid, n) = await heard.next()
        assert (uid, n["data"]["post_id"]) == (w.id("host"), probe.id)


async def test_notice_notifies_every_member_but_its_author(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    extra = [await make_user(session) for _ in range(5)]
    for u in extra:
        await add_member(session, w.club, u)
    async with listen_notifications() as heard:
        notice = await _write(client, w, "moderator", title="정기 모임 공지", kind="notice")
        members = {w.id(r) for r in ("host", "member", "author")} | {u.id for u in extra}
        got = await heard.take(len(members))
        assert {uid for uid, _ in got} == members
        assert all(n["type"] == "notice" and n["link"] == f"/posts/{notice['id']}" for _, n in got)
        assert all(n["body"] == "정기 모임 공지" for _, n in got)
    count = (await session.exec(select(func.count()).select_from(Notification))).one()
    await session.commit()
    assert count == len(members)


async def test_failed_transaction_stores_and_publishes_no_notification(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    from withus.db import session_scope
    from withus.models.comment import CommentCreate
    from withus.models.post import PostCreate
    from withus.services import comments as comment_service
    from withus.services import posts as post_service

    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])

    class Boom(Exception):
        pass

    async with listen_notifications() as heard:
        with pytest.raises(Boom):
            async with session_scope() as s:
                member = await s.get(type(w.people["member"]), w.id("member"))
                host = await s.get(type(w.people["host"]), w.id("host"))
                assert member is not None and host is not None
                await comment_service.do_create_comment(s, post_id=post.id, user=member, data=CommentCreate(body="x"))  # type: ignore[arg-type]
                await post_service.do_create_post(
                    s,
                    club_id=w.club.id,
                    user=host,
                    data=PostCreate(title="공지", body="x", kind="notice"),  # type: ignore[arg-type]
                )
                raise Boom
        # Refused requests notify nobody either.
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": ""}, headers=w.h("member"))
        assert r.status_code == 422
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "x"}, headers=w.h("outsider"))
        assert r.status_code == 403
        # The first thing heard is what a later, successful comment sends.
        ok = (await client.post(f"/api/posts/{post.id}/comments", json={"body": "ok"}, headers=w.h("host"))).json()
        (uid, n) = await heard.next()
        assert (uid, n["data"]["comment_id"]) == (w.id("author"), ok["id"])
    rows = (await session.exec(select(func.count()).select_from(Notification))).one()
    count = (await session.exec(select(Post.comment_count).where(Post.id == post.id))).one()
    await session.commit()
    assert rows == 1 and count == 1


# ---------------------------------------------------------------- queries per page


async def test_post_list_runs_the_same_number_of_queries_for_5_and_50(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    writers = [await make_user(session) for _ in range(10)]
    for u in writers:
        await add_member(session, w.club, u)
    for i in range(60):
        session.add(Post(club_id=w.club.id, author_id=writers[i % 10].id, kind="board", title=f"글 {i}", body="x"))  # type: ignore[arg-type]
    await session.commit()
    headers = await auth_headers(w.people["member"])

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        per_limit = {}
        for limit in (5, 50):
            statements.clear()
            r = await client.get(f"/api/clubs/{w.club.id}/posts", params={"limit": limit}, headers=headers)
            assert r.status_code == 200 and len(r.json()["items"]) == limit
            per_limit[limit] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert per_limit[5] == per_limit[50]
    assert per_limit[5] <= 8


async def test_deleting_and_hiding_one_comment_takes_it_out_of_the_count_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    import asyncio

    from withus.db import session_scope
    from withus.models.user import User
    from withus.services import comments as comment_service

    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    first = await add_comment(session, post, w.people["member"])
    second = await add_comment(session, post, w.people["member"])
    await add_comment(session, post, w.people["member"])

    async def delete(comment_id: int) -> None:
        async with session_scope() as s:
            host = await s.get(User, w.id("host"))  # staff: still sees (and deletes) a hidden comment
            assert host is not None
            await comment_service.do_delete_comment(s, comment_id=comment_id, user=host)

    async def hide(comment_id: int) -> None:
        async with session_scope() as s:
            assert await comment_service.do_hide_comment(s, comment_id=comment_id)

    assert first.id is not None and second.id is not None
    await asyncio.gather(delete(first.id), hide(first.id))  # at once
    await hide(second.id)  # one after the other
    await delete(second.id)
    assert (await client.get(f"/api/posts/{post.id}", headers=w.h("host"))).json()["comment_count"] == 1


@pytest.mark.parametrize("with_posts", [True, False])
async def test_the_board_page_refuses_a_token_whose_account_was_deleted_meanwhile(
    client: httpx.AsyncClient, session: AsyncSession, with_posts: bool
) -> None:
    """The board page reads the caller's account in its own statement (no separate fetch): an
    account deleted while its token still verifies is refused there as everywhere (401), whether
    the page has rows or is empty (then the account is read on its own)."""
    w = await build_world(session)
    if with_posts:
        await add_post(session, w.club, w.people["author"])
    member = w.people["member"]
    ok = await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h("member"))
    assert ok.status_code == 200 and len(ok.json()["items"]) == int(with_posts)
    member.deleted_at = utcnow()  # the row only: the login session stays alive (a race with deletion)
    session.add(member)
    await session.commit()
    r = await client.get(f"/api/clubs/{w.club.id}/posts", headers=w.h("member"))
    assert (r.status_code, r.json()["code"]) == (401, "token_revoked")
    anonymous = await client.get(f"/api/clubs/{w.club.id}/posts")
    assert anonymous.status_code == 200 and len(anonymous.json()["items"]) == int(with_posts)
