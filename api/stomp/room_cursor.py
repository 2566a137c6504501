"""What a connection has delivered of one room: each message once, in ``seq`` order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

ROOM_GAP = "stomp:room-gap"
"""Pseudo-channel (data: the room id) a connection reminds itself on when a room's gap is due."""


@dataclass
class RoomCursor:
    """What a connection has delivered of one room: every seq <= ``watermark``, in seq order.

    Seqs are gapless, and seq N+1 is only taken once N is committed (the room's row lock), so a
    message that arrives ahead of a missing one (another batch or another instance published a
    moment later) waits in ``held`` for it; if it has not come after ``hold_seconds``, the gap is
    read from the database (:func:`api.stomp.delivery.catch_up_room`)."""

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
