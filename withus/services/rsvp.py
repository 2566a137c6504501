"""Answers to an event (RSVP) and its first-come waitlist.

Every change of an event's answers takes the event's row lock first (PostgreSQL
``SELECT ... FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already serializes writers), then
counts from the stored counters ``going_count`` / ``waitlist_count`` and takes the next answer
number from ``rsvp_seq``: concurrent answers queue on the lock, so capacity holds and the
answer order is the order in which they got the lock. ``going`` when there is room, otherwise
``waitlisted``; when a going member steps back (``not_going``, leaving or removed from the
club) or the capacity grows, the first on the waitlist moves to going in the same transaction
and is told (``event_promoted``).

Every edge answers through :func:`answer`, which waits for the event's turn in this process
(``withus.services.event_queue``) before it opens its unit of work: a burst of answers to one
event holds one database connection per process, not the pool.

Answering again what one already answered changes nothing (a waitlisted member keeps their
place). Going back from ``not_going`` to ``going`` is a new answer: the end of the line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import read_scope, run_after_commit, session_scope, take_after_commit
from withus.errors import Conflict, Forbidden
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import Club
from withus.models.event import Event, EventRsvp, RsvpResponse
from withus.models.event_schemas import RsvpResult
from withus.models.user import User
from withus.services import clubs as club_service
from withus.services import event_access, event_live, event_mail, event_queue, tokens
from withus.services import notifications as notification_service
from withus.services import users as user_service

ATTENDING = ("going", "waitlisted")
LOCK_EVENT = True
"""Take the event's row lock before counting. Only the race test turns it off, to show that
capacity breaks without it."""


def rsvp_open(event: Event, *, now: datetime | None = None) -> bool:
    """Answers are taken while the event is scheduled, before its deadline and before its start."""
    return open_for(event.status, event.starts_at, event.rsvp_deadline, now=now)


def open_for(status: str, starts_at: datetime, deadline: datetime | None, *, now: datetime | None = None) -> bool:
    """:func:`rsvp_open` from an event's columns (the lists read plain rows)."""
    now = now or utcnow()
    if status != "scheduled" or now >= as_utc(starts_at):
        return False
    return deadline is None or now < as_utc(deadline)


def rsvp_closed() -> Conflict:
    return Conflict(code="rsvp_closed")


async def lock_event(session: AsyncSession, event_id: int) -> Event | None:
    stmt = select(Event).where(Event.id == event_id).execution_options(populate_existing=True)
    if LOCK_EVENT:
        stmt = stmt.with_for_update()
    return (await session.exec(stmt)).first()


async def lock_with_answer(session: AsyncSession, event_id: int, user_id: int) -> tuple[Event | None, EventRsvp | None]:
    """The event under its row lock and the user's answer to it, in one round trip (the locked
    part of an answer, which every answer to the event waits for, is as short as it can be)."""
    stmt = (
        select(Event, EventRsvp)
        .outerjoin(EventRsvp, and_(col(EventRsvp.event_id) == col(Event.id), col(EventRsvp.user_id) == user_id))
        .where(Event.id == event_id)
        .execution_options(populate_existing=True)
    )
    if LOCK_EVENT:
        stmt = stmt.with_for_update(of=Event)  # type: ignore[arg-type]
    row = (await session.exec(stmt)).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def waitlist_position(session: AsyncSession, event_id: int, seq: int) -> int:
    stmt = (
        select(func.count())
        .select_from(EventRsvp)
        .where(EventRsvp.event_id == event_id, EventRsvp.status == "waitlisted", col(EventRsvp.seq) <= seq)
    )
    return int((await session.exec(stmt)).one())


async def result_of(session: AsyncSession, answer: EventRsvp | None) -> RsvpResult:
    if answer is None:
        return RsvpResult(status="not_going")
    if answer.status == "waitlisted":
        return RsvpResult(
            status="waitlisted", waitlist_position=await waitlist_position(session, answer.event_id, answer.seq)
        )
    return RsvpResult(status=answer.status)  # type: ignore[arg-type]


async def answer(event_id: int, *, user_id: int, response: RsvpResponse) -> RsvpResult:
    """Answer ``going`` or ``not_going`` (every edge answers through here). Who may answer is read
    first, on a connection held only for those reads; then the answer waits for the event's turn
    in this process and runs :func:`do_rsvp` in a unit of work of its own, committed before the
    turn passes on; what runs after the commit (the live update, a promotion's mail) runs after
    the turn too. A deleted account → 401 ``token_revoked``."""
    async with read_scope() as session:
        user = await user_service.live_account(session, user_id)
        if user is None:
            raise tokens.token_revoked()
        club = await club_for_answer(session, event_id, user=user)
    async with event_queue.in_turn(event_id), session_scope() as session:
        result = await do_rsvp(session, event_id, user_id=user_id, club=club, response=response)
        after = take_after_commit(session)
    await run_after_commit(after)
    return result


async def club_for_answer(session: AsyncSession, event_id: int, *, user: User) -> Club:
    """The event's open club when ``user`` may answer: members only (403 ``not_a_member``; a
    private club's event is 404/403 as for reading). An event never changes club."""
    assert user.id is not None
    club_id = (await session.exec(select(Event.club_id).where(Event.id == event_id))).first()
    club = await club_service.get(session, club_id=club_id) if club_id is not None else None
    if club_id is None or club is None:
        raise event_access.event_not_found()
    role = await club_service.get_role(session, club_id=club_id, user_id=user.id)
    if role is None:
        club_service.read_access_of(club_id=club_id, visibility=club.visibility, role=None, user=user)
        raise Forbidden(Msg("error.rsvp_members_only"), code="not_a_member")
    return club


