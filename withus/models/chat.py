"""Chat: rooms (one per pair of users, one per club), read state, and messages.

- ``chat_rooms``: ``kind`` is ``direct`` (``user_low_id < user_high_id``, the pair unique)
  or ``club`` (``club_id`` unique). ``last_seq`` is the room's message counter, read under
  the room's row lock and advanced in the sending transaction
  (:mod:`withus.services.chat_sending`), so every message of a room has the next ``seq``
  (1, 2, 3, ... no gaps).
  ``last_activity_at`` (the last message's time, or the creation) orders the room list.
- ``chat_participants``: one row per (room, user) holding that user's read state
  (``last_read_seq``), whether they hid the room (``hidden_at``) and up to which seq
  their history is cleared (``cleared_seq``, set when they leave a 1:1 room). For a
  club room the row only carries read state: who may enter is the club's membership,
  checked on every access, never copied here.
- ``chat_messages``: ``seq`` unique per room; ``client_msg_id`` unique per (room,
  sender) when present, which makes a resend idempotent. ``edited_at`` is set by an edit
  (:mod:`withus.services.chat_edits`); ``deleted_at`` by a delete, which also empties ``body``
  (the text is gone from the database, the message keeps its place).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from withus.models.base import Base, as_utc, created_at_field
from withus.models.user import MEDIA_URL_PREFIX, UserSummary

RoomKind = Literal["direct", "club"]
BODY_MAX = 1000
CLIENT_MSG_ID_MAX = 64


def _tz() -> DateTime:
    return DateTime(timezone=True)


class ChatRoom(Base, table=True):
    __tablename__ = "chat_rooms"
    __table_args__ = (
        UniqueConstraint("user_low_id", "user_high_id", name="uq_chat_rooms_user_low_id_user_high_id"),
        CheckConstraint(
            "(kind = 'club' AND club_id IS NOT NULL AND user_low_id IS NULL AND user_high_id IS NULL)"
            " OR (kind = 'direct' AND club_id IS NULL AND user_low_id IS NOT NULL"
            " AND user_high_id IS NOT NULL AND user_low_id < user_high_id)",
            name="kind_members",
        ),
        Index("ix_chat_rooms_last_activity_at_id", "last_activity_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=8)
    club_id: int | None = Field(default=None, foreign_key="clubs.id", ondelete="CASCADE", unique=True)
    user_low_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    user_high_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE", index=True)
    last_seq: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    last_activity_at: datetime = created_at_field()


class ChatParticipant(Base, table=True):
    __tablename__ = "chat_participants"

    room_id: int = Field(foreign_key="chat_rooms.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True)
    last_read_seq: int = Field(default=0, nullable=False)
    cleared_seq: int = Field(default=0, nullable=False)
    hidden_at: datetime | None = Field(default=None, sa_type=_tz())
    joined_at: datetime = created_at_field()


class ChatMessage(Base, table=True):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_id_seq"),
        UniqueConstraint(
            "room_id", "sender_id", "client_msg_id", name="uq_chat_messages_room_id_sender_id_client_msg_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="chat_rooms.id", ondelete="CASCADE")
    seq: int
    sender_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    body: str = Field(max_length=BODY_MAX)
    client_msg_id: str | None = Field(default=None, max_length=CLIENT_MSG_ID_MAX)
    created_at: datetime = created_at_field()
    hidden_at: datetime | None = Field(default=None, sa_type=_tz())
    edited_at: datetime | None = Field(default=None, sa_type=_tz())
    deleted_at: datetime | None = Field(default=None, sa_type=_tz())
    # An image (withus.services.chat_attachments): paths under MEDIA_DIR, the full image's size.
    attachment_path: str | None = Field(default=None, max_length=200)
    attachment_thumb_path: str | None = Field(default=None, max_length=200)
    attachment_width: int | None = None
    attachment_height: int | None = None


@dataclass(frozen=True, slots=True)
class StoredImage:
    """A checked, re-encoded image on disk: what a message's attachment columns hold."""

    path: str
    thumb_path: str
    width: int
    height: int

    def columns(self) -> dict[str, object]:
        return {
            "attachment_path": self.path,
            "attachment_thumb_path": self.thumb_path,
            "attachment_width": self.width,
            "attachment_height": self.height,
        }


NO_ATTACHMENT: dict[str, object] = {
    "attachment_path": None,
    "attachment_thumb_path": None,
    "attachment_width": None,
    "attachment_height": None,
}


# ---------------------------------------------------------------- views


class AttachmentPublic(SQLModel):
    """An image sent in a room: the full image (WebP, at most 2048 px a side) and a thumbnail."""

    url: str
    width: int
    height: int
    thumbnail_url: str

    @classmethod
    def of(cls, message: ChatMessage) -> AttachmentPublic | None:
        if not message.attachment_path:
            return None
        return cls(
            url=MEDIA_URL_PREFIX + message.attachment_path,
            width=message.attachment_width or 0,
            height=message.attachment_height or 0,
            thumbnail_url=MEDIA_URL_PREFIX + (message.attachment_thumb_path or message.attachment_path),
        )

    @classmethod
    def of_stored(cls, image: StoredImage | None) -> AttachmentPublic | None:
        if image is None:
            return None
        return cls(
            url=MEDIA_URL_PREFIX + image.path,
            width=image.width,
            height=image.height,
            thumbnail_url=MEDIA_URL_PREFIX + image.thumb_path,
        )


class MessagePublic(SQLModel):
    """A message as REST, STOMP and the live UI show it. A message hidden by moderation
    keeps its place (``seq``) with an empty body and ``hidden: true``; a deleted one with an
    empty body and ``deleted: true``; an edited one has ``edited_at``."""

    id: int
    room_id: int
    seq: int
    sender: UserSummary
    body: str = Field(description='the text; "" for an image, a hidden or a deleted message')
    client_msg_id: str | None
    created_at: datetime
    hidden: bool = False
    edited_at: datetime | None = None
    deleted: bool = False
    attachment: AttachmentPublic | None = None

    @classmethod
    def of(cls, message: ChatMessage, sender: UserSummary) -> MessagePublic:
        assert message.id is not None
        deleted = message.deleted_at is not None
        hidden = message.hidden_at is not None and not deleted
        return cls(
            id=message.id,
            room_id=message.room_id,
            seq=message.seq,
            sender=sender,
            body="" if hidden or deleted else message.body,
            client_msg_id=message.client_msg_id,
            created_at=as_utc(message.created_at),
            hidden=hidden,
            edited_at=as_utc(message.edited_at) if message.edited_at is not None and not deleted else None,
            deleted=deleted,
            attachment=None if hidden or deleted else AttachmentPublic.of(message),
        )


class ClubSummary(SQLModel):
    id: int
    name: str
    cover_url: str | None = None


class RoomPublic(SQLModel):
    """One row of my room list, and the detail of one room."""

    id: int
    kind: RoomKind
    title: str
    peer: UserSummary | None = None
    club: ClubSummary | None = None
    last_message: MessagePublic | None = None
    unread_count: int
    last_seq: int
    last_read_seq: int
    last_activity_at: datetime
    peer_last_read_seq: int | None = Field(
        default=None,
        description="1:1 rooms, in `GET /api/chat/rooms/{id}`: the other person's read mark (읽음 under my messages "
        "up to it); null in a club room and in the list",
    )
