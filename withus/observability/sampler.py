"""The gauges that no single event updates, sampled in every server process: how late the event
loop runs and how far the bus's listeners are behind (every second), the mail outbox (every
15 s); the bus's received messages added to their counter every second; and the hook that
counts what the mail worker does."""

from __future__ import annotations

import asyncio
import logging

from withus import db
from withus.observability import metrics
from withus.realtime import bus
from withus.services import mail_worker, outbox

log = logging.getLogger(__name__)

INTERVAL = 1.0
OUTBOX_EVERY = 15
_hooked = False


def install_hooks() -> None:
    """Count the mail worker's outcomes (once per process)."""
    global _hooked
    if _hooked:
        return
    mail_worker.on_event(lambda outcome, _row: metrics.mail_outcome(outcome))
    _hooked = True


async def sample_outbox() -> None:
    async with db.read_scope() as session:
        depth = await outbox.depth(session)
    metrics.mail_outbox(depth.pending, depth.oldest_age_seconds())


async def sample_forever(interval: float = INTERVAL) -> None:
    loop = asyncio.get_running_loop()
    tick = 0
    while True:
        before = loop.time()
        await asyncio.sleep(interval)
        metrics.loop_lag(max(0.0, loop.time() - before - interval))
        metrics.bus_backlog(bus.backlog_max())
        metrics.bus_received(bus.take_received())
        if tick % OUTBOX_EVERY == 0:
            try:
                await sample_outbox()
            except Exception as exc:  # the database is down: /api/health/ready says so; keep sampling the rest
                log.debug("metrics: outbox not read: %s", type(exc).__name__)
        tick += 1
