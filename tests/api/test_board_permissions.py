"""Who may do what on a board: every post and comment action × every role, on a public and a
private club, with the exact status (and code) of each cell; and every rule checked against the
club that owns the post, whatever club id the client sends."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.board_world import ROLES, World, add_comment, add_post, build_world

# One row per action; the columns follow ROLES:
#   anonymous, outsider, member, author, moderator, host, banned, admin
# "author" is a member who wrote the post/comment acted on; "banned" was banned from the club;
# "admin" is a site administrator who is not a member.
OK, NM, NA, CD, NS = "200", "403 not_a_member", "403 not_author", "403 cannot_delete", "403 notice_staff_only"
PUBLIC: dict[str, tuple[str, ...]] = {
    #                   anonymous outsider member author moderator host banned admin
    "list_posts":     (OK,    OK, OK,    OK,    OK,    OK,    OK, OK),
    "read_post":      (OK,    OK, OK,    OK,    OK,    OK,    OK, OK),
    "create_post":    ("401", NM, "201", "201", "201", "201", NM, NM),
    "create_notice":  ("401", NM, NS,    NS,    "201", "201", NM, NM),
    "edit_post":      ("401", NA, NA,    OK,    NA,    NA,    NA, NA),
    "delete_post":    ("401", CD, CD,    "204", "204", "204", CD, "204"),
    "list_comments":  (OK,    OK, OK,    OK,    OK,    OK,    OK, OK),
    "create_comment": ("401", NM, "201", "201", "201", "201", NM, NM),
    "reply":          ("401", NM, "201", "201", "201", "201", NM, NM),
    "edit_comment":   ("401", NA, NA,    OK,    NA,    NA,    NA, NA),
    "delete_comment": ("401", CD, CD,    "204", "204", "204", CD, "204"),
}  # fmt: skip
PRIVATE: dict[str, tuple[str, ...]] = {
    #                   anonymous outsider member author moderator host banned admin
    "list_posts":     ("401", NM, OK,    OK,    OK,    OK,    NM, OK),
    "read_post":      ("401", NM, OK,    OK,    OK,    OK,    NM, OK),
    "create_post":    ("401", NM, "201", "201", "201", "201", NM, NM),
    "create_notice":  ("401", NM, NS,    NS,    "201", "201", NM, NM),
    "edit_post":      ("401", NM, NA,    OK,    NA,    NA,    NM, NA),
    "delete_post":    ("401", NM, CD,    "204", "204", "204", NM, "204"),
    "list_comments":  ("401", NM, OK,    OK,    OK,    OK,    NM, OK),
    "create_comment": ("401", NM, "201", "201", "201", "201", NM, NM),
    "reply":          ("401", NM, "201", "201", "201", "201", NM, NM),
    "edit_comment":   ("401", NM, NA,    OK,    NA,    NA,    NM, NA),
    "delete_comment": ("401", NM, CD,    "204", "204", "204", NM, "204"),
}  # fmt: skip
TABLES = {"public": PUBLIC, "private": PRIVATE}

Act = Callable[[httpx.AsyncClient, AsyncSession, World, dict[str, str]], Awaitable[httpx.Response]]


async def _list_posts(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    await add_post(session, w.club, w.people["author"])
    return await client.get(f"/api/clubs/{w.club.id}/posts", headers=h)


async def _read_post(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    return await client.get(f"/api/posts/{post.id}", headers=h)


async def _create_post(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    return await client.post(f"/api/clubs/{w.club.id}/posts", json={"title": "안녕하세요", "body": "첫 글"}, headers=h)


async def _create_notice(
    client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]
) -> httpx.Response:
    body = {"title": "공지", "body": "이번 주 모임 장소", "kind": "notice"}
    return await client.post(f"/api/clubs/{w.club.id}/posts", json=body, headers=h)


async def _edit_post(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    return await client.patch(f"/api/posts/{post.id}", json={"title": "고친 제목"}, headers=h)


async def _delete_post(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    return await client.delete(f"/api/posts/{post.id}", headers=h)


async def _list_comments(
    client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]
) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    await add_comment(session, post, w.people["author"])
    return await client.get(f"/api/posts/{post.id}/comments", headers=h)


async def _create_comment(
    client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]
) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    return await client.post(f"/api/posts/{post.id}/comments", json={"body": "좋아요"}, headers=h)


async def _reply(client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]) -> httpx.Response:
    post = await add_post(session, w.club, w.people["author"])
    parent = await add_comment(session, post, w.people["member"])
    return await client.post(f"/api/posts/{post.id}/comments", json={"body": "답글", "parent_id": parent.id}, headers=h)


async def _edit_comment(
    client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]
) -> httpx.Response:
    post = await add_post(session, w.club, w.people["member"])
    comment = await add_comment(session, post, w.people["author"])
    return await client.patch(f"/api/comments/{comment.id}", json={"body": "고친 댓글"}, headers=h)


async def _delete_comment(
    client: httpx.AsyncClient, session: AsyncSession, w: World, h: dict[str, str]
) -> httpx.Response:
    post = await add_post(session, w.club, w.people["member"])
    comment = await add_comment(session, post, w.people["author"])
    return await client.delete(f"/api/comments/{comment.id}", headers=h)


ACTIONS: dict[str, Act] = {
    "list_posts": _list_posts,
    "read_post": _read_post,
    "create_post": _create_post,
    "create_notice": _create_notice,
    "edit_post": _edit_post,
    "delete_post": _delete_post,
    "list_comments": _list_comments,
    "create_comment": _create_comment,
    "reply": _reply,
    "edit_comment": _edit_comment,
    "delete_comment": _delete_comment,
}
assert all(set(t) == set(ACTIONS) for t in TABLES.values())


def _outcome(r: httpx.Response) -> str:
    if r.status_code in (401,) or r.status_code < 400:
        return str(r.status_code)
    return f"{r.status_code} {r.json().get('code')}"


@pytest.mark.parametrize("visibility", ["public", "private"])
@pytest.mark.parametrize("action", list(ACTIONS))
async def test_permission_matrix(
    client: httpx.AsyncClient, session: AsyncSession, visibility: str, action: str
) -> None:
    world = await build_world(session, visibility=visibility)
    expected = dict(zip(ROLES, TABLES[visibility][action], strict=True))
    got = {}
    for role in ROLES:
        r = await ACTIONS[action](client, session, world, world.h(role))
        got[role] = _outcome(r)
    assert got == expected


async def test_moderator_of_another_club_cannot_delete_or_hide_by_naming_their_club(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    comment = await add_comment(session, post, w.people["author"])
    mine = w.other.id
    for who in ("other_moderator", "other_host"):
        h = w.h(who)
        # The club id of the caller's own club, sent every way a client could think of, changes nothing.
        r = await client.delete(f"/api/posts/{post.id}", params={"club_id": mine}, headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "cannot_delete")
        r = await client.request(
            "DELETE", f"/api/comments/{comment.id}", params={"club_id": mine}, json={"club_id": mine}, headers=h
        )
        assert (r.status_code, r.json()["code"]) == (403, "cannot_delete")
        r = await client.patch(f"/api/posts/{post.id}", json={"title": "탈취", "club_id": mine}, headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "not_author")
        r = await client.post(f"/api/posts/{post.id}/comments", json={"body": "끼어들기", "club_id": mine}, headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "not_a_member")
    assert (await client.get(f"/api/posts/{post.id}")).status_code == 200
    listed = (await client.get(f"/api/posts/{post.id}/comments")).json()["items"]
    assert [c["id"] for c in listed] == [comment.id]


async def test_post_created_through_one_club_never_lands_in_another(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    w = await build_world(session)
    body = {"title": "내 모임 글", "body": "본문", "club_id": w.other.id}
    r = await client.post(f"/api/clubs/{w.club.id}/posts", json=body, headers=w.h("member"))
    assert r.status_code == 201 and r.json()["club_id"] == w.club.id
    other_list = (await client.get(f"/api/clubs/{w.other.id}/posts")).json()["items"]
    assert other_list == []
    # A moderator of the other club may not write a notice here by pointing at their own club.
    notice = {"title": "공지", "body": "본문", "kind": "notice", "club_id": w.other.id}
    r = await client.post(f"/api/clubs/{w.club.id}/posts", json=notice, headers=w.h("other_moderator"))
    assert (r.status_code, r.json()["code"]) == (403, "not_a_member")


async def test_reply_parent_must_belong_to_the_same_post(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    theirs = await add_post(session, w.other, w.people["other_host"])
    foreign = await add_comment(session, theirs, w.people["other_host"])
    post = await add_post(session, w.club, w.people["author"])
    r = await client.post(
        f"/api/posts/{post.id}/comments", json={"body": "답글", "parent_id": foreign.id}, headers=w.h("member")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "parent_id"


async def test_author_who_left_the_club_can_no_longer_edit(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from sqlmodel import delete

    from withus.models.club import ClubMember

    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    await session.exec(  # type: ignore[call-overload]
        delete(ClubMember).where(ClubMember.club_id == w.club.id, ClubMember.user_id == w.id("author"))
    )
    await session.commit()
    r = await client.patch(f"/api/posts/{post.id}", json={"body": "고침"}, headers=w.h("author"))
    assert (r.status_code, r.json()["code"]) == (403, "not_a_member")
    # Deleting one's own post on a public board stays possible.
    assert (await client.delete(f"/api/posts/{post.id}", headers=w.h("author"))).status_code == 204


async def test_can_edit_and_can_delete_follow_the_rules(client: httpx.AsyncClient, session: AsyncSession) -> None:
    w = await build_world(session)
    post = await add_post(session, w.club, w.people["author"])
    flags = {}
    for role in ("anonymous", "member", "author", "moderator"):
        body = (await client.get(f"/api/posts/{post.id}", headers=w.h(role))).json()
        flags[role] = (body["can_edit"], body["can_delete"])
    assert flags == {
        "anonymous": (False, False),
        "member": (False, False),
        "author": (True, True),
        "moderator": (False, True),
    }
