"""The board of a club: posts and comments, and who may do what with them.

Every rule is checked against the club that owns the post (``post.club_id``),
never against a club id sent by a client: once a post exists, only its id comes
from outside. The rules:

- reading follows the club's visibility (private: members only); site
  administrators read every board, to review reports;
- members write; a ``notice`` only the host and moderators, and notices are
  listed first (pinned), then everything else newest first;
- authors edit their own while they are still members; authors, the host and
  moderators of the owning club (and site administrators) delete;
- deletion is soft: a deleted post is gone (404, also for editing); a deleted
  comment that still has replies shows "삭제된 댓글입니다." in its place;
- hidden content (a moderation decision, see ``withus.services.reports``) is
  shown to the club's staff and administrators, marked ``hidden``, and to
  nobody else;
- a viewer who blocked an author still sees the content, with
  ``author_blocked: true`` so that clients collapse it.

``comment_count`` counts the comments a reader sees (not deleted, not hidden)
and is kept with atomic ``UPDATE ... SET comment_count = comment_count ± 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, exists, false, literal_column, or_, true, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.errors import Conflict, Forbidden, NotFound, ValidationFailed
from withus.models.base import as_utc, utcnow
from withus.models.block import UserBlock
from withus.models.club import STAFF_ROLES, Club
from withus.models.comment import (
    DELETED_PLACEHOLDER,
    HIDDEN_PLACEHOLDER,
    Comment,
    CommentCreate,
    CommentPage,
    CommentPublic,
    CommentUpdate,
)
from withus.models.post import Post, PostCreate, PostPage, PostPublic, PostUpdate
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import notifications as notification_service
from withus.services import pagination, rate_limit, tokens
from withus.services import users as user_service

# Creating content: per user, fixed windows (limit, seconds).
POST_RATE = (10, 600)
COMMENT_RATE = (30, 60)
EXCERPT = 80
_posts = cast(Table, Post.__table__)  # type: ignore[attr-defined]
_users = cast(Table, User.__table__)  # type: ignore[attr-defined]
_blocks = cast(Table, UserBlock.__table__)  # type: ignore[attr-defined]
_TOO_FAST = "글을 너무 자주 쓰고 있습니다. 잠시 후 다시 시도해 주세요."


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a club's board, and what that allows. (What depends on the viewer alone
    is worked out once: a page asks for every row.)"""

    user: user_service.Caller | None
    role: str | None
    blocked: frozenset[int] = frozenset()
    user_id: int | None = field(init=False)
    is_admin: bool = field(init=False)
    moderates: bool = field(init=False)
    """Host or moderator of this club, or a site administrator."""

    def __post_init__(self) -> None:
        is_admin = self.user is not None and self.user.is_admin
        object.__setattr__(self, "user_id", self.user.id if self.user is not None else None)
        object.__setattr__(self, "is_admin", is_admin)
        object.__setattr__(self, "moderates", is_admin or club_service.is_staff(self.role))

    def is_author(self, author_id: int) -> bool:
        return self.user_id is not None and self.user_id == author_id

    def may_edit(self, author_id: int) -> bool:
        """Authors edit their own while they are still members."""
        return self.is_author(author_id) and self.role is not None

    def may_delete(self, author_id: int) -> bool:
        """Authors delete their own; the club's host and moderators (and administrators) anything."""
        return self.is_author(author_id) or self.moderates


def _post_not_found() -> NotFound:
    return NotFound("게시글을 찾을 수 없습니다.", code="post_not_found")


def _comment_not_found() -> NotFound:
    return NotFound("댓글을 찾을 수 없습니다.", code="comment_not_found")


