"""Steady traffic through nginx while something breaks, and followers that must miss nothing.

- :class:`ChatTraffic` posts chat messages over REST, each with a ``client_msg_id``, and
  retries one until it gets 201 (a failure while the database or Redis is down is expected).
- :class:`CommentTraffic` comments on a post (each comment notifies the post's author);
  only comments answered 201 are counted.
- :class:`RoomFollower` follows a room over STOMP; when its connection ends it reconnects
  (through nginx), resubscribes and fills the gap from REST, merging by ``seq``.
- :class:`StreamFollower` follows the SSE stream and reconnects with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

import httpx

from tests.scaleout.clients import Sse, Stomp, all_messages

BOUND = 120.0  # seconds any loop here may run


class ChatTraffic:
    def __init__(self, url: str, token: str, room: int, *, interval: float = 0.4, prefix: str = "m") -> None:
        self.url, self.token, self.room, self.interval, self.prefix = url, token, room, interval, prefix
        self.acked: list[str] = []
        self.failures = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            n = 0
            while not self._stop.is_set() and time.monotonic() - started < BOUND:
                n += 1
                client_msg_id = f"{self.prefix}-{n:04d}"
                while not self._stop.is_set() and time.monotonic() - started < BOUND:
                    try:
                        r = await http.post(
                            f"/api/chat/rooms/{self.room}/messages",
                            json={"body": f"traffic {client_msg_id}", "client_msg_id": client_msg_id},
                            headers={"Authorization": f"Bearer {self.token}"},
                        )
                        if r.status_code in (200, 201):
                            self.acked.append(client_msg_id)
                            break
                        if r.status_code == 429:
                            await asyncio.sleep(float(r.headers.get("Retry-After", "1")))
                            continue
                    except httpx.HTTPError:
                        pass
                    self.failures += 1
                    await asyncio.sleep(0.2)
                await asyncio.sleep(self.interval)

    async def wait_acked(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 30)


class CommentTraffic:
    def __init__(self, url: str, token: str, post_id: int, *, interval: float = 1.0) -> None:
        self.url, self.token, self.post_id, self.interval = url, token, post_id, interval
        self.acked: list[int] = []
        self.failures = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as http:
            while not self._stop.is_set() and time.monotonic() - started < BOUND:
                try:
                    r = await http.post(
                        f"/api/posts/{self.post_id}/comments",
                        json={"body": f"댓글 {len(self.acked) + 1}"},
                        headers={"Authorization": f"Bearer {self.token}"},
                    )
                    if r.status_code == 201:
                        self.acked.append(r.json()["id"])
                    else:
                        self.failures += 1
                except httpx.HTTPError:
                    self.failures += 1
                await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 30)


class RoomFollower:
    """Everything of one room, live, over STOMP; gaps filled from REST after a reconnect."""

    def __init__(self, url: str, origin: str, token: str, room: int) -> None:
        self.url, self.origin, self.token, self.room = url, origin, token, room
        self.connections: list[Stomp] = []
        self.fetched: list[dict[str, Any]] = []
        self.reconnects = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._open()
        self._task = asyncio.create_task(self._watch())

    async def _open(self) -> None:
        started = time.monotonic()
        while time.monotonic() - started < BOUND:
            client = Stomp(self.url, origin=self.origin, token=self.token)
            try:
                await client.connect()
                await client.subscribe(f"/topic/chat/rooms/{self.room}", "room")
            except Exception:
                await client.close()
                await asyncio.sleep(0.3)
                continue
            self.connections.append(client)
            return
        raise AssertionError("could not reconnect")

    async def _watch(self) -> None:
        while not self._stop.is_set():
            current = self.connections[-1]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(current.closed.wait(), 0.5)
            if current.closed.is_set() and not self._stop.is_set():
                self.reconnects += 1
                watermark = max(self.seen(), default=0)
                await self._open()
                with contextlib.suppress(Exception):
                    self.fetched.extend(await all_messages(self.url, self.token, self.room, after_seq=watermark))

    def live(self) -> list[list[dict[str, Any]]]:
        """The messages each connection got live, in arrival order."""
        return [[json.loads(m.body) for m in c.messages] for c in self.connections]

    def seen(self) -> set[int]:
        return {m["seq"] for frames in self.live() for m in frames} | {m["seq"] for m in self.fetched}

    async def catch_up(self) -> None:
        """What a client does when it is unsure: fetch after the highest seq it saw (never needed for
        correctness while the connection stays up; called only if the test waited long enough)."""
        self.fetched.extend(await all_messages(self.url, self.token, self.room, after_seq=max(self.seen(), default=0)))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        for client in self.connections:
            await client.close()


class StreamFollower:
    """The notification stream, reconnecting with Last-Event-ID whenever it ends."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.streams: list[Sse] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._open(0)  # a new user: everything after id 0 is everything
        assert await self.streams[-1].wait_for(self.streams[-1].opened.is_set)
        self._task = asyncio.create_task(self._watch())

    def _open(self, last_id: int | None) -> None:
        stream = Sse(self.url, self.token)
        stream.last_id = last_id
        stream.start()
        self.streams.append(stream)

    async def _watch(self) -> None:
        while not self._stop.is_set():
            current = self.streams[-1]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(current.ended.wait(), 0.5)
            if current.ended.is_set() and not self._stop.is_set():
                await asyncio.sleep(0.5 if current.status == 200 else 1.0)  # the stream's retry: hint, roughly
                last = next((s.last_id for s in reversed(self.streams) if s.last_id is not None), 0)
                self._open(last)

    def ids(self) -> list[int]:
        return [i for s in self.streams for i in s.ids()]

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        for stream in self.streams:
            await stream.close()
