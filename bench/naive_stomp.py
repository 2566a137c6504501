"""A baseline for ``bench.realtime_chat``: the simplest correct store-then-deliver STOMP server.

It speaks the part of withUs's STOMP protocol the benchmark uses, on the same database and Redis,
so that the same clients run against it unchanged; and it does per message exactly what a
straightforward implementation would: **one INSERT, one PUBLISH, no batching**. The table then
shows what withUs's group commit (many SENDs in one transaction, one PUBLISH round trip per batch)
buys over it.

- ``CONNECT`` with ``Authorization: Bearer <access token>``: the token is checked with the sessions
  service (signature, expiry, live session), once per connection.
- ``SUBSCRIBE /topic/chat/rooms/{id}`` (with a ``receipt``): a participant check (one SELECT), then
  the socket is registered locally for the room. ``/user/queue/...`` subscriptions are accepted
  and carry nothing (the benchmark's idle phase does not use this server).
- ``SEND /app/chat/rooms/{id}`` with ``{"body", "client_msg_id"}``: under the room's lock (one
  process: the room's messages are published in ``seq`` order), one autocommit statement that
  checks participation, advances the room's ``last_seq`` and inserts the message (stored before
  it is delivered), then one ``PUBLISH`` of the message JSON, then the ``RECEIPT`` when one was
  asked for.
- Delivery: one Redis pattern subscription per process (as withUs had before its channel
  subscriptions); each message is encoded as a MESSAGE frame per local subscriber and sent.

What it leaves out that withUs does: rate limits, a session liveness check per SEND, blocks,
notifications to absent users, presence, gap filling, heart-beats, transactions (BEGIN/COMMIT).
It is a floor of the work, not a product. Run by ``bench.realtime_chat`` as
``uvicorn bench.naive_stomp:build_app --factory`` with ``DATABASE_URL`` and ``REDIS_URL`` set.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from typing import Any

ROOM_TOPIC = "/topic/chat/rooms/"
ROOM_SEND = "/app/chat/rooms/"

INSERT = """
WITH room AS (
    UPDATE chat_rooms SET last_seq = last_seq + 1, last_activity_at = now()
    WHERE id = $1 AND EXISTS (SELECT 1 FROM chat_participants p WHERE p.room_id = $1 AND p.user_id = $2)
    RETURNING id, last_seq
)
INSERT INTO chat_messages (room_id, seq, sender_id, body, client_msg_id, created_at)
SELECT id, last_seq, $2, $3, $4, now() FROM room
RETURNING id, seq, created_at
"""
IS_PARTICIPANT = "SELECT 1 FROM chat_participants WHERE room_id = $1 AND user_id = $2"


class Node:
    """The process's database pool, Redis client and local subscribers."""

    def __init__(self) -> None:
        self.pool: Any = None
        self.redis: Any = None
        self.channel_prefix = ""
        self.rooms: dict[int, dict[Any, str]] = {}  # room id -> {connection: subscription id}
        self.locks: dict[int, asyncio.Lock] = {}
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        import asyncpg
        import redis.asyncio as aioredis
        from sqlalchemy.engine import make_url

        url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql")
        self.pool = await asyncpg.create_pool(url.render_as_string(hide_password=False), min_size=2, max_size=20)
        self.redis = aioredis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=False)
        db = self.redis.connection_pool.connection_kwargs.get("db", 0)
        self.channel_prefix = f"db{db}:naive:room:"
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.psubscribe(self.channel_prefix + "*")
        self.reader = asyncio.create_task(self._read(pubsub))

    async def stop(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader
        if self.redis is not None:
            await self.redis.aclose()
        if self.pool is not None:
            await self.pool.close()

    async def _read(self, pubsub: Any) -> None:
        from withus.realtime.stomp_frames import Frame, encode

        while True:
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if msg is None or msg.get("type") != "pmessage":
                continue
            room_id = int(msg["channel"].rsplit(b":", 1)[-1])
            data: bytes = msg["data"]
            for conn, sub_id in list(self.rooms.get(room_id, {}).items()):
                headers = [
                    ("subscription", sub_id),
                    ("message-id", f"{room_id}-{conn.next_id()}"),
                    ("destination", f"{ROOM_TOPIC}{room_id}"),
                    ("content-type", "application/json"),
                ]
                with contextlib.suppress(Exception):
                    await conn.send(encode(Frame("MESSAGE", headers, data)))

    async def store_and_publish(self, room_id: int, user_id: int, body: str, client_msg_id: str | None) -> bool:
        lock = self.locks.setdefault(room_id, asyncio.Lock())
        async with lock:
            row = await self.pool.fetchrow(INSERT, room_id, user_id, body, client_msg_id)
            if row is None:
                return False
            event = {
                "event": "message",
                "message": {
                    "id": row["id"],
                    "room_id": room_id,
                    "seq": row["seq"],
                    "sender": {"id": user_id},
                    "body": body,
                    "client_msg_id": client_msg_id,
                    "created_at": row["created_at"].isoformat(),
                },
            }
            data = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
            await self.redis.publish(f"{self.channel_prefix}{room_id}", data)
        return True


NODE = Node()


class Connection:
    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.user_id: int | None = None
        self.rooms: set[int] = set()
        self.counter = 0
        self.send_lock = asyncio.Lock()

    def next_id(self) -> int:
        self.counter += 1
        return self.counter

    async def send(self, data: bytes) -> None:
        async with self.send_lock:
            await self.websocket.send_text(data.decode())

    async def error(self, message: str, receipt: str | None = None) -> None:
        from withus.realtime.stomp_frames import encode, error_frame

        with contextlib.suppress(Exception):
            await self.send(encode(error_frame(message, receipt_id=receipt)))

    async def receipt(self, frame: Any) -> None:
        from withus.realtime.stomp_frames import Frame, encode

        receipt = frame.get("receipt")
        if receipt is not None:
            await self.send(encode(Frame("RECEIPT", [("receipt-id", receipt)])))

    async def handle(self, frame: Any) -> bool:
        """One client frame; False when the connection must close."""
        from withus.errors import NotAuthenticated
        from withus.realtime.stomp_frames import Frame, encode
        from withus.services import sessions

        command = frame.command
        if command in ("CONNECT", "STOMP"):
            auth = frame.get("Authorization") or frame.get("authorization") or ""
            try:
                claims = await sessions.check_access(auth.removeprefix("Bearer ").strip())
            except NotAuthenticated as exc:
                await self.error(exc.code)
                return False
            self.user_id = claims.user_id
            await self.send(encode(Frame("CONNECTED", [("version", "1.2"), ("heart-beat", "0,0")])))
            return True
        if self.user_id is None:
            await self.error("not_connected")
            return False
        destination = frame.get("destination") or ""
        if command == "SUBSCRIBE":
            if destination.startswith(ROOM_TOPIC):
                room_id = int(destination.removeprefix(ROOM_TOPIC))
                if await NODE.pool.fetchval(IS_PARTICIPANT, room_id, self.user_id) is None:
                    await self.error("forbidden", frame.get("receipt"))
                    return False
                NODE.rooms.setdefault(room_id, {})[self] = frame.get("id") or "0"
                self.rooms.add(room_id)
            await self.receipt(frame)
        elif command == "SEND" and destination.startswith(ROOM_SEND):
            room_id = int(destination.removeprefix(ROOM_SEND))
            payload = json.loads(frame.body)
            stored = await NODE.store_and_publish(room_id, self.user_id, payload["body"], payload.get("client_msg_id"))
            if not stored:
                await self.error("forbidden", frame.get("receipt"))
                return False
            await self.receipt(frame)
        elif command == "DISCONNECT":
            await self.receipt(frame)
            return False
        else:
            await self.receipt(frame)
        return True

    def forget(self) -> None:
        for room_id in self.rooms:
            subs = NODE.rooms.get(room_id)
            if subs is not None:
                subs.pop(self, None)
                if not subs:
                    del NODE.rooms[room_id]


def build_app() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    from withus.realtime.stomp_frames import CLIENT_COMMANDS, Frame, FrameParser

    async def stomp(websocket: WebSocket) -> None:
        offered = list(websocket.scope.get("subprotocols") or [])
        await websocket.accept(subprotocol="v12.stomp" if "v12.stomp" in offered else None)
        conn = Connection(websocket)
        parser = FrameParser(commands=CLIENT_COMMANDS)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("bytes")
                if data is None:
                    data = (message.get("text") or "").encode()
                for item in parser.feed(data):
                    if isinstance(item, Frame) and not await conn.handle(item):
                        await websocket.close()
                        return
        except (WebSocketDisconnect, RuntimeError):
            return
        except Exception as exc:  # a malformed frame: say so and close, as a STOMP server does
            await conn.error(f"{type(exc).__name__}")
            with contextlib.suppress(Exception):
                await websocket.close()
        finally:
            conn.forget()

    async def health(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        await NODE.start()
        try:
            yield
        finally:
            await NODE.stop()

    return Starlette(routes=[WebSocketRoute("/ws", stomp), Route("/health", health)], lifespan=lifespan)