async def do_rsvp(
    session: AsyncSession, event_id: int, *, user_id: int, club: Club, response: RsvpResponse
) -> RsvpResult:
    """The answer under the event's row lock, while :func:`rsvp_open` (409 ``rsvp_closed``): the
    part every answer to this event waits for, as short as it can be."""
    event, answer = await lock_with_answer(session, event_id, user_id)
    if event is None:
        raise event_access.event_not_found()
    if not rsvp_open(event):
        raise rsvp_closed()
    before = answer.status if answer is not None else "not_going"
    if response == "going" and before in ATTENDING:
        return await result_of(session, answer)
    if response == "not_going" and before == "not_going":
        return await result_of(session, answer)
    now = utcnow()
    if response == "going":
        event.rsvp_seq += 1
        full = event.capacity is not None and event.going_count >= event.capacity
        status = "waitlisted" if full else "going"
        if answer is None:
            answer = EventRsvp(event_id=event_id, user_id=user_id, status=status, seq=event.rsvp_seq, answered_at=now)
        else:
            answer.status, answer.seq, answer.answered_at, answer.reminded_at = status, event.rsvp_seq, now, None
        _count(event, status, +1)
    else:
        assert answer is not None
        _count(event, before, -1)
        answer.status, answer.answered_at = "not_going", now
    session.add(answer)
    session.add(event)
    await session.flush()
    if before == "going":
        await promote_waitlist(session, event, club=club)
    event_live.event_changed(session, event)
    if response == "going" and answer.status == "waitlisted":
        # A new answer has the highest number: its place is the end of the line.
        return RsvpResult(status="waitlisted", waitlist_position=event.waitlist_count)
    return await result_of(session, answer)


def _count(event: Event, status: str, delta: int) -> None:
    if status == "going":
        event.going_count = max(0, event.going_count + delta)
    elif status == "waitlisted":
        event.waitlist_count = max(0, event.waitlist_count + delta)


async def promote_waitlist(session: AsyncSession, event: Event, *, club: Club) -> int:
    """Move the first waitlisted to going while there is room (the caller holds the event lock);
    each is told. Returns how many moved."""
    moved = 0
    while event.waitlist_count > 0 and (event.capacity is None or event.going_count < event.capacity):
        stmt = (
            select(EventRsvp)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == "waitlisted")
            .order_by(col(EventRsvp.seq))
            .limit(1)
        )
        first = (await session.exec(stmt)).first()
        if first is None:
            event.waitlist_count = 0
            break
        first.status = "going"
        _count(event, "waitlisted", -1)
        _count(event, "going", +1)
        session.add(first)
        session.add(event)
        await session.flush()
        await _tell_promoted(session, event, club, first.user_id)
        moved += 1
    if moved:
        event_live.event_changed(session, event)
    return moved


async def _tell_promoted(session: AsyncSession, event: Event, club: Club, user_id: int) -> None:
    assert event.id is not None
    title = Msg("notification.event_promoted.title", club=club.name, title=event.title)
    body = Msg("notification.event_promoted.body", when=event_access.when_place(event.starts_at, event.location))
    await notification_service.notify(
        session,
        user_id=user_id,
        type="event_promoted",
        title=title,
        body=body,
        link=event_access.link(event.id),
        data={"event_id": event.id, "club_id": event.club_id},
    )
    await event_mail.send_after_commit(session, user_id=user_id, subject=title, body=body, event_id=event.id)


async def attendee_ids(session: AsyncSession, event_id: int) -> list[int]:
    """Going, then waitlisted, each in answer order."""
    stmt = (
        select(EventRsvp.user_id, EventRsvp.status)
        .where(EventRsvp.event_id == event_id, col(EventRsvp.status).in_(ATTENDING))
        .order_by(col(EventRsvp.seq))
    )
    rows = (await session.exec(stmt)).all()
    return [u for u, s in rows if s == "going"] + [u for u, s in rows if s == "waitlisted"]


async def on_membership_changed(session: AsyncSession, club: Club, user_id: int, role: str | None) -> None:
    """A member who leaves or is removed loses their places in the club's events that have not
    started (the waitlist moves up); their answers to past events stay as history."""
    if role is not None:
        return
    now = utcnow()
    stmt = (
        select(EventRsvp.event_id)
        .join(Event, col(Event.id) == col(EventRsvp.event_id))
        .where(
            EventRsvp.user_id == user_id,
            col(EventRsvp.status).in_(ATTENDING),
            Event.club_id == club.id,
            col(Event.starts_at) > now,
        )
        .order_by(col(EventRsvp.event_id))
    )
    for event_id in list((await session.exec(stmt)).all()):
        event = await lock_event(session, event_id)
        answer = await session.get(EventRsvp, (event_id, user_id), populate_existing=True)
        if event is None or answer is None or answer.status not in ATTENDING:
            continue
        before = answer.status
        _count(event, before, -1)
        await session.delete(answer)
        session.add(event)
        await session.flush()
        if before == "going" and event.status == "scheduled":
            await promote_waitlist(session, event, club=club)
        event_live.event_changed(session, event)
