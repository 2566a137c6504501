"""Capacity holds under concurrent answers: 20 members answer ``going`` at once for 5 places;
exactly 5 are going and 15 waitlisted, in answer order, on both stacks.

The answers skip the process's per-event queue (``withus.services.event_queue``), as answers
from different instances do: the database's lock alone must hold capacity. To see it matter, run
with ``WITHUS_TEST_RSVP_UNLOCKED=1``: the event's row lock is then not taken
(``withus.services.rsvp.LOCK_EVENT = False``) and on PostgreSQL this test fails (more than 5
going, counters that disagree with the rows). SQLite serializes writers by itself (``BEGIN
IMMEDIATE``), so there it passes either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import club_with_members, create_event, rsvp
from withus.models.event import Event, EventRsvp
from withus.services import event_queue
from withus.services import rsvp as rsvp_service


@contextlib.asynccontextmanager
async def _another_instance_each(event_id: int) -> AsyncIterator[None]:
    """No turn in the process: every answer as if it came from an instance of its own."""
    yield


async def test_twenty_members_five_places(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(event_queue, "in_turn", _another_instance_each)
    if os.environ.get("WITHUS_TEST_RSVP_UNLOCKED"):
        monkeypatch.setattr(rsvp_service, "LOCK_EVENT", False)
    club = await club_with_members(session, 20)
    eid = (await create_event(client, club, capacity=5))["id"]
    responses = await asyncio.gather(*(rsvp(client, eid, club.h(m)) for m in club.members))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    answers = {m.id: r.json() for m, r in zip(club.members, responses, strict=True)}

    rows = list(
        (await session.exec(select(EventRsvp).where(EventRsvp.event_id == eid).order_by(col(EventRsvp.seq)))).all()
    )
    event = await session.get(Event, eid, populate_existing=True)
    await session.commit()
    assert event is not None
    going = [r.user_id for r in rows if r.status == "going"]
    waitlist = [r.user_id for r in rows if r.status == "waitlisted"]
    assert len(going) == 5 and len(waitlist) == 15
    assert (event.going_count, event.waitlist_count) == (5, 15)
    # Answer order: the first five answers are the ones going, the rest wait in the order they came.
    assert sorted({r.seq for r in rows}) == list(range(1, 21))
    assert going + waitlist == [r.user_id for r in rows]
    # What each member was told is what holds.
    for uid in going:
        assert answers[uid] == {"status": "going", "waitlist_position": None}
    for position, uid in enumerate(waitlist, start=1):
        assert answers[uid] == {"status": "waitlisted", "waitlist_position": position}

    # Five step back at once: the next five move up, in order.
    back = await asyncio.gather(
        *(rsvp(client, eid, club.h(next(m for m in club.members if m.id == uid)), "not_going") for uid in going)
    )
    assert all(r.status_code == 200 for r in back)
    event = await session.get(Event, eid, populate_existing=True)
    now_going = (
        await session.exec(
            select(EventRsvp.user_id)
            .where(EventRsvp.event_id == eid, EventRsvp.status == "going")
            .order_by(col(EventRsvp.seq))
        )
    ).all()
    await session.commit()
    assert list(now_going) == waitlist[:5]
    assert event is not None and (event.going_count, event.waitlist_count) == (5, 10)
