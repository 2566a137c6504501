"""Posts of a club's board: the board page, a post, writing, editing, deleting and hiding one.

Who may do what is settled in :mod:`withus.services.board_access`. Notices are listed first
(pinned), then everything else newest first; a ``notice`` notifies every member.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, exists, false, literal_column, or_, tuple_
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.errors import Forbidden
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.block import UserBlock
from withus.models.club import Club
from withus.models.post import Post, PostCreate, PostPage, PostPublic, PostUpdate
from withus.models.user import User, UserSummary
from withus.services import board_access, page_live, pagination, rate_limit, tokens
from withus.services import clubs as club_service
from withus.services import notifications as notification_service
from withus.services import users as user_service

POST_RATE = (10, 600)  # posts per user: (limit, seconds), fixed windows
_posts = cast(Table, Post.__table__)  # type: ignore[attr-defined]
_users = cast(Table, User.__table__)  # type: ignore[attr-defined]
_blocks = cast(Table, UserBlock.__table__)  # type: ignore[attr-defined]


def _post_view(post: Post, author: User, viewer: board_access.Viewer) -> PostPublic:
    assert post.id is not None
    assert author.id is not None
    return PostPublic(
        id=post.id,
        club_id=post.club_id,
        kind=post.kind,  # type: ignore[arg-type]
        pinned=post.kind == "notice",
        title=post.title,
        body=post.body,
        author=UserSummary.of(author),
        author_blocked=author.id in viewer.blocked,
        comment_count=post.comment_count,
        created_at=as_utc(post.created_at),
        updated_at=as_utc(post.updated_at) if post.updated_at else None,
        hidden=post.hidden_at is not None,
        can_edit=viewer.may_edit(post.author_id),
        can_delete=viewer.may_delete(post.author_id),
    )


@cache
def _board_page_statement(*, reader: bool, with_kind: bool, with_cursor: bool) -> Select[Any]:
    """The board page statement of one shape, built once: building and hashing a statement on every
    request cost as much as running it. Parameters: ``club_id``, ``limit``, and ``reader``,
    ``kind``, ``after_kind``/``after_id`` when the shape has them. Each row also carries the
    reader's account (:func:`users.caller_columns`), the club's visibility and the reader's role
    (:func:`clubs.read_access_columns`), so a page that has rows needs no other round trip; hidden
    posts are in it only for the club's staff and site administrators (the rule of
    :func:`board_access.moderates`, here in SQL because the page's limit counts the rows it returns)."""
    visibility, role = club_service.read_access_columns(reader=reader)
    caller_admin: Any = literal_column("NULL")
    caller_deleted: Any = literal_column("NULL")
    if reader:
        caller_admin, caller_deleted = user_service.caller_columns()
    blocked: Any = false()
    if reader:
        blocked = exists().where(
            _blocks.c.blocker_id == bindparam("reader"), _blocks.c.blocked_id == _posts.c.author_id
        )
    stmt = (
        sa_select(
            _posts.c.id,
            _posts.c.author_id,
            _posts.c.kind,
            _posts.c.title,
            _posts.c.body,
            _posts.c.comment_count,
            _posts.c.created_at,
            _posts.c.updated_at,
            _posts.c.hidden_at,
            _users.c.nickname,
            _users.c.avatar_path,
            _users.c.deleted_at,
            blocked,
            caller_admin,
            caller_deleted,
            visibility,
            role,
        )
        .join(_users, _users.c.id == _posts.c.author_id)
        .where(_posts.c.club_id == bindparam("club_id"), _posts.c.deleted_at.is_(None))
    )
    if reader:
        stmt = stmt.where(or_(_posts.c.hidden_at.is_(None), board_access.moderates_condition(role, caller_admin)))
    else:
        stmt = stmt.where(_posts.c.hidden_at.is_(None))
    if with_kind:
        stmt = stmt.where(_posts.c.kind == bindparam("kind"))
    if with_cursor:
        # 'notice' > 'board': ordering by kind descending puts notices on top. A row comparison, so that
        # PostgreSQL starts the index scan of (club_id, kind, id) at the cursor; the equivalent OR walked
        # every row above it (50,000 deep in a board of 100,000 posts: 55-110 ms -> 0.1 ms).
        stmt = stmt.where(
            tuple_(_posts.c.kind, _posts.c.id)
            < tuple_(bindparam("after_kind", type_=_posts.c.kind.type), bindparam("after_id", type_=_posts.c.id.type))
        )
    return stmt.order_by(_posts.c.kind.desc(), _posts.c.id.desc()).limit(bindparam("limit"))


