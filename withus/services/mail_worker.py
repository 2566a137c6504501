"""The mail worker: sends the outbox's due rows, each once, retrying while the server cannot take them.

* **Batches.** A round claims up to :attr:`Timing.batch` due rows in one short transaction
  (PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` inside an ``UPDATE`` that sets
  ``claimed_until``, so two workers, on one instance or many, never claim the same row; SQLite:
  one process is the only worker, below), hands them to SMTP one after another over one
  connection, and records each outcome right after the server's answer: a small writer task
  stores the outcomes that arrived meanwhile in one statement, while the next mail is already
  being sent (no transaction is held across SMTP). A claim is a lease of
  ``MAIL_CLAIM_LEASE`` seconds (default 60), renewed while the batch lasts; rows a dead worker
  claimed are due again once it runs out. Which process runs a worker (on SQLite only one) is
  :mod:`withus.services.mail_worker_process`.
* **Retrying.** A ``4xx`` answer or a timeout puts the row off with exponential backoff
  (5 s, 10 s, 20 s, ... at most 15 min, with jitter). When the server cannot be reached
  at all the round stops and its unsent rows are let go at once (not put off): the worker
  waits (1 s, 2 s, ... at most 60 s) and tries again, so they all go as soon as the server is
  back. A ``5xx`` answer fails the mail at once; a mail still unsent a day after it was written
  is given up. Both log ``mail_failed`` at ERROR and count in ``counters["failed"]``.
* **Exactly once.** A mail is sent again only if the worker dies between the server's
  ``250`` and the write that records it (the writer's one statement in flight); it then
  carries the same ``Message-ID``, so a receiving system can recognise it.
* **Unread chat.** Every :attr:`Timing.chat_sweep` seconds the worker first claims the unread-chat
  mails that fell due (:func:`withus.services.mail_chat.sweep`), so they go out in the same round.

Metric hooks: :data:`counters` (``sent``, ``retried``, ``failed``, per process) and
:func:`on_event` (a callback ``(kind, row)`` for each of them); the outbox depth is
:func:`withus.services.outbox.depth`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, update
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


def lease() -> float:
    """Seconds a claim lasts unless renewed (``MAIL_CLAIM_LEASE``, default 60)."""
    return float(get_settings().mail_claim_lease)


_outbox = MailOutbox.__table__  # type: ignore[attr-defined]
_record = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("b_id"), _outbox.c.status == PENDING)
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        last_error=bindparam("b_last_error"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        sent_at=bindparam("b_sent_at"),
        failed_at=bindparam("b_failed_at"),
        text=bindparam("b_text"),
        html=bindparam("b_html"),
        claimed_until=None,
    )
)


def _params(row: MailOutbox) -> dict[str, object]:
    return {
        "b_id": row.id,
        "b_status": row.status,
        "b_attempts": row.attempts,
        "b_last_error": row.last_error,
        "b_next_attempt_at": row.next_attempt_at,
        "b_sent_at": row.sent_at,
        "b_failed_at": row.failed_at,
        "b_text": row.text,
        "b_html": row.html,
    }


class _Outcomes:
    """Writes the outcome of each mail of a batch soon after its answer, beside the sending: the
    outcomes that arrive while one write is in flight go together in the next (one statement,
    one short transaction); the claim of the rows still unsent is renewed while the batch lasts."""

    def __init__(self, rows: list[MailOutbox]) -> None:
        self.pending: list[MailOutbox] = []
        self.unsent = {row.id for row in rows}
        self.task: asyncio.Task[None] | None = None
        self.renewed = asyncio.get_running_loop().time()

    def record(self, row: MailOutbox) -> None:
        self.pending.append(row)
        self.unsent.discard(row.id)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, []
            try:
                # Core on a connection of its own: the lightest write there is (no ORM session).
                async with db.get_engine().begin() as conn:
                    await conn.execute(_record, [_params(row) for row in batch])
                    if asyncio.get_running_loop().time() - self.renewed > lease() / 3 and self.unsent:
                        self.renewed = asyncio.get_running_loop().time()
                        await conn.execute(
                            update(_outbox)
                            .where(_outbox.c.id.in_(self.unsent))
                            .values(claimed_until=utcnow() + timedelta(seconds=lease()))
                        )
            except Exception as exc:  # the database is away: keep them, try again with the next ones
                log.warning("mail outcomes not recorded yet (%d): %s: %s", len(batch), type(exc).__name__, exc)
                self.pending = batch + self.pending
                await asyncio.sleep(0.5)

    async def close(self, *, release: list[MailOutbox]) -> None:
        """Wait for the outcomes in flight, then let ``release`` go (not put off) with theirs."""
        self.pending.extend(release)
        self.unsent.clear()
        deadline = asyncio.get_running_loop().time() + 30
        while self.pending or (self.task is not None and not self.task.done()):
            if self.task is None or self.task.done():
                self.task = asyncio.ensure_future(self._write())
            await asyncio.wait({self.task}, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
            if asyncio.get_running_loop().time() > deadline:
                log.error("mail outcomes not recorded: %d rows stay claimed until their lease ends", len(self.pending))
                self.task.cancel()
                return


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

    def _due_ids(self, now: datetime, limit: int) -> SelectOfScalar[int | None]:
        stmt = (
            select(col(MailOutbox.id))
            .where(
                col(MailOutbox.status) == PENDING,
                col(MailOutbox.next_attempt_at) <= now,
                or_(col(MailOutbox.claimed_until).is_(None), col(MailOutbox.claimed_until) < now),
            )
            .order_by(col(MailOutbox.next_attempt_at), col(MailOutbox.id))
            .limit(limit)
        )
        if not get_settings().is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        return stmt

    async def _claim(self) -> list[MailOutbox]:
        """Up to one batch of due rows, claimed for :func:`lease` seconds in one short transaction."""
        now = utcnow()
        async with db.session_scope() as session:
            ids = list((await session.exec(self._due_ids(now, self.timing.batch))).all())
            if not ids:
                return []
            await session.exec(
                update(MailOutbox)  # type: ignore[call-overload]
                .where(col(MailOutbox.id).in_(ids))
                .values(claimed_until=now + timedelta(seconds=lease()))
            )
            rows = list((await session.exec(select(MailOutbox).where(col(MailOutbox.id).in_(ids)))).all())
        rows.sort(key=lambda r: (as_utc(r.next_attempt_at), r.id or 0))
        return rows

    async def _give_up_stale(self) -> None:
        cutoff = utcnow() - timedelta(seconds=self.timing.give_up_after)
        async with db.session_scope() as session:
            stmt = self._stale(cutoff)
            rows = list((await session.exec(stmt)).all())
            for row in rows:
                self._fail(row, "unsent after a day")
                session.add(row)

    def _stale(self, cutoff: datetime) -> SelectOfScalar[MailOutbox]:
        now = utcnow()
        stmt = (
            select(MailOutbox)
            .where(
                col(MailOutbox.status) == PENDING,
                col(MailOutbox.created_at) < cutoff,
                or_(col(MailOutbox.claimed_until).is_(None), col(MailOutbox.claimed_until) < now),
            )
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
        rows = await self._claim()
        if not rows:
            return 0
        writer = _Outcomes(rows)
        handled = 0
        try:
            for row in rows:
                if self._stopping:
                    break
                reachable = await self._attempt(row)
                if not reachable:
                    self._server_down()
                    break
                self._server_pause = 0.0
                handled += 1
                writer.record(row)
        finally:
            # What was not handled goes back at once (the unreachable attempt keeps its count).
            await writer.close(release=rows[handled:])
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