def excerpt(text: str, length: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


# ---------------------------------------------------------------- access


async def _viewer(session: AsyncSession, *, club: Club, user: User | None, with_blocked: bool = False) -> Viewer:
    """The viewer's role in ``club``; raises when the board is closed to them."""
    assert club.id is not None
    role = None
    if user is not None and user.id is not None:
        role = await club_service.get_role(session, club_id=club.id, user_id=user.id)
    if not (user is not None and user.is_admin) and role is None:
        await club_service.check_can_read_club_content(session, club=club, user=user)
    blocked: frozenset[int] = frozenset()
    if with_blocked and user is not None and user.id is not None:
        blocked = frozenset(await user_service.blocked_ids(session, blocker_id=user.id))
    return Viewer(user=user, role=role, blocked=blocked)


async def access_post(
    session: AsyncSession, *, post_id: int, user: User | None, with_blocked: bool = False
) -> tuple[Post, User, Club, Viewer]:
    """The post with its author, its club and the viewer, if the viewer may read it."""
    row = (
        await session.exec(select(Post, User).join(User, col(User.id) == Post.author_id).where(Post.id == post_id))
    ).first()
    if row is None or row[0].deleted_at is not None:
        raise _post_not_found()
    post, author = row
    club = await club_service.get_club_or_raise(session, club_id=post.club_id)
    viewer = await _viewer(session, club=club, user=user, with_blocked=with_blocked)
    if post.hidden_at is not None and not viewer.moderates:
        raise _post_not_found()
    return post, author, club, viewer


async def access_comment(
    session: AsyncSession, *, comment_id: int, user: User | None
) -> tuple[Comment, Post, Club, Viewer]:
    """The comment, its post, the owning club and the viewer, if the viewer may read it."""
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise _comment_not_found()
    post, _author, club, viewer = await access_post(session, post_id=comment.post_id, user=user)
    if comment.hidden_at is not None and not viewer.moderates:
        raise _comment_not_found()
    return comment, post, club, viewer


def _post_view(post: Post, author: User, viewer: Viewer) -> PostPublic:
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


def _comment_view(
    comment: Comment, author: User, viewer: Viewer, replies: list[CommentPublic] | None = None
) -> CommentPublic:
    assert comment.id is not None
    deleted = comment.deleted_at is not None
    hidden = comment.hidden_at is not None
    masked = deleted or (hidden and not viewer.moderates)
    if deleted:
        body = DELETED_PLACEHOLDER
    elif masked:
        body = HIDDEN_PLACEHOLDER
    else:
        body = comment.body
    return CommentPublic(
        id=comment.id,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        author=None if masked else UserSummary.of(author),
        author_blocked=not masked and author.id in viewer.blocked,
        body=body,
        deleted=deleted,
        hidden=hidden,
        created_at=as_utc(comment.created_at),
        updated_at=as_utc(comment.updated_at) if comment.updated_at else None,
        can_edit=not masked and viewer.may_edit(comment.author_id),
        can_delete=not masked and viewer.may_delete(comment.author_id),
        replies=replies or [],
    )


# ---------------------------------------------------------------- posts


@cache
def _board_page_statement(*, reader: bool, with_kind: bool, with_cursor: bool) -> Select[Any]:
    """The board page statement of one shape, built once: building and hashing a statement on every
    request cost as much as running it. Parameters: ``club_id``, ``limit``, and ``reader``,
    ``kind``, ``after_kind``/``after_id`` when the shape has them. Each row also carries the
    reader's account (:func:`users.caller_columns`), the club's visibility and the reader's role
    (:func:`clubs.read_access_columns`), so a page that has rows needs no other round trip; hidden
    posts are in it only for the club's staff and site administrators (the rule of
    :attr:`Viewer.moderates`, here in SQL because the page's limit counts the rows it returns)."""
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
        # The roles inline (constants of the code): a bound list is rendered per execution, which
        # would keep the statement off fetch_rows' compiled-once path.
        staff = role.in_([literal_column(f"'{r}'") for r in sorted(STAFF_ROLES)])
        stmt = stmt.where(or_(_posts.c.hidden_at.is_(None), staff, caller_admin.is_(True)))
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
    viewer = Viewer(user=caller, role=access.role)  # blocks come with each row
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
    post, author, _club, viewer = await access_post(session, post_id=post_id, user=user, with_blocked=True)
    return _post_view(post, author, viewer)


async def do_create_post(session: AsyncSession, *, club_id: int, user: User, data: PostCreate) -> PostPublic:
    """A member writes on the board; a notice needs the host or a moderator, and notifies every member."""
    assert user.id is not None
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    role = await club_service.check_member(session, club=club, user=user)
    if data.kind == "notice" and not club_service.is_staff(role):
        raise Forbidden("공지는 모임장과 운영진만 쓸 수 있습니다.", code="notice_staff_only")
    await rate_limit.hit("post", str(user.id), limit=POST_RATE[0], window=POST_RATE[1], detail=_TOO_FAST)
    post = Post(club_id=club.id, author_id=user.id, kind=data.kind, title=data.title, body=data.body)  # type: ignore[arg-type]
    session.add(post)
    await session.flush()
    if post.kind == "notice":
        await _notify_notice(session, club=club, post=post, author=user)
    return _post_view(post, user, Viewer(user=user, role=role))


async def do_update_post(session: AsyncSession, *, post_id: int, user: User, data: PostUpdate) -> PostPublic:
    """The author, while still a member, changes the title or the body. A deleted post is 404."""
    post, author, _club, viewer = await access_post(session, post_id=post_id, user=user)
    if not viewer.is_author(post.author_id):
        raise Forbidden("글쓴이만 글을 고칠 수 있습니다.", code="not_author")
    if viewer.role is None:
        raise Forbidden("모임 회원만 글을 고칠 수 있습니다.", code="not_a_member")
    changes = data.model_dump(exclude_unset=True)
    if changes:
        for key, value in changes.items():
            setattr(post, key, value)
        post.updated_at = utcnow()
        session.add(post)
        await session.flush()
    return _post_view(post, author, viewer)


async def do_delete_post(session: AsyncSession, *, post_id: int, user: User) -> None:
    """Soft delete by the author or the owning club's host or moderators."""
    post, _author, _club, viewer = await access_post(session, post_id=post_id, user=user)
    if not (viewer.is_author(post.author_id) or viewer.moderates):
        raise Forbidden("글쓴이와 모임 운영진만 글을 지울 수 있습니다.", code="cannot_delete")
    post.deleted_at = utcnow()
    session.add(post)
    await session.flush()


async def do_hide_post(session: AsyncSession, *, post_id: int) -> bool:
    """A moderation decision: readers stop seeing the post. False when there is no such post."""
    post = await session.get(Post, post_id)
    if post is None:
        return False
    if post.hidden_at is None:
        post.hidden_at = utcnow()
        session.add(post)
        await session.flush()
    return True


# ---------------------------------------------------------------- comments


async def list_comments(
    session: AsyncSession, *, post_id: int, user: User | None, limit: int | None = None, cursor: str | None = None
) -> CommentPage:
    """Top-level comments oldest first, each with its replies (oldest first) nested in ``replies``.

    A top-level comment that is deleted (or hidden from this reader) appears as a
    placeholder only while it has replies the reader can see. Two queries per page.
    """
    post, _author, _club, viewer = await access_post(session, post_id=post_id, user=user, with_blocked=True)
    reply = aliased(Comment)
    reply_visible = and_(
        col(reply.deleted_at).is_(None), true() if viewer.moderates else col(reply.hidden_at).is_(None)
    )
    self_visible = and_(
        col(Comment.deleted_at).is_(None), true() if viewer.moderates else col(Comment.hidden_at).is_(None)
    )
    stmt = (
        select(Comment, User)
        .join(User, col(User.id) == Comment.author_id)
        .where(
            Comment.post_id == post.id,
            col(Comment.parent_id).is_(None),
            or_(self_visible, exists().where(col(reply.parent_id) == Comment.id, reply_visible)),
        )
    )
    if cursor:
        (after_id,) = pagination.decode_cursor(cursor, int)
        stmt = stmt.where(col(Comment.id) > after_id)
    limit = pagination.clamp_limit(limit)
    rows = list((await session.exec(stmt.order_by(col(Comment.id)).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    replies: dict[int, list[CommentPublic]] = {}
    if rows:
        top_ids = [c.id for c, _ in rows]
        reply_stmt = (
            select(Comment, User)
            .join(User, col(User.id) == Comment.author_id)
            .where(col(Comment.parent_id).in_(top_ids), self_visible)
            .order_by(col(Comment.id))
        )
        for c, a in (await session.exec(reply_stmt)).all():
            assert c.parent_id is not None
            replies.setdefault(c.parent_id, []).append(_comment_view(c, a, viewer))
    items = [_comment_view(c, a, viewer, replies.get(c.id or 0)) for c, a in rows]
    next_cursor = pagination.encode_cursor(rows[-1][0].id) if more and rows else None
    return CommentPage(items=items, next_cursor=next_cursor)


async def do_create_comment(session: AsyncSession, *, post_id: int, user: User, data: CommentCreate) -> CommentPublic:
    """A member of the owning club comments or replies; the post's and the parent's authors are notified.

    A reply to a reply is attached to the top-level comment of that thread.
    """
    assert user.id is not None
    post, _post_author, club, _ = await access_post(session, post_id=post_id, user=user)
    role = await club_service.check_member(session, club=club, user=user)
    answered: Comment | None = None
    parent_id: int | None = None
    if data.parent_id is not None:
        answered = await session.get(Comment, data.parent_id)
        if answered is None or answered.post_id != post.id:
            raise ValidationFailed.field("parent_id", "답글을 달 댓글을 찾을 수 없습니다.", code="invalid_parent")
        if answered.deleted_at is not None or answered.hidden_at is not None:
            raise Conflict("삭제되었거나 숨겨진 댓글에는 답글을 달 수 없습니다.", code="comment_deleted")
        parent_id = answered.parent_id or answered.id
    await rate_limit.hit("comment", str(user.id), limit=COMMENT_RATE[0], window=COMMENT_RATE[1], detail=_TOO_FAST)
    comment = Comment(post_id=post.id, author_id=user.id, parent_id=parent_id, body=data.body)  # type: ignore[arg-type]
    session.add(comment)
    await session.flush()
    await session.exec(update(Post).where(col(Post.id) == post.id).values(comment_count=col(Post.comment_count) + 1))  # type: ignore[call-overload]
    await _notify_comment(session, club=club, post=post, comment=comment, answered=answered, author=user)
    return _comment_view(comment, user, Viewer(user=user, role=role))


async def do_update_comment(
    session: AsyncSession, *, comment_id: int, user: User, data: CommentUpdate
) -> CommentPublic:
    comment, _post, _club, viewer = await access_comment(session, comment_id=comment_id, user=user)
    if not viewer.is_author(comment.author_id):
        raise Forbidden("작성자만 댓글을 고칠 수 있습니다.", code="not_author")
    if viewer.role is None:
        raise Forbidden("모임 회원만 댓글을 고칠 수 있습니다.", code="not_a_member")
    comment.body = data.body
    comment.updated_at = utcnow()
    session.add(comment)
    await session.flush()
    assert user.id is not None
    return _comment_view(comment, user, viewer)


async def do_delete_comment(session: AsyncSession, *, comment_id: int, user: User) -> None:
    """Soft delete by the author or the owning club's host or moderators."""
    comment, _post, _club, viewer = await access_comment(session, comment_id=comment_id, user=user)
    if not (viewer.is_author(comment.author_id) or viewer.moderates):
        raise Forbidden("작성자와 모임 운영진만 댓글을 지울 수 있습니다.", code="cannot_delete")
    if not await _retire_comment(session, comment=comment, column="deleted_at"):
        raise _comment_not_found()  # deleted meanwhile by someone else


async def do_hide_comment(session: AsyncSession, *, comment_id: int) -> bool:
    """A moderation decision: readers stop seeing the comment. False when there is no such comment."""
    comment = await session.get(Comment, comment_id)
    if comment is None:
        return False
    await _retire_comment(session, comment=comment, column="hidden_at")
    return True


async def _retire_comment(session: AsyncSession, *, comment: Comment, column: str) -> bool:
    """Sets ``deleted_at`` or ``hidden_at`` once, and takes the comment out of ``comment_count`` when it
    was still counted. One conditional UPDATE ... RETURNING: of a delete and a hide racing on the same
    comment, the second waits for the first's row lock and then sees its effect, so the count drops once."""
    other = "hidden_at" if column == "deleted_at" else "deleted_at"
    table = Comment.__table__  # type: ignore[attr-defined]
    now = utcnow()
    stmt = (
        update(table)
        .where(table.c.id == comment.id, table.c[column].is_(None))
        .values({column: now})
        .returning(table.c.post_id, table.c[other])
    )
    row = (await session.exec(stmt)).first()  # type: ignore[call-overload]
    if row is None:
        return False
    post_id, other_value = row
    set_committed_value(comment, column, now)  # the row's new state, without another UPDATE
    set_committed_value(comment, other, other_value)
    if other_value is None:
        await session.exec(
            update(Post).where(col(Post.id) == post_id).values(comment_count=col(Post.comment_count) - 1)  # type: ignore[call-overload]
        )
    return True


# ---------------------------------------------------------------- notifications


async def _notify_comment(
    session: AsyncSession,
    *,
    club: Club,
    post: Post,
    comment: Comment,
    answered: Comment | None,
    author: User,
) -> None:
    """``reply`` to the author of the comment answered, ``comment`` to the post's author: never to
    oneself, twice, to a deleted account, to someone who blocked the commenter, or to someone who can
    no longer read a private club's board."""
    assert author.id is not None
    title = excerpt(post.title, 30)
    wanted: list[tuple[int, str, str]] = []
    if answered is not None:
        wanted.append((answered.author_id, "reply", f"'{title}'의 내 댓글에 답글이 달렸습니다."))
    wanted.append((post.author_id, "comment", f"'{title}'에 새 댓글이 달렸습니다."))
    seen = {author.id}
    for user_id, kind, heading in wanted:
        if user_id in seen:
            continue
        seen.add(user_id)
        recipient = await session.get(User, user_id)
        if recipient is None or recipient.deleted_at is not None:
            continue
        if await user_service.is_blocked(session, blocker_id=user_id, blocked_id=author.id):
            continue
        if (
            club.visibility != "public"
            and await club_service.get_role(session, club_id=post.club_id, user_id=user_id) is None
        ):
            continue
        await notification_service.notify(
            session,
            user_id=user_id,
            type=kind,
            title=heading,
            body=f"{author.nickname}: {excerpt(comment.body)}",
            link=f"/posts/{post.id}#comment-{comment.id}",
            data={"club_id": post.club_id, "post_id": post.id, "comment_id": comment.id},
        )


async def _notify_notice(session: AsyncSession, *, club: Club, post: Post, author: User) -> None:
    """``notice`` to every member but the author, in one statement whatever the club's size."""
    assert club.id is not None
    await notification_service.notify_club_members(
        session,
        club_id=club.id,
        exclude_user_id=author.id,
        type="notice",
        title=f"[{club.name}] 새 공지",
        body=post.title,
        link=f"/posts/{post.id}",
        data={"club_id": club.id, "post_id": post.id},
    )
