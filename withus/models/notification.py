"""Notifications: stored per user, read or unread, pushed live after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from withus.models.base import Base, as_utc, created_at_field

NotificationType = Literal[
    "club_invitation",
    "join_request",
    "join_approved",
    "join_declined",
    "comment",
    "reply",
    "notice",
    "chat_message",
    "role_changed",
    "removed_from_club",
    "event_created",
    "event_updated",
    "event_cancelled",
    "event_promoted",
    "event_reminder",
]
NOTIFICATION_TYPES: frozenset[str] = frozenset(NotificationType.__args__)  # type: ignore[attr-defined]


class Notification(Base, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        # My notifications newest first (keyset on id), and the unread ones.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    type: str = Field(max_length=32)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=1000)
    link: str = Field(default="", max_length=300)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    read_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()


class NotificationPublic(SQLModel):
    id: int
    type: NotificationType
    title: str
    body: str
    link: str
    read: bool
    created_at: datetime
    data: dict[str, Any]

    @classmethod
    def of(cls, n: Notification) -> NotificationPublic:
        assert n.id is not None
        return cls(
            id=n.id,
            type=n.type,  # type: ignore[arg-type]
            title=n.title,
            body=n.body,
            link=n.link,
            read=n.read_at is not None,
            created_at=as_utc(n.created_at),
            data=dict(n.data or {}),
        )
