"""Who may read and manage an event: the one reading rule (the club's visibility) and the one
managing rule (host and moderators), shared by the events, RSVP, views and calendar services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Forbidden, NotFound
from withus.i18n import Msg, When
from withus.models.base import as_utc
from withus.models.club import Club
from withus.models.event import Event
from withus.services import clubs as club_service
from withus.services import users as user_service


def event_not_found() -> NotFound:
    return NotFound(code="event_not_found")


def when_place(starts_at: datetime, location: str | None, *, repeats: int = 1) -> Msg:
    """A notification's line for an event: its start (per reader), the repeats, the place."""
    when = When(as_utc(starts_at))
    if repeats > 1:
        key = "notification.event.when_repeat_place" if location else "notification.event.when_repeat"
        return Msg(key, when=when, count=repeats, place=location or "")
    key = "notification.event.when_place" if location else "notification.event.when"
    return Msg(key, when=when, place=location or "")


def link(event_id: int) -> str:
    return f"/events/{event_id}"


@dataclass(frozen=True)
class EventAccess:
    event: Event
    club: Club
    role: str | None


def may_manage(role: str | None, user: user_service.Caller | None = None) -> bool:
    """Host and moderators create, edit and cancel events."""
    return club_service.is_staff(role)


async def access_event(
    session: AsyncSession, event_id: int, *, user: user_service.Caller | None, lock: bool = False
) -> EventAccess:
    """The event, its open club and the caller's role, once the caller may read it: absent or
    in a closed club → 404 ``event_not_found``; a private club → members (401 / 403 ``not_a_member``)."""
    if lock:
        stmt = select(Event).where(Event.id == event_id).with_for_update().execution_options(populate_existing=True)
        event = (await session.exec(stmt)).first()
    else:
        event = await session.get(Event, event_id)
    if event is None:
        raise event_not_found()
    club = await club_service.get(session, club_id=event.club_id)
    if club is None:
        raise event_not_found()
    role = None
    if user is not None and user.id is not None:
        role = await club_service.get_role(session, club_id=event.club_id, user_id=user.id)
    club_service.read_access_of(club_id=event.club_id, visibility=club.visibility, role=role, user=user)
    return EventAccess(event, club, role)


def check_manage(role: str | None) -> None:
    """Host and moderators; a plain member → 403 ``insufficient_role``, others ``not_a_member``."""
    if role is None:
        raise Forbidden(Msg("error.not_a_member.not_member"), code="not_a_member")
    if not may_manage(role):
        raise Forbidden(code="insufficient_role")
