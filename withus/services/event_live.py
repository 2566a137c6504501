"""Live updates of an open event page: after a transaction that changed an event (an answer,
a promotion, an edit, a cancellation) commits, ``{"event": "changed", "event_id"}`` is
published on ``event:{event_id}``; the page reloads the event from the database."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.models.event import Event
from withus.realtime import bus


def channel(event_id: int) -> str:
    return f"event:{event_id}"


def event_changed(session: AsyncSession, event: Event | int) -> None:
    event_id = event if isinstance(event, int) else event.id
    assert event_id is not None
    bus.publish_after_commit(session, channel(event_id), {"event": "changed", "event_id": event_id})
