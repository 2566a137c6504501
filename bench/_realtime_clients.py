"""The processes of ``bench.realtime_chat`` other than the servers: load generators and the database worker.

Each runs in a process of its own (``multiprocessing`` spawn) and obeys commands sent over a
pipe, one at a time, answering each with a picklable dict. Everything it does is bounded in
time; a command that cannot finish raises and the answer carries the error.

Load generator (:func:`loadgen_main`): asyncio, STOMP over the ``websockets`` library with
the project's frame codec (``withus.realtime.stomp_frames``), SSE over httpx streams.

- ``stomp_open``: open connections (CONNECT, then SUBSCRIBE each with a RECEIPT); the
  same client code talks to the echo server (``mode="echo"``: no STOMP handshake, the
  frames come back as they were sent) and to RabbitMQ's Web-STOMP (``mode="rabbitmq"``:
  ``login``/``passcode`` instead of a bearer token, the room is ``/topic/room.N`` for
  SUBSCRIBE and SEND alike, the user queues ``/topic/user.N.messages`` and
  ``/topic/user.N.notifications``). Every mode sends the same SEND frames (the same JSON
  body, the same size) over the same connections.
- ``load``: an open-loop schedule of SEND frames at ``rate`` per second over this process's
  connections (round robin, so every user sends ``rate / n`` per second); every frame carries
  its send time (``time.monotonic()``, one clock for every process of the machine) and the
  sender's id in the message body, so the receiving peer measures SEND → MESSAGE itself.
- ``sse_open`` / ``sse_collect``: notification streams; the notification's ``data.t0`` is
  its publish time.

Database worker (:func:`dbworker_main`): the app's own services against the bench's private
database and Redis index — users straight into the database (as ``tests.factories`` does,
never through sign-up and its rate limits), 1:1 rooms, login sessions with
``withus.services.sessions.create``, and notifications with ``notifications.notify``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import time
import traceback
from typing import Any

WS_OPEN_TIMEOUT = 60.0
COMMAND_TIMEOUT = 240.0
BODY_MARK = b'"body":"T'
BODY_PAD = "벤치 메시지 " * 4  # a short chat line, UTF-8 like the real ones


def raise_nofile() -> int:
    """Raise this process's open-files limit to the hard limit; returns the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def message_body(t0: float, user_id: int) -> str:
    """The chat text of a bench message: send time and sender first, then the line itself."""
    return f"T{t0:.6f}|{user_id}|{BODY_PAD}"


def parse_mark(body: bytes) -> tuple[float, int] | None:
    """``(t0, sender id)`` from a MESSAGE (or echoed SEND) body, without decoding the whole JSON."""
    at = body.find(BODY_MARK)
    if at < 0:
        return None
    start = at + len(BODY_MARK)
    bar = body.find(b"|", start)
    bar2 = body.find(b"|", bar + 1)
    if bar < 0 or bar2 < 0:
        return None
    try:
        return float(body[start:bar]), int(body[bar + 1 : bar2])
    except ValueError:
        return None


# ---------------------------------------------------------------- the load generator


class Window:
    """What the current measurement counts: frames sent in ``[begin, end)``."""

    def __init__(self) -> None:
        self.begin = float("inf")
        self.end = float("-inf")
        self.latencies: list[float] = []
        self.worst: list[tuple[float, float]] = []  # (latency ms, t0) of the slowest, for the report

    def record(self, t0: float, now: float) -> None:
        if self.begin <= t0 < self.end:
            latency = (now - t0) * 1000
            self.latencies.append(latency)
            if len(self.worst) < 20 or latency > self.worst[0][0]:
                self.worst.append((latency, t0))
                self.worst.sort()
                del self.worst[:-20]


