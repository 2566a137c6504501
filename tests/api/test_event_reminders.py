"""Reminders go out exactly once per going attendee: two instances sweeping at once, sweeps
again after a restart, and a reminder that fell due while nothing ran goes out at the next
start if the event has not begun. Mail is received by a real SMTP server."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, smtp
from tests.api.events_helpers import club_with_members, create_event, rsvp
from withus import db
from withus.models.base import utcnow
from withus.models.event import Event
from withus.models.notification import Notification
from withus.services import event_mail, reminders

__all__ = ["smtp"]  # the fixture, imported for pytest


async def _reminders(session: AsyncSession) -> Counter[tuple[int, int]]:
    rows = (await session.exec(select(Notification).where(Notification.type == "event_reminder"))).all()
    await session.commit()
    return Counter((n.user_id, int(n.data["event_id"])) for n in rows)


async def _move(session: AsyncSession, event_id: int, hours: float) -> None:
    """Start the event ``hours`` from now (arranging time without waiting for it)."""
    starts = utcnow() + timedelta(hours=hours)
    await session.exec(
        update(Event).where(col(Event.id) == event_id).values(starts_at=starts, ends_at=starts + timedelta(hours=2))  # type: ignore[call-overload]
    )
    await session.commit()


async def test_exactly_once_across_two_instances_and_a_restart(
    client: httpx.AsyncClient, session: AsyncSession, smtp: Inbox
) -> None:
    club = await club_with_members(session, 12)
    soon = (await create_event(client, club, capacity=10, title="내일 모임"))["id"]
    later = (await create_event(client, club, title="다음 주 모임"))["id"]
    off = (await create_event(client, club, title="취소될 모임"))["id"]
    for m in club.members:  # 10 going, 2 waitlisted
        assert (await rsvp(client, soon, club.h(m))).status_code == 200
    for m in club.members[:3]:
        await rsvp(client, later, club.h(m))
        await rsvp(client, off, club.h(m))
    await client.delete(f"/api/events/{off}", headers=club.h(club.host))
    await _move(session, soon, 20)  # inside the 24 h window
    await _move(session, later, 30)  # not yet
    await _move(session, off, 20)  # cancelled: never

    # Two instances sweep at the same moment, each in its own transactions and connections.
    results = await asyncio.gather(reminders.sweep(), reminders.sweep(), reminders.sweep())
    assert sum(results) == 10
    got = await _reminders(session)
    going = [m.id for m in club.members[:10]]
    assert got == Counter({(uid, soon): 1 for uid in going})

    # A restart (new engine, new pool) sweeps again: nothing twice.
    await db.dispose_engine()
    assert await reminders.sweep() == 0
    # While "down", the later event came into the window: the first sweep after the start sends it.
    await _move(session, later, 23)
    assert await asyncio.gather(reminders.sweep(), reminders.sweep()) in ([3, 0], [0, 3])
    got = await _reminders(session)
    assert sum(got.values()) == 13 and set(got.values()) == {1}
    notes = (await session.exec(select(Notification).where(Notification.type == "event_reminder"))).all()
    await session.commit()
    assert {n.link for n in notes} == {f"/events/{soon}", f"/events/{later}"}

    # The cancelled event's attendees get its cancellation mail too: count the reminders only.
    def reminder_mails() -> list:
        return [m for m in smtp.messages if "다가옵니다" in m["Subject"]]

    await event_mail.drain()
    for _ in range(100):
        if len(reminder_mails()) >= 13:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # a reminder mailed twice would arrive by now
    assert Counter(m["To"] for m in reminder_mails()) == Counter(
        {m.email: 1 + (1 if i < 3 else 0) for i, m in enumerate(club.members[:10])}
    )


async def test_promoted_inside_the_window_is_reminded_and_started_events_are_not(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await club_with_members(session, 2)
    a, b = club.members
    eid = (await create_event(client, club, capacity=1))["id"]
    await rsvp(client, eid, club.h(a))
    await rsvp(client, eid, club.h(b))
    await _move(session, eid, 5)
    assert await reminders.sweep() == 1
    await rsvp(client, eid, club.h(a), "not_going")  # b moves up inside the window
    assert await reminders.sweep() == 1
    assert await _reminders(session) == Counter({(a.id, eid): 1, (b.id, eid): 1})
    # An event that already started is never reminded.
    late = (await create_event(client, club))["id"]
    await rsvp(client, late, club.h(a))
    await _move(session, late, -0.5)
    assert await reminders.sweep() == 0
