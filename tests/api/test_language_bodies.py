"""The texts an API body holds for what is gone (a deleted member's name, a deleted or hidden
comment's placeholder) follow Accept-Language like problem details; flags and shapes do not change."""

from __future__ import annotations

import re

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import add_comment, add_post, build_world
from withus.i18n import t
from withus.models.base import utcnow

EN = {"Accept-Language": "en-US,en;q=0.9"}
HANGUL = re.compile("[\uac00-\ud7a3]")


async def test_a_deleted_members_name_follows_accept_language(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    await add_post(session, w.club, w.people["author"], title="Saturday")
    author = w.people["author"]
    author.deleted_at = utcnow()
    session.add(author)
    await session.commit()

    posts = f"/api/clubs/{w.club.id}/posts"
    ko = (await client.get(posts)).json()["items"][0]["author"]
    en = (await client.get(posts, headers=EN)).json()["items"][0]["author"]
    assert ko["nickname"] == "탈퇴한 회원"
    assert en["nickname"] == t("user.deleted_nickname", "en") and not HANGUL.search(en["nickname"])
    assert ko.keys() == en.keys() and ko["avatar_url"] == en["avatar_url"] == "/default-avatar.svg"

    profile = f"/api/users/{author.id}"
    r = await client.get(profile, headers={**w.h("member"), **EN})
    assert r.status_code == 200 and r.json()["nickname"] == t("user.deleted_nickname", "en")
    assert r.json()["is_deleted"] is True
    assert (await client.get(profile, headers=w.h("member"))).json()["nickname"] == "탈퇴한 회원"


async def test_living_members_keep_their_names_in_english(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    await add_post(session, w.club, w.people["author"])
    en = (await client.get(f"/api/clubs/{w.club.id}/posts", headers=EN)).json()["items"][0]["author"]
    assert en["nickname"] == "글쓴이"  # a person's name is never translated


async def test_comment_placeholders_follow_accept_language(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    deleted = await add_comment(session, post, w.people["member"], body="first")
    await add_comment(session, post, w.people["host"], parent=deleted, body="reply")
    hidden = await add_comment(session, post, w.people["member"], body="rude")
    await add_comment(session, post, w.people["host"], parent=hidden, body="reply")
    # someone writing the placeholder's words keeps them: only a comment that is gone is replaced
    await add_comment(session, post, w.people["member"], body="삭제된 댓글입니다")
    assert (await client.delete(f"/api/comments/{deleted.id}", headers=w.h("member"))).status_code == 204
    hidden.hidden_at = utcnow()
    session.add(hidden)
    await session.commit()

    comments = f"/api/posts/{post.id}/comments"
    ko = (await client.get(comments, headers=w.h("member"))).json()["items"]
    en = (await client.get(comments, headers={**w.h("member"), **EN})).json()["items"]
    assert [c["body"] for c in ko] == ["삭제된 댓글입니다", "운영진이 숨긴 댓글입니다", "삭제된 댓글입니다"]
    assert [c["body"] for c in en] == [
        "This comment was deleted",
        t("comment.hidden_placeholder", "en"),
        "삭제된 댓글입니다",
    ]
    assert [(c["deleted"], c["hidden"], c["author"]) for c in en] == [
        (c["deleted"], c["hidden"], c["author"]) for c in ko
    ]
    # a moderator reads the hidden comment itself, in either language
    mod = (await client.get(comments, headers={**w.h("moderator"), **EN})).json()["items"]
    assert mod[1]["body"] == "rude" and mod[1]["hidden"] is True


async def test_a_reported_deleted_member_is_named_in_english(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    target = w.people["outsider"]
    r = await client.post(
        "/api/reports", json={"target_type": "user", "target_id": target.id, "reason": "spam"}, headers=w.h("member")
    )
    assert r.status_code == 201, r.text
    target.deleted_at = utcnow()
    session.add(target)
    await session.commit()
    item = (await client.get("/api/reports", headers={**w.h("admin"), **EN})).json()["items"][0]
    assert item["target_type"] == "user" and item["target_preview"] == t("user.deleted_nickname", "en")
    item = (await client.get("/api/reports", headers=w.h("admin"))).json()["items"][0]
    assert item["target_preview"] == "탈퇴한 회원"
