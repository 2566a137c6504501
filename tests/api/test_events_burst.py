"""A burst of answers to one event is absorbed, never a 503: 200 members answer ``going`` at once.

Answers to one event run one after another (the event's row lock). Before answers queued per
event in the process (``withus.services.event_queue``), each waiting answer held a pooled
connection while it waited for that lock: the burst held the whole pool and the later answers
timed out waiting for a connection (503 ``database_unavailable``). The test counts the answers
holding a connection in their locked part at once (one, with the queue) on a small pool: without
the queue (``WITHUS_TEST_RSVP_UNQUEUED=1``) it fails on both stacks (170-180 at once), and on
PostgreSQL often with 503s as well (152 of 200 with a 3-connection pool and a 2 s timeout). The
pool's timeout is long (30 s): the reads of who may answer, before the queue, take a connection
each for a moment, and a busy machine must not make the queued path fail (at 5 s it did, at load
average 15: 200 such reads through 4 connections). The count of answers inside the locked part at
once is what fails without the queue, whatever the timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import club_with_members, create_event, rsvp
from withus import db
from withus.kv import get_kv
from withus.kv.redis_kv import RedisKV
from withus.models.base import utcnow
from withus.models.event import Event, EventRsvp
from withus.services import event_queue
from withus.services import rsvp as rsvp_service
from withus.settings import get_settings

POOL = 4
MEMBERS = 200
PLACES = 50


@contextlib.contextmanager
def small_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DB_POOL_SIZE", str(POOL))
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "30")
    get_settings.cache_clear()
    # The same for a Redis connection (the rate limit and session checks of each answer; 5 s in
    # production): at load 12, with the in-process and browser tests side by side and other work on
    # the machine, 51 of the 200 waited longer than 5 s for one of the 64 and were 503s.
    kv = get_kv()
    if isinstance(kv, RedisKV):
        monkeypatch.setattr(kv.client.connection_pool, "timeout", 30)
    yield
    get_settings.cache_clear()


@contextlib.contextmanager
def peak_locked(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The most answers inside their unit of work's locked part at once (each holds a connection
    there, waiting for the event's row lock or holding it)."""
    inside, peak = [0], [0]
    real = rsvp_service.do_rsvp

    async def counted(*args: Any, **kwargs: Any) -> Any:
        inside[0] += 1
        peak[0] = max(peak[0], inside[0])
        try:
            return await real(*args, **kwargs)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(rsvp_service, "do_rsvp", counted)
    yield peak


def unqueued(monkeypatch: pytest.MonkeyPatch) -> None:
    """The answer path before the queue: the caller's own unit of work, taken at once."""

    @contextlib.asynccontextmanager
    async def no_turn(event_id: int) -> AsyncIterator[None]:
        yield

    monkeypatch.setattr(event_queue, "in_turn", no_turn)


async def test_two_hundred_answers_at_once_on_a_small_pool(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    club = await club_with_members(session, MEMBERS)
    eid = (await create_event(client, club, capacity=PLACES))["id"]
    await session.commit()
    if os.environ.get("WITHUS_TEST_RSVP_UNQUEUED"):
        unqueued(monkeypatch)
    with small_pool(monkeypatch):
        await db.dispose_engine()
        with peak_locked(monkeypatch) as peak:
            responses = await asyncio.gather(*(rsvp(client, eid, club.h(m)) for m in club.members))
        failed = [r.text for r in responses if r.status_code != 200]
        assert not failed, f"{len(failed)} of {MEMBERS} failed: {failed[:3]}"
        # One answer at a time held a connection for the locked part; the others waited without one.
        assert peak[0] == 1
        assert event_queue.queued(eid) == 0  # the queue is gone once the burst is over

    rows = list(
        (await session.exec(select(EventRsvp).where(EventRsvp.event_id == eid).order_by(col(EventRsvp.seq)))).all()
    )
    stored = await session.get(Event, eid, populate_existing=True)
    await session.commit()
    assert stored is not None
    assert (stored.going_count, stored.waitlist_count) == (PLACES, MEMBERS - PLACES)
    assert [r.status for r in rows] == ["going"] * PLACES + ["waitlisted"] * (MEMBERS - PLACES)
    answers = {m.id: r.json() for m, r in zip(club.members, responses, strict=True)}
    for position, row in enumerate(rows[PLACES:], start=1):
        assert answers[row.user_id] == {"status": "waitlisted", "waitlist_position": position}


async def test_a_deleted_account_cannot_answer(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    eid = (await create_event(client, club))["id"]
    member = club.members[0]
    headers = club.h(member)
    member.deleted_at = utcnow()
    session.add(member)
    await session.commit()
    r = await rsvp(client, eid, headers)
    assert r.status_code == 401 and r.json()["code"] in {"token_revoked", "session_revoked"}, r.text
