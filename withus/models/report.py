"""Reports of users, clubs, posts, comments and chat messages, and their decisions.

A report hides nothing by itself: only a decision (``hide``) by someone allowed
to make it changes what readers see. ``club_id`` is the club the target lives
in, resolved on the server from the target (never sent by the client); it is
null for users and for messages of one-to-one chat rooms, which only site
administrators review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import field_serializer, field_validator
from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from withus.i18n import Msg
from withus.models.base import Base, created_at_field
from withus.models.post import clean_text, doc
from withus.models.types import StrictId, Text
from withus.models.user import UserSummary, shown_nickname

TargetType = Literal["user", "club", "post", "comment", "message"]
ReportStatus = Literal["open", "hidden", "dismissed"]
REASON_MAX = 500


class ReportCreate(SQLModel):
    target_type: TargetType
    target_id: StrictId
    reason: Text = Field(schema_extra=doc({"minLength": 1, "maxLength": REASON_MAX}))

    @field_validator("reason")
    @classmethod
    def _reason(cls, v: str) -> str:
        return clean_text(v, max_length=REASON_MAX, what=Msg("field.report_reason"))


class ReportPublic(SQLModel):
    id: int
    target_type: TargetType
    target_id: int
    club_id: int | None
    reason: str
    status: ReportStatus
    created_at: datetime
    decided_at: datetime | None


class ReportReview(ReportPublic):
    """A report as the review queue shows it: who reported, who decided, what the target says."""

    reporter: UserSummary
    decided_by: UserSummary | None
    target_preview: str | None  # a title, an excerpt or a name; None when the target is gone
    target_link: str | None  # the page of the target (``/posts/3``), when it has one

    @field_serializer("target_preview")
    def _shown_preview(self, preview: str | None) -> str | None:
        return shown_nickname(preview) if self.target_type == "user" and preview is not None else preview


class ReportPage(SQLModel):
    items: list[ReportReview]
    next_cursor: str | None


class Report(Base, table=True):
    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id"),
        Index("ix_reports_status_id", "status", "id"),
        Index("ix_reports_club_id_status_id", "club_id", "status", "id"),
        Index("ix_reports_target_type_target_id", "target_type", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="users.id")
    target_type: str = Field(max_length=10)
    target_id: int
    club_id: int | None = Field(default=None, foreign_key="clubs.id")
    reason: str = Field(max_length=REASON_MAX)
    status: str = Field(default="open", max_length=10)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = created_at_field()
