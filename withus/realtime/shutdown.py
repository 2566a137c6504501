"""Graceful shutdown of one server process: tell the live clients first, then let the server stop.

On SIGTERM (or SIGINT) a process that serves STOMP and SSE clients must not just drop
them: granian closes open WebSockets at once (the client sees 1006, "abnormal") and
waits for open HTTP responses to finish — which an SSE stream never does. So
:func:`install_signal_handlers`, called once the server runs (the lifespan in
``withus.lifecycle``), puts itself in front of the server's own handler:

1. :func:`begin` sets the process-wide "shutting down" state. Every STOMP session
   finishes the frame it is handling (a message being stored is stored and gets its
   ``RECEIPT``), sends ``ERROR`` with ``message:server_shutdown`` and closes the
   WebSocket with code 1012 (service restart); every SSE stream ends (an
   ``EventSource`` reconnects with ``Last-Event-ID`` and the replay fills the gap).
   New ``/ws`` and SSE connections get the same treatment at once.
2. When those connections are gone (at most :data:`DRAIN_TIMEOUT` seconds), the
   server's own handler runs: it stops accepting, finishes plain HTTP requests and
   runs the lifespan shutdown (bus, Redis, database pool).
3. A watchdog ends the process :data:`HARD_LIMIT` seconds after the signal, whatever
   is still pending, so an instance is always gone within 10 seconds. Everything a
   client was told is stored (a ``RECEIPT``, a 201) was committed before it was told.

Live connections register with :func:`track`; code that pushes to clients waits on
:func:`wait` (or checks :func:`is_shutting_down`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

log = logging.getLogger(__name__)

DRAIN_TIMEOUT = 5.0
"""Seconds given to STOMP and SSE connections to say goodbye before the server's own shutdown."""
HARD_LIMIT = 9.5
"""Seconds after the signal when the process exits whatever is left."""
SIGNALS = (signal.SIGTERM, signal.SIGINT)

_started_at: float | None = None
_events: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = weakref.WeakKeyDictionary()
_active = 0
_lock = threading.Lock()
_watchdog: threading.Timer | None = None
_callbacks: dict[int, tuple[asyncio.AbstractEventLoop, Callable[[], object]]] = {}
_installed: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def is_shutting_down() -> bool:
    return _started_at is not None


def _event() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    event = _events.get(loop)
    if event is None:
        event = asyncio.Event()
        if _started_at is not None:
            event.set()
        _events[loop] = event
    return event


async def wait() -> None:
    """Return once the process is shutting down."""
    await _event().wait()


def begin(reason: str = "shutdown") -> bool:
    """Enter the shutting-down state (idempotent); returns False when it already was."""
    global _started_at
    with _lock:
        if _started_at is not None:
            return False
        _started_at = time.monotonic()
        calls: list[tuple[asyncio.AbstractEventLoop, Callable[[], object]]] = [
            (lp, ev.set) for lp, ev in _events.items()
        ]
        calls.extend(_callbacks.values())
    log.info("withUs: shutting down (%s): telling live clients", reason)
    for loop, callback in calls:
        if loop.is_closed():
            continue
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(callback)
    return True


def reset() -> None:
    """Leave the shutting-down state (tests)."""
    global _started_at, _watchdog
    with _lock:
        _started_at = None
        for event in _events.values():
            event.clear()
        if _watchdog is not None:
            _watchdog.cancel()
            _watchdog = None


# ---------------------------------------------------------------- live connections


@contextlib.contextmanager
def track() -> Iterator[None]:
    """Count a live client connection (a STOMP session, an SSE stream) while it lasts."""
    global _active
    with _lock:
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1


@contextlib.contextmanager
def when_shutting_down(callback: Callable[[], object]) -> Iterator[None]:
    """Call ``callback`` (in this event loop) when the shutdown begins — at once if it has —
    unless the block was left before."""
    loop = asyncio.get_running_loop()
    key = id(callback)
    with _lock:
        _callbacks[key] = (loop, callback)
        already = _started_at is not None
    if already:
        loop.call_soon(callback)
    try:
        yield
    finally:
        with _lock:
            _callbacks.pop(key, None)


def active() -> int:
    return _active


async def drain(timeout: float = DRAIN_TIMEOUT) -> bool:
    """Wait until no tracked connection is left (True) or ``timeout`` passed (False)."""
    deadline = time.monotonic() + timeout
    while _active > 0:
        if time.monotonic() >= deadline:
            log.warning("withUs: %d live connections still open after %.1f s; stopping anyway", _active, timeout)
            return False
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.05)  # let the server write the last close frames before it stops
    return True


# ---------------------------------------------------------------- signals


def _start_watchdog(limit: float) -> None:
    global _watchdog

    def _exit() -> None:
        log.error("withUs: still running %.1f s after the shutdown signal; exiting now", limit)
        logging.shutdown()
        os._exit(0)

    with _lock:
        if _watchdog is None:
            _watchdog = threading.Timer(limit, _exit)
            _watchdog.daemon = True
            _watchdog.start()


def install_signal_handlers(*, drain_timeout: float = DRAIN_TIMEOUT, hard_limit: float = HARD_LIMIT) -> bool:
    """Put the graceful steps in front of the server's SIGTERM/SIGINT handling in this process.

    The server's own handler — granian's, registered on this event loop, or a plain
    ``signal.signal`` one (uvicorn) — still runs, after the drain. Returns False where
    signals cannot be handled here (not the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    loop = asyncio.get_running_loop()
    if loop in _installed:  # a second lifespan on this loop: chaining to ourselves would lose the server's handler
        return True
    registered: dict[int, Any] = getattr(loop, "_signal_handlers", {})
    for sig in SIGNALS:
        previous_handle = registered.get(sig)
        previous_plain = None if previous_handle is not None else signal.getsignal(sig)
        chain = _chain(sig, previous_handle, previous_plain)
        try:
            loop.add_signal_handler(sig, _on_signal, sig, loop, chain, drain_timeout, hard_limit)
        except (NotImplementedError, RuntimeError, ValueError):
            return False
    _installed.add(loop)
    return True


def _chain(sig: int, handle: Any, plain: Any) -> Callable[[], None]:
    def call_previous() -> None:
        if handle is not None:
            handle._run()  # the server's loop handler (an asyncio.Handle): stop accepting, finish, exit
        elif callable(plain):
            frame: FrameType | None = None
            plain(sig, frame)
        elif plain == signal.SIG_DFL and sig == signal.SIGINT:
            raise KeyboardInterrupt
        elif plain == signal.SIG_DFL:
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)

    return call_previous


def _on_signal(
    sig: int, loop: asyncio.AbstractEventLoop, chain: Callable[[], None], drain_timeout: float, hard_limit: float
) -> None:
    if not begin(signal.Signals(sig).name):
        return  # a second signal (granian's supervisor forwards the one it got): already on it
    _start_watchdog(hard_limit)

    async def _then_stop() -> None:
        try:
            await drain(drain_timeout)
        finally:
            chain()

    loop.create_task(_then_stop(), name="withus-graceful-shutdown")
