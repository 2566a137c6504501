"""The STOMP 1.2 server behind ``/ws`` (also speaks 1.1 and 1.0): one :class:`StompSession` per WebSocket.

Transport-agnostic: ``api/stomp.py`` does the WebSocket handshake (Origin check,
subprotocol) and hands over a :class:`Transport`. Frames are parsed by
:mod:`withus.realtime.stomp_frames`; live data comes from the process's bus hub
(:mod:`withus.realtime.bus`), never from a Redis connection of the session's own.

Protocol, as the STOMP 1.2 specification says:

- The first frame is ``CONNECT`` or ``STOMP`` (heart-beats before it are fine), with the
  access token as ``Authorization: Bearer <token>`` or as ``passcode``. The version is
  the highest common one of ``accept-version`` (none → 1.0; no common one → ERROR with
  ``version:1.0,1.1,1.2``). ``CONNECTED`` carries ``version``, ``heart-beat`` (the server
  offers ``10000,10000``), ``session`` and ``server``.
- Heart-beats: server → client every ``max(sx, cy)`` ms when both are non-zero (a bare
  EOL when nothing else was sent); client → server every ``max(cx, sy)`` ms, and a peer
  silent for twice that plus a grace period is closed (``ERROR message:heartbeat_timeout``).
- Destinations: ``SUBSCRIBE /topic/chat/rooms/{id}`` (participants only, else
  ``ERROR message:forbidden``), ``/user/queue/messages``, ``/user/queue/notifications``;
  ``SEND /app/chat/rooms/{id}`` with ``{"body", "client_msg_id"?}``: stored, then
  delivered everywhere; its ``RECEIPT`` comes only after the message is stored.
- ``MESSAGE``: ``destination``, ``message-id``, ``subscription``,
  ``content-type:application/json`` (plus ``ack`` for ``client``/``client-individual``
  subscriptions), the message or notification JSON as body. Room messages also carry
  ``seq`` and ``room-id`` headers.
- ``ACK``/``NACK``: checked (``id`` in 1.2; ``subscription`` + ``message-id`` in 1.1;
  ``message-id`` in 1.0) and accepted. Delivery from the hub is at most once and
  every message is already stored before it is delivered, so nothing is redelivered:
  a ``NACK`` only says the client did not process it; the client gets it back from
  ``GET /api/chat/rooms/{id}/messages?after_seq=`` (the way every gap is filled).
- ``BEGIN``/``COMMIT``/``ABORT``: ``SEND``/``ACK``/``NACK`` with a ``transaction`` header
  are held until ``COMMIT`` (then processed in order, each ``RECEIPT`` after its
  message is stored) or dropped by ``ABORT``/disconnect.
- ``DISCONNECT``: a ``receipt`` gets its ``RECEIPT``, then the server closes.
- Every fault (malformed frame, frame over 64 KiB, unknown command or destination,
  missing header, bad JSON, too-long body, expired or revoked token, flooding) is an
  ``ERROR`` frame (``message`` = a stable snake_case code, ``receipt-id`` when the frame
  asked for a receipt, the detail in the body), then the connection closes. Nothing a
  client sends can make the server fail; other connections are untouched.

The access token is checked at CONNECT and again (expiry and session revocation) on
every SEND; a revoked session (``session:revoked:{sid}`` on the bus) is closed at once.

Room subscriptions deliver each message once and in ``seq`` order: the subscription
starts at the room's ``last_seq`` when it is made (earlier messages come from REST),
skips a seq it already delivered, holds a message that arrived ahead of a missing one
until that one arrives (or reads the gap from the database after ``hold_seconds``)
and, when the hub reports a gap (it lost Redis for a while), fills it from the database.
``/user/queue/*`` are live feeds without replay.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotAuthenticated, NotFound
from withus.models.user import User
from withus.realtime import presence, shutdown
from withus.realtime.bus import (
    GAP,
    Listener,
    ListenerClosed,
    get_hub,
    notify_channel,
    room_channel,
    session_revoked_channel,
    user_channel,
)
from withus.realtime.send_queue import UNAVAILABLE, get_send_queue
from withus.realtime.stomp_frames import (
    HEARTBEAT,
    SUPPORTED_VERSIONS,
    Frame,
    FrameParser,
    StompProtocolError,
    encode,
    error_frame,
    heartbeat,
    negotiate_version,
    parse_heartbeat,
)
from withus.services.chat_sending import SendRequest

log = logging.getLogger(__name__)

SERVER_NAME = "withUs/1.0"
ROOM_TOPIC = re.compile(r"/topic/chat/rooms/([1-9][0-9]{0,17})")
ROOM_APP = re.compile(r"/app/chat/rooms/([1-9][0-9]{0,17})")
USER_MESSAGES = "/user/queue/messages"
USER_NOTIFICATIONS = "/user/queue/notifications"
ACK_MODES = frozenset({"auto", "client", "client-individual"})
BODYLESS = frozenset({"SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT", "ABORT", "ACK", "NACK", "DISCONNECT"})


@dataclass
class StompConfig:
    """Limits and timings; tests may shorten the timings."""

    heartbeat_send_ms: int = 10_000  # sx offered in CONNECTED
    heartbeat_receive_ms: int = 10_000  # sy offered in CONNECTED
    heartbeat_grace_ms: int = 5_000  # added to 2 x the incoming interval before a silent peer is closed
    connect_timeout: float = 10.0  # seconds to send CONNECT after the handshake
    max_frame_size: int = 64 * 1024
    rate_capacity: float = 100.0  # token bucket: burst of frames ...
    rate_per_second: float = 30.0  # ... refilled at this rate (heart-beats are free)
    max_subscriptions: int = 100
    max_transactions: int = 10
    max_frames_per_transaction: int = 100
    liveness_check_interval: float = 30.0  # session revocation is also polled, in case an event was missed
    hold_seconds: float = 0.25  # a room message that arrived ahead of a missing one waits this long for it
    max_held: int = 1_000  # ... or until this many wait, then the gap is read from the database
    linger: float = 0.2  # seconds between the last frame and closing the socket


CONFIG = StompConfig()


class Transport(Protocol):
    async def receive(self) -> bytes | None:
        """The next chunk of bytes, or None when the peer has closed."""
        ...

    async def send(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000) -> None: ...


class _Fault(Exception):
    """An ERROR frame to send before closing."""

    def __init__(self, code: str, detail: str = "", receipt_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail or code
        self.receipt_id = receipt_id


def _busy(exc: BaseException, receipt_id: str | None) -> _Fault:
    log.warning("stomp: frame refused, a store is saturated or unreachable: %s", type(exc).__name__)
    return _Fault("server_busy", "the server cannot store this now; reconnect and resend", receipt_id)


class _Closed(Exception):
    """The connection is over (the peer left or we closed it)."""


@dataclass
class TokenBucket:
    capacity: float
    rate: float
    tokens: float = 0.0
    last: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class _Subscription:
    id: str
    destination: str
    ack: str
    room_id: int | None = None


ROOM_GAP = "stomp:room-gap"
"""Pseudo-channel (data: the room id) a connection reminds itself on when a room's gap is due."""


