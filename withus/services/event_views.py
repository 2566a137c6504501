"""Reading events: one event as the caller sees it, a club's events, my events, the attendees.

Lists are keyset-paginated on ``(starts_at, id)``: upcoming first (ascending from ``from``,
default now); the club page's past events are read newest first (``past=True``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import and_, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Forbidden, NotAuthenticated
from withus.models.base import as_utc, utcnow
from withus.models.club import Club, ClubMember
from withus.models.event import Event, EventRsvp
from withus.models.event_schemas import Attendees, EventPage, EventPublic, korean
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import event_access, pagination, rsvp
from withus.services import users as user_service


def _view(
    event: Event,
    *,
    club_name: str,
    creator: User | None,
    answer: EventRsvp | None,
    position: int | None,
    can_manage: bool,
    now: datetime,
) -> EventPublic:
    assert event.id is not None
    status = answer.status if answer is not None else None
    return EventPublic(
        id=event.id,
        club_id=event.club_id,
        club_name=club_name,
        series_id=event.series_id,
        title=event.title,
        description=event.description,
        starts_at=korean(event.starts_at),
        ends_at=korean(event.ends_at),
        location=event.location,
        map_url=event.map_url,
        capacity=event.capacity,
        rsvp_deadline=korean(event.rsvp_deadline) if event.rsvp_deadline is not None else None,
        status=event.status,  # type: ignore[arg-type]
        going_count=event.going_count,
        waitlist_count=event.waitlist_count,
        my_rsvp=status,  # type: ignore[arg-type]
        waitlist_position=position if status == "waitlisted" else None,
        created_by=UserSummary.of(creator) if creator is not None else None,
        rsvp_open=rsvp.rsvp_open(event, now=now),
        can_manage=can_manage,
    )


async def _answers(session: AsyncSession, events: Sequence[Event], user_id: int | None) -> dict[int, EventRsvp]:
    if user_id is None or not events:
        return {}
    stmt = select(EventRsvp).where(EventRsvp.user_id == user_id, col(EventRsvp.event_id).in_([e.id for e in events]))
    return {a.event_id: a for a in (await session.exec(stmt)).all()}


async def _users(session: AsyncSession, ids: set[int | None]) -> dict[int, User]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = (await session.exec(select(User).where(col(User.id).in_(wanted)))).all()
    return {u.id: u for u in rows if u.id is not None}


async def views(
    session: AsyncSession,
    events: Sequence[Event],
    *,
    user: user_service.Caller | None,
    clubs: Mapping[int, tuple[str, str | None]],
) -> list[EventPublic]:
    """Views of several events; ``clubs`` maps club id → (name, the caller's role)."""
    now = utcnow()
    answers = await _answers(session, events, user.id if user is not None else None)
    creators = await _users(session, {e.created_by_id for e in events})
    out = []
    for event in events:
        answer = answers.get(event.id)  # type: ignore[arg-type]
        position = None
        if answer is not None and answer.status == "waitlisted":
            position = await rsvp.waitlist_position(session, answer.event_id, answer.seq)
        name, role = clubs.get(event.club_id, ("", None))
        out.append(
            _view(
                event,
                club_name=name,
                creator=creators.get(event.created_by_id) if event.created_by_id else None,
                answer=answer,
                position=position,
                can_manage=event_access.may_manage(role),
                now=now,
            )
        )
    return out


async def event_view(
    session: AsyncSession, event: Event, *, club: Club, user: user_service.Caller | None, role: str | None
) -> EventPublic:
    (view,) = await views(session, [event], user=user, clubs={club.id: (club.name, role)})  # type: ignore[dict-item]
    return view


async def get_event(session: AsyncSession, event_id: int, *, user: user_service.Caller | None) -> EventPublic:
    access = await event_access.access_event(session, event_id, user=user)
    return await event_view(session, access.event, club=access.club, user=user, role=access.role)


def _page(rows: list[Event], limit: int) -> tuple[list[Event], str | None]:
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, pagination.encode_cursor(as_utc(rows[-1].starts_at), rows[-1].id)


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
    """Upcoming first from ``from_`` (default now) up to ``to``; ``past``: before now, newest first.
    Cancelled events are listed (``status: cancelled``)."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    role = None
    if user is not None and user.id is not None:
        role = await club_service.get_role(session, club_id=club_id, user_id=user.id)
    club_service.read_access_of(club_id=club_id, visibility=club.visibility, role=role, user=user)
    limit = pagination.clamp_limit(limit)
    now = utcnow()
    stmt = select(Event).where(Event.club_id == club_id)
    key = tuple_(col(Event.starts_at), col(Event.id))
    if past:
        stmt = stmt.where(col(Event.starts_at) < (to or now))
        if cursor:
            at, eid = pagination.decode_cursor(cursor, datetime, int)
            stmt = stmt.where(key < tuple_(at, eid))  # type: ignore[arg-type]
        stmt = stmt.order_by(col(Event.starts_at).desc(), col(Event.id).desc())
    else:
        stmt = stmt.where(col(Event.starts_at) >= (from_ or now))
        if to is not None:
            stmt = stmt.where(col(Event.starts_at) < to)
        if cursor:
            at, eid = pagination.decode_cursor(cursor, datetime, int)
            stmt = stmt.where(or_(col(Event.starts_at) > at, and_(col(Event.starts_at) == at, col(Event.id) > eid)))
        stmt = stmt.order_by(col(Event.starts_at), col(Event.id))
    rows, next_cursor = _page(list((await session.exec(stmt.limit(limit + 1))).all()), limit)
    items = await views(session, rows, user=user, clubs={club_id: (club.name, role)})
    return EventPage(items=items, next_cursor=next_cursor)


async def list_my_events(
    session: AsyncSession, *, user: User, limit: int | None = None, cursor: str | None = None
) -> EventPage:
    """Events I am going to or waitlisted for that have not ended, upcoming first (cancelled ones
    included, so that I see they are off), in open clubs (leaving a club drops my places in its
    events that have not started)."""
    limit = pagination.clamp_limit(limit)
    now = utcnow()
    stmt = (
        select(Event)
        .join(EventRsvp, col(EventRsvp.event_id) == col(Event.id))
        .join(Club, col(Club.id) == col(Event.club_id))
        .where(
            EventRsvp.user_id == user.id,
            col(EventRsvp.status).in_(rsvp.ATTENDING),
            col(Event.ends_at) > now,
            col(Club.closed_at).is_(None),
        )
    )
    if cursor:
        at, eid = pagination.decode_cursor(cursor, datetime, int)
        stmt = stmt.where(or_(col(Event.starts_at) > at, and_(col(Event.starts_at) == at, col(Event.id) > eid)))
    stmt = stmt.order_by(col(Event.starts_at), col(Event.id)).limit(limit + 1)
    rows, next_cursor = _page(list((await session.exec(stmt)).all()), limit)
    clubs: dict[int, tuple[str, str | None]] = {}
    if rows:
        ids = {e.club_id for e in rows}
        club_rows = (
            await session.exec(
                select(Club.id, Club.name, ClubMember.role)
                .join(
                    ClubMember,
                    and_(col(ClubMember.club_id) == col(Club.id), col(ClubMember.user_id) == user.id),
                    isouter=True,
                )
                .where(col(Club.id).in_(ids))
            )
        ).all()
        clubs = {cid: (name, role) for cid, name, role in club_rows if cid is not None}
    items = await views(session, rows, user=user, clubs=clubs)
    return EventPage(items=items, next_cursor=next_cursor)


async def upcoming_in_my_clubs(session: AsyncSession, *, user: User, limit: int = 5) -> list[EventPublic]:
    """The next scheduled events of the clubs I am a member of (the home page's 다가오는 일정)."""
    now = utcnow()
    stmt = (
        select(Event, Club.name, ClubMember.role)
        .join(ClubMember, and_(col(ClubMember.club_id) == col(Event.club_id), col(ClubMember.user_id) == user.id))
        .join(Club, col(Club.id) == col(Event.club_id))
        .where(col(Event.starts_at) >= now, Event.status == "scheduled", col(Club.closed_at).is_(None))
        .order_by(col(Event.starts_at), col(Event.id))
        .limit(limit)
    )
    rows = (await session.exec(stmt)).all()
    clubs: dict[int, tuple[str, str | None]] = {e.club_id: (name, role) for e, name, role in rows}
    return await views(session, [e for e, _, _ in rows], user=user, clubs=clubs)


async def attendees(session: AsyncSession, event_id: int, *, user: user_service.Caller | None) -> Attendees:
    """Going and waitlist, each in answer order: for members of the club (and site administrators)."""
    access = await event_access.access_event(session, event_id, user=user)
    if user is None:
        raise NotAuthenticated("로그인이 필요합니다.")
    if access.role is None and not user.is_admin:
        raise Forbidden("모임 멤버만 참석자를 볼 수 있습니다.", code="not_a_member")
    stmt = (
        select(EventRsvp.status, User)
        .join(User, col(User.id) == col(EventRsvp.user_id))
        .where(EventRsvp.event_id == event_id, col(EventRsvp.status).in_(rsvp.ATTENDING))
        .order_by(col(EventRsvp.seq))
    )
    rows = (await session.exec(stmt)).all()
    return Attendees(
        going=[UserSummary.of(u) for s, u in rows if s == "going"],
        waitlist=[UserSummary.of(u) for s, u in rows if s == "waitlisted"],
    )
