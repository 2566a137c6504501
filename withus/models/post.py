"""Board posts: the table, what a client sends, and what a reader sees.

A post belongs to one club for ever (``club_id`` is never taken from a client
after creation). ``deleted_at`` is set by its author or the club's staff;
``hidden_at`` by a moderation decision on a report. Neither row is removed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import DateTime, Index
from sqlmodel import Field, SQLModel

from withus.i18n import Msg
from withus.models.base import Base, created_at_field
from withus.models.types import Text, text_problem
from withus.models.user import UserSummary

PostKind = Literal["notice", "board"]
TITLE_MAX = 100
BODY_MAX = 5000


def clean_text(value: str, *, max_length: int, what: str, single_line: bool = False) -> str:
    """Plain text as people typed it: CRLF as LF, storable (no NUL, no lone surrogate), not blank."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if text_problem(value) is not None:
        raise ValueError(Msg("validation.text_chars", what=what))
    if single_line:
        value = " ".join(value.split("\n"))
    value = value.strip()
    if not value:
        raise ValueError(Msg("validation.text_required", what=what))
    if len(value) > max_length:
        raise ValueError(Msg("validation.text_too_long", what=what, max=max_length))
    return value


class PostBase(SQLModel):
    title: str = Field(max_length=TITLE_MAX)
    body: str = Field(max_length=BODY_MAX)


# What clean_text enforces, for the OpenAPI document (lengths count after trimming).
TITLE_DOC = {"minLength": 1, "maxLength": TITLE_MAX}
BODY_DOC = {"minLength": 1, "maxLength": BODY_MAX}


def doc(limits: dict[str, int]) -> Any:
    """``Field(...)`` carrying ``limits`` into the JSON schema only (a validator enforces them)."""
    return {"json_schema_extra": limits}


class PostCreate(SQLModel):
    title: Text = Field(schema_extra=doc(TITLE_DOC))
    body: Text = Field(schema_extra=doc(BODY_DOC))
    kind: PostKind = "board"

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        return clean_text(v, max_length=TITLE_MAX, what=Msg("field.title"), single_line=True)

    @field_validator("body")
    @classmethod
    def _body(cls, v: str) -> str:
        return clean_text(v, max_length=BODY_MAX, what=Msg("field.body"))


class PostUpdate(SQLModel):
    """Only the text changes; the kind and the club stay as they were created."""

    title: Text = Field(  # type: ignore[assignment]
        default=None, schema_extra=doc(TITLE_DOC)
    )
    body: Text = Field(  # type: ignore[assignment]
        default=None, schema_extra=doc(BODY_DOC)
    )

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        if v is None:
            raise ValueError(Msg("validation.title_required"))
        return clean_text(v, max_length=TITLE_MAX, what=Msg("field.title"), single_line=True)

    @field_validator("body")
    @classmethod
    def _body(cls, v: str | None) -> str | None:
        if v is None:
            raise ValueError(Msg("validation.body_required"))
        return clean_text(v, max_length=BODY_MAX, what=Msg("field.body"))


class PostPublic(BaseModel):
    id: int
    club_id: int
    kind: PostKind
    pinned: bool
    title: str
    body: str
    author: UserSummary
    author_blocked: bool
    comment_count: int
    created_at: datetime
    updated_at: datetime | None
    hidden: bool
    can_edit: bool
    can_delete: bool


class PostPage(BaseModel):
    items: list[PostPublic]
    next_cursor: str | None


class Post(PostBase, Base, table=True):
    __tablename__ = "posts"
    __table_args__ = (
        # The board list: notices first, then newest (``kind`` sorts 'notice' > 'board').
        Index("ix_posts_club_id_kind_id", "club_id", "kind", "id"),
        Index("ix_posts_author_id", "author_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="clubs.id")
    author_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=10)
    comment_count: int = Field(default=0)
    created_at: datetime = created_at_field()
    updated_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    hidden_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
