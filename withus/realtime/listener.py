"""One consumer's view of the bus hub (:mod:`withus.realtime.bus`): the channels it wants and a
bounded queue of ``(channel, data)``; a consumer that falls ``maxsize`` messages behind is closed
(``ListenerClosed("overflow")``) rather than allowed to grow memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING

from withus.observability import metrics

if TYPE_CHECKING:
    from withus.realtime.bus import Hub

log = logging.getLogger(__name__)


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
        """Also receive ``channels`` (each must match one of the hub's patterns); live once
        ``await hub.wait_ready()`` returns."""
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
