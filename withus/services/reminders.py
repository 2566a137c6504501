"""Reminders: every attendee who is going hears about an event ``EVENT_REMINDER_HOURS`` (24)
before it starts, exactly once, however many instances run and across restarts.

Every process runs :func:`run_loop`, which calls :func:`send_due` every
:data:`INTERVAL` seconds. The claim is in the database: one statement sets
``event_rsvps.reminded_at`` on the due answers that have none and returns them; the
notifications are stored in the same transaction. Two instances that sweep at once never
claim the same answer (PostgreSQL: the rows are picked ``FOR UPDATE SKIP LOCKED`` and the
UPDATE re-checks ``reminded_at IS NULL``; SQLite: one writer at a time), and a transaction
that fails releases its claims with its notifications. A reminder that fell due while every
instance was down goes out at the next sweep, as long as the event has not started. Someone
who answers ``going`` inside the window (or is promoted from the waitlist there) is reminded
at the next sweep. Changing an answer clears the claim (``withus.services.rsvp``). The mail is
sent after the commit (``event_mail``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import session_scope
from withus.i18n import Msg
from withus.models.base import utcnow
from withus.models.club import Club
from withus.models.event import Event, EventRsvp
from withus.services import event_access, event_mail
from withus.services import notifications as notification_service
from withus.settings import get_settings

log = logging.getLogger(__name__)

INTERVAL = 30.0
BATCH = 500


async def claim_due(session: AsyncSession, *, now: datetime | None = None, batch: int = BATCH) -> list[tuple[int, int]]:
    """Claim up to ``batch`` due reminders: ``(event_id, user_id)`` pairs now marked as sent."""
    now = now or utcnow()
    window_end = now + timedelta(hours=get_settings().event_reminder_hours)
    due = (
        select(EventRsvp.event_id, EventRsvp.user_id)
        .join(Event, col(Event.id) == col(EventRsvp.event_id))
        .where(
            EventRsvp.status == "going",
            col(EventRsvp.reminded_at).is_(None),
            Event.status == "scheduled",
            col(Event.starts_at) > now,
            col(Event.starts_at) <= window_end,
        )
        .limit(batch)
        .with_for_update(of=EventRsvp, skip_locked=True)  # type: ignore[arg-type]
    )
    stmt = (
        update(EventRsvp)
        .where(
            tuple_(col(EventRsvp.event_id), col(EventRsvp.user_id)).in_(due),
            col(EventRsvp.reminded_at).is_(None),
            col(EventRsvp.status) == "going",
        )
        .values(reminded_at=now)
        .returning(col(EventRsvp.event_id), col(EventRsvp.user_id))
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [(int(e), int(u)) for e, u in rows]


async def send_due(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Claim the due reminders and notify each attendee (mail after commit). Returns how many."""
    claimed = await claim_due(session, now=now)
    if not claimed:
        return 0
    event_ids = sorted({e for e, _ in claimed})
    rows = (
        await session.exec(
            select(Event, Club.name).join(Club, col(Club.id) == col(Event.club_id)).where(col(Event.id).in_(event_ids))
        )
    ).all()
    events = {e.id: (e, name) for e, name in rows}
    for event_id, user_id in claimed:
        event, club_name = events[event_id]
        title = Msg("notification.event_reminder.title", club=club_name, title=event.title)
        body = event_access.when_place(event.starts_at, event.location)
        await notification_service.notify(
            session,
            user_id=user_id,
            type="event_reminder",
            title=title,
            body=body,
            link=event_access.link(event_id),
            data={"event_id": event_id, "club_id": event.club_id},
        )
        await event_mail.send_after_commit(session, user_id=user_id, subject=title, body=body, event_id=event_id)
    return len(claimed)


async def sweep() -> int:
    """One sweep in a transaction of its own, batch after batch until nothing is due."""
    total = 0
    while True:
        async with session_scope() as session:
            sent = await send_due(session)
        total += sent
        if sent < BATCH:
            return total


async def run_loop(interval: float = INTERVAL) -> None:
    """The reminder sweep of this process, until cancelled; a failed sweep is logged and retried."""
    while True:
        try:
            sent = await sweep()
            if sent:
                log.info("event reminders sent: %d", sent)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away for a while: try again next time
            log.warning("event reminder sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)


_task: asyncio.Task[None] | None = None


def start() -> None:
    global _task
    if _task is None or _task.done():
        _task = asyncio.create_task(run_loop(), name="event-reminders")


async def stop() -> None:
    global _task
    task, _task = _task, None
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
