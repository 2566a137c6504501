"""Answers to one event wait their turn in this process *before* they take a database connection.

Every answer to an event takes the event's row lock (``withus.services.rsvp``), so answers to one
event run one after another whatever we do. Without this queue each waiting answer held a pooled
connection while it waited for the row lock: a burst of 200 answers to one event held the whole
pool, and every other request (and the later answers) waited for a connection until the pool's
timeout answered 503. Here the answers to one event queue on an ``asyncio.Lock`` (first come,
first served, as the waitlist is) and only the one whose turn it is takes a connection. The row
lock still keeps capacity across processes and instances; this queue only keeps the pool free.

A queue lives while someone waits on it and is dropped after the last one leaves, so an event
costs nothing once its burst is over.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class _Queue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


_queues: dict[int, _Queue] = {}


@asynccontextmanager
async def in_turn(event_id: int) -> AsyncIterator[None]:
    """Hold the event's turn in this process for the block (FIFO)."""
    queue = _queues.get(event_id)
    if queue is None:
        queue = _queues[event_id] = _Queue()
    queue.waiting += 1
    try:
        async with queue.lock:
            yield
    finally:
        queue.waiting -= 1
        if queue.waiting == 0 and _queues.get(event_id) is queue:
            del _queues[event_id]


def queued(event_id: int) -> int:
    """How many answers to the event hold or wait for its turn in this process (for tests)."""
    queue = _queues.get(event_id)
    return queue.waiting if queue is not None else 0
