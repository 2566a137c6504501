"""Clients of a deployment, as an outside program uses it: STOMP over ``websockets``, SSE over
httpx, REST over httpx. Each reads in a task of its own and keeps what it got, so a test can
send while it receives and see how a connection ended (ERROR frame, close code)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from withus.realtime.stomp_frames import SERVER_COMMANDS, Frame, FrameParser, encode

TIMEOUT = 20.0


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/ws"


class Stomp:
    """One STOMP 1.2 connection. ``url`` is where it connects (nginx or one instance);
    ``origin`` is the site's public address."""

    def __init__(self, url: str, *, origin: str, token: str) -> None:
        self.url = url
        self.origin = origin
        self.token = token
        self.ws: Any = None
        self.parser = FrameParser(commands=SERVER_COMMANDS)
        self.messages: list[Frame] = []
        self.receipts: set[str] = set()
        self.errors: list[Frame] = []
        self.close_code: int | None = None
        self.closed = asyncio.Event()
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self.connected: Frame | None = None

    async def connect(self, *, heart_beat: str = "0,0") -> Frame:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            ws_url(self.url),
            subprotocols=["v12.stomp"],  # type: ignore[list-item]
            origin=self.origin,  # type: ignore[arg-type]
            max_size=None,
            ping_interval=None,
            open_timeout=TIMEOUT,
        )
        self._reader = asyncio.create_task(self._read())
        await self.send_frame(
            "CONNECT",
            {
                "accept-version": "1.2",
                "host": "withus",
                "heart-beat": heart_beat,
                "Authorization": f"Bearer {self.token}",
            },
        )
        await self.wait_for(lambda: self.connected is not None or bool(self.errors) or self.closed.is_set())
        if self.connected is None:
            raise ConnectionError(f"CONNECT failed: {self.errors[-1] if self.errors else self.close_code}")
        return self.connected

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                for item in self.parser.feed(data.encode() if isinstance(data, str) else data):
                    if not isinstance(item, Frame):
                        continue
                    if item.command == "CONNECTED":
                        self.connected = item
                    elif item.command == "MESSAGE":
                        self.messages.append(item)
                    elif item.command == "RECEIPT":
                        self.receipts.add(item.get("receipt-id") or "")
                    elif item.command == "ERROR":
                        self.errors.append(item)
                    self._changed.set()
        except Exception:  # the connection broke: the close code says how
            pass
        finally:
            self.close_code = getattr(self.ws, "close_code", None)
            self.closed.set()
            self._changed.set()

    async def wait_for(self, predicate: Any, timeout: float = TIMEOUT) -> bool:
        """Wait until ``predicate()`` holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._changed.clear()
            if predicate():
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(left, 0.5))
        return True

    async def send_frame(self, command: str, headers: dict[str, str], body: bytes | str = b"") -> None:
        payload = body.encode() if isinstance(body, str) else body
        await self.ws.send(encode(Frame(command, list(headers.items()), payload)))

    async def subscribe(self, destination: str, sub_id: str) -> None:
        receipt = f"sub-{sub_id}"
        await self.send_frame("SUBSCRIBE", {"id": sub_id, "destination": destination, "receipt": receipt})
        assert await self.wait_for(lambda: receipt in self.receipts or self.closed.is_set()), "no SUBSCRIBE receipt"
        assert receipt in self.receipts, f"SUBSCRIBE {destination} failed: {self.errors}"

    async def send_message(self, room_id: int, body: str, client_msg_id: str, *, receipt: str | None = None) -> None:
        payload = json.dumps({"body": body, "client_msg_id": client_msg_id}, ensure_ascii=False)
        headers = {"destination": f"/app/chat/rooms/{room_id}", "content-type": "application/json"}
        if receipt is not None:
            headers["receipt"] = receipt
        await self.send_frame("SEND", headers, payload)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in self.messages]

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5)


@dataclass
class SseEvent:
    id: int | None
    event: str | None
    data: str


@dataclass
class Sse:
    """One notification stream, read in a task; reconnects (with ``Last-Event-ID``) when asked."""

    url: str
    token: str
    events: list[SseEvent] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    last_id: int | None = None
    status: int | None = None
    error: str | None = None
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.ended.clear()
        self.opened.clear()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_id is not None:
            headers["Last-Event-ID"] = str(self.last_id)
        try:
            async with (
                httpx.AsyncClient(timeout=httpx.Timeout(TIMEOUT, read=60)) as client,
                client.stream("GET", f"{self.url}/api/notifications/stream", headers=headers) as response,
            ):
                self.status = response.status_code
                if response.status_code != 200:
                    return
                block: dict[str, str] = {}
                async for line in response.aiter_lines():
                    if line.startswith("retry:"):
                        self.opened.set()
                    if line == "":
                        if "data" in block:
                            event_id = int(block["id"]) if "id" in block else None
                            self.events.append(SseEvent(event_id, block.get("event"), block["data"]))
                            if event_id is not None:
                                self.last_id = event_id
                        block = {}
                    elif not line.startswith(":") and ":" in line:
                        name, _, value = line.partition(":")
                        block[name] = value.removeprefix(" ")
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.ended.set()

    def ids(self) -> list[int]:
        return [json.loads(e.data)["id"] for e in self.events if e.event == "notification"]

    async def wait_for(self, predicate: Any, timeout: float = TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


async def rest(url: str, token: str, method: str, path: str, **kwargs: Any) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as http:
        r = await http.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
    return r.json() if r.content else None


async def all_messages(url: str, token: str, room_id: int, after_seq: int = 0) -> list[dict[str, Any]]:
    """Every message of the room after ``after_seq``, paging through ``after_seq``."""
    out: list[dict[str, Any]] = []
    for _ in range(1000):
        page = await rest(
            url, token, "GET", f"/api/chat/rooms/{room_id}/messages", params={"after_seq": after_seq, "limit": 100}
        )
        out.extend(page["items"])
        if not page["items"] or page["next_cursor"] is None:
            return out
        after_seq = page["items"][-1]["seq"]
    raise AssertionError("paging did not end")
