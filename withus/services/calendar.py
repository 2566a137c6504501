"""Calendars (RFC 5545, written with ``icalendar``): one event's ``.ics`` and a private feed of
the events a user is going to.

- ``UID`` is ``event-{id}@{host of PUBLIC_URL}``: stable for the event's life, so a calendar
  updates the entry it has; ``SEQUENCE`` is ``events.sequence`` (grows on every edit and on
  cancellation); a cancelled event is sent with ``STATUS:CANCELLED``; ``DTSTART``/``DTEND``
  carry ``TZID=Asia/Seoul`` with its ``VTIMEZONE``; ``URL`` is the event page.
- The feed address holds a random token; only its SHA-256 is stored. A new address replaces
  the old one, which then answers 404. The feed holds the events I am going to that ended at
  most :data:`FEED_PAST_DAYS` days ago, cancelled ones included (so calendars drop them).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar
from icalendar import Event as VEvent
from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import NotFound
from withus.models.base import as_utc, utcnow
from withus.models.club import Club
from withus.models.event import CalendarFeed, Event, EventRsvp
from withus.models.event_schemas import korean
from withus.models.user import User
from withus.services import event_access
from withus.services import users as user_service
from withus.settings import get_settings

FEED_PAST_DAYS = 30
FEED_MAX_EVENTS = 500
MEDIA_TYPE = "text/calendar; charset=utf-8"


def _public_url() -> str:
    return (get_settings().public_url or "http://localhost").rstrip("/")


def uid(event_id: int) -> str:
    return f"event-{event_id}@{urlsplit(_public_url()).hostname or 'withus.local'}"


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//withUs//Meetups//KO")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Seoul")
    return cal


def _vevent(event: Event, club_name: str) -> VEvent:
    assert event.id is not None
    ve = VEvent()
    ve.add("uid", uid(event.id))
    ve.add("dtstamp", as_utc(event.updated_at))
    ve.add("created", as_utc(event.created_at))
    ve.add("last-modified", as_utc(event.updated_at))
    ve.add("sequence", event.sequence)
    ve.add("dtstart", korean(event.starts_at))
    ve.add("dtend", korean(event.ends_at))
    ve.add("summary", f"[{club_name}] {event.title}" if club_name else event.title)
    url = f"{_public_url()}/events/{event.id}"
    ve.add("description", f"{event.description}\n\n{url}".strip())
    if event.location:
        ve.add("location", event.location)
    ve.add("url", url)
    ve.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    return ve


def render(events: Sequence[tuple[Event, str]], *, name: str) -> bytes:
    cal = _calendar(name)
    for event, club_name in events:
        cal.add_component(_vevent(event, club_name))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


async def event_ics(session: AsyncSession, event_id: int, *, user: user_service.Caller | None) -> bytes:
    """One event's calendar file, per the club's visibility."""
    access = await event_access.access_event(session, event_id, user=user)
    return render([(access.event, access.club.name)], name=access.event.title)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return f"{_public_url()}/api/calendar/{token}.ics"


async def do_new_feed(session: AsyncSession, *, user: User) -> str:
    """A new private feed address; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    await session.exec(delete(CalendarFeed).where(col(CalendarFeed.user_id) == user.id))
    session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token), created_at=utcnow()))  # type: ignore[arg-type]
    await session.flush()
    return feed_url(token)


async def has_feed(session: AsyncSession, *, user_id: int) -> bool:
    return await session.get(CalendarFeed, user_id) is not None


def feed_not_found() -> NotFound:
    return NotFound(code="feed_not_found")


async def feed_ics(session: AsyncSession, token: str) -> bytes:
    """The feed of whoever holds the address: the events they are going to."""
    if not token or len(token) > 100:
        raise feed_not_found()
    feed = (await session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))).first()
    if feed is None:
        raise feed_not_found()
    user = await session.get(User, feed.user_id)
    if user is None or user.deleted_at is not None:
        raise feed_not_found()
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    stmt = (
        select(Event, Club.name)
        .join(EventRsvp, col(EventRsvp.event_id) == col(Event.id))
        .join(Club, col(Club.id) == col(Event.club_id))
        .where(
            EventRsvp.user_id == feed.user_id,
            EventRsvp.status == "going",
            col(Event.ends_at) >= since,
            col(Club.closed_at).is_(None),
        )
        .order_by(col(Event.starts_at), col(Event.id))
        .limit(FEED_MAX_EVENTS)
    )
    rows = [(e, name) for e, name in (await session.exec(stmt)).all()]
    return render(rows, name=f"withUs · {user.display_nickname}")