async def list_posts(
    session: AsyncSession,
    *,
    club_id: int,
    user: User | None = None,
    reader_id: int | None = None,
    kind: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> PostPage:
    """A page of the board: notices first, then newest first. One statement whatever the page size
    when the page has rows (the posts with their authors and the reader's blocks, the reader's
    account, the club's visibility and the reader's role), read as plain rows: the ORM's identity
    map and objects, and every extra round trip, cost more than the rest of the request. The reader
    is ``user`` (an account already loaded) or ``reader_id`` (the user id of a verified token: the
    statement reads the account, and one that is gone or deleted is 401 ``token_revoked``)."""
    uid = user.id if user is not None else reader_id
    limit = pagination.clamp_limit(limit)
    params: dict[str, Any] = {"club_id": club_id, "limit": limit + 1}
    if uid is not None:
        params["reader"] = uid
    if kind is not None:
        params["kind"] = kind
    if cursor:
        params["after_kind"], params["after_id"] = pagination.decode_cursor(cursor, str, int)
    stmt = _board_page_statement(reader=uid is not None, with_kind=kind is not None, with_cursor=bool(cursor))
    rows = await fetch_rows(session, stmt, params)
    caller: user_service.Caller | None = user
    if rows:  # the account and the right to read came with the rows; nothing is shown before they are checked
        caller_admin, caller_deleted, visibility, role = rows[0][-4:]
        if caller is None and uid is not None:
            caller = user_service.reader_of(uid, caller_admin, caller_deleted)
        access = club_service.read_access_of(club_id=club_id, visibility=visibility, role=role, user=caller)
    else:  # an empty page, or no right to read: the club alone says which
        if caller is None and uid is not None:
            account = await user_service.get_caller(session, user_id=uid)
            if account is None:
                raise tokens.token_revoked()
            caller = user_service.reader_of(uid, account.is_admin, account.deleted_at)
        access = await club_service.read_access(session, club_id=club_id, user=caller)
    viewer = board_access.Viewer(user=caller, role=access.role)  # blocks come with each row
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = pagination.encode_cursor(rows[-1][2], rows[-1][0])
    items = [
        PostPublic(
            id=post_id,
            club_id=access.club_id,
            kind=post_kind,
            pinned=post_kind == "notice",
            title=title,
            body=body,
            author=UserSummary.of_columns(author_id, nickname, avatar_path, author_deleted_at),
            author_blocked=bool(author_blocked),
            comment_count=comment_count,
            created_at=as_utc(created_at),
            updated_at=as_utc(updated_at) if updated_at else None,
            hidden=hidden_at is not None,
            can_edit=viewer.may_edit(author_id),
            can_delete=viewer.may_delete(author_id),
        )
        for (
            post_id,
            author_id,
            post_kind,
            title,
            body,
            comment_count,
            created_at,
            updated_at,
            hidden_at,
            nickname,
            avatar_path,
            author_deleted_at,
            author_blocked,
            _caller_admin,
            _caller_deleted,
            _visibility,
            _role,
        ) in rows
    ]
    return PostPage(items=items, next_cursor=next_cursor)


async def get_post(session: AsyncSession, *, post_id: int, user: User | None) -> PostPublic:
    post, author, _club, viewer = await board_access.access_post(session, post_id=post_id, user=user, with_blocked=True)
    return _post_view(post, author, viewer)


async def do_create_post(session: AsyncSession, *, club_id: int, user: User, data: PostCreate) -> PostPublic:
    """A member writes on the board; a notice needs the host or a moderator, and notifies every member."""
    assert user.id is not None
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    role = await club_service.check_member(session, club=club, user=user)
    if data.kind == "notice" and not club_service.is_staff(role):
        raise Forbidden(code="notice_staff_only")
    await rate_limit.hit("post", str(user.id), limit=POST_RATE[0], window=POST_RATE[1], detail=board_access.TOO_FAST)
    post = Post(club_id=club.id, author_id=user.id, kind=data.kind, title=data.title, body=data.body)  # type: ignore[arg-type]
    session.add(post)
    await session.flush()
    if post.kind == "notice":
        await _notify_notice(session, club=club, post=post, author=user)
    page_live.club_changed(session, club.id)  # its board lists the new post
    return _post_view(post, user, board_access.Viewer(user=user, role=role))


async def do_update_post(session: AsyncSession, *, post_id: int, user: User, data: PostUpdate) -> PostPublic:
    """The author, while still a member, changes the title or the body. A deleted post is 404."""
    post, author, _club, viewer = await board_access.access_post(session, post_id=post_id, user=user)
    viewer.check_edit(post.author_id, what="post")
    changes = data.model_dump(exclude_unset=True)
    if changes:
        for key, value in changes.items():
            setattr(post, key, value)
        post.updated_at = utcnow()
        session.add(post)
        await session.flush()
        page_live.post_changed(session, post.id)
    return _post_view(post, author, viewer)


async def do_delete_post(session: AsyncSession, *, post_id: int, user: User) -> None:
    """Soft delete by the author or the owning club's host or moderators."""
    post, _author, _club, viewer = await board_access.access_post(session, post_id=post_id, user=user)
    viewer.check_delete(post.author_id, what="post")
    post.deleted_at = utcnow()
    session.add(post)
    await session.flush()
    page_live.post_changed(session, post.id)
    page_live.club_changed(session, post.club_id)


async def do_hide_post(session: AsyncSession, *, post_id: int) -> bool:
    """A moderation decision: readers stop seeing the post. False when there is no such post."""
    post = await session.get(Post, post_id)
    if post is None:
        return False
    if post.hidden_at is None:
        post.hidden_at = utcnow()
        session.add(post)
        await session.flush()
        page_live.post_changed(session, post.id)
        page_live.club_changed(session, post.club_id)
    return True


# ---------------------------------------------------------------- notifications


async def _notify_notice(session: AsyncSession, *, club: Club, post: Post, author: User) -> None:
    """``notice`` to every member but the author, in one statement whatever the club's size."""
    assert club.id is not None
    await notification_service.notify_club_members(
        session,
        club_id=club.id,
        exclude_user_id=author.id,
        type="notice",
        title=Msg("notification.notice.title", club=club.name),
        body=post.title,
        link=f"/posts/{post.id}",
        data={"club_id": club.id, "post_id": post.id},
    )
