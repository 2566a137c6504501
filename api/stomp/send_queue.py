"""Group commit for STOMP SENDs: the SENDs of every connection of this process that arrive
while a batch is being stored go together in the next one — one transaction, one round trip per
step whatever their number (:func:`withus.services.chat_sending.send_messages`).

A lone SEND is stored at once (no waiting for company); under load, batches grow by themselves
with the time a batch takes, so the database work per message falls as the rate rises. Each SEND
still gets its own answer: its message, or the error it would have had alone. A SEND of a login
session that was ended meanwhile (its revocation event not yet heard) is refused with
``token_revoked``; the liveness of every session of a batch is read in one round trip.

- :data:`WRITERS` batches are in flight at a time (while one waits for the database, the next is
  prepared), each of at most :data:`MAX_BATCH` SENDs. Two batches that share a room commit in
  ``seq`` order (the room's row lock) but may publish in the other order, as two instances may:
  a room subscription puts them back in order (:class:`api.stomp.room_cursor.RoomCursor`).
- More than :data:`MAX_WAITING` SENDs waiting: a new one is refused at once
  (:class:`QueueFull`, which the STOMP server answers ``server_busy``) instead of waiting
  behind seconds of work.
- A batch that fails on the database or the store fails each of its SENDs with that error (nothing
  of it was stored). Any other failure is retried one SEND at a time, so that one SEND the
  batch code chokes on cannot take the others down with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

from redis import exceptions as redis_exc
from sqlalchemy import exc as sa_exc

from withus.db import session_scope
from withus.observability import metrics
from withus.services import chat_sending, tokens
from withus.services import sessions as session_service
from withus.services.chat_sending import Outcome, SendRequest

log = logging.getLogger(__name__)

MAX_BATCH = 64
MAX_WAITING = 2048
WRITERS = 2


class QueueFull(Exception):
    """Too many SENDs are waiting in this process: try again later."""


# The database pool stayed exhausted for its whole timeout (more senders than the process can
# store), or the database or Redis is out of reach, or too many SENDs wait here: nothing was
# stored, and the same SEND may work later (STOMP: ERROR server_busy, close 1013).
UNAVAILABLE: tuple[type[BaseException], ...] = (
    sa_exc.TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    redis_exc.ConnectionError,
    redis_exc.TimeoutError,
    QueueFull,
)


class SendQueue:
    def __init__(self, *, max_batch: int = MAX_BATCH, max_waiting: int = MAX_WAITING, writers: int = WRITERS) -> None:
        self.loop = asyncio.get_running_loop()
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.writers = writers
        self._waiting: deque[_Waiting] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self._writing = 0

    async def send(self, request: SendRequest, *, login_session_id: str | None = None) -> Outcome:
        """Store the message (with the others waiting now) if ``login_session_id`` (when given) is
        still alive; its outcome. Raises what failed the batch."""
        if len(self._waiting) >= self.max_waiting:
            raise QueueFull()
        future: asyncio.Future[Outcome] = self.loop.create_future()
        self._waiting.append(_Waiting(request, login_session_id, future))
        metrics.send_queued()
        if self._writing < self.writers:
            self._writing += 1
            task = self.loop.create_task(self._write(), name="stomp-send-writer")
            self._running.add(task)  # a reference, so that the task is not collected
            task.add_done_callback(self._running.discard)
        return await future

    async def _write(self) -> None:
        """Store batches while SENDs wait; then end (no task idles between bursts)."""
        try:
            while self._waiting:
                batch = [self._waiting.popleft() for _ in range(min(self.max_batch, len(self._waiting)))]
                started = time.perf_counter()
                try:
                    await self._store(batch)
                finally:
                    metrics.send_batch_done(len(batch), time.perf_counter() - started)
                    for waiting in batch:  # cancelled (shutdown) half way: nobody waits forever
                        if not waiting.future.done():
                            waiting.future.set_exception(ConnectionAbortedError("the send was interrupted"))
        finally:
            # In the same step as the check that found nothing waiting: a SEND queued from now on
            # starts a writer of its own. (Counting finished tasks instead left a SEND queued
            # between a writer's end and its done-callback waiting forever.)
            self._writing -= 1

    async def _store(self, batch: list[_Waiting]) -> None:
        try:
            batch = await _of_live_sessions(batch)
            outcomes = await _send([waiting.request for waiting in batch])
        except UNAVAILABLE as exc:
            for waiting in batch:
                _settle(waiting.future, exc=exc)
            return
        except Exception:
            if len(batch) == 1:
                log.exception("stomp: a SEND could not be stored")
                _settle(batch[0].future, exc=RuntimeError("the message could not be stored"))
                return
            log.exception("stomp: a batch of %d SENDs failed; storing them one by one", len(batch))
            for item in batch:
                await self._store([item])
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            _settle(waiting.future, outcome=outcome)


@dataclass(slots=True)
class _Waiting:
    request: SendRequest
    login_session_id: str | None
    future: asyncio.Future[Outcome]


async def _of_live_sessions(batch: list[_Waiting]) -> list[_Waiting]:
    """The SENDs whose login session is alive; the others are answered ``token_revoked``."""
    session_ids = [w.login_session_id for w in batch if w.login_session_id is not None]
    if not session_ids:
        return batch
    alive = iter(await session_service.alive_each(session_ids))
    live = []
    for waiting in batch:
        if waiting.login_session_id is None or next(alive):
            live.append(waiting)
        else:
            _settle(waiting.future, outcome=tokens.token_revoked())
    return live


async def _send(requests: list[SendRequest]) -> list[Outcome]:
    async with session_scope() as db:
        return await chat_sending.send_messages(db, requests)


def _settle(
    future: asyncio.Future[Outcome], *, outcome: Outcome | None = None, exc: BaseException | None = None
) -> None:
    if future.done():  # its connection went away meanwhile
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        assert outcome is not None
        future.set_result(outcome)


_queue: SendQueue | None = None


def get_send_queue() -> SendQueue:
    """The queue of the running event loop (created on first use)."""
    global _queue
    loop = asyncio.get_running_loop()
    if _queue is None or _queue.loop is not loop:
        _queue = SendQueue()
    return _queue
