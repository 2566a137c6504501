"""Reading one event as the caller sees it, and its attendees (the lists are in
``withus.services.event_lists``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Forbidden, NotAuthenticated
from withus.i18n import Msg
from withus.models.base import utcnow
from withus.models.club import Club
from withus.models.event import Event, EventRsvp
from withus.models.event_schemas import Attendees, EventPublic, korean
from withus.models.user import User, UserSummary
from withus.services import event_access, rsvp
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


async def attendees(session: AsyncSession, event_id: int, *, user: user_service.Caller | None) -> Attendees:
    """Going and waitlist, each in answer order: for members of the club (and site administrators)."""
    access = await event_access.access_event(session, event_id, user=user)
    if user is None:
        raise NotAuthenticated()
    if access.role is None and not user.is_admin:
        raise Forbidden(Msg("error.attendees_members_only"), code="not_a_member")
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
