"""The process-wide bus hub: ONE KV subscription per process, to the channels its listeners need.

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
``event:{event_id}`` says an event changed (its open pages reload it; ``withus.services.event_live``),
``post:{post_id}`` and ``club:{club_id}`` that a post or a club changed (``withus.services.page_live``).

Design:
- The hub holds one subscription to the store and subscribes it to exactly the channels
  its listeners need, reference-counted: the first listener of a channel makes the hub
  ``SUBSCRIBE`` to it, the last one leaving makes it ``UNSUBSCRIBE``, and a message is
  dispatched to the listeners of that exact channel (a dict lookup). So a publish reaches
  only the processes with someone listening, and Redis's work per message does not grow
  with the number of processes (it did with one pattern subscription per process to
  everything). Channels must belong to one of the families in :data:`PATTERNS`.
- The changes are applied by one task per subscription, in batches: the channels added
  while a ``SUBSCRIBE`` is in flight go together in the next one (1,000 connections
  subscribing at once make a few commands, not 1,000). A channel counts as live when the
  store confirmed it (Redis's ``subscribe`` reply): :meth:`Hub.wait_ready` waits until
  every channel added before the call is live, so that a caller who was told "subscribed"
  hears everything published afterwards (``listen`` waits by itself; after
  ``listener.add`` call ``await hub.wait_ready()`` before relying on it).
- The subscription also holds a channel of the process's own (``bus:hub:<id>``), so it is
  never empty and the hub sees a store that goes away even with no listener.
- It is bound to the running event loop and started lazily by the first ``listen``.
- When the store goes away the hub resubscribes with exponential backoff (0.1 s .. 2 s,
  with jitter) to every channel still needed, and once they are live puts :data:`GAP`
  in every listener's queue.
- Counters for the benchmarks: ``received`` (messages from the store), ``unneeded``
  (received for a channel no listener wants any more: one that was being unsubscribed),
  ``subscribes`` and ``unsubscribes`` (channels).
- Each listener (:mod:`withus.realtime.listener`) has a bounded queue: a consumer that falls
  ``maxsize`` messages behind is closed; its owner disconnects the client, which then catches up
  from the database.

Publishing goes through the store directly (``get_kv().publish``) or, for events of a
transaction, :func:`publish_after_commit`, which publishes only once it has committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.kv import KeyValue, Subscription, get_kv
from withus.observability import metrics
from withus.realtime.listener import Listener as Listener  # the consumer's side, used by name from here
from withus.realtime.listener import ListenerClosed as ListenerClosed

log = logging.getLogger(__name__)

PATTERNS: tuple[str, ...] = (
    "chat:room:*",
    "chat:user:*",
    "notify:*",
    "session:revoked:*",
    "event:*",
    "post:*",
    "club:*",
)
"""The channel families a listener may use (globs); the hub subscribes to single channels of them."""
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


class Hub:
    """One subscription to the store per process (per event loop), to the channels its listeners need."""

    def __init__(self, *, patterns: tuple[str, ...] = PATTERNS, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.loop = asyncio.get_running_loop()
        self.patterns = patterns
        self.queue_size = queue_size
        self.control_channel = f"bus:hub:{uuid.uuid4().hex}"
        self._by_channel: dict[str, set[Listener]] = {}
        self._listeners_all: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self._kv: KeyValue | None = None
        self._ready = asyncio.Event()
        self._stopping = False
        self.reconnects = 0
        # the channels subscribed on the store (confirmed), and how far the listeners' changes got there
        self._live: set[str] = set()
        self._version = 0  # advanced by every change of the set of channels needed
        self._synced = 0  # the version the subscription matches
        self._changed = asyncio.Event()
        self._progress = asyncio.Event()
        self.received = 0
        self.received_counted = 0  # how many of them the metric has (take_received)
        self.unneeded = 0
        self.subscribes = 0
        self.unsubscribes = 0

    # -- listeners -------------------------------------------------------------------------

    async def listen(self, *channels: str, maxsize: int | None = None, wait: bool = True) -> Listener:
        """A new listener on ``channels`` (more can be added later with ``listener.add``).

        Starts the hub if needed and, with ``wait``, waits up to a few seconds until its
        channels are live. Use it as ``async with await hub.listen(...) as listener``
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
        """Whether the subscription is live with every channel added before this call (waits up to
        ``timeout`` seconds)."""
        self._ensure_running()
        target = self._version
        if self._is_synced(target):
            return True
        try:
            async with asyncio.timeout(timeout):
                while not self._is_synced(target):
                    await self._progress.wait()
        except TimeoutError:
            log.warning("bus: the subscription is not live after %.0f s", timeout)
            return False
        return True

    def _is_synced(self, version: int) -> bool:
        return self._ready.is_set() and self._synced >= version

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def listener_count(self) -> int:
        return len(self._listeners_all)

    @property
    def subscribed_channels(self) -> frozenset[str]:
        """The channels the store has confirmed (the hub's own one left out)."""
        return frozenset(self._live - {self.control_channel})

    def _register(self, listener: Listener, channel: str) -> None:
        if not any(_glob_match(channel, p) for p in self.patterns):
            raise ValueError(f"channel {channel!r} matches none of the hub's patterns {self.patterns}")
        group = self._by_channel.get(channel)
        if group is None:
            group = self._by_channel[channel] = set()
            self._note_change()
        group.add(listener)

    def _unregister(self, listener: Listener, channel: str) -> None:
        group = self._by_channel.get(channel)
        if group is not None:
            group.discard(listener)
            if not group:
                del self._by_channel[channel]
                self._note_change()

    def _note_change(self) -> None:
        self._version += 1
        self._changed.set()

    def _note_progress(self) -> None:
        self._progress.set()
        self._progress = asyncio.Event()

    def dispatch(self, channel: str, data: str) -> None:
        self.received += 1
        group = self._by_channel.get(channel)
        if not group:
            if channel != self.control_channel:
                self.unneeded += 1
            return
        for listener in list(group):
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
            syncer: asyncio.Task[None] | None = None
            try:
                sub = await kv.subscribe(self.control_channel)
                self._live = {self.control_channel}
                syncer = self.loop.create_task(self._sync(sub, reconnected=not first), name="withus-bus-sync")
                first = False
                delay = BACKOFF_INITIAL
                async for channel, data in sub:
                    self.dispatch(channel, data)  # counted in ``received`` (the metric: the sampler, each second)
                log.info("bus: the store closed the subscription")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus: subscription failed (%s: %s); retrying in %.1f s", type(exc).__name__, exc, delay)
            finally:
                if syncer is not None:
                    syncer.cancel()
                    await asyncio.wait({syncer}, timeout=2.0)
                if asyncio.current_task() is self._task:
                    self._ready.clear()
                    self._live = set()
                    self._note_progress()
                if sub is not None:
                    with contextlib.suppress(Exception):
                        await sub.close()
            if self._stopping:
                return
            first = False
            await asyncio.sleep(delay * (1 + random.random() * 0.2))
            delay = min(delay * 2, BACKOFF_MAX)
            self._kv = get_kv()

    async def _sync(self, sub: Subscription, *, reconnected: bool) -> None:
        """Keep ``sub`` subscribed to the channels the listeners need, in batches; the first time it
        matches, the hub is ready (and, after a reconnection, every listener is told of the gap)."""
        told = False
        me = asyncio.current_task()
        try:
            while True:
                if me is not None and me.cancelling():  # a cancellation swallowed by the client library
                    raise asyncio.CancelledError
                version = self._version
                needed = set(self._by_channel)
                add = sorted(needed - self._live)
                drop = sorted(self._live - needed - {self.control_channel})
                if add:
                    await sub.add(*add)  # waits for the store's confirmation
                    self._live.update(add)
                    self.subscribes += len(add)
                if drop:
                    self._live.difference_update(drop)
                    await sub.remove(*drop)
                    self.unsubscribes += len(drop)
                if version != self._version:
                    continue  # changed meanwhile: another pass
                self._synced = version
                self._changed.clear()
                if not told:
                    told = True
                    self._ready.set()
                    if reconnected:
                        self.reconnects += 1
                        log.info("bus: the subscription is live again; listeners are told to catch up")
                        metrics.bus_gap("hub")
                        for listener in list(self._listeners_all):
                            listener._deliver(GAP, "")
                self._note_progress()
                await self._changed.wait()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the subscription is broken: end it, and the hub starts a new one
            log.warning("bus: changing the subscription failed (%s: %s)", type(exc).__name__, exc)
            with contextlib.suppress(Exception):
                await sub.close()

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


def take_received() -> int:
    """Messages this process's hub received from the store since the last call (for the
    ``bus_messages_received`` counter, added up by the metrics sampler: counting each message on
    its own was a multiprocess-mode counter update, with its pid check, per message)."""
    hub = _hub
    if hub is None:
        return 0
    count = hub.received - hub.received_counted
    hub.received_counted = hub.received
    return count


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
