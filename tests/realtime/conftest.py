"""A live server for the real-time tests, and the clients that talk to it.

``live_server`` runs the FastAPI app of ``api.build_api()`` under uvicorn on a free
port, on both stacks (it uses ``stack``). The server runs as a task in the test's own
event loop rather than in a thread: the database engine (asyncpg's pool) and the
in-process KV store (its pub/sub queues) belong to one event loop, and the test
arranges data through the same engine and store. Blocking clients (``stomp.py``)
are driven from worker threads (``asyncio.to_thread``) so the loop keeps serving.

Clients:
- :class:`RawStomp` speaks STOMP over the ``websockets`` library frame by frame
  (for malformed input, heart-beats, exact headers);
- :class:`StompPy` wraps the third-party ``stomp.py`` client
  (``stomp.adapter.ws.WSStompConnection``), exactly as an outside Python client uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from withus.realtime.stomp_frames import SERVER_COMMANDS, Frame, FrameParser, encode

TIMEOUT = 30.0  # generous: a loaded CI machine stalls, and a timeout here is a failure, not a measurement


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the test runner owns the signals
        yield


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def origin(self) -> str:
        return self.url

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=TIMEOUT)


@pytest.fixture
async def live_server(stack: Any, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[LiveServer]:
    from tests.conftest import api_app
    from withus.realtime.bus import stop_hub
    from withus.settings import get_settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    monkeypatch.setenv("ALLOWED_ORIGINS", f"http://127.0.0.1:{port},http://localhost:{port}")
    get_settings.cache_clear()
    app = api_app()
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", timeout_graceful_shutdown=3, ws_ping_interval=None
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, "the live server did not start"
    try:
        yield LiveServer("127.0.0.1", port)
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 10)
        await stop_hub()
        sock.close()
        monkeypatch.delenv("ALLOWED_ORIGINS", raising=False)
        get_settings.cache_clear()


@pytest.fixture
def stomp_config(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The server's STOMP settings, changeable for one test (restored after)."""
    from api.stomp import config as stomp_config

    config = stomp_config.StompConfig()
    monkeypatch.setattr(stomp_config, "CONFIG", config)
    return config


# ---------------------------------------------------------------- raw frames over `websockets`