class StompClient:
    """One connection of one user, subscribed to its 1:1 room (or to its user queues)."""

    def __init__(self, user_id: int, room_id: int, token: str, mode: str) -> None:
        from withus.realtime.stomp_frames import ALL_COMMANDS, SERVER_COMMANDS, FrameParser

        self.user_id = user_id
        self.room_id = room_id
        self.token = token
        self.mode = mode
        self.ws: Any = None
        self.parser = FrameParser(commands=ALL_COMMANDS if mode == "echo" else SERVER_COMMANDS)
        self.reader: asyncio.Task[None] | None = None
        self.closed = False
        self.error: str | None = None
        self.counter = 0

    async def _next_frame(self, timeout: float) -> Any:
        from withus.realtime.stomp_frames import Frame

        async with asyncio.timeout(timeout):
            while True:
                data = await self.ws.recv(decode=False)
                for item in self.parser.feed(data):
                    if isinstance(item, Frame):
                        return item

    async def open(self, url: str, *, heart_beat: str, subscribe: str, compression: str | None) -> None:
        from websockets.asyncio.client import connect

        from withus.realtime.stomp_frames import Frame, encode

        self.ws = await connect(
            url,
            subprotocols=["v12.stomp"],  # type: ignore[list-item]
            max_size=None,
            ping_interval=None,
            open_timeout=WS_OPEN_TIMEOUT,
            compression=compression,
        )
        if self.mode != "echo":
            headers = [("accept-version", "1.2"), ("heart-beat", heart_beat)]
            if self.mode == "rabbitmq":
                headers += [("host", "/"), ("login", "guest"), ("passcode", "guest")]
            else:
                headers += [("host", "withus"), ("Authorization", f"Bearer {self.token}")]
            await self.ws.send(encode(Frame("CONNECT", headers)))
            frame = await self._next_frame(WS_OPEN_TIMEOUT)
            if frame.command != "CONNECTED":
                raise ConnectionError(f"CONNECT: {frame.command} {frame.get('message')}")
            if self.mode == "rabbitmq":
                destinations = (
                    [self.room_destination]
                    if subscribe == "room"
                    else [f"/topic/user.{self.user_id}.messages", f"/topic/user.{self.user_id}.notifications"]
                )
            else:
                destinations = (
                    [f"/topic/chat/rooms/{self.room_id}"]
                    if subscribe == "room"
                    else ["/user/queue/messages", "/user/queue/notifications"]
                )
            for n, destination in enumerate(destinations):
                sub = [("id", f"s{n}"), ("destination", destination), ("receipt", f"r{n}")]
                await self.ws.send(encode(Frame("SUBSCRIBE", sub)))
                frame = await self._next_frame(WS_OPEN_TIMEOUT)
                if frame.command != "RECEIPT":
                    raise ConnectionError(f"SUBSCRIBE: {frame.command} {frame.get('message')}")

    @property
    def room_destination(self) -> str:
        """Where this client SENDs its room's messages (and, on RabbitMQ, subscribes to them)."""
        if self.mode == "rabbitmq":
            return f"/topic/room.{self.room_id}"
        return f"/app/chat/rooms/{self.room_id}"

    def start_reading(self, window: Window) -> None:
        self.reader = asyncio.create_task(self._read(window))

    async def _read(self, window: Window) -> None:
        from withus.realtime.stomp_frames import Frame

        own = self.user_id
        echo = self.mode == "echo"
        try:
            while True:
                data = await self.ws.recv(decode=False)
                now = time.monotonic()
                for item in self.parser.feed(data):
                    if not isinstance(item, Frame):
                        continue
                    if item.command in ("MESSAGE", "SEND"):
                        mark = parse_mark(item.body)
                        if mark is not None and (echo or mark[1] != own):
                            window.record(mark[0], now)
                    elif item.command == "ERROR":
                        self.error = f"ERROR {item.get('message')}: {item.body[:200]!r}"
        except Exception as exc:  # closed (by us or the server)
            if self.error is None and not self.closed:
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.closed = True

    def send_frame(self, t0: float) -> bytes:
        from withus.realtime.stomp_frames import Frame, encode

        self.counter += 1
        payload = json.dumps(
            {"body": message_body(t0, self.user_id), "client_msg_id": f"{self.user_id}-{self.counter}-{t0:.6f}"},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = [("destination", self.room_destination), ("content-type", "application/json")]
        return encode(Frame("SEND", headers, payload))

    async def close(self) -> None:
        self.closed = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader


class SseStream:
    """One ``GET /api/notifications/stream`` with a bearer token."""

    def __init__(self, user_id: int, token: str) -> None:
        self.user_id = user_id
        self.token = token
        self.opened = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.error: str | None = None
        self.status: int | None = None

    def start(self, client: Any, window: Window) -> None:
        self.task = asyncio.create_task(self._read(client, window))

    async def _read(self, client: Any, window: Window) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        try:
            async with client.stream("GET", "/api/notifications/stream", headers=headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    self.error = f"HTTP {response.status_code}"
                    return
                async for line in response.aiter_lines():
                    if line.startswith("retry:"):
                        self.opened.set()
                    elif line.startswith("data:"):
                        now = time.monotonic()
                        with contextlib.suppress(ValueError, KeyError, TypeError):
                            window.record(float(json.loads(line[5:])["data"]["t0"]), now)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.opened.set()

    @property
    def live(self) -> bool:
        return self.status == 200 and self.error is None and self.task is not None and not self.task.done()


class LoadGen:
    def __init__(self) -> None:
        self.window = Window()
        self.clients: list[StompClient] = []
        self.streams: list[SseStream] = []
        self.http: Any = None
        self.heartbeats: asyncio.Task[None] | None = None
        self.opened_with: dict[str, Any] = {}

    # -- STOMP (or echo) connections

    async def stomp_open(
        self,
        url: str,
        users: list[dict[str, Any]],
        mode: str = "stomp",
        heart_beat: str = "0,0",
        subscribe: str = "room",
        concurrency: int = 40,
        compression: str | None = "deflate",
        timeout: float = 120.0,
    ) -> dict[str, Any]:
        started = time.monotonic()
        gate = asyncio.Semaphore(concurrency)
        errors: list[str] = []
        new: list[StompClient] = []

        async def one(user: dict[str, Any]) -> None:
            client = StompClient(user["id"], user.get("room", 0), user["token"], mode)
            async with gate:
                try:
                    await client.open(url, heart_beat=heart_beat, subscribe=subscribe, compression=compression)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    await client.close()
                    return
            client.start_reading(self.window)
            new.append(client)
            self.clients.append(client)  # heart-beats from now on, while the others are still opening

        self.opened_with = {
            "url": url,
            "mode": mode,
            "heart_beat": heart_beat,
            "subscribe": subscribe,
            "concurrency": concurrency,
            "compression": compression,
        }
        if heart_beat != "0,0" and self.heartbeats is None:
            # before the first connection is open: on a slow machine opening thousands takes longer
            # than the server's heart-beat timeout
            self.heartbeats = asyncio.create_task(self._beat(int(heart_beat.split(",")[0]) / 1000))
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(one(u) for u in users))
        return {"opened": len(new), "errors": errors[:5], "failed": len(errors), "seconds": time.monotonic() - started}

    async def stomp_reopen(self) -> dict[str, Any]:
        """Open again, as before, the connections that were closed (by an ERROR, say): the next step
        starts with every user connected."""
        closed = [c for c in self.clients if c.closed]
        if not closed:
            return {"reopened": 0, "failed": 0}
        self.clients = [c for c in self.clients if not c.closed]
        for c in closed:
            await c.close()
        users = [{"id": c.user_id, "room": c.room_id, "token": c.token} for c in closed]
        result = await self.stomp_open(users=users, **self.opened_with)
        return {"reopened": result["opened"], "failed": result["failed"], "errors": result["errors"]}

    async def _beat(self, every: float) -> None:
        """Client heart-beats (a bare EOL) on every connection, a little more often than promised."""
        while True:
            await asyncio.sleep(every / 2)
            for client in list(self.clients):
                if not client.closed:
                    with contextlib.suppress(Exception):
                        await client.ws.send(b"\n")

    async def load(self, rate: float, warmup: float, duration: float, drain: float = 3.0) -> dict[str, Any]:
        """Send ``rate`` frames per second for ``warmup + duration`` seconds; count those sent in the last
        ``duration`` seconds and the latencies of their deliveries (waiting up to ``drain`` for stragglers)."""
        clients = [c for c in self.clients if not c.closed]
        if not clients:
            return {"sent": 0, "latencies": [], "errors": ["no open connection"], "late_ms": 0.0}
        random.shuffle(clients)
        start = time.monotonic() + 0.1
        window = self.window
        window.latencies = []
        window.worst = []
        begin = start + warmup
        window.begin, window.end = begin, begin + duration
        interval = 1.0 / rate
        i = sent = 0
        late = 0.0
        n = len(clients)
        while True:
            due = start + i * interval
            if due >= window.end:
                break
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
                continue
            while due <= now and due < window.end:  # everything that is due, then sleep again
                client = clients[i % n]
                i += 1
                if client.closed:
                    due = start + i * interval
                    continue
                t0 = time.monotonic()
                late = max(late, t0 - due)
                if window.begin <= t0 < window.end:
                    sent += 1
                try:
                    await client.ws.send(client.send_frame(t0))
                except Exception as exc:
                    client.closed = True
                    client.error = client.error or f"send: {type(exc).__name__}"
                due = start + i * interval
        deadline = time.monotonic() + drain
        while len(window.latencies) < sent and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        latencies = list(window.latencies)
        worst = list(window.worst)
        window.begin, window.end = float("inf"), float("-inf")
        window.worst = []
        errors = [c.error for c in clients if c.error]
        return {
            "sent": sent,
            "latencies": latencies,
            "worst": worst,
            "begin": begin,
            "errors": errors[:5],
            "failed": len(errors),
            "late_ms": late * 1000,
        }

    async def stomp_close(self) -> dict[str, Any]:
        if self.heartbeats is not None:
            self.heartbeats.cancel()
            self.heartbeats = None
        clients, self.clients = self.clients, []
        gate = asyncio.Semaphore(200)

        async def one(c: StompClient) -> None:
            async with gate:
                await c.close()

        await asyncio.gather(*(one(c) for c in clients))
        return {"closed": len(clients)}

    # -- SSE streams

    async def sse_open(
        self, url: str, users: list[dict[str, Any]], concurrency: int = 50, timeout: float = 120.0
    ) -> dict[str, Any]:
        """Open a stream per entry of ``users`` (``id``, ``token``), at most ``concurrency`` being opened
        at a time (a stream counts as open at its ``retry:`` line)."""
        import httpx

        started = time.monotonic()
        if self.http is None:
            self.http = httpx.AsyncClient(
                base_url=url,
                timeout=httpx.Timeout(60.0, read=None),
                limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            )
        new = [SseStream(u["id"], u["token"]) for u in users]
        gate = asyncio.Semaphore(concurrency)

        async def one(stream: SseStream) -> None:
            async with gate:
                stream.start(self.http, self.window)
                await stream.opened.wait()

        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await asyncio.gather(*(one(s) for s in new))
        self.streams.extend(new)
        errors = [s.error for s in new if s.error]
        return {
            "opened": sum(1 for s in new if s.live),
            "errors": errors[:5],
            "failed": len(errors),
            "seconds": time.monotonic() - started,
        }

    async def sse_window(self, begin: float, end: float) -> dict[str, Any]:
        self.window.latencies = []
        self.window.begin, self.window.end = begin, end
        return {}

    async def sse_collect(self, published: dict[int, int], drain: float = 3.0) -> dict[str, Any]:
        """Latencies of what arrived; ``published`` (user id -> notifications) says how many should have."""
        per_user: dict[int, int] = {}
        for s in self.streams:
            if s.status == 200:
                per_user[s.user_id] = per_user.get(s.user_id, 0) + 1
        expected = sum(n * published.get(uid, 0) for uid, n in per_user.items())
        deadline = time.monotonic() + drain
        while len(self.window.latencies) < expected and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        latencies = list(self.window.latencies)
        worst = list(self.window.worst)
        self.window.begin, self.window.end = float("inf"), float("-inf")
        self.window.worst = []
        errors = [s.error for s in self.streams if s.error]
        return {
            "latencies": latencies,
            "worst": worst,
            "expected": expected,
            "errors": errors[:5],
            "failed": len(errors),
        }

    async def sse_close(self) -> dict[str, Any]:
        streams, self.streams = self.streams, []
        for s in streams:
            if s.task is not None:
                s.task.cancel()
        for s in streams:
            if s.task is not None:
                with contextlib.suppress(BaseException):
                    await s.task
        if self.http is not None:
            with contextlib.suppress(Exception):
                await self.http.aclose()
            self.http = None
        return {"closed": len(streams)}


async def _serve(conn: Any, handler: Any) -> None:
    while True:
        if not await asyncio.to_thread(conn.poll, 600):
            return  # the parent is gone or stuck: stop by ourselves
        command, kwargs = conn.recv()
        if command == "stop":
            conn.send({"ok": True})
            return
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT):
                result = await getattr(handler, command)(**kwargs)
            conn.send({"ok": True, **(result or {})})
        except BaseException as exc:  # every failure goes back to the parent
            conn.send({"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-2000:]})
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise


def loadgen_main(conn: Any) -> None:
    raise_nofile()
    gen = LoadGen()

    async def main() -> None:
        try:
            await _serve(conn, gen)
        finally:
            await gen.stomp_close()
            await gen.sse_close()

    asyncio.run(main())


# ---------------------------------------------------------------- the database worker


class DbWorker:
    async def seed(self, n_users: int, password_hash: str) -> dict[str, Any]:
        """``n_users`` users (``rt0`` ..), a 1:1 room for each pair (0, 1), (2, 3) .., a login session each."""
        from withus.db import sessionmaker
        from withus.models.base import utcnow
        from withus.models.chat import ChatParticipant, ChatRoom
        from withus.models.user import User
        from withus.services import sessions as session_service

        started = time.monotonic()
        now = utcnow()
        async with sessionmaker()() as session:
            users = [
                User(
                    username=f"rt{i}",
                    nickname=f"벤치{i}",
                    email=f"rt{i}@example.com",
                    password_hash=password_hash,
                    created_at=now,
                )
                for i in range(n_users)
            ]
            session.add_all(users)
            await session.flush()
            ids = [int(u.id) for u in users if u.id is not None]
            rooms = []
            for i in range(0, n_users - 1, 2):
                low, high = sorted((ids[i], ids[i + 1]))
                rooms.append(
                    ChatRoom(kind="direct", user_low_id=low, user_high_id=high, created_at=now, last_activity_at=now)
                )
            session.add_all(rooms)
            await session.flush()
            room_ids = [int(r.id) for r in rooms if r.id is not None]
            for k, room_id in enumerate(room_ids):
                for uid in (ids[2 * k], ids[2 * k + 1]):
                    session.add(ChatParticipant(room_id=room_id, user_id=uid, joined_at=now))
            await session.commit()
        gate = asyncio.Semaphore(50)

        async def login(uid: int) -> str:
            async with gate:
                pair = await session_service.create(user_id=uid, user_agent="bench.realtime_chat", ip="127.0.0.1")
                return pair.access_token

        tokens = await asyncio.gather(*(login(uid) for uid in ids))
        out = []
        for i, (uid, token) in enumerate(zip(ids, tokens, strict=True)):
            room = room_ids[i // 2] if i // 2 < len(room_ids) else 0
            out.append({"id": uid, "token": token, "room": room})
        return {"users": out, "seconds": time.monotonic() - started}

    async def publish(self, user_ids: list[int], rate: float, count: int) -> dict[str, Any]:
        """``count`` notifications, one every ``1 / rate`` s, round robin over ``user_ids``; each is
        ``notifications.notify`` in a transaction of its own and carries its start time (``data.t0``)."""
        from withus.db import session_scope
        from withus.services import notifications as notification_service

        start = time.monotonic() + 0.05
        interval = 1.0 / rate
        took: list[float] = []
        late = 0.0
        for i in range(count):
            due = start + i * interval
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
            t0 = time.monotonic()
            late = max(late, t0 - due)
            async with session_scope() as session:
                await notification_service.notify(
                    session,
                    user_id=user_ids[i % len(user_ids)],
                    type="notice",
                    title="벤치 공지",
                    body="실시간 알림 벤치마크",
                    link="/notifications",
                    data={"t0": t0},
                )
            took.append((time.monotonic() - t0) * 1000)
        took.sort()
        return {
            "published": count,
            "seconds": time.monotonic() - start,
            "commit_p50_ms": took[len(took) // 2] if took else 0.0,
            "late_ms": late * 1000,
        }

    async def close(self) -> dict[str, Any]:
        from withus.db import dispose_engine
        from withus.kv import close_kv

        await close_kv()
        await dispose_engine()
        return {}


def dbworker_main(conn: Any, env: dict[str, str]) -> None:
    os.environ.update(env)
    raise_nofile()
    worker = DbWorker()

    async def main() -> None:
        try:
            await _serve(conn, worker)
        finally:
            with contextlib.suppress(Exception):
                await worker.close()

    asyncio.run(main())
