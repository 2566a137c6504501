"""Users: the account table and its public and private views.

Views are built with :meth:`UserPublic.of` / :meth:`UserPrivate.of` /
:meth:`UserSummary.of` so that a deleted account shows "탈퇴한 회원" and the
default avatar everywhere, and the email never leaks into a public view.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, field_serializer
from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from withus.i18n import Msg
from withus.i18n.reader import reader
from withus.models.base import Base, as_utc, created_at_field

DELETED_NICKNAME = Msg("user.deleted_nickname")  # a deleted account's name (pages: shown_name)
DEFAULT_AVATAR_URL = "/default-avatar.svg"
MEDIA_URL_PREFIX = "/media/"


class UserBase(SQLModel):
    nickname: str = Field(max_length=20)
    introduction: str = Field(default="", max_length=300)


class User(UserBase, Base, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # username and email are stored lower-cased, so uniqueness is case-insensitive.
    username: str = Field(max_length=20, unique=True)
    nickname: str = Field(max_length=20, unique=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=200)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    # Relative to settings.media_path, e.g. "avatars/3f9c....webp".
    avatar_path: str | None = Field(default=None, max_length=200)
    is_admin: bool = Field(default=False)
    # ko | en: pages, API errors and mails for this user (withus.i18n).
    locale: str = Field(default="ko", max_length=2, sa_column_kwargs={"server_default": "ko"})
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def display_nickname(self) -> str:
        """What other people see: "탈퇴한 회원" once the account is deleted."""
        return display_nickname(self.nickname, self.deleted_at)

    @property
    def avatar_url(self) -> str:
        return avatar_url(self.avatar_path, self.deleted_at)


def display_nickname(nickname: str, deleted_at: datetime | None) -> str:
    return DELETED_NICKNAME if deleted_at is not None else nickname


def shown_nickname(nickname: str) -> str:
    """``nickname`` as its reader sees it: a deleted account's name in the reader's language.

    Views hold the Korean name (``DELETED_NICKNAME``, reserved, so no one else can take it); the
    reader is the API request's ``Accept-Language`` (``api.locale.LocaleMiddleware``) or a page
    event's locale (``withus.i18n.reader``).
    """
    return DELETED_NICKNAME.render(reader().locale) if nickname == DELETED_NICKNAME else nickname


def avatar_url(avatar_path: str | None, deleted_at: datetime | None) -> str:
    if avatar_path and deleted_at is None:
        return MEDIA_URL_PREFIX + avatar_path
    return DEFAULT_AVATAR_URL


class UserSummary(BaseModel):
    """The smallest view of a person, embedded in messages, posts, members, ..."""

    id: int
    nickname: str
    avatar_url: str

    @field_serializer("nickname")
    def _shown_nickname(self, nickname: str) -> str:
        return shown_nickname(nickname)

    @classmethod
    def of(cls, user: User) -> UserSummary:
        assert user.id is not None
        return cls(id=user.id, nickname=user.display_nickname, avatar_url=user.avatar_url)

    @classmethod
    def of_columns(
        cls, user_id: int, nickname: str, avatar_path: str | None, deleted_at: datetime | None
    ) -> UserSummary:
        """The same view from a row's columns (lists that read without the ORM)."""
        return cls(
            id=user_id, nickname=display_nickname(nickname, deleted_at), avatar_url=avatar_url(avatar_path, deleted_at)
        )


class UserPublic(SQLModel):
    """What any logged-in person sees of another (never the email)."""

    id: int
    nickname: str
    introduction: str
    tags: list[str]
    avatar_url: str
    created_at: datetime
    is_deleted: bool = False

    @field_serializer("nickname")
    def _shown_nickname(self, nickname: str) -> str:
        return shown_nickname(nickname)

    @classmethod
    def of(cls, user: User) -> UserPublic:
        assert user.id is not None
        deleted = user.deleted_at is not None
        return cls(
            id=user.id,
            nickname=user.display_nickname,
            introduction="" if deleted else user.introduction,
            tags=[] if deleted else list(user.tags or []),
            avatar_url=user.avatar_url,
            created_at=as_utc(user.created_at),
            is_deleted=deleted,
        )


class UserPrivate(SQLModel):
    """The account owner's own view (GET /api/users/me)."""

    id: int
    username: str
    nickname: str
    email: str
    introduction: str
    tags: list[str]
    avatar_url: str
    created_at: datetime
    is_admin: bool = False
    locale: Literal["ko", "en"] = Field(default="ko", description="The language pages, API errors and mails use.")

    @classmethod
    def of(cls, user: User) -> UserPrivate:
        assert user.id is not None
        return cls(
            id=user.id,
            username=user.username,
            nickname=user.nickname,
            email=user.email,
            introduction=user.introduction,
            tags=list(user.tags or []),
            avatar_url=user.avatar_url,
            created_at=as_utc(user.created_at),
            is_admin=user.is_admin,
            locale="en" if user.locale == "en" else "ko",
        )
