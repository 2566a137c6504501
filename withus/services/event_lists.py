"""The event lists every page asks for — a club's events and mine — each read in ONE statement of
plain rows (no ORM objects): the event's columns, the club's name, the reader's role in the club,
the reader's answer and waitlist position, and the creator's public columns.

Keyset pagination on ``(starts_at, id)``: upcoming first (ascending from ``from``, default now);
the club page's past events newest first (``past=True``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.models.base import as_utc, utcnow
from withus.models.club import Club, ClubMember
from withus.models.event import Event, EventRsvp
from withus.models.event_schemas import EventPage, EventPublic, korean
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import event_access, pagination, rsvp
from withus.services import users as user_service

_mine = aliased(EventRsvp, name="mine")
_waiting = aliased(EventRsvp, name="waiting")


def _statement(reader: int | None) -> Select[Any]:
    """Events with what a view needs; the reader's role and answer when there is a reader."""
    position = (
        select(func.count())
        .select_from(_waiting)
        .where(
            col(_waiting.event_id) == col(Event.id),
            col(_waiting.status) == "waitlisted",
            col(_waiting.seq) <= col(_mine.seq),
        )
        .scalar_subquery()
    )
    columns: list[Any] = [
        Event,
        col(Club.name),
        col(User.id),
        col(User.nickname),
        col(User.avatar_path),
        col(User.deleted_at),
    ]
    stmt = (
        select(*columns)
        .join(Club, col(Club.id) == col(Event.club_id))
        .outerjoin(User, col(User.id) == col(Event.created_by_id))
    )
    if reader is None:
        return stmt.add_columns(literal_column("NULL"), literal_column("NULL"), literal_column("NULL"))
    return (
        stmt.add_columns(col(ClubMember.role), col(_mine.status), position)
        .outerjoin(ClubMember, and_(col(ClubMember.club_id) == col(Event.club_id), col(ClubMember.user_id) == reader))
        .outerjoin(_mine, and_(col(_mine.event_id) == col(Event.id), col(_mine.user_id) == reader))
    )


def _view(row: Sequence[Any], now: datetime) -> EventPublic:
    e: Event = row[0]
    club_name, uid, nickname, avatar_path, deleted_at, role, status, position = row[1:]
    assert e.id is not None
    return EventPublic(
        id=e.id,
        club_id=e.club_id,
        club_name=club_name,
        series_id=e.series_id,
        title=e.title,
        description=e.description,
        starts_at=korean(e.starts_at),
        ends_at=korean(e.ends_at),
        location=e.location,
        map_url=e.map_url,
        capacity=e.capacity,
        rsvp_deadline=korean(e.rsvp_deadline) if e.rsvp_deadline is not None else None,
        status=e.status,  # type: ignore[arg-type]
        going_count=e.going_count,
        waitlist_count=e.waitlist_count,
        my_rsvp=status,
        waitlist_position=int(position) if status == "waitlisted" and position is not None else None,
        created_by=UserSummary.of_columns(uid, nickname, avatar_path, deleted_at) if uid is not None else None,
        rsvp_open=rsvp.rsvp_open(e, now=now),
        can_manage=event_access.may_manage(role),
    )


def _after(at: datetime, eid: int) -> Any:
    return or_(col(Event.starts_at) > at, and_(col(Event.starts_at) == at, col(Event.id) > eid))


async def _page(session: AsyncSession, stmt: Select[Any], limit: int) -> EventPage:
    rows = list((await session.exec(stmt.limit(limit + 1))).all())  # type: ignore[call-overload]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last: Event = rows[-1][0]
        next_cursor = pagination.encode_cursor(as_utc(last.starts_at), last.id)
    now = utcnow()
    return EventPage(items=[_view(r, now) for r in rows], next_cursor=next_cursor)


async def list_club_events(
    session: AsyncSession,
    club_id: int,
    *,
    user: user_service.Caller | None,
    from_: datetime | None = None,
    to: datetime | None = None,
    past: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
) -> EventPage:
    """Upcoming first from ``from_`` (default now) up to ``to``; ``past``: before ``to`` (default
    now), newest first. Cancelled events are listed (``status: cancelled``). Reading follows the
    club's visibility."""
    await club_service.read_access(session, club_id=club_id, user=user)
    limit = pagination.clamp_limit(limit)
    now = utcnow()
    stmt = _statement(user.id if user is not None else None).where(col(Event.club_id) == club_id)
    if past:
        stmt = stmt.where(col(Event.starts_at) < (to or now))
        if cursor:
            at, eid = pagination.decode_cursor(cursor, datetime, int)
            stmt = stmt.where(or_(col(Event.starts_at) < at, and_(col(Event.starts_at) == at, col(Event.id) < eid)))
        stmt = stmt.order_by(col(Event.starts_at).desc(), col(Event.id).desc())
    else:
        stmt = stmt.where(col(Event.starts_at) >= (from_ or now))
        if to is not None:
            stmt = stmt.where(col(Event.starts_at) < to)
        if cursor:
            at, eid = pagination.decode_cursor(cursor, datetime, int)
            stmt = stmt.where(_after(at, eid))
        stmt = stmt.order_by(col(Event.starts_at), col(Event.id))
    return await _page(session, stmt, limit)


async def list_my_events(
    session: AsyncSession, *, user: User, limit: int | None = None, cursor: str | None = None
) -> EventPage:
    """Events I am going to or waitlisted for that have not ended, upcoming first (cancelled ones
    included, so that I see they are off), in open clubs (leaving a club drops my places in its
    events that have not started)."""
    limit = pagination.clamp_limit(limit)
    # My answers first (a few hundred at most, by the (user_id, status) index), then those events by
    # primary key: joined in one statement, PostgreSQL may walk the events instead.
    mine = (
        await session.exec(
            select(col(EventRsvp.event_id)).where(
                col(EventRsvp.user_id) == user.id, col(EventRsvp.status).in_(rsvp.ATTENDING)
            )
        )  # type: ignore[call-overload]
    ).all()
    if not mine:
        return EventPage(items=[], next_cursor=None)
    stmt = _statement(user.id).where(
        col(Event.id).in_([int(r[0]) for r in mine]),
        col(Event.ends_at) > utcnow(),
        col(Club.closed_at).is_(None),
    )
    if cursor:
        at, eid = pagination.decode_cursor(cursor, datetime, int)
        stmt = stmt.where(_after(at, eid))
    return await _page(session, stmt.order_by(col(Event.starts_at), col(Event.id)), limit)


async def upcoming_in_my_clubs(session: AsyncSession, *, user: User, limit: int = 5) -> list[EventPublic]:
    """The next scheduled events of the clubs I am a member of (the home page's 다가오는 일정)."""
    stmt = _statement(user.id).where(
        col(ClubMember.user_id) == user.id,
        col(Event.starts_at) >= utcnow(),
        col(Event.status) == "scheduled",
        col(Club.closed_at).is_(None),
    )
    page = await _page(session, stmt.order_by(col(Event.starts_at), col(Event.id)), limit)
    return page.items
