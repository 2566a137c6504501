"""The mail worker: sends the outbox's due rows, each once, retrying while the server cannot take them.

* **Claiming.** On PostgreSQL every server process runs a worker. Each mail is claimed in
  a transaction of its own with ``SELECT ... FOR UPDATE SKIP LOCKED`` (so two workers,
  on one instance or many, never take the same row), handed to SMTP while the row stays
  locked, and marked sent in that same transaction right after the server's ``250``. A
  worker killed before that commit leaves the row pending (its lock goes with its
  connection) and another worker sends it. On the embedded SQLite stack one process is
  the only worker: it holds an exclusive ``flock`` on a file beside the database (other
  processes of the same database try again every few seconds, in case it died), reads
  the due rows and marks each one sent in a short write transaction after its ``250``
  (a write transaction must not wait for SMTP there: it holds the database's one write lock).
* **Retrying.** A ``4xx`` answer or a timeout puts the row off with exponential backoff
  (5 s, 10 s, 20 s, ... at most 15 min, with jitter). When the server cannot be reached
  at all the round stops: the worker waits (1 s, 2 s, ... at most 60 s) and tries again;
  the waiting rows are not put off, so they all go as soon as the server is back. A
  ``5xx`` answer fails the mail at once; a mail still unsent a day after it was written
  is given up. Both log ``mail_failed`` at ERROR and count in ``counters["failed"]``.
* **Exactly once.** A mail is sent again only if the worker dies between the server's
  ``250`` and the commit that follows it (one round trip); it then carries the same
  ``Message-ID``, so a receiving system can recognise it.

* **Unread chat.** Every :attr:`Timing.chat_sweep` seconds the worker first claims the unread-chat
  mails that fell due (:func:`withus.services.mail_chat.sweep`), so they go out in the same round.

Metric hooks: :data:`counters` (``sent``, ``retried``, ``failed``, per process) and
:func:`on_event` (a callback ``(kind, row)`` for each of them); the outbox depth is
:func:`withus.services.outbox.depth`.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from withus import db
from withus.models.base import as_utc, utcnow
from withus.models.mail import FAILED, PENDING, SENT, MailOutbox
from withus.services import mail_chat, outbox
from withus.services.mail import Mail, MailError, Transport
from withus.settings import get_settings

log = logging.getLogger(__name__)

counters: Counter[str] = Counter()
_listeners: list[Callable[[str, MailOutbox], None]] = []


def on_event(callback: Callable[[str, MailOutbox], None]) -> None:
    """Call ``callback(kind, row)`` for every mail sent, put off (``retried``) or given up (``failed``)."""
    _listeners.append(callback)


def _count(kind: str, row: MailOutbox) -> None:
    counters[kind] += 1
    for callback in list(_listeners):
        try:
            callback(kind, row)
        except Exception:
            log.exception("mail worker listener failed")


@dataclass(frozen=True)
class Timing:
    poll: float = 1.0
    """Seconds between looks at the outbox when nothing woke the worker."""
    retry_base: float = 5.0
    retry_max: float = 900.0
    """A mail put off by a 4xx answer waits retry_base * 2**(attempts-1) seconds, at most retry_max."""
    server_pause_max: float = 60.0
    """While the server cannot be reached the worker waits 1, 2, 4, ... seconds, at most this."""
    give_up_after: float = 86400.0
    batch: int = 100
    chat_sweep: float = 30.0
    """Seconds between looks for unread-chat mails that fell due (:mod:`withus.services.mail_chat`)."""


SWEEP_EVERY = 60.0
"""Seconds between looks for mails older than a day that were never attempted."""


def _mail_of(row: MailOutbox) -> Mail:
    return Mail(
        to=row.to_address,
        subject=row.subject,
        text=row.text,
        html=row.html,
        message_id=row.message_id,
        headers=dict(row.headers or {}),
    )


class MailWorker:
    def __init__(self, timing: Timing | None = None) -> None:
        self.timing = timing or Timing()
        self.transport = Transport()
        self._wake = asyncio.Event()
        self._stopping = False
        self._server_pause = 0.0
        self._last_sweep = float("-inf")
        self._last_chat_sweep = float("-inf")

    # --- one row --------------------------------------------------------------------------

    async def _attempt(self, row: MailOutbox) -> bool:
        """Send ``row`` and record the outcome on it (not committed). False: the server is unreachable."""
        now = utcnow()
        if (now - as_utc(row.created_at)).total_seconds() > self.timing.give_up_after:
            self._fail(row, "unsent after a day")
            return True
        row.attempts += 1
        try:
            await self.transport.deliver(_mail_of(row))
        except MailError as exc:
            row.last_error = str(exc)[:500]
            if exc.permanent:
                self._fail(row, str(exc))
                return True
            if exc.unreachable:
                log.warning("mail server unreachable (mail %s, attempt %d): %s", row.id, row.attempts, exc)
                return False
            delay = min(self.timing.retry_max, self.timing.retry_base * 2 ** (row.attempts - 1))
            row.next_attempt_at = now + timedelta(seconds=delay * random.uniform(0.8, 1.2))
            log.info("mail %s put off %.0f s (attempt %d): %s", row.id, delay, row.attempts, exc)
            _count("retried", row)
            return True
        row.status = SENT
        row.sent_at = utcnow()
        if row.secret:  # a code or a reset link has no business staying in the database
            row.text, row.html = "", None
        _count("sent", row)
        return True

    def _fail(self, row: MailOutbox, reason: str) -> None:
        row.status = FAILED
        row.failed_at = utcnow()
        row.last_error = reason[:500]
        log.error(
            "mail_failed id=%s template=%s to=%s attempts=%d: %s",
            row.id,
            row.template,
            row.to_address,
            row.attempts,
            reason,
            extra={"event": "mail_failed"},
        )
        _count("failed", row)

    # --- a round ----------------------------------------------------------------------------

    def _due(self) -> SelectOfScalar[MailOutbox]:
        return (
            select(MailOutbox)
            .where(col(MailOutbox.status) == PENDING, col(MailOutbox.next_attempt_at) <= utcnow())
            .order_by(col(MailOutbox.next_attempt_at), col(MailOutbox.id))
        )

    async def _give_up_stale(self) -> None:
        cutoff = utcnow() - timedelta(seconds=self.timing.give_up_after)
        async with db.session_scope() as session:
            stmt = self._stale(cutoff)
            rows = list((await session.exec(stmt)).all())
            for row in rows:
                self._fail(row, "unsent after a day")
                session.add(row)

    def _stale(self, cutoff: datetime) -> SelectOfScalar[MailOutbox]:
        stmt = (
            select(MailOutbox)
            .where(col(MailOutbox.status) == PENDING, col(MailOutbox.created_at) < cutoff)
            .limit(self.timing.batch)
        )
        if not get_settings().is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        return stmt

    async def run_once(self) -> int:
        """Send what is due now; returns how many rows were handled (sent, put off or failed)."""
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_sweep >= SWEEP_EVERY:
            self._last_sweep = loop_now
            await self._give_up_stale()
        if loop_now - self._last_chat_sweep >= self.timing.chat_sweep:
            self._last_chat_sweep = loop_now
            try:  # the unread-chat mails that fell due join this round's outbox
                await mail_chat.sweep()
            except Exception:
                log.exception("unread chat mail sweep failed")
        if get_settings().is_sqlite:
            return await self._round_sqlite()
        return await self._round_pg()

    async def _round_pg(self) -> int:
        handled = 0
        while handled < self.timing.batch and not self._stopping:
            async with db.sessionmaker()() as session:
                row = (await session.exec(self._due().limit(1).with_for_update(skip_locked=True))).first()
                if row is None:
                    await session.rollback()
                    break
                reachable = await self._attempt(row)
                session.add(row)
                await session.commit()
            if not reachable:
                self._server_down()
                break
            self._server_pause = 0.0
            handled += 1
        return handled

    async def _round_sqlite(self) -> int:
        async with db.read_scope() as session:
            rows = list((await session.exec(self._due().limit(self.timing.batch))).all())
        handled = 0
        for row in rows:
            if self._stopping:
                break
            reachable = await self._attempt(row)
            async with db.session_scope() as session:
                await session.exec(
                    update(MailOutbox)
                    .where(col(MailOutbox.id) == row.id, col(MailOutbox.status) == PENDING)
                    .values(
                        status=row.status,
                        attempts=row.attempts,
                        last_error=row.last_error,
                        next_attempt_at=row.next_attempt_at,
                        sent_at=row.sent_at,
                        failed_at=row.failed_at,
                        text=row.text,
                        html=row.html,
                    )
                )
            if not reachable:
                self._server_down()
                break
            self._server_pause = 0.0
            handled += 1
        return handled

    def _server_down(self) -> None:
        self._server_pause = min(self.timing.server_pause_max, max(1.0, self._server_pause * 2))

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Send until :meth:`stop`; survives database and SMTP outages (logs and waits)."""
        outbox.register_wakeup(self._wake)
        try:
            while not self._stopping:
                self._wake.clear()
                handled = 0
                try:
                    handled = await self.run_once()
                except Exception as exc:  # the database is away: try again in a while
                    log.warning("mail worker round failed: %s: %s", type(exc).__name__, exc)
                    self._server_pause = max(self._server_pause, self.timing.poll * 5)
                if self._stopping:
                    break
                if self._server_pause:
                    await asyncio.sleep(self._server_pause)
                elif handled < self.timing.batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.timing.poll)
        finally:
            outbox.unregister_wakeup(self._wake)
            await self.transport.close()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()


