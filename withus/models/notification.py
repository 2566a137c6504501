"""Notifications: stored per user, read or unread, pushed live after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel

from withus.i18n import DEFAULT_LOCALE, Msg
from withus.models.base import Base, as_utc, created_at_field

TITLE_MAX, BODY_MAX = 200, 1000


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_data(title: str, body: str) -> dict[str, Any] | None:
    """What to store of a notification's title and body when they are catalogue messages."""
    if not isinstance(title, Msg):
        return None
    return {"title": title.to_data(), "body": body.to_data() if isinstance(body, Msg) else None}


def rendered(message: dict[str, Any] | None, locale: str, *, title: str, body: str) -> tuple[str, str]:
    """(title, body) in ``locale`` from the stored messages; the stored text where there are none."""
    if not message or not message.get("title"):
        return title, body
    title = clip(Msg.from_data(message["title"]).render(locale), TITLE_MAX)
    if message.get("body"):
        body = clip(Msg.from_data(message["body"]).render(locale), BODY_MAX)
    return title, body


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
    # The catalogue messages of title and body ({"title": Msg.to_data(), "body": ... | None}): rendered
    # in the reader's language when read. Absent on rows made before it: their stored text is shown.
    message: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=True))
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
    def of(cls, n: Notification, locale: str = DEFAULT_LOCALE) -> NotificationPublic:
        """The notification for a reader of ``locale``: title and body in their language."""
        assert n.id is not None
        title, body = rendered(n.message, locale, title=n.title, body=n.body)
        return cls(
            id=n.id,
            type=n.type,  # type: ignore[arg-type]
            title=title,
            body=body,
            link=n.link,
            read=n.read_at is not None,
            created_at=as_utc(n.created_at),
            data=dict(n.data or {}),
        )
