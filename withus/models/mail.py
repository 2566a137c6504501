"""The mail outbox: one row per mail, written in the transaction of the change it reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text
from sqlmodel import Field

from withus.models.base import Base, created_at_field, utcnow

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class MailOutbox(Base, table=True):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        # What the worker claims: the due pending rows, oldest first.
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Stable across every attempt, so a receiver can tell a retry from a new mail.
    message_id: str = Field(max_length=200, unique=True)
    to_address: str = Field(max_length=254)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    template: str = Field(max_length=64)
    subject: str = Field(max_length=300)
    text: str = Field(sa_column=Column(Text, nullable=False))
    html: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    headers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    # A mail that holds a secret (a code, a reset link) has its body emptied once sent.
    secret: bool = Field(default=False)
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)
    # Set while a worker's batch holds the row (a lease, renewed while the batch lasts): not due
    # for another worker until then; cleared with the outcome (services.mail_worker).
    claimed_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    failed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()
