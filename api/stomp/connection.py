"""One STOMP connection's state and its output: frames, RECEIPTs, the ERROR that ends it.

The commands (:mod:`api.stomp.commands`, :mod:`api.stomp.subscriptions`) and the delivery
(:mod:`api.stomp.delivery`) work on a :class:`Connection`; :class:`api.stomp.session.StompSession`
adds the tasks that run it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass, field

from api.stomp import config as stomp_config
from api.stomp.config import StompConfig, Transport
from api.stomp.room_cursor import RoomCursor
from api.stomp.user_queue import UserQueues
from withus.observability import logs, metrics
from withus.realtime.bus import Listener
from withus.realtime.stomp_frames import SUPPORTED_VERSIONS, Frame, FrameParser, encode, error_frame

log = logging.getLogger(__name__)


class Fault(Exception):
    """An ERROR frame to send before closing."""

    def __init__(self, code: str, detail: str = "", receipt_id: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail or code
        self.receipt_id = receipt_id


def busy(exc: BaseException, receipt_id: str | None) -> Fault:
    log.warning("stomp: frame refused, a store is saturated or unreachable: %s", type(exc).__name__)
    return Fault("server_busy", "the server cannot store this now; reconnect and resend", receipt_id)


def header_fault(frame: Frame, name: str) -> Fault:
    return Fault(
        "missing_header", f"{frame.command} frame requires the '{name}' header", receipt_id=frame.get("receipt")
    )


EVICTED = "stomp:evicted"
"""Pseudo-channel a connection is reminded on when a newer one of the same user took its place."""

_by_user: dict[int, dict[str, Connection]] = {}
"""This process's connected sessions per user, oldest first (dicts keep insertion order)."""


def admit(conn: Connection) -> None:
    """Count a CONNECTED session against its user's cap (:attr:`StompConfig.max_connections_per_user`):
    past it, the user's OLDEST connection is told to close with ``ERROR message:too_many_connections``
    (a forgotten tab or a phone that slept keeps its socket; the person at the keyboard is the new
    one). Per server process: with N processes a user holds at most N x the cap."""
    assert conn.user_id is not None
    mine = _by_user.setdefault(conn.user_id, {})
    mine[conn.session_id] = conn
    cap = max(1, conn.config.max_connections_per_user)
    for old in list(mine.values())[: max(0, len(mine) - cap)]:
        del mine[old.session_id]
        if old.listener is not None:
            old.listener.remind(EVICTED, "")


def leave(conn: Connection) -> None:
    """The session ended: it no longer counts."""
    if conn.user_id is None:
        return
    mine = _by_user.get(conn.user_id)
    if mine is not None and mine.get(conn.session_id) is conn:
        del mine[conn.session_id]
        if not mine:
            del _by_user[conn.user_id]


def connections_of(user_id: int) -> int:
    return len(_by_user.get(user_id, {}))


class Closed(Exception):
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
class Subscription:
    id: str
    destination: str
    ack: str
    room_id: int | None = None
    # the MESSAGE frame's lines of this subscription, encoded once (api/stomp/delivery.py)
    wire: tuple[str, bytes, bytes] | None = None


class Connection:
    """One STOMP connection over one transport: who it is, what it subscribed, how to answer."""

    def __init__(self, transport: Transport, *, config: StompConfig | None = None, client: str = "-") -> None:
        self.transport = transport
        self.config = config or stomp_config.CONFIG
        self.client = client
        self.session_id = secrets.token_urlsafe(12)
        self.locale = "ko"  # the reader's language for notifications (the handshake's cookie or Accept-Language)
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
        self.partial_since: float | None = None  # when the frame now half received began
        self.busy = False
        self.bucket = TokenBucket(self.config.rate_capacity, self.config.rate_per_second)
        self.subscriptions: dict[str, Subscription] = {}
        self.room_cursors: dict[int, RoomCursor] = {}
        self.user_queues = UserQueues()
        self.transactions: dict[str, list[Frame]] = {}
        self.listener: Listener | None = None
        self._send_lock = asyncio.Lock()
        self._message_counter = 0
        self.connected_event = asyncio.Event()
        self.close_code = 1000  # 1012 (service restart) when the server shuts down

    def viewer(self, sub_id: str) -> str:
        """The presence viewer id of one room subscription."""
        return f"stomp:{self.session_id}:{sub_id}"

    def next_message_id(self) -> str:
        self._message_counter += 1
        return f"{self.session_id}-{self._message_counter}"

    async def write(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self.transport.send(data)
            except Exception:
                self.closing = True
                raise Closed() from None
            self.last_sent = time.monotonic()

    async def send_frame(self, frame: Frame) -> None:
        await self.write(encode(frame, version=self.version))

    async def receipt(self, frame: Frame) -> None:
        receipt = frame.get("receipt")
        if receipt is not None:
            await self.send_frame(Frame("RECEIPT", [("receipt-id", receipt)]))

    async def fail(self, fault: Fault) -> None:
        """Send the ERROR frame, then close (the spec: an ERROR ends the connection)."""
        if self.closing:
            return
        self.closing = True
        if fault.code == "server_busy":
            self.close_code = 1013  # try again later
        metrics.stomp_error(fault.code)
        logs.event(
            log,
            logging.WARNING if fault.code == "internal_error" else logging.INFO,
            f"stomp: session {self.session_id} closed by ERROR {fault.code} ({fault.detail})",
            stomp_session=self.session_id,
            code=fault.code,
            detail=fault.detail,
            receipt_id=fault.receipt_id,
            user_id=self.user_id,
            client=self.client,
        )
        frame = error_frame(fault.code, detail=fault.detail, receipt_id=fault.receipt_id)
        if fault.code == "unsupported_version":
            frame.headers.insert(1, ("version", ",".join(SUPPORTED_VERSIONS)))
        with contextlib.suppress(Closed, Exception):
            await self.send_frame(frame)
            await asyncio.sleep(self.config.linger)
