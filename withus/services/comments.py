"""Comments on a post: the thread (top-level comments with their replies), commenting,
editing, deleting and hiding one, and the notifications a comment sends.

Who may do what is settled in :mod:`withus.services.board_access`. A deleted comment that still
has replies shows "삭제된 댓글입니다." in its place; ``comment_count`` counts the comments a
reader sees (not deleted, not hidden) and is kept with atomic
``UPDATE ... SET comment_count = comment_count ± 1``.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, true, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import Club
from withus.models.comment import (
    DELETED_PLACEHOLDER,
    HIDDEN_PLACEHOLDER,
    Comment,
    CommentCreate,
    CommentPage,
    CommentPublic,
    CommentUpdate,
)
from withus.models.post import Post
from withus.models.user import User, UserSummary
from withus.services import board_access, page_live, pagination, rate_limit
from withus.services import clubs as club_service
from withus.services import notifications as notification_service
from withus.services import users as user_service

COMMENT_RATE = (30, 60)  # comments per user: (limit, seconds), fixed windows


def _comment_view(
    comment: Comment, author: User, viewer: board_access.Viewer, replies: list[CommentPublic] | None = None
) -> CommentPublic:
    assert comment.id is not None
    deleted = comment.deleted_at is not None
    hidden = comment.hidden_at is not None
    masked = deleted or (hidden and not viewer.moderates)
    body: str
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


async def list_comments(
    session: AsyncSession, *, post_id: int, user: User | None, limit: int | None = None, cursor: str | None = None
) -> CommentPage:
    """Top-level comments oldest first, each with its replies (oldest first) nested in ``replies``.

    A top-level comment that is deleted (or hidden from this reader) appears as a
    placeholder only while it has replies the reader can see. Two queries per page.
    """
    post, _author, _club, viewer = await board_access.access_post(
        session, post_id=post_id, user=user, with_blocked=True
    )
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
    post, _post_author, club, _ = await board_access.access_post(session, post_id=post_id, user=user)
    role = await club_service.check_member(session, club=club, user=user)
    answered: Comment | None = None
    parent_id: int | None = None
    if data.parent_id is not None:
        answered = await session.get(Comment, data.parent_id)
        if answered is None or answered.post_id != post.id:
            raise ValidationFailed.field("parent_id", code="invalid_parent")
        if answered.deleted_at is not None or answered.hidden_at is not None:
            raise Conflict(code="comment_deleted")
        parent_id = answered.parent_id or answered.id
    await rate_limit.hit(
        "comment", str(user.id), limit=COMMENT_RATE[0], window=COMMENT_RATE[1], detail=board_access.TOO_FAST
    )
    comment = Comment(post_id=post.id, author_id=user.id, parent_id=parent_id, body=data.body)  # type: ignore[arg-type]
    session.add(comment)
    await session.flush()
    await session.exec(update(Post).where(col(Post.id) == post.id).values(comment_count=col(Post.comment_count) + 1))  # type: ignore[call-overload]
    await _notify_comment(session, club=club, post=post, comment=comment, answered=answered, author=user)
    page_live.post_changed(session, post.id)
    return _comment_view(comment, user, board_access.Viewer(user=user, role=role))


async def do_update_comment(
    session: AsyncSession, *, comment_id: int, user: User, data: CommentUpdate
) -> CommentPublic:
    comment, _post, _club, viewer = await board_access.access_comment(session, comment_id=comment_id, user=user)
    viewer.check_edit(comment.author_id, what="comment")
    comment.body = data.body
    comment.updated_at = utcnow()
    session.add(comment)
    await session.flush()
    page_live.post_changed(session, comment.post_id)
    assert user.id is not None
    return _comment_view(comment, user, viewer)


async def do_delete_comment(session: AsyncSession, *, comment_id: int, user: User) -> None:
    """Soft delete by the author or the owning club's host or moderators."""
    comment, _post, _club, viewer = await board_access.access_comment(session, comment_id=comment_id, user=user)
    viewer.check_delete(comment.author_id, what="comment")
    if not await _retire_comment(session, comment=comment, column="deleted_at"):
        raise board_access.comment_not_found()  # deleted meanwhile by someone else


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
    page_live.post_changed(session, post_id)
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
    title = board_access.excerpt(post.title, 30)
    wanted: list[tuple[int, str, Msg]] = []
    if answered is not None:
        wanted.append((answered.author_id, "reply", Msg("notification.reply.title", title=title)))
    wanted.append((post.author_id, "comment", Msg("notification.comment.title", title=title)))
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
            body=Msg("notification.comment.body", nickname=author.nickname, text=board_access.excerpt(comment.body)),
            link=f"/posts/{post.id}#comment-{comment.id}",
            data={"club_id": post.club_id, "post_id": post.id, "comment_id": comment.id},
        )
