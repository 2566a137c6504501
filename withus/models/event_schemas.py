"""Events: what clients send and what they get back.

Times: a time sent without an offset is Korean time (``Asia/Seoul``); every time is returned
as ISO 8601 in Korean time with its offset (``2026-12-05T19:00:00+09:00``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from withus.i18n import Msg
from withus.models.base import as_utc
from withus.models.event import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    MAP_URL_MAX,
    TITLE_MAX,
    EventStatus,
    RepeatFreq,
    RsvpResponse,
    RsvpStatus,
)
from withus.models.types import IsoDateTime, Text
from withus.models.user import UserSummary

KST = ZoneInfo("Asia/Seoul")


def korean(value: datetime) -> datetime:
    """A stored time (SQLite hands back naive UTC) in Korean time."""
    return as_utc(value).astimezone(KST)


def aware_kst(value: datetime | None) -> datetime | None:
    """A time sent without an offset is Korean time; every time is kept in UTC (SQLite stores the
    wall clock it is given, without its offset)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return value.astimezone(UTC)


def _title(value: str) -> str:
    value = value.strip()
    if not value or "\n" in value or len(value) > TITLE_MAX:
        raise ValueError(Msg("validation.event_title", max=TITLE_MAX))
    return value


def _description(value: str) -> str:
    value = value.strip()
    if len(value) > DESCRIPTION_MAX:
        raise ValueError(Msg("validation.event_description", max=DESCRIPTION_MAX))
    return value


def _location(value: str | None) -> str | None:
    value = value.strip() if isinstance(value, str) else value
    if not value:
        return None
    if len(value) > LOCATION_MAX:
        raise ValueError(Msg("validation.location_length", max=LOCATION_MAX))
    return value


def _map_url(value: str | None) -> str | None:
    value = value.strip() if isinstance(value, str) else value
    if not value:
        return None
    if len(value) > MAP_URL_MAX or not value.startswith(("https://", "http://")):
        raise ValueError(Msg("validation.map_url"))
    return value


def _capacity(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= CAPACITY_MAX:
        raise ValueError(Msg("validation.event_capacity", max=CAPACITY_MAX))
    return value


class RepeatSpec(BaseModel):
    """``count`` or ``until`` (one of them, not both); none of them: as many as the cap allows."""

    freq: RepeatFreq
    count: int | None = Field(default=None, ge=2, description="How many occurrences, the first included.")
    until: IsoDateTime | None = Field(default=None, description="The last occurrence starts on or before this.")

    @field_validator("until")
    @classmethod
    def _until(cls, v: datetime | None) -> datetime | None:
        return aware_kst(v)


class EventCreate(BaseModel):
    title: Text
    description: Text = ""
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    location: Text | None = None
    map_url: Text | None = Field(default=None, description="A map link for the place (http/https).")
    capacity: int | None = None
    rsvp_deadline: IsoDateTime | None = None
    repeat: RepeatSpec | None = None

    _t = field_validator("title")(_title)
    _d = field_validator("description")(_description)
    _l = field_validator("location")(_location)
    _m = field_validator("map_url")(_map_url)
    _c = field_validator("capacity")(_capacity)

    @field_validator("starts_at", "ends_at", "rsvp_deadline")
    @classmethod
    def _times(cls, v: datetime | None) -> datetime | None:
        return aware_kst(v)


class EventUpdate(BaseModel):
    """Only the fields sent change; ``null`` clears location, map link, capacity and deadline."""

    title: Text | None = None
    description: Text | None = None
    starts_at: IsoDateTime | None = None
    ends_at: IsoDateTime | None = None
    location: Text | None = None
    map_url: Text | None = None
    capacity: int | None = None
    rsvp_deadline: IsoDateTime | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str:
        if v is None:
            raise ValueError(Msg("validation.event_title_required"))
        return _title(v)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str:
        return _description(v or "")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _required_time(cls, v: datetime | None) -> datetime:
        if v is None:
            raise ValueError(Msg("validation.time_required"))
        return aware_kst(v)  # type: ignore[return-value]

    _l = field_validator("location")(_location)
    _m = field_validator("map_url")(_map_url)
    _c = field_validator("capacity")(_capacity)

    @field_validator("rsvp_deadline")
    @classmethod
    def _deadline(cls, v: datetime | None) -> datetime | None:
        return aware_kst(v)


class RsvpBody(BaseModel):
    response: RsvpResponse


class RsvpResult(BaseModel):
    status: RsvpStatus
    waitlist_position: int | None = None


class EventPublic(BaseModel):
    id: int
    club_id: int
    club_name: str = ""
    series_id: int | None
    title: str
    description: str
    starts_at: IsoDateTime
    ends_at: IsoDateTime
    location: str | None
    map_url: str | None = None
    capacity: int | None
    rsvp_deadline: IsoDateTime | None
    status: EventStatus
    going_count: int
    waitlist_count: int
    my_rsvp: RsvpStatus | None = None
    waitlist_position: int | None = None
    created_by: UserSummary | None = None
    rsvp_open: bool = Field(default=False, description="Whether answers are taken now (before deadline and start).")
    can_manage: bool = Field(default=False, description="Whether the caller may edit and cancel the event.")


class EventPage(BaseModel):
    items: list[EventPublic]
    next_cursor: str | None = None


class Attendees(BaseModel):
    going: list[UserSummary]
    waitlist: list[UserSummary]


class CalendarFeedAddress(BaseModel):
    url: str
