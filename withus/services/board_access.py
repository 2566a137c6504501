"""Who may do what on a club's board: the viewer of a board, and posts and comments fetched
with the permission check built in (``access_*``). Posts live in :mod:`withus.services.posts`,
comments in :mod:`withus.services.comments`.

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
from typing import Any, Literal

from sqlalchemy import ColumnElement, literal_column, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Forbidden, NotFound
from withus.i18n import Msg
from withus.models.club import STAFF_ROLES, Club
from withus.models.comment import Comment
from withus.models.post import Post
from withus.models.user import User
from withus.services import clubs as club_service
from withus.services import users as user_service

EXCERPT = 80
TOO_FAST = Msg("error.rate_limited.board_write")


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a club's board, and what that allows. (What depends on the viewer alone
    is worked out once: a page asks for every row.) The edit and delete rules are written once,
    in :meth:`edit_refusal` and :meth:`delete_refusal`: the services enforce them with
    :meth:`check_edit` / :meth:`check_delete`, and the views' ``can_edit`` / ``can_delete`` flags
    are :meth:`may_edit` / :meth:`may_delete`, the same functions."""

    user: user_service.Caller | None
    role: str | None
    blocked: frozenset[int] = frozenset()
    user_id: int | None = field(init=False)
    is_admin: bool = field(init=False)
    moderates: bool = field(init=False)
    """Host or moderator of this club, or a site administrator (:func:`moderates`)."""

    def __post_init__(self) -> None:
        is_admin = self.user is not None and bool(self.user.is_admin)
        object.__setattr__(self, "user_id", self.user.id if self.user is not None else None)
        object.__setattr__(self, "is_admin", is_admin)
        object.__setattr__(self, "moderates", moderates(self.role, is_admin=is_admin))

    def is_author(self, author_id: int) -> bool:
        return self.user_id is not None and self.user_id == author_id

    def edit_refusal(self, author_id: int) -> str | None:
        """Authors edit their own while they are still members: None, or why not (an error code)."""
        if not self.is_author(author_id):
            return "not_author"
        if self.role is None:
            return "not_a_member"
        return None

    def delete_refusal(self, author_id: int) -> str | None:
        """Authors delete their own; the club's host and moderators (and administrators) anything."""
        return None if self.is_author(author_id) or self.moderates else "cannot_delete"

    def may_edit(self, author_id: int) -> bool:
        return self.edit_refusal(author_id) is None

    def may_delete(self, author_id: int) -> bool:
        return self.delete_refusal(author_id) is None

    def check_edit(self, author_id: int, *, what: Content) -> None:
        if (code := self.edit_refusal(author_id)) is not None:
            raise Forbidden(_REFUSALS[what][code], code=code)

    def check_delete(self, author_id: int, *, what: Content) -> None:
        if (code := self.delete_refusal(author_id)) is not None:
            raise Forbidden(_REFUSALS[what][code], code=code)


Content = Literal["post", "comment"]

_REFUSALS: dict[str, dict[str, str]] = {
    "post": {
        "not_author": Msg("error.not_author"),
        "not_a_member": Msg("error.not_a_member.edit_post"),
        "cannot_delete": Msg("error.cannot_delete"),
    },
    "comment": {
        "not_author": Msg("error.not_author.comment"),
        "not_a_member": Msg("error.not_a_member.edit_comment"),
        "cannot_delete": Msg("error.cannot_delete.comment"),
    },
}


def moderates(role: str | None, *, is_admin: bool) -> bool:
    """Who sees hidden content and deletes anyone's: the club's staff (``STAFF_ROLES``) and site
    administrators. :func:`moderates_condition` is the same rule in SQL."""
    return is_admin or club_service.is_staff(role)


def moderates_condition(role: Any, is_admin: Any) -> ColumnElement[bool]:
    """:func:`moderates` in a statement whose columns give the reader's role and admin flag. The
    roles inline (constants of the code): a bound list is rendered per execution, which would keep
    the statement off fetch_rows' compiled-once path."""
    staff = role.in_([literal_column(f"'{r}'") for r in sorted(STAFF_ROLES)])
    return or_(staff, is_admin.is_(True))


def post_not_found() -> NotFound:
    return NotFound(code="post_not_found")


def comment_not_found() -> NotFound:
    return NotFound(code="comment_not_found")


def excerpt(text: str, length: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


# ---------------------------------------------------------------- access


async def viewer_of(session: AsyncSession, *, club: Club, user: User | None, with_blocked: bool = False) -> Viewer:
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
        raise post_not_found()
    post, author = row
    club = await club_service.get_club_or_raise(session, club_id=post.club_id)
    viewer = await viewer_of(session, club=club, user=user, with_blocked=with_blocked)
    if post.hidden_at is not None and not viewer.moderates:
        raise post_not_found()
    return post, author, club, viewer


async def access_comment(
    session: AsyncSession, *, comment_id: int, user: User | None
) -> tuple[Comment, Post, Club, Viewer]:
    """The comment, its post, the owning club and the viewer, if the viewer may read it."""
    comment = await session.get(Comment, comment_id)
    if comment is None or comment.deleted_at is not None:
        raise comment_not_found()
    post, _author, club, viewer = await access_post(session, post_id=comment.post_id, user=user)
    if comment.hidden_at is not None and not viewer.moderates:
        raise comment_not_found()
    return comment, post, club, viewer
