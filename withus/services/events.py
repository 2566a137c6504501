"""Events of a club: who may read and manage them, creating (with a series), editing and
cancelling, ``this`` occurrence or ``following`` ones. Answers (RSVP) and the waitlist live in
``withus.services.rsvp``; lists and views in ``withus.services.event_views``.

Rules (one place each):
- reading follows the club's visibility (:func:`access_event`); the host and moderators manage
  (:func:`may_manage`, also the UI's flag);
- a new event starts in the future, ends after it starts, and its RSVP deadline is not after
  its start (422 ``starts_in_past`` / ``ends_before_start`` / ``deadline_after_start``);
- lowering the capacity below the number already going is refused (409 ``capacity_below_going``):
  nobody who was told "참석" is moved back to the waitlist; raising it promotes the waitlist;
- moving the start of an occurrence moves its end and deadline with it (the duration and the
  deadline's distance are kept) unless they are sent too; with ``following`` every later
  occurrence of the series moves by the same amount;
- cancelling keeps the event (``status: cancelled``), closes RSVP and tells the attendees.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import Club
from withus.models.event import Event, EventSeries, Scope
from withus.models.event_schemas import EventCreate, EventPublic, EventUpdate
from withus.models.user import User
from withus.services import clubs as club_service
from withus.services import event_access, event_live, event_series, event_views, rsvp
from withus.services import notifications as notification_service


def check_times(starts_at: datetime, ends_at: datetime, deadline: datetime | None, *, field_prefix: str = "") -> None:
    if ends_at <= starts_at:
        raise ValidationFailed.field(f"{field_prefix}ends_at", code="ends_before_start")
    if deadline is not None and deadline > starts_at:
        raise ValidationFailed.field(f"{field_prefix}rsvp_deadline", code="deadline_after_start")


def _check_future(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise ValidationFailed.field("starts_at", code="starts_in_past")


# ---------------------------------------------------------------- create


async def do_create_event(session: AsyncSession, club_id: int, *, user: User, data: EventCreate) -> EventPublic:
    """One event, or every occurrence of a series (each an event of its own); members are told."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    role = await club_service.get_role(session, club_id=club_id, user_id=user.id) if user.id else None
    club_service.read_access_of(club_id=club_id, visibility=club.visibility, role=role, user=user)
    event_access.check_manage(role)
    now = utcnow()
    _check_future(data.starts_at, now)
    check_times(data.starts_at, data.ends_at, data.rsvp_deadline)
    starts = [data.starts_at] if data.repeat is None else event_series.occurrences(data.starts_at, data.repeat)
    series_id = None
    if data.repeat is not None:
        series = EventSeries(
            club_id=club_id, freq=data.repeat.freq, count=data.repeat.count, until=data.repeat.until,
            created_by_id=user.id,
        )  # fmt: skip
        session.add(series)
        await session.flush()
        series_id = series.id
    duration = data.ends_at - data.starts_at
    lead = data.starts_at - data.rsvp_deadline if data.rsvp_deadline is not None else None
    events = [
        Event(
            club_id=club_id,
            series_id=series_id,
            title=data.title,
            description=data.description,
            starts_at=start,
            ends_at=start + duration,
            location=data.location,
            map_url=data.map_url,
            capacity=data.capacity,
            rsvp_deadline=start - lead if lead is not None else None,
            created_by_id=user.id,
            created_at=now,
            updated_at=now,
        )
        for start in starts
    ]
    session.add_all(events)
    await session.flush()
    first = events[0]
    assert first.id is not None
    await notification_service.notify_club_members(
        session,
        club_id=club_id,
        type="event_created",
        title=Msg("notification.event_created.title", club=club.name, title=first.title),
        body=event_access.when_place(first.starts_at, first.location, repeats=len(events)),
        link=event_access.link(first.id),
        data={"event_id": first.id, "club_id": club_id, "series_id": series_id},
        exclude_user_id=user.id,
    )
    return await event_views.event_view(session, first, club=club, user=user, role=role)


# ---------------------------------------------------------------- edit, cancel