@dataclass
class _RoomCursor:
    """What a connection has delivered of one room: every seq <= ``watermark``, in seq order.

    Seqs are gapless, and seq N+1 is only taken once N is committed (the room's row lock), so a
    message that arrives ahead of a missing one (another batch or another instance published a
    moment later) waits in ``held`` for it; if it has not come after ``hold_seconds``, the gap is
    read from the database (:meth:`StompSession._catch_up_room`)."""

    watermark: int
    held: dict[int, dict[str, Any]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None

    def take(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        """The messages to deliver now, in seq order, now that ``message`` arrived (none for a repeat)."""
        seq = message["seq"]
        if seq <= self.watermark or seq in self.held:
            return []
        self.held[seq] = message
        ready = []
        while self.watermark + 1 in self.held:
            self.watermark += 1
            ready.append(self.held.pop(self.watermark))
        return ready

    def give_up_waiting(self) -> list[dict[str, Any]]:
        """The held messages, in order, past a gap the database could not fill either."""
        if not self.held:
            return []
        self.watermark = min(self.held) - 1
        return self.take(self.held.pop(self.watermark + 1))

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


def _header_fault(frame: Frame, name: str) -> _Fault:
    return _Fault(
        "missing_header", f"{frame.command} frame requires the '{name}' header", receipt_id=frame.get("receipt")
    )


class StompSession:
    """One STOMP connection over one transport."""

    def __init__(self, transport: Transport, *, config: StompConfig | None = None, client: str = "-") -> None:
        self.transport = transport
        self.config = config or CONFIG
        self.client = client
        self.session_id = secrets.token_urlsafe(12)
        self.version = "1.2"
        self.parser = FrameParser(max_frame_size=self.config.max_frame_size)
        self.user_id: int | None = None
        self.login_session_id: str | None = None
        self.token_expires_at: float = 0.0
        self.connected = False
        self.closing = False
        self.send_interval = 0.0  # seconds between our heart-beats (0: none)
        self.receive_interval = 0.0  # seconds the peer promised between its data (0: none)
        self.last_received = time.monotonic()
        self.last_sent = time.monotonic()
        self.busy = False
        self.bucket = TokenBucket(self.config.rate_capacity, self.config.rate_per_second)
        self.subscriptions: dict[str, _Subscription] = {}
        self.room_cursors: dict[int, _RoomCursor] = {}
        self.transactions: dict[str, list[Frame]] = {}
        self.listener: Listener | None = None
        self._send_lock = asyncio.Lock()
        self._message_counter = 0
        self._connected_event = asyncio.Event()
        self.close_code = 1000  # 1012 (service restart) when the server shuts down

    # ------------------------------------------------------------------ running

    async def serve(self) -> None:
        """Run until the peer leaves or the connection is closed; never raises."""
        tasks: list[asyncio.Task[None]] = []
        with shutdown.track():
            try:
                reader = asyncio.create_task(self._reader(), name=f"stomp-reader-{self.session_id}")
                ticker = asyncio.create_task(self._ticker(), name=f"stomp-ticker-{self.session_id}")
                pump = asyncio.create_task(self._pump(), name=f"stomp-pump-{self.session_id}")
                stopper = asyncio.create_task(self._on_shutdown(), name=f"stomp-shutdown-{self.session_id}")
                tasks = [reader, ticker, pump, stopper]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            except Exception:
                log.exception("stomp: session %s failed", self.session_id)
            finally:
                self.closing = True
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(BaseException):
                        await task
                await self._cleanup()
                with contextlib.suppress(Exception):
                    await self.transport.close(self.close_code)

    async def _reader(self) -> None:
        try:
            while not self.closing:
                data = await self.transport.receive()
                if data is None:
                    return
                self.last_received = time.monotonic()
                try:
                    items = self.parser.feed(data)
                except StompProtocolError as exc:
                    raise _Fault(_protocol_code(exc.message), exc.message, exc.receipt_id) from None
                for item in items:
                    if self.closing:  # shutting down: a frame not started now is never half done
                        return
                    if item is HEARTBEAT:
                        continue
                    assert isinstance(item, Frame)
                    if not self.bucket.take():
                        raise _Fault("rate_limited", "too many frames; slow down", item.get("receipt"))
                    self.busy = True
                    try:
                        await self._handle(item)
                    except UNAVAILABLE as exc:
                        raise _busy(exc, item.get("receipt")) from exc
                    finally:
                        self.busy = False
                        self.last_received = time.monotonic()
                    if self.closing:
                        return
        except _Fault as fault:
            await self._fail(fault)
        except _Closed:
            return
        except Exception:
            log.exception("stomp: unexpected error in session %s", self.session_id)
            await self._fail(_Fault("internal_error", "the server could not process the frame"))

    async def _ticker(self) -> None:
        """Heart-beats out, silent peers, the CONNECT deadline, presence refresh, session liveness."""
        try:
            try:
                await asyncio.wait_for(self._connected_event.wait(), self.config.connect_timeout)
            except TimeoutError:
                raise _Fault("connect_timeout", "no CONNECT frame received in time") from None
            # Each connection starts its periodic refreshes at a random point of the period: a
            # thousand clients that connected together otherwise refresh together, a burst of
            # Redis calls that stalled every delivery (p99 spikes of 80-160 ms at 50-200 msg/s).
            now = time.monotonic()
            last_presence = now - random.uniform(0, presence.REFRESH_INTERVAL)
            last_liveness = now - random.uniform(0, self.config.liveness_check_interval)
            while not self.closing:
                await asyncio.sleep(self._tick())
                now = time.monotonic()
                # Early rather than late: the peer may allow little margin (stomp.py: 1.5 x the interval).
                if self.send_interval and now - self.last_sent >= self.send_interval * 0.6:
                    await self._write(heartbeat())
                if self.receive_interval and not self.busy:
                    limit = 2 * self.receive_interval + self.config.heartbeat_grace_ms / 1000
                    if now - self.last_received > limit:
                        raise _Fault("heartbeat_timeout", f"no data from the client for {limit:.1f} s")
                if now - last_presence >= presence.REFRESH_INTERVAL:
                    last_presence = now
                    await self._refresh_presence()
                if now - last_liveness >= self.config.liveness_check_interval:
                    last_liveness = now
                    await self._check_session_alive()
        except _Fault as fault:
            await self._fail(fault)
        except _Closed:
            return
        except Exception:
            log.exception("stomp: timer failed in session %s", self.session_id)
            await self._fail(_Fault("internal_error", "the server could not keep the connection"))

    def _tick(self) -> float:
        candidates = [1.0]
        if self.send_interval:
            candidates.append(self.send_interval / 5)
        if self.receive_interval:
            candidates.append(self.receive_interval / 4)
        return max(0.02, min(candidates))

    async def _pump(self) -> None:
        """Hub events → MESSAGE frames (and closing a revoked session)."""
        await self._connected_event.wait()
        listener = self.listener
        assert listener is not None
        try:
            while not self.closing:
                try:
                    channel, data = await listener.get()
                except ListenerClosed as exc:
                    if exc.reason == "overflow":
                        raise _Fault("too_slow", "the client does not read its messages fast enough") from None
                    raise _Fault("server_shutdown", "the server is shutting down") from None
                await self._dispatch(channel, data)
        except _Fault as fault:
            await self._fail(fault)
        except _Closed:
            return
        except Exception:
            log.exception("stomp: delivery failed in session %s", self.session_id)
            await self._fail(_Fault("internal_error", "the server could not deliver a message"))

    async def _on_shutdown(self) -> None:
        """The process is shutting down: finish the frame in hand (a SEND is stored and gets its
        RECEIPT), then ERROR ``server_shutdown`` and close with 1012 so the client reconnects."""
        await shutdown.wait()
        deadline = time.monotonic() + shutdown.DRAIN_TIMEOUT - 1
        while self.busy and time.monotonic() < deadline:  # noqa: ASYNC110 (a flag of the reader, polled briefly)
            await asyncio.sleep(0.01)
        self.close_code = 1012
        await self._fail(
            _Fault("server_shutdown", "the server is shutting down; reconnect and resend what has no RECEIPT")
        )

    # ------------------------------------------------------------------ output

    async def _write(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self.transport.send(data)
            except Exception:
                self.closing = True
                raise _Closed() from None
            self.last_sent = time.monotonic()

    async def _send_frame(self, frame: Frame) -> None:
        await self._write(encode(frame, version=self.version))

    async def _receipt(self, frame: Frame) -> None:
        receipt = frame.get("receipt")
        if receipt is not None:
            await self._send_frame(Frame("RECEIPT", [("receipt-id", receipt)]))

    async def _fail(self, fault: _Fault) -> None:
        """Send the ERROR frame, then close (the spec: an ERROR ends the connection)."""
        if self.closing:
            return
        self.closing = True
        if fault.code == "server_busy":
            self.close_code = 1013  # try again later
        log.info("stomp: session %s closed by ERROR %s (%s)", self.session_id, fault.code, fault.detail)
        frame = error_frame(fault.code, detail=fault.detail, receipt_id=fault.receipt_id)
        if fault.code == "unsupported_version":
            frame.headers.insert(1, ("version", ",".join(SUPPORTED_VERSIONS)))
        with contextlib.suppress(_Closed, Exception):
            await self._send_frame(frame)
            await asyncio.sleep(self.config.linger)

    # ------------------------------------------------------------------ frames

    async def _handle(self, frame: Frame) -> None:
        command = frame.command
        if command in ("CONNECT", "STOMP"):
            if self.connected:
                raise _Fault("already_connected", "the session is already connected", frame.get("receipt"))
            await self._connect(frame)
            return
        if not self.connected:
            raise _Fault("not_connected", f"expected CONNECT or STOMP, got {command}", frame.get("receipt"))
        if command in BODYLESS and frame.body:
            raise _Fault("unexpected_body", f"{command} frames must not have a body", frame.get("receipt"))
        tx = frame.get("transaction")
        if command in ("SEND", "ACK", "NACK") and tx is not None:
            held = self.transactions.get(tx)
            if held is None:
                raise _Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
            if len(held) >= self.config.max_frames_per_transaction:
                raise _Fault("transaction_too_large", "too many frames in one transaction", frame.get("receipt"))
            held.append(frame)
            if command != "SEND":
                await self._receipt(frame)
            return
        handler = {
            "SEND": self._on_send,
            "SUBSCRIBE": self._on_subscribe,
            "UNSUBSCRIBE": self._on_unsubscribe,
            "ACK": self._on_ack,
            "NACK": self._on_ack,
            "BEGIN": self._on_begin,
            "COMMIT": self._on_commit,
            "ABORT": self._on_abort,
            "DISCONNECT": self._on_disconnect,
        }.get(command)
        if handler is None:  # the parser only lets client commands through
            raise _Fault("unknown_command", f"unexpected command {command}", frame.get("receipt"))
        await handler(frame)

    async def _connect(self, frame: Frame) -> None:
        version = negotiate_version(frame.get("accept-version"))
        if version is None:
            raise _Fault("unsupported_version", f"Supported protocol versions are {' '.join(SUPPORTED_VERSIONS)}")
        self.version = version
        token = _token_of(frame)
        if token is None:
            raise _Fault("not_authenticated", "CONNECT needs 'Authorization: Bearer <access token>' or 'passcode'")
        try:
            cx, cy = parse_heartbeat(frame.get("heart-beat") or "0,0")
        except StompProtocolError as exc:
            raise _Fault("malformed_frame", exc.message) from None
        from withus.services import sessions as session_service

        try:
            claims = await session_service.check_access(token)
        except NotAuthenticated as exc:
            raise _Fault(exc.code, exc.detail) from None
        async with session_scope() as db:
            user = await db.get(User, claims.user_id)
            if user is None or user.deleted_at is not None:
                raise _Fault("token_revoked", "the account no longer exists")
        self.user_id = claims.user_id
        self.login_session_id = claims.session_id
        self.token_expires_at = float(claims.expires_at)
        sx, sy = self.config.heartbeat_send_ms, self.config.heartbeat_receive_ms
        self.send_interval = max(sx, cy) / 1000 if sx and cy else 0.0
        self.receive_interval = max(cx, sy) / 1000 if cx and sy else 0.0
        self.parser.version = version
        self.listener = await get_hub().listen(session_revoked_channel(claims.session_id))
        self.connected = True
        self._connected_event.set()
        await self._send_frame(
            Frame(
                "CONNECTED",
                [
                    ("version", version),
                    ("heart-beat", f"{sx},{sy}"),
                    ("session", self.session_id),
                    ("server", SERVER_NAME),
                    ("user-id", str(claims.user_id)),
                ],
            )
        )
        self.last_received = time.monotonic()

    def _check_expiry(self, frame: Frame) -> None:
        """The access token's expiry; its session's liveness is checked with the SEND's batch."""
        if time.time() > self.token_expires_at:
            raise _Fault(
                "token_expired", "the access token has expired; reconnect with a new one", frame.get("receipt")
            )

    async def _check_session_alive(self) -> None:
        from withus.services import sessions as session_service

        if self.login_session_id is None:
            return
        try:
            alive = await session_service.is_alive(self.login_session_id)
        except Exception as exc:  # the store is down: keep the connection, check again later
            log.warning("stomp: cannot check session liveness: %s", type(exc).__name__)
            return
        if not alive:
            raise _Fault("token_revoked", "this login session was ended")

    # -- SEND

    async def _on_send(self, frame: Frame) -> None:
        receipt = frame.get("receipt")
        destination = frame.get("destination")
        if destination is None:
            raise _header_fault(frame, "destination")
        match = ROOM_APP.fullmatch(destination)
        if match is None:
            raise _Fault("unknown_destination", f"cannot SEND to {destination!r}", receipt)
        self._check_expiry(frame)
        room_id = int(match.group(1))
        try:
            payload = json.loads(frame.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _Fault("bad_json", 'the body must be a JSON object {"body", "client_msg_id"?}', receipt) from None
        if not isinstance(payload, dict) or "body" not in payload:
            raise _Fault("bad_json", 'the body must be a JSON object {"body", "client_msg_id"?}', receipt)
        assert self.user_id is not None
        request = SendRequest(self.user_id, room_id, payload.get("body"), payload.get("client_msg_id"))
        # Stored with the other SENDs of this moment, if the login session is still alive.
        outcome = await get_send_queue().send(request, login_session_id=self.login_session_id)
        if isinstance(outcome, NotFound):
            raise _Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
        if isinstance(outcome, DomainError):
            if outcome.code == "account_gone":
                raise _Fault("token_revoked", "the account no longer exists", receipt)
            if outcome.code == "token_revoked":
                raise _Fault("token_revoked", "this login session was ended", receipt)
            detail = outcome.errors[0].message if outcome.errors else outcome.detail
            raise _Fault(outcome.code, detail, receipt)
        await self._receipt(frame)  # only now: the message is stored (and published)

    # -- SUBSCRIBE / UNSUBSCRIBE

    async def _on_subscribe(self, frame: Frame) -> None:
        receipt = frame.get("receipt")
        sub_id = frame.get("id")
        destination = frame.get("destination")
        if sub_id is None:
            raise _header_fault(frame, "id")
        if destination is None:
            raise _header_fault(frame, "destination")
        if sub_id in self.subscriptions:
            raise _Fault("duplicate_subscription", f"subscription id {sub_id!r} is already in use", receipt)
        if len(self.subscriptions) >= self.config.max_subscriptions:
            raise _Fault("too_many_subscriptions", "too many subscriptions on one connection", receipt)
        ack = frame.get("ack") or "auto"
        if ack not in ACK_MODES:
            raise _Fault("invalid_ack_mode", f"ack must be one of {', '.join(sorted(ACK_MODES))}", receipt)
        listener = self.listener
        assert listener is not None
        assert self.user_id is not None
        match = ROOM_TOPIC.fullmatch(destination)
        if match is not None:
            room_id = int(match.group(1))
            listener.add(room_channel(room_id))  # before reading last_seq: nothing stored after it is missed
            from withus.services import chat as chat_service

            async with session_scope() as db:
                try:
                    access = await chat_service.access_room(db, room_id=room_id, user_id=self.user_id)
                except NotFound:
                    access = None
                last_seq = access.room.last_seq if access is not None else 0
            if access is None:
                if not any(s.room_id == room_id for s in self.subscriptions.values()):
                    listener.discard(room_channel(room_id))
                raise _Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
            self.subscriptions[sub_id] = _Subscription(sub_id, destination, ack, room_id)
            self.room_cursors.setdefault(room_id, _RoomCursor(last_seq))
            await presence.enter(room_id=room_id, user_id=self.user_id, viewer_id=self._viewer(sub_id))
            await chat_service.forget_notified(user_id=self.user_id, room_id=room_id)
        elif destination == USER_MESSAGES:
            listener.add(user_channel(self.user_id))
            self.subscriptions[sub_id] = _Subscription(sub_id, destination, ack)
        elif destination == USER_NOTIFICATIONS:
            listener.add(notify_channel(self.user_id))
            self.subscriptions[sub_id] = _Subscription(sub_id, destination, ack)
        else:
            raise _Fault("unknown_destination", f"cannot SUBSCRIBE to {destination!r}", receipt)
        await get_hub().wait_ready()
        await self._receipt(frame)

    async def _on_unsubscribe(self, frame: Frame) -> None:
        sub_id = frame.get("id")
        if sub_id is None:
            raise _header_fault(frame, "id")
        sub = self.subscriptions.pop(sub_id, None)
        if sub is None:
            raise _Fault("unknown_subscription", f"no subscription {sub_id!r}", frame.get("receipt"))
        await self._drop_subscription(sub)
        await self._receipt(frame)

    async def _drop_subscription(self, sub: _Subscription) -> None:
        listener = self.listener
        assert self.user_id is not None
        remaining = list(self.subscriptions.values())
        if sub.room_id is not None:
            with contextlib.suppress(Exception):
                await presence.leave(room_id=sub.room_id, user_id=self.user_id, viewer_id=self._viewer(sub.id))
            if not any(s.room_id == sub.room_id for s in remaining):
                cursor = self.room_cursors.pop(sub.room_id, None)
                if cursor is not None:
                    cursor.stop_timer()
                if listener is not None:
                    listener.discard(room_channel(sub.room_id))
        elif listener is not None and not any(s.destination == sub.destination for s in remaining):
            channel = user_channel(self.user_id) if sub.destination == USER_MESSAGES else notify_channel(self.user_id)
            listener.discard(channel)

    def _viewer(self, sub_id: str) -> str:
        return f"stomp:{self.session_id}:{sub_id}"

    # -- ACK / NACK

    async def _on_ack(self, frame: Frame) -> None:
        if self.version == "1.2":
            if frame.get("id") is None:
                raise _header_fault(frame, "id")
        else:
            if frame.get("message-id") is None:
                raise _header_fault(frame, "message-id")
            if self.version == "1.1" and frame.get("subscription") is None:
                raise _header_fault(frame, "subscription")
        # At-most-once delivery of stored messages: nothing to redeliver (see the module docstring).
        await self._receipt(frame)

    # -- transactions

    async def _on_begin(self, frame: Frame) -> None:
        tx = frame.get("transaction")
        if tx is None:
            raise _header_fault(frame, "transaction")
        if tx in self.transactions:
            raise _Fault("duplicate_transaction", f"transaction {tx!r} is already open", frame.get("receipt"))
        if len(self.transactions) >= self.config.max_transactions:
            raise _Fault("too_many_transactions", "too many open transactions", frame.get("receipt"))
        self.transactions[tx] = []
        await self._receipt(frame)

    async def _on_commit(self, frame: Frame) -> None:
        tx = frame.get("transaction")
        if tx is None:
            raise _header_fault(frame, "transaction")
        held = self.transactions.pop(tx, None)
        if held is None:
            raise _Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
        for item in held:
            if item.command == "SEND":
                await self._on_send(item)
            else:
                await self._on_ack(_without_receipt(item))
        await self._receipt(frame)

    async def _on_abort(self, frame: Frame) -> None:
        tx = frame.get("transaction")
        if tx is None:
            raise _header_fault(frame, "transaction")
        if self.transactions.pop(tx, None) is None:
            raise _Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
        await self._receipt(frame)

    # -- DISCONNECT

    async def _on_disconnect(self, frame: Frame) -> None:
        self.transactions.clear()
        await self._receipt(frame)
        self.closing = True
        await asyncio.sleep(self.config.linger)

    # ------------------------------------------------------------------ delivery

    async def _dispatch(self, channel: str, data: str) -> None:
        if channel == GAP:
            await self._catch_up()
            return
        if channel == ROOM_GAP:
            cursor = self.room_cursors.get(int(data))
            if cursor is not None:
                cursor.timer = None
                if cursor.held:
                    await self._catch_up_room(int(data), cursor)
            return
        if channel.startswith("session:revoked:"):
            raise _Fault("token_revoked", "this login session was ended")
        if channel.startswith("notify:"):
            body = data.encode()
            for sub in list(self.subscriptions.values()):
                if sub.destination == USER_NOTIFICATIONS:
                    await self._deliver(sub, body, [])
            return
        try:
            event = json.loads(data)
        except ValueError:
            log.warning("stomp: unreadable event on %s", channel)
            return
        if not isinstance(event, dict) or event.get("event") != "message" or not isinstance(event.get("message"), dict):
            return
        message: dict[str, Any] = event["message"]
        if channel.startswith("chat:room:"):
            await self._deliver_room_message(message)
        elif channel.startswith("chat:user:"):
            body = _json_bytes(message)
            extra = _message_headers(message)
            for sub in list(self.subscriptions.values()):
                if sub.destination == USER_MESSAGES:
                    await self._deliver(sub, body, extra)

    async def _deliver_room_message(self, message: dict[str, Any]) -> None:
        """Each seq once, in seq order (see :class:`_RoomCursor`)."""
        room_id, seq = message.get("room_id"), message.get("seq")
        if not isinstance(room_id, int) or not isinstance(seq, int):
            return
        cursor = self.room_cursors.get(room_id)
        if cursor is None:
            return
        for ready in cursor.take(message):
            await self._send_room_message(room_id, ready)
        if not cursor.held:
            cursor.stop_timer()
        elif len(cursor.held) > self.config.max_held:
            await self._catch_up_room(room_id, cursor)
        elif cursor.timer is None and self.listener is not None:
            remind = functools.partial(self.listener.remind, ROOM_GAP, str(room_id))
            cursor.timer = asyncio.get_running_loop().call_later(self.config.hold_seconds, remind)

    async def _send_room_message(self, room_id: int, message: dict[str, Any]) -> None:
        body = _json_bytes(message)
        extra = _message_headers(message)
        for sub in list(self.subscriptions.values()):
            if sub.room_id == room_id:
                await self._deliver(sub, body, extra)

    async def _deliver(self, sub: _Subscription, body: bytes, extra: list[tuple[str, str]]) -> None:
        if self.closing:
            raise _Closed()
        self._message_counter += 1
        message_id = f"{self.session_id}-{self._message_counter}"
        headers = [
            ("destination", sub.destination),
            ("message-id", message_id),
            ("subscription", sub.id),
            ("content-type", "application/json"),
        ]
        if sub.ack != "auto":
            headers.append(("ack", message_id))
        headers.extend(extra)
        await self._send_frame(Frame("MESSAGE", headers, body))

    async def _catch_up(self) -> None:
        """After the hub lost the store for a while: deliver what the room subscriptions missed."""
        for room_id, cursor in list(self.room_cursors.items()):
            await self._catch_up_room(room_id, cursor)

    async def _catch_up_room(self, room_id: int, cursor: _RoomCursor) -> None:
        """Deliver, in order, what the database has of the room after the cursor's watermark; then
        whatever is still held (a gap the database does not have either is not waited for again)."""
        if self.user_id is None:
            return
        from withus.services import chat as chat_service

        cursor.stop_timer()
        while True:
            async with read_scope() as db:
                user = await db.get(User, self.user_id)
                if user is None:
                    return
                try:
                    items, more = await chat_service.list_messages(
                        db, user=user, room_id=room_id, after_seq=cursor.watermark, limit=100
                    )
                except NotFound:  # the room is no longer theirs: nothing held is delivered
                    cursor.held.clear()
                    return
            for item in items:
                for ready in cursor.take(item.model_dump(mode="json")):
                    await self._send_room_message(room_id, ready)
            if not more or not items:
                break
        for ready in cursor.give_up_waiting():
            await self._send_room_message(room_id, ready)

    async def _refresh_presence(self) -> None:
        if self.user_id is None:
            return
        for sub in list(self.subscriptions.values()):
            if sub.room_id is not None:
                with contextlib.suppress(Exception):
                    await presence.touch(room_id=sub.room_id, user_id=self.user_id, viewer_id=self._viewer(sub.id))

    async def _cleanup(self) -> None:
        if self.user_id is not None:
            for sub in list(self.subscriptions.values()):
                if sub.room_id is not None:
                    with contextlib.suppress(Exception):
                        await presence.leave(room_id=sub.room_id, user_id=self.user_id, viewer_id=self._viewer(sub.id))
        self.subscriptions.clear()
        self.transactions.clear()
        for cursor in self.room_cursors.values():
            cursor.stop_timer()
        if self.listener is not None:
            self.listener.close()


def _token_of(frame: Frame) -> str | None:
    auth = frame.get("Authorization") or frame.get("authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    passcode = frame.get("passcode")
    return passcode.strip() if passcode and passcode.strip() else None


def _protocol_code(message: str) -> str:
    if message.startswith("frame exceeds"):
        return "frame_too_large"
    if message.startswith("unknown command") or message.startswith("unexpected command"):
        return "unknown_command"
    return "malformed_frame"


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _message_headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if isinstance(message.get("room_id"), int):
        headers.append(("room-id", str(message["room_id"])))
    if isinstance(message.get("seq"), int):
        headers.append(("seq", str(message["seq"])))
    return headers


def _without_receipt(frame: Frame) -> Frame:
    return Frame(frame.command, [(k, v) for k, v in frame.headers if k != "receipt"], frame.body)
