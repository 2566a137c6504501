"""Reflex tabs without a browser, for ``bench.reflex_tabs``: each is one ``/_event`` WebSocket that
says what a real page of the same build said.

Reflex's frontend speaks Socket.IO 5 over Engine.IO 4 on the ``websocket`` transport only
(``reflex_base/.templates/web/utils/state.js``): the page opens
``/_event/?token=<uuid>&EIO=4&transport=websocket`` with the Reflex version as subprotocol, the
server sends the Engine.IO open packet (``0{...}``), the page sends the namespace's CONNECT packet
(``40/_event,{"event": <hydrate_and_load>, "state_schema": ...}``: the hydrate rides in it), the
server acknowledges it and sends the state as ``42/_event,["event", {"delta": ...}]`` frames; an
event from the page is ``42/_event,["event", {...}]``. The server pings (``2``) every 25 s; the
page answers ``3``.

A client here replays a page's frames, captured in Chromium (``reflex_tabs.CAPTURE_JS``), with a
token of its own: the same CONNECT packet (the same hydrate, router data and state hashes) and, to
stay active, the same click events. It counts as hydrated once it has received as many state
frames as the page did while it loaded.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import websockets

T = TypeVar("T")
STATE_FRAME = '42/_event,["event"'


@dataclass
class PageScript:
    """What a real page sent and received on its event socket, to replay."""

    url: str  # ws://host/_event/?token=...&EIO=4&transport=websocket
    subprotocols: list[str]
    origin: str
    connect: str  # the namespace CONNECT packet with the hydrate event
    load_frames: int  # state frames the page received while it loaded
    clicks: list[str]  # event packets, sent in turn by an active tab

    def url_for(self, token: str) -> str:
        return re.sub(r"token=[^&]+", f"token={token}", self.url)


@dataclass
class _Tab:
    ws: Any
    hydrated: asyncio.Event = field(default_factory=asyncio.Event)
    frames: int = 0
    refused: str = ""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class Swarm:
    """Protocol tabs on an asyncio loop of their own thread (the caller drives Playwright's sync API)."""

    def __init__(self, script: PageScript, *, think: float, seed: int = 1) -> None:
        self.script = script
        self.think = think  # mean seconds between an active tab's clicks; 0: no clicks
        self.tabs: list[_Tab] = []
        self.clicks_sent = 0
        self.hydrate_ms: list[float] = []
        self._rng = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="reflex-tabs", daemon=True)
        self._thread.start()

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = 600) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def add(self, n: int, *, parallel: int = 10) -> None:
        """Connects ``n`` more tabs, at most ``parallel`` hydrating at once; returns once all are hydrated."""
        self._call(self._add(n, parallel))

    def close(self) -> None:
        self._call(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _add(self, n: int, parallel: int) -> None:
        gate = asyncio.Semaphore(parallel)

        async def one() -> None:
            async with gate:
                await self._open()

        await asyncio.gather(*(one() for _ in range(n)))

    async def _open(self) -> None:
        s = self.script
        started = time.perf_counter()
        ws = await websockets.connect(
            s.url_for(str(uuid.uuid4())),
            subprotocols=s.subprotocols,  # type: ignore[arg-type]
            origin=s.origin,  # type: ignore[arg-type]
            compression=None,  # the server (granian) declines permessage-deflate anyway
            max_size=None,
            ping_interval=None,  # Engine.IO pings on its own
            open_timeout=60,
        )
        tab = _Tab(ws)
        opened = await ws.recv()
        if not str(opened).startswith("0"):
            raise RuntimeError(f"not an Engine.IO open packet: {opened!r}")
        await ws.send(s.connect)
        tab.tasks.append(asyncio.create_task(self._read(tab)))
        await asyncio.wait_for(tab.hydrated.wait(), 120)
        if tab.refused:
            raise RuntimeError(f"the server refused a tab: {tab.refused}")
        self.hydrate_ms.append((time.perf_counter() - started) * 1000)
        self.tabs.append(tab)
        if self.think > 0 and s.clicks:
            tab.tasks.append(asyncio.create_task(self._click(tab)))

    async def _read(self, tab: _Tab) -> None:
        try:
            async for frame in tab.ws:
                if frame == "2":
                    await tab.ws.send("3")
                elif isinstance(frame, str) and frame.startswith(STATE_FRAME):
                    tab.frames += 1
                    if tab.frames >= self.script.load_frames:
                        tab.hydrated.set()
                elif isinstance(frame, str) and frame.startswith("44/_event"):  # CONNECT_ERROR
                    tab.refused = frame[:300]
                    tab.hydrated.set()
        except websockets.ConnectionClosed:
            pass

    async def _click(self, tab: _Tab) -> None:
        # Each tab starts at a random point of its cycle, so the clicks do not come in waves.
        turn = self._rng.randrange(len(self.script.clicks))
        try:
            while True:
                await asyncio.sleep(self._rng.expovariate(1 / self.think))
                await tab.ws.send(self.script.clicks[turn % len(self.script.clicks)])
                self.clicks_sent += 1
                turn += 1
        except websockets.ConnectionClosed:
            pass

    async def _close(self) -> None:
        for tab in self.tabs:
            for task in tab.tasks:
                task.cancel()
        await asyncio.gather(*(tab.ws.close() for tab in self.tabs), return_exceptions=True)
        self.tabs.clear()
