"""Start-up checks and shutdown for one server process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from withus import db
from withus.kv import close_kv, get_kv
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


@asynccontextmanager
async def running() -> AsyncIterator[None]:
    await check_dependencies()
    try:
        yield
    finally:
        from withus.realtime.bus import stop_hub

        await stop_hub()  # close live listeners (STOMP, SSE) before their store goes
        await close_kv()
        await db.dispose_engine()
