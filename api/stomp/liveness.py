"""Session liveness, polled for every connection of the process by one task (the revocation event
on ``session:revoked:{sid}`` closes a socket at once; this poll catches one that was missed).

Each connection of a login session is checked about every ``liveness_check_interval`` seconds
(its own config), starting at a random point of the period; the connections due at one turn of
the sweep are read in one round trip (``sessions.alive_each``), not one ``EXISTS`` per connection
from each connection's own timer (1,000 connections: 33 commands a second, ~5 % of the server's
samples under chat load). A connection found dead is reminded on its revocation channel, so its
pump closes it with ``ERROR message:token_revoked`` in order with its other events. The store out
of reach: the connections stay, and are checked again one period later.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import TYPE_CHECKING

from withus.realtime.bus import session_revoked_channel
from withus.services import sessions as session_service

if TYPE_CHECKING:
    from api.stomp.connection import Connection

log = logging.getLogger(__name__)

SLICES = 10
"""Turns of the sweep per (shortest) period: each reads the connections that fell due since the last."""
CHUNK = 500
"""Sessions read per round trip at most."""


class Sweep:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.due: dict[Connection, float] = {}  # connection -> when it is next checked (monotonic)
        self.task: asyncio.Task[None] | None = None

    def watch(self, conn: Connection) -> None:
        if conn.login_session_id is None:
            return
        self.due[conn] = time.monotonic() + random.uniform(0, conn.config.liveness_check_interval)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run(), name="stomp-liveness-sweep")

    def forget(self, conn: Connection) -> None:
        self.due.pop(conn, None)

    async def _run(self) -> None:
        while self.due:
            period = min(conn.config.liveness_check_interval for conn in self.due)
            await asyncio.sleep(max(0.05, period / SLICES))
            await self.check_due()

    async def check_due(self) -> None:
        """Read the liveness of the connections due now; remind the dead ones of their revocation."""
        now = time.monotonic()
        ready = [conn for conn, at in self.due.items() if at <= now and not conn.closing]
        for conn in ready:
            self.due[conn] = now + conn.config.liveness_check_interval
        for start in range(0, len(ready), CHUNK):
            chunk = ready[start : start + CHUNK]
            try:
                alive = await session_service.alive_each([c.login_session_id or "" for c in chunk])
            except Exception as exc:  # the store is down: keep the connections, check again later
                log.warning("stomp: cannot check session liveness: %s", type(exc).__name__)
                return
            for conn, live in zip(chunk, alive, strict=True):
                if not live and conn.listener is not None and conn.login_session_id is not None:
                    conn.listener.remind(session_revoked_channel(conn.login_session_id), "")


_sweep: Sweep | None = None


def get_sweep() -> Sweep:
    """The sweep of the running event loop (created on first use)."""
    global _sweep
    loop = asyncio.get_running_loop()
    if _sweep is None or _sweep.loop is not loop:
        _sweep = Sweep(loop)
    return _sweep
