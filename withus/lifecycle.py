"""Start-up checks and shutdown for one server process.

Shutdown (SIGTERM): :mod:`withus.realtime.shutdown` tells the STOMP and SSE clients
and lets them go first, then the server stops accepting and finishes its requests,
then the ``finally`` below closes the bus, Redis and the database pool — each step
bounded, so that the process is gone within 10 seconds even with Redis or the
database unreachable.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from withus import db
from withus.kv import close_kv, get_kv
from withus.observability import logs, metrics
from withus.observability.sampler import install_hooks, sample_forever
from withus.realtime import shutdown
from withus.realtime.bus import stop_hub
from withus.services import mail_worker_process, reminders
from withus.settings import SettingsError, get_settings

log = logging.getLogger("withus")


class StartupError(SystemExit):
    """Stops the start with one clear line instead of a traceback."""

    def __init__(self, message: str) -> None:
        log.critical(message)
        print(f"withUs: {message}", flush=True)
        super().__init__(1)


async def check_dependencies() -> None:
    try:
        settings = get_settings()
    except SettingsError as exc:
        raise StartupError(str(exc)) from None
    try:
        await asyncio.wait_for(db.ping(), 10)
    except Exception as exc:
        raise StartupError(
            f"cannot reach the database ({_safe_url(settings.database_url)}): {type(exc).__name__}"
        ) from None
    kv = get_kv()
    try:
        await asyncio.wait_for(kv.ping(), 5)
    except Exception as exc:
        raise StartupError(
            f"cannot reach Redis at {_safe_url(settings.redis_url or '')}: {type(exc).__name__}"
        ) from None
    if not kv.shared:
        log.warning(
            "REDIS_URL is not set: using the in-process stand-in for Redis. "
            "Sessions, rate limits and real-time fan-out are correct for this one process only."
        )
    if not settings.smtp_host:
        log.warning("SMTP_HOST is not set: mail is written to the log and to %s", settings.outbox_dir)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable>"


CLOSE_TIMEOUT = 2.0
"""Seconds each closing step (bus, Redis, database pool) may take at shutdown."""


def tune_gc() -> None:
    """Move everything loaded at start (modules, routes, models, compiled statements) to a
    permanent generation: full collections then walk only what connections and requests made
    since. With 1,000 STOMP connections, full collections otherwise paused the process for
    hundreds of milliseconds at a time (bench/realtime_chat's p99 at low rates)."""
    gc.collect()
    gc.freeze()
    # Collect the youngest generation every 50,000 net allocations instead of 700: what a request
    # or a message allocates is mostly gone by then, so far less survives into the older
    # generations whose collections walk every connection's objects.
    gc.set_threshold(get_settings().gc_gen0_threshold, 20, 10)
    if _log_slow_collections not in gc.callbacks:
        gc.callbacks.append(_log_slow_collections)


SLOW_COLLECTION = 0.05
"""Seconds: a garbage collection that paused the process longer than this is logged (the profiles
charge a collection to whatever line allocated last, so a pause there looks like that code's)."""
_collection_started = (0.0, 0.0)  # wall clock and this process's CPU time


def _log_slow_collections(phase: str, info: dict[str, int]) -> None:
    global _collection_started
    if phase == "start":
        _collection_started = (time.perf_counter(), time.process_time())
        return
    took = time.perf_counter() - _collection_started[0]
    if took > SLOW_COLLECTION:
        log.info(
            "gc: generation %d collection paused the process %.0f ms (%.0f ms of CPU; %d collected)",
            info.get("generation", -1),
            took * 1000,
            (time.process_time() - _collection_started[1]) * 1000,
            info.get("collected", 0),
        )


@asynccontextmanager
async def running() -> AsyncIterator[None]:
    logs.configure()
    await check_dependencies()
    tune_gc()
    shutdown.install_signal_handlers()
    mail_worker_process.start_background()  # this process's mail worker (see withus.services.mail_worker)
    reminders.start()  # this process's event reminder sweep (the claim in the database makes it exactly once)
    install_hooks()
    sampler = asyncio.get_running_loop().create_task(sample_forever(), name="withus-metrics-sampler")
    try:
        yield
    finally:
        sampler.cancel()
        # Already begun by the signal handler; a server that ends its lifespan without a signal gets it here.
        if shutdown.begin("lifespan"):
            await shutdown.drain(CLOSE_TIMEOUT)
        # The mail worker, reminders and live listeners first, then their stores.
        for step in (mail_worker_process.stop_background, reminders.stop, stop_hub, close_kv, db.dispose_engine):
            try:
                await asyncio.wait_for(step(), CLOSE_TIMEOUT)
            except Exception as exc:
                log.warning("shutdown: %s did not finish cleanly: %s", step.__name__, type(exc).__name__)
        metrics.process_stopped()  # its connections are gone: its live gauges stop counting
