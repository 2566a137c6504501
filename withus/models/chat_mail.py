"""Unread chat by mail: one row per (room, recipient) while a mail about that room may be due.

A row is written in the transaction of the first message that finds the recipient away from
the room (not viewing it, not notified since they last read it), due :data:`AWAY` later.
:mod:`withus.services.mail_chat` claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)
and either mails the recipient (``mailed_at`` set in the same transaction as the outbox row:
one mail per room, exactly once) or lets the row go. Reading the room up to ``first_seq``
deletes the row, so the next message after that starts a new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index
from sqlmodel import Field

from withus.models.base import Base


class ChatMailDue(Base, table=True):
    __tablename__ = "chat_mail_due"
    __table_args__ = (Index("ix_chat_mail_due_mailed_at_due_at", "mailed_at", "due_at"),)

    room_id: int = Field(foreign_key="chat_rooms.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    # The first message the recipient has not seen; read up to it and the row goes.
    first_seq: int
    due_at: datetime = Field(sa_type=DateTime(timezone=True), nullable=False)
    mailed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
