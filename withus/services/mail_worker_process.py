"""Which process runs the mail worker (:mod:`withus.services.mail_worker`), and its life beside
the server.

On PostgreSQL every process runs one: claims keep them apart. On SQLite one process is the
worker: it holds an exclusive ``flock`` on a file beside the database; the others try again every
:data:`LOCK_RETRY` seconds, in case it died, and the one that takes over frees every claim first
(no claim can be anyone else's then). ``python -m withus.cli mail-worker`` runs the same worker on
its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import IO

from sqlalchemy import update
from sqlmodel import col

from withus import db
from withus.models.mail import PENDING, MailOutbox
from withus.services.mail_worker import MailWorker, Timing
from withus.settings import get_settings

log = logging.getLogger("withus.services.mail_worker")


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


async def _free_claims() -> None:
    try:
        async with db.session_scope() as session:
            await session.exec(
                update(MailOutbox)  # type: ignore[call-overload]
                .where(col(MailOutbox.status) == PENDING, col(MailOutbox.claimed_until).is_not(None))
                .values(claimed_until=None)
            )
    except Exception as exc:  # the database is away: the claims run out by themselves
        log.warning("mail claims not freed: %s: %s", type(exc).__name__, exc)


async def run_worker(stop: asyncio.Event, timing: Timing | None = None) -> None:
    """This process's worker until ``stop`` is set: on SQLite only once it holds the lock."""
    handle: IO[bytes] | None = None
    if get_settings().is_sqlite:
        while (handle := try_lock()) is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), LOCK_RETRY)
            if stop.is_set():
                return
        await _free_claims()  # this process is the only worker now: no claim is anyone else's
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
