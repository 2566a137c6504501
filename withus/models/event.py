"""Meetups: events of a club, their series, the members' answers (RSVP) and calendar feeds.

An occurrence of a repeating event is an event of its own (its own answers), tied to the
others by ``series_id``. ``events.going_count`` and ``events.waitlist_count`` are stored
counters kept in the same transaction as every answer, under a lock on the event row
(see ``withus.services.rsvp``). ``events.sequence`` is the iCalendar ``SEQUENCE``: it grows
on every change a calendar should see. ``event_rsvps.seq`` is the answer order within the
event (taken from ``events.rsvp_seq`` under the lock): the going list and the waitlist are
read in that order, first come first served. ``event_rsvps.reminded_at`` is the reminder's
claim: set by the one transaction that sends it (``withus.services.reminders``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import DateTime, Index, UniqueConstraint
from sqlmodel import Field

from withus.models.base import Base, created_at_field

EventStatus = Literal["scheduled", "cancelled"]
RsvpStatus = Literal["going", "waitlisted", "not_going"]
RsvpResponse = Literal["going", "not_going"]
RepeatFreq = Literal["weekly", "monthly"]
Scope = Literal["this", "following"]

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
LOCATION_MAX = 200
MAP_URL_MAX = 500
CAPACITY_MAX = 10_000


def _tz() -> DateTime:
    return DateTime(timezone=True)


class EventSeries(Base, table=True):
    __tablename__ = "event_series"

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE", index=True)
    freq: str = Field(max_length=16)
    count: int | None = Field(default=None)
    until: datetime | None = Field(default=None, sa_type=_tz())
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


class Event(Base, table=True):
    __tablename__ = "events"
    __table_args__ = (
        # A club's events by start (upcoming first, keyset on (starts_at, id)).
        Index("ix_events_club_id_starts_at", "club_id", "starts_at", "id"),
        Index("ix_events_series_id_starts_at", "series_id", "starts_at"),
        # The reminder sweep: scheduled events by start.
        Index("ix_events_status_starts_at", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE")
    series_id: int | None = Field(default=None, foreign_key="event_series.id", ondelete="SET NULL")
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    starts_at: datetime = Field(sa_type=_tz())
    ends_at: datetime = Field(sa_type=_tz())
    location: str | None = Field(default=None, max_length=LOCATION_MAX)
    map_url: str | None = Field(default=None, max_length=MAP_URL_MAX)
    capacity: int | None = Field(default=None)
    rsvp_deadline: datetime | None = Field(default=None, sa_type=_tz())
    status: str = Field(default="scheduled", max_length=16)
    going_count: int = Field(default=0, nullable=False)
    waitlist_count: int = Field(default=0, nullable=False)
    rsvp_seq: int = Field(default=0, nullable=False)
    sequence: int = Field(default=0, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    cancelled_at: datetime | None = Field(default=None, sa_type=_tz())


class EventRsvp(Base, table=True):
    __tablename__ = "event_rsvps"
    __table_args__ = (
        # The going list and the waitlist of an event, in answer order.
        Index("ix_event_rsvps_event_id_status_seq", "event_id", "status", "seq"),
        # My events (going / waitlisted), and the reminder claim.
        Index("ix_event_rsvps_user_id_status", "user_id", "status"),
    )

    event_id: int = Field(foreign_key="events.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    status: str = Field(max_length=16)
    seq: int = Field(nullable=False)
    answered_at: datetime = created_at_field()
    reminded_at: datetime | None = Field(default=None, sa_type=_tz())


class CalendarFeed(Base, table=True):
    """One private feed address per user; a new one replaces (revokes) the old."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_calendar_feeds_token_hash"),)

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    token_hash: str = Field(max_length=64)
    created_at: datetime = created_at_field()
