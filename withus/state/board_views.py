"""What the board shows, as plain view rows: a line of the board list (the club page), a post,
its comments and replies. The flags (``can_edit``, ``can_delete``) are the board service's own
(``board_access.Viewer``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from withus.i18n.reader import here
from withus.models.comment import CommentPublic
from withus.models.post import PostPublic
from withus.state.text import Segment, ago, full_time, segments, shown_name

# a comment whose author is masked: deleted (True) or hidden by the staff (False)
_PLACEHOLDERS = {True: "comment.deleted_placeholder", False: "comment.hidden_placeholder"}


@dataclasses.dataclass
class PostRow:
    """A line of the board list on the club page."""

    id: int
    title: str
    notice: bool
    author_id: int
    nickname: str
    avatar_url: str
    author_blocked: bool
    comment_count: int
    ago: str
    full_time: str
    hidden: bool


def post_row(p: PostPublic) -> PostRow:
    return PostRow(
        id=p.id,
        title=p.title,
        notice=p.kind == "notice",
        author_id=p.author.id,
        nickname=shown_name(p.author.nickname),
        avatar_url=p.author.avatar_url,
        author_blocked=p.author_blocked,
        comment_count=p.comment_count,
        ago=ago(p.created_at),
        full_time=full_time(p.created_at),
        hidden=p.hidden,
    )


@dataclasses.dataclass
class PostView:
    id: int = 0
    club_id: int = 0
    title: str = ""
    body: str = ""
    body_segments: list[Segment] = dataclasses.field(default_factory=list)
    notice: bool = False
    author_id: int = 0
    nickname: str = ""
    avatar_url: str = ""
    author_blocked: bool = False
    comment_count: int = 0
    ago: str = ""
    full_time: str = ""
    edited: bool = False
    hidden: bool = False
    can_edit: bool = False
    can_delete: bool = False


def post_view(p: PostPublic) -> PostView:
    return PostView(
        id=p.id,
        club_id=p.club_id,
        title=p.title,
        body=p.body,
        body_segments=segments(p.body),
        notice=p.kind == "notice",
        author_id=p.author.id,
        nickname=shown_name(p.author.nickname),
        avatar_url=p.author.avatar_url,
        author_blocked=p.author_blocked,
        comment_count=p.comment_count,
        ago=ago(p.created_at),
        full_time=full_time(p.created_at),
        edited=p.updated_at is not None,
        hidden=p.hidden,
        can_edit=p.can_edit,
        can_delete=p.can_delete,
    )


@dataclasses.dataclass
class ReplyView:
    id: int
    parent_id: int
    author_id: int
    nickname: str
    avatar_url: str
    author_blocked: bool
    body: str
    body_segments: list[Segment]
    masked: bool  # deleted, or hidden from this reader: a placeholder without author
    hidden: bool
    ago: str
    full_time: str
    edited: bool
    can_edit: bool
    can_delete: bool


@dataclasses.dataclass
class CommentView(ReplyView):
    replies: list[ReplyView] = dataclasses.field(default_factory=list)


def _reply_fields(c: CommentPublic) -> dict[str, Any]:
    return {
        "id": c.id,
        "parent_id": c.parent_id or 0,
        "author_id": c.author.id if c.author else 0,
        "nickname": shown_name(c.author.nickname) if c.author else "",
        "avatar_url": c.author.avatar_url if c.author else "",
        "author_blocked": c.author_blocked,
        "body": c.body if c.author is not None else here(_PLACEHOLDERS[c.deleted]),
        "body_segments": segments(c.body) if c.author is not None else [],
        "masked": c.author is None,
        "hidden": c.hidden,
        "ago": ago(c.created_at),
        "full_time": full_time(c.created_at),
        "edited": c.updated_at is not None and not c.deleted,
        "can_edit": c.can_edit,
        "can_delete": c.can_delete,
    }


def comment_view(c: CommentPublic) -> CommentView:
    return CommentView(**_reply_fields(c), replies=[ReplyView(**_reply_fields(r)) for r in c.replies])
