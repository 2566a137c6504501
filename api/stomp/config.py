"""Limits, timings and destinations of the STOMP edge, and the transport it runs over."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

SERVER_NAME = "withUs/1.0"
ROOM_TOPIC = re.compile(r"/topic/chat/rooms/([1-9][0-9]{0,17})")
ROOM_APP = re.compile(r"/app/chat/rooms/([1-9][0-9]{0,17})")
ROOM_TYPING = re.compile(r"/app/chat/rooms/([1-9][0-9]{0,17})/typing")
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
    frame_timeout: float = 30.0  # seconds a frame that has begun may take to complete (heart-beats or not)
    max_frame_size: int = 64 * 1024
    rate_capacity: float = 100.0  # token bucket: burst of frames ...
    rate_per_second: float = 30.0  # ... refilled at this rate (heart-beats are free)
    max_subscriptions: int = 100
    max_connections_per_user: int = 20  # per process; past it the user's oldest connection is closed
    max_transactions: int = 10
    max_frames_per_transaction: int = 100
    liveness_check_interval: float = 30.0  # session revocation is also polled, in case an event was missed
    hold_seconds: float = 0.25  # a room message that arrived ahead of a missing one waits this long for it
    max_held: int = 1_000  # ... or until this many wait, then the gap is read from the database
    linger: float = 0.2  # seconds between the last frame and closing the socket


CONFIG = StompConfig()
"""What a new connection uses when it is given no config of its own (read when it is made)."""


class Transport(Protocol):
    async def receive(self) -> bytes | None:
        """The next chunk of bytes, or None when the peer has closed."""
        ...

    async def send(self, data: bytes) -> None: ...

    async def close(self, code: int = 1000) -> None: ...