# --- the one worker of the embedded stack ---------------------------------------------------------


def _lock_path() -> Path:
    from sqlalchemy.engine import make_url

    database = make_url(get_settings().database_url).database or ""
    if database and database != ":memory:":
        return Path(database + ".mail-worker.lock")
    return get_settings().data_dir / "mail-worker.lock"


def try_lock() -> IO[bytes] | None:
    """The embedded stack's worker lock, or None when another process holds it."""
    path = _lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "ab")  # noqa: SIM115 - held open for as long as this process is the worker
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    with contextlib.suppress(OSError):
        os.ftruncate(handle.fileno(), 0)
        os.write(handle.fileno(), str(os.getpid()).encode())
    return handle


LOCK_RETRY = 5.0


async def run_worker(stop: asyncio.Event, timing: Timing | None = None) -> None:
    """This process's worker until ``stop`` is set: on SQLite only once it holds the lock."""
    handle: IO[bytes] | None = None
    if get_settings().is_sqlite:
        while (handle := try_lock()) is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_RETRY)
            if stop.is_set():
                return
    worker = MailWorker(timing)
    task = asyncio.ensure_future(worker.run())
    try:
        waiter = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        worker.stop()
        try:
            # Let the mail in hand finish (its 250 and the commit that records it).
            await asyncio.wait_for(asyncio.shield(task), 3)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    finally:
        if handle is not None:
            handle.close()


_background: tuple[asyncio.Task[None], asyncio.Event] | None = None


def start_background(timing: Timing | None = None) -> None:
    """Run this process's worker beside the server (called from the lifespan)."""
    global _background
    if _background is not None:
        return
    stop = asyncio.Event()
    _background = (asyncio.ensure_future(run_worker(stop, timing)), stop)


async def stop_background() -> None:
    global _background
    if _background is None:
        return
    task, stop = _background
    _background = None
    stop.set()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
