"""Comments on posts, with one level of replies.

A reply names its parent with ``parent_id``; the parent is always a top-level
comment of the same post. A reply to a reply is attached to that reply's
top-level parent (the thread stays one level deep, as on Naver Cafe boards),
and the author of the comment actually answered is the one notified.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import field_serializer, field_validator
from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from withus.i18n import Msg
from withus.i18n.reader import reader
from withus.models.base import Base, created_at_field
from withus.models.post import clean_text, doc
from withus.models.types import StrictId, Text
from withus.models.user import UserSummary

COMMENT_MAX = 1000
# The body a deleted or hidden comment is returned with (the pages write their own, per reader).
DELETED_PLACEHOLDER = Msg("comment.deleted_placeholder")
HIDDEN_PLACEHOLDER = Msg("comment.hidden_placeholder")


BODY_DOC = {"minLength": 1, "maxLength": COMMENT_MAX}


class CommentCreate(SQLModel):
    body: Text = Field(schema_extra=doc(BODY_DOC))
    parent_id: StrictId | None = None

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        return clean_text(v, max_length=COMMENT_MAX, what=Msg("field.comment"))


class CommentUpdate(SQLModel):
    body: Text = Field(schema_extra=doc(BODY_DOC))

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        return clean_text(v, max_length=COMMENT_MAX, what=Msg("field.comment"))


class CommentPublic(SQLModel):
    id: int
    post_id: int
    parent_id: int | None
    author: UserSummary | None  # None when the comment is deleted or hidden from the reader
    author_blocked: bool
    body: str
    deleted: bool
    hidden: bool
    created_at: datetime
    updated_at: datetime | None
    can_edit: bool
    can_delete: bool
    replies: list[CommentPublic] = Field(default_factory=list)

    @field_serializer("body")
    def _shown_body(self, body: str) -> str:
        # The services write a placeholder in Korean; its reader gets it in their language.
        if self.deleted and body == DELETED_PLACEHOLDER:
            return DELETED_PLACEHOLDER.render(reader().locale)
        if self.hidden and self.author is None and body == HIDDEN_PLACEHOLDER:
            return HIDDEN_PLACEHOLDER.render(reader().locale)
        return body


class CommentPage(SQLModel):
    items: list[CommentPublic]
    next_cursor: str | None


class Comment(Base, table=True):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_post_id_parent_id_id", "post_id", "parent_id", "id"),
        Index("ix_comments_author_id", "author_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id")
    author_id: int = Field(foreign_key="users.id")
    parent_id: int | None = Field(default=None, foreign_key="comments.id")
    body: str = Field(max_length=COMMENT_MAX)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    hidden_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