async def _targets(session: AsyncSession, event: Event, scope: Scope) -> list[Event]:
    """``this`` occurrence, or it and every later scheduled one of its series, locked in id order."""
    if scope == "this" or event.series_id is None:
        return [event]
    stmt = (
        select(Event)
        .where(
            Event.series_id == event.series_id,
            col(Event.starts_at) >= event.starts_at,
            Event.status == "scheduled",
        )
        .order_by(col(Event.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    rows = list((await session.exec(stmt)).all())
    if event not in rows:
        rows.insert(0, event)
    return rows


async def do_update_event(
    session: AsyncSession, event_id: int, *, user: User, data: EventUpdate, scope: Scope = "this"
) -> EventPublic:
    access = await event_access.access_event(session, event_id, user=user, lock=True)
    event_access.check_manage(access.role)
    event = access.event
    if event.status == "cancelled":
        raise Conflict(code="event_cancelled")
    sent = data.model_fields_set
    now = utcnow()
    base_start = as_utc(event.starts_at)
    new_start = data.starts_at if "starts_at" in sent and data.starts_at is not None else base_start
    shift = new_start - base_start
    if shift and new_start <= now:
        _check_future(new_start, now)
    end_shift = (data.ends_at - as_utc(event.ends_at)) if "ends_at" in sent and data.ends_at is not None else shift
    deadline_lead: timedelta | None = None
    if "rsvp_deadline" in sent and data.rsvp_deadline is not None:
        deadline_lead = new_start - data.rsvp_deadline
    targets = await _targets(session, event, scope)
    for target in targets:
        changed_place_or_time = _apply(target, data, sent, shift=shift, end_shift=end_shift, lead=deadline_lead)
        if "capacity" in sent and data.capacity is not None and data.capacity < target.going_count:
            raise Conflict(code="capacity_below_going", params={"going": target.going_count})
        target.sequence += 1
        target.updated_at = now
        session.add(target)
        await session.flush()
        await rsvp.promote_waitlist(session, target, club=access.club)
        if changed_place_or_time:
            await _tell_attendees(session, target, access.club, "event_updated", exclude=user.id)
        event_live.event_changed(session, target)
    return await event_views.event_view(session, event, club=access.club, user=user, role=access.role)


def _apply(
    target: Event, data: EventUpdate, sent: set[str], *, shift: timedelta, end_shift: timedelta, lead: timedelta | None
) -> bool:
    """Apply an edit to one occurrence; True when its time or place changed. Raises 422 when the
    result is not a valid event."""
    before = (as_utc(target.starts_at), as_utc(target.ends_at), target.location)
    start = before[0] + shift
    end = before[1] + end_shift
    if lead is not None:
        deadline: datetime | None = start - lead
    elif "rsvp_deadline" in sent:
        deadline = None
    else:
        deadline = as_utc(target.rsvp_deadline) + shift if target.rsvp_deadline is not None else None
    check_times(start, end, deadline)
    target.starts_at, target.ends_at, target.rsvp_deadline = start, end, deadline
    if "title" in sent and data.title is not None:
        target.title = data.title
    if "description" in sent and data.description is not None:
        target.description = data.description
    if "location" in sent:
        target.location = data.location
    if "map_url" in sent:
        target.map_url = data.map_url
    if "capacity" in sent:
        target.capacity = data.capacity
    return (start, end, target.location) != before


async def do_cancel_event(session: AsyncSession, event_id: int, *, user: User, scope: Scope = "this") -> None:
    """Cancel (kept with ``status: cancelled``); attendees are told. Cancelling again is a no-op."""
    access = await event_access.access_event(session, event_id, user=user, lock=True)
    event_access.check_manage(access.role)
    if access.event.status == "cancelled" and scope == "this":
        return
    now = utcnow()
    for target in await _targets(session, access.event, scope):
        if target.status == "cancelled":
            continue
        target.status = "cancelled"
        target.cancelled_at = now
        target.updated_at = now
        target.sequence += 1
        session.add(target)
        await session.flush()
        await _tell_attendees(session, target, access.club, "event_cancelled", exclude=user.id)
        event_live.event_changed(session, target)


async def _tell_attendees(session: AsyncSession, event: Event, club: Club, type: str, *, exclude: int | None) -> None:
    assert event.id is not None
    for user_id in await rsvp.attendee_ids(session, event.id):
        if user_id == exclude:
            continue
        await notification_service.notify(
            session,
            user_id=user_id,
            type=type,
            title=Msg(f"notification.{type}.title", club=club.name, title=event.title),
            body=event_access.when_place(event.starts_at, event.location),
            link=event_access.link(event.id),
            data={"event_id": event.id, "club_id": event.club_id},
        )
