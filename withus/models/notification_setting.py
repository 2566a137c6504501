"""A user's choice for one kind of notification: in the site, by mail. No row: the defaults."""

from __future__ import annotations

from sqlmodel import Field

from withus.models.base import Base


class NotificationSetting(Base, table=True):
    __tablename__ = "notification_settings"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    type: str = Field(max_length=32, primary_key=True)
    in_app: bool
    email: bool
