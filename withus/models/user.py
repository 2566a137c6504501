"""Users: the account table and its public and private views."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from withus.models.base import created_at_field


class UserBase(SQLModel):
    nickname: str = Field(max_length=20)
    introduction: str = Field(default="", max_length=300)


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # username and email are stored lower-cased, so uniqueness is case-insensitive.
    username: str = Field(max_length=20, unique=True)
    nickname: str = Field(max_length=20, unique=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=200)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    avatar_path: str | None = Field(default=None, max_length=200)
    is_admin: bool = Field(default=False)
    created_at: datetime = created_at_field()
    deleted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
