"""The process-wide bus hub: ONE KV subscription per process, fanned out to local listeners.

Everything that pushes live data to a client — the STOMP server at ``/ws``, the SSE
notification stream, Reflex background tasks — listens through :func:`get_hub`,
never with a Redis connection of its own::

    hub = get_hub()
    async with await hub.listen(notify_channel(user_id)) as listener:
        async for channel, data in listener:
            if channel == GAP:       # the hub was cut off from Redis and is back:
                ...                  # whatever was published meanwhile is lost, replay from the database
            else:
                ...                  # ``data`` is the JSON text that was published

Channels (see the ``*_channel`` helpers): ``chat:room:{room_id}`` and
``chat:user:{user_id}`` carry chat events (``{"event": "message", "message": {...}}``,
``{"event": "read", ...}``), ``notify:{user_id}`` the notification JSON,
``session:revoked:{session_id}`` is published when a login session is revoked, and
``event:{event_id}`` says an event changed (its open pages reload it; ``withus.services.event_live``).

Design:
- The hub subscribes once to the patterns in :data:`PATTERNS` and dispatches each
  message to the listeners registered for that exact channel (a dict lookup).
- It is bound to the running event loop and started lazily by the first ``listen``,
  which waits (briefly) until the subscription is live, so that a caller who was told
  "subscribed" hears everything published afterwards.
- When the store goes away the hub resubscribes with exponential backoff (0.1 s .. 2 s,
  with jitter) and then puts :data:`GAP` in every listener's queue.
- Each listener has a bounded queue: a consumer that falls ``maxsize`` messages
  behind is closed (``ListenerClosed("overflow")``) rather than allowed to grow memory;
  its owner disconnects the client, which then catches up from the database.

Publishing goes through the store directly (``get_kv().publish``) or, for events of a
transaction, :func:`publish_after_commit`, which publishes only once it has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.kv import KeyValue, get_kv
from withus.observability import metrics

log = logging.getLogger(__name__)

PATTERNS: tuple[str, ...] = ("chat:room:*", "chat:user:*", "notify:*", "session:revoked:*", "event:*")
GAP = "bus:gap"
"""Pseudo-channel put in every listener's queue after the hub reconnected to the store."""

DEFAULT_QUEUE_SIZE = 1000
READY_TIMEOUT = 5.0
BACKOFF_INITIAL = 0.1
BACKOFF_MAX = 2.0  # a store back after an outage is used again within ~2.4 s (the scale-out issue asks <= 5 s)


def room_channel(room_id: int) -> str:
    return f"chat:room:{room_id}"


def user_channel(user_id: int) -> str:
    return f"chat:user:{user_id}"


def notify_channel(user_id: int) -> str:
    return f"notify:{user_id}"


def session_revoked_channel(session_id: str) -> str:
    return f"session:revoked:{session_id}"


def dumps(payload: Any) -> str:
    """The wire form of a published payload: compact JSON, UTF-8 kept as is."""
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


async def publish(channel: str, payload: Any) -> None:
    """Publish now (for events that are not part of a transaction)."""
    await get_kv().publish(channel, dumps(payload))


def publish_after_commit(session: AsyncSession, channel: str, payload: Any) -> None:
    """Publish ``payload`` on ``channel`` once ``session``'s transaction has committed (never on rollback)."""
    data = dumps(payload)

    async def _publish() -> None:
        await get_kv().publish(channel, data)

    after_commit(session, _publish)


