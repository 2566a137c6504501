"""Once a second in every server process: how late the event loop runs, how far the bus's
listeners are behind (the gauges that no single event updates)."""

from __future__ import annotations

import asyncio

from withus.observability import metrics
from withus.realtime import bus

INTERVAL = 1.0


async def sample_forever(interval: float = INTERVAL) -> None:
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(interval)
        metrics.loop_lag(max(0.0, loop.time() - before - interval))
        metrics.bus_backlog(bus.backlog_max())