class RawStomp:
    """A STOMP peer at the byte level over a real WebSocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.parser = FrameParser(commands=SERVER_COMMANDS)
        self.frames: list[Frame] = []
        self.heartbeats = 0

    @classmethod
    async def open(
        cls,
        server: LiveServer,
        *,
        subprotocols: list[str] | None = None,
        origin: str | None = None,
    ) -> RawStomp:
        from websockets.asyncio.client import connect

        ws = await connect(
            server.ws_url,
            subprotocols=(subprotocols or None) if subprotocols is not None else ["v12.stomp"],  # type: ignore[arg-type]
            origin=origin,  # type: ignore[arg-type]
            max_size=None,
            ping_interval=None,
            open_timeout=TIMEOUT,
        )
        return cls(ws)

    async def send_raw(self, data: bytes | str) -> None:
        await self.ws.send(data)

    async def send(self, command: str, headers: dict[str, str] | None = None, body: bytes | str = b"") -> None:
        payload = body.encode() if isinstance(body, str) else body
        await self.ws.send(encode(Frame(command, list((headers or {}).items()), payload)))

    async def connect(self, token: str | None, *, heart_beat: str = "0,0", via: str = "authorization") -> Frame:
        headers = {"accept-version": "1.0,1.1,1.2", "host": "withus", "heart-beat": heart_beat}
        if token is not None:
            if via == "authorization":
                headers["Authorization"] = f"Bearer {token}"
            else:
                headers["login"] = "ignored"
                headers["passcode"] = token
        await self.send("CONNECT", headers)
        return await self.recv()

    async def recv(self, timeout: float = TIMEOUT) -> Frame:
        """The next frame (heart-beats are counted and skipped)."""
        async with asyncio.timeout(timeout):
            while not self.frames:
                data = await self.ws.recv()
                items = self.parser.feed(data.encode() if isinstance(data, str) else data)
                for item in items:
                    if isinstance(item, Frame):
                        self.frames.append(item)
                    else:
                        self.heartbeats += 1
            return self.frames.pop(0)

    async def recv_until_closed(self, timeout: float = TIMEOUT) -> list[Frame]:
        """Every frame until the server closes the socket."""
        from websockets.exceptions import ConnectionClosed

        out: list[Frame] = []
        try:
            while True:
                out.append(await self.recv(timeout))
        except ConnectionClosed:
            out.extend(self.frames)
            self.frames.clear()
        return out

    async def wait_heartbeat(self, timeout: float = TIMEOUT) -> None:
        before = self.heartbeats
        async with asyncio.timeout(timeout):
            while self.heartbeats == before:
                data = await self.ws.recv()
                for item in self.parser.feed(data.encode() if isinstance(data, str) else data):
                    if isinstance(item, Frame):
                        self.frames.append(item)
                    else:
                        self.heartbeats += 1

    @property
    def closed(self) -> bool:
        from websockets.protocol import State

        return bool(self.ws.state is State.CLOSED)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()


# ---------------------------------------------------------------- the third-party stomp.py client


class _Collector:
    """A stomp.py listener that queues what the server sends (it runs in stomp.py's thread)."""

    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()
        self.receipts: queue.Queue[str] = queue.Queue()
        self.errors: queue.Queue[Any] = queue.Queue()
        self.disconnected = threading.Event()

    def on_message(self, frame: Any) -> None:
        self.messages.put(frame)

    def on_receipt(self, frame: Any) -> None:
        self.receipts.put(frame.headers.get("receipt-id", ""))

    def on_error(self, frame: Any) -> None:
        self.errors.put(frame)

    def on_disconnected(self) -> None:
        self.disconnected.set()

    # the rest of stomp.py's listener interface
    def on_connecting(self, host_and_port: Any) -> None: ...
    def on_connected(self, frame: Any) -> None: ...
    def on_heartbeat(self) -> None: ...
    def on_heartbeat_timeout(self) -> None: ...
    def on_before_message(self, frame: Any) -> None: ...
    def on_send(self, frame: Any) -> None: ...
    def on_disconnecting(self) -> None: ...
    def on_receiver_loop_completed(self, frame: Any) -> None: ...


class StompPy:
    """``stomp.py``'s WebSocket connection, its blocking calls run in a worker thread."""

    def __init__(self, server: LiveServer, *, heartbeats: tuple[int, int] = (0, 0)) -> None:
        from stomp.adapter.ws import WSStompConnection

        self.conn = WSStompConnection(
            [(server.host, server.port)],
            ws_path="/ws",
            heartbeats=heartbeats,
            reconnect_attempts_max=1,
            timeout=TIMEOUT,
        )  # websocket-client sends Origin: http://127.0.0.1:<port>, the server's own origin
        self.events = _Collector()
        self.conn.set_listener("collector", self.events)

    async def connect(self, token: str) -> None:
        await asyncio.to_thread(
            self.conn.connect, passcode=token, wait=True, headers={"Authorization": f"Bearer {token}"}
        )

    async def subscribe(self, destination: str, sub_id: str, *, ack: str = "auto") -> None:
        receipt = f"sub-{sub_id}"
        await asyncio.to_thread(self.conn.subscribe, destination, sub_id, ack=ack, headers={"receipt": receipt})
        assert await self.receipt() == receipt

    async def send_json(self, destination: str, payload: Any, *, receipt: str | None = None) -> None:
        import json

        headers = {"receipt": receipt} if receipt else {}
        await asyncio.to_thread(
            self.conn.send,
            destination,
            json.dumps(payload, ensure_ascii=False),
            content_type="application/json",
            headers=headers,
        )

    async def receipt(self, timeout: float = TIMEOUT) -> str:
        return await asyncio.to_thread(self.events.receipts.get, True, timeout)

    async def message(self, timeout: float = TIMEOUT) -> Any:
        return await asyncio.to_thread(self.events.messages.get, True, timeout)

    async def error(self, timeout: float = TIMEOUT) -> Any:
        return await asyncio.to_thread(self.events.errors.get, True, timeout)

    def pending_messages(self) -> list[Any]:
        out = []
        while True:
            try:
                out.append(self.events.messages.get_nowait())
            except queue.Empty:
                return out

    async def wait_disconnected(self, timeout: float = TIMEOUT) -> bool:
        return await asyncio.to_thread(self.events.disconnected.wait, timeout)

    async def disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.to_thread(self.conn.disconnect, receipt="bye")