class ListenerClosed(Exception):
    """The listener was closed: ``reason`` is ``"closed"``, ``"overflow"`` or ``"stopped"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_WAKE: tuple[str, str] = ("", "")


class Listener:
    """One consumer's view of the hub: the channels it wants and a bounded queue of ``(channel, data)``."""

    def __init__(self, hub: Hub, maxsize: int) -> None:
        self._hub = hub
        self.channels: set[str] = set()
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue(maxsize=maxsize)
        self.closed_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_reason is not None

    def add(self, *channels: str) -> None:
        """Also receive ``channels`` (each must match one of the hub's patterns)."""
        if self.closed:
            return
        for channel in channels:
            self.channels.add(channel)
            self._hub._register(self, channel)

    def discard(self, *channels: str) -> None:
        for channel in channels:
            self.channels.discard(channel)
            self._hub._unregister(self, channel)

    def close(self, reason: str = "closed") -> None:
        if self.closed:
            return
        self.closed_reason = reason
        for channel in list(self.channels):
            self._hub._unregister(self, channel)
        self.channels.clear()
        self._hub._listeners_all.discard(self)
        with contextlib.suppress(asyncio.QueueFull):  # a full queue wakes nobody: get() checks the flag first
            self._queue.put_nowait(_WAKE)

    def remind(self, channel: str, data: str) -> None:
        """Put an event of the owner's own (a timer that fired) in the queue, so that it is handled in
        order with the bus's events by the one task that reads them."""
        if not self.closed:
            self._deliver(channel, data)

    def _deliver(self, channel: str, data: str) -> None:
        try:
            self._queue.put_nowait((channel, data))
        except asyncio.QueueFull:
            log.warning("bus: listener fell %d messages behind; closing it", self._queue.maxsize)
            metrics.bus_overflow()
            self.close("overflow")

    def get_nowait(self) -> tuple[str, str] | None:
        if self.closed_reason is not None:
            raise ListenerClosed(self.closed_reason)
        try:
            item = self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None
        return None if item is _WAKE else item

    async def get(self) -> tuple[str, str]:
        """The next ``(channel, data)``; raises :class:`ListenerClosed` once closed."""
        while True:
            if self.closed_reason is not None:
                raise ListenerClosed(self.closed_reason)
            item = await self._queue.get()
            if item is not _WAKE:
                if self.closed_reason is not None:
                    raise ListenerClosed(self.closed_reason)
                return item

    def __aiter__(self) -> AsyncIterator[tuple[str, str]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[tuple[str, str]]:
        while True:
            try:
                yield await self.get()
            except ListenerClosed as exc:
                if exc.reason == "overflow":
                    raise
                return

    async def __aenter__(self) -> Listener:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Hub:
    """One subscription to the store per process (per event loop), dispatching to listeners."""

    def __init__(self, *, patterns: tuple[str, ...] = PATTERNS, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.loop = asyncio.get_running_loop()
        self.patterns = patterns
        self.queue_size = queue_size
        self._by_channel: dict[str, set[Listener]] = {}
        self._listeners_all: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self._kv: KeyValue | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.reconnects = 0

    # -- listeners -------------------------------------------------------------------------

    async def listen(self, *channels: str, maxsize: int | None = None, wait: bool = True) -> Listener:
        """A new listener on ``channels`` (more can be added later with ``listener.add``).

        Starts the hub if needed and, with ``wait``, waits up to a few seconds until its
        subscription is live. Use it as ``async with await hub.listen(...) as listener``
        or call ``listener.close()``.
        """
        self._ensure_running()
        listener = Listener(self, maxsize or self.queue_size)
        self._listeners_all.add(listener)
        listener.add(*channels)
        if wait:
            await self.wait_ready()
        return listener

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Whether the subscription is live (waits up to ``timeout`` seconds)."""
        self._ensure_running()
        if self._ready.is_set():
            return True
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            log.warning("bus: the subscription is not live after %.0f s", timeout)
            return False
        return True

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def listener_count(self) -> int:
        return len(self._listeners_all)

    def _register(self, listener: Listener, channel: str) -> None:
        if not any(_glob_match(channel, p) for p in self.patterns):
            raise ValueError(f"channel {channel!r} matches none of the hub's patterns {self.patterns}")
        self._by_channel.setdefault(channel, set()).add(listener)

    def _unregister(self, listener: Listener, channel: str) -> None:
        group = self._by_channel.get(channel)
        if group is not None:
            group.discard(listener)
            if not group:
                del self._by_channel[channel]

    def dispatch(self, channel: str, data: str) -> None:
        for listener in list(self._by_channel.get(channel, ())):
            listener._deliver(channel, data)

    # -- the subscription ------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._stopping:
            raise RuntimeError("the bus hub is stopped")
        kv = get_kv()
        if self._task is not None and not self._task.done() and self._kv is not None and self._kv is not kv:
            # The process's store was replaced (tests switch stacks): follow it.
            self._task.cancel()
            self._task = None
            self._ready.clear()
        if self._task is None or self._task.done():
            self._kv = kv
            self._task = self.loop.create_task(self._run(), name="withus-bus-hub")

    async def _run(self) -> None:
        delay = BACKOFF_INITIAL
        first = True
        while not self._stopping:
            kv = self._kv if self._kv is not None else get_kv()
            sub = None
            try:
                sub = await kv.subscribe(patterns=self.patterns)
                self._ready.set()
                if not first:
                    self.reconnects += 1
                    log.info("bus: subscription is live again; listeners are told to catch up")
                    metrics.bus_gap("hub")
                    for listener in list(self._listeners_all):
                        listener._deliver(GAP, "")
                first = False
                delay = BACKOFF_INITIAL
                async for channel, data in sub:
                    metrics.bus_received()
                    self.dispatch(channel, data)
                log.info("bus: the store closed the subscription")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus: subscription failed (%s: %s); retrying in %.1f s", type(exc).__name__, exc, delay)
            finally:
                if asyncio.current_task() is self._task:
                    self._ready.clear()
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.close()
            if self._stopping:
                return
            first = False
            await asyncio.sleep(delay * (1 + random.random() * 0.2))
            delay = min(delay * 2, BACKOFF_MAX)
            self._kv = get_kv()

    async def stop(self) -> None:
        """Close every listener and the subscription."""
        self._stopping = True
        for listener in list(self._listeners_all):
            listener.close("stopped")
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _glob_match(channel: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(channel, pattern)


_hub: Hub | None = None


def backlog_max() -> int:
    """The most messages any listener of this process's hub holds unhandled (0 without a hub)."""
    hub = _hub
    if hub is None:
        return 0
    return max((listener._queue.qsize() for listener in list(hub._listeners_all)), default=0)


def get_hub() -> Hub:
    """The hub of the running event loop (created on first use)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop or _hub._stopping:
        _hub = Hub()
    return _hub


async def stop_hub() -> None:
    """Stop the hub of this process (at shutdown, and between tests)."""
    global _hub
    hub, _hub = _hub, None
    if hub is not None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if hub.loop is running:
            await hub.stop()
