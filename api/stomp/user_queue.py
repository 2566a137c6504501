"""The user's queues (``/user/queue/messages``, ``/user/queue/notifications``) across a bus gap.

Live, both are fed from the bus (``chat:user:{me}``, ``notify:{me}``). When the hub was cut off
from the store, whatever was published meanwhile is lost, so on :data:`~withus.realtime.bus.GAP`
the connection fills them from the database, as room topics do:

- messages: each room's highest ``seq`` delivered on the queue is known (:class:`Seen`); the
  rooms' ``last_seq`` are read again and what lies above is delivered, room by room in ``seq``
  order (a room first heard of in the gap starts where I had read: a club joined meanwhile
  starts read up to its join). The baseline is taken at SUBSCRIBE.
- notifications: the highest id delivered (the newest at SUBSCRIBE to begin with); those above it
  are delivered, oldest first.

Each message and notification goes out once: one that came live is not replayed, and one replayed
is not delivered again when it comes late from another instance. Only a gap replays: a client
that reconnects after a disconnect reads the REST history (as before).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from withus.db import read_scope
from withus.errors import NotFound
from withus.services import chat as chat_service
from withus.services import chat_rooms as room_service
from withus.services import notifications as notification_service

REPLAY_PAGE = 100
REPLAY_MAX = 1_000
"""At most this many messages (and as many notifications) replayed per gap; the rest is the REST history's."""
RECENT = 512
"""How many notification ids (above the watermark) are remembered against repeats."""
SEEN_ABOVE = 256
"""How many seqs above a room's watermark are remembered before the watermark jumps."""


@dataclass
class Seen:
    """The seqs of one room delivered on the user queue: every seq <= ``upto``, and ``above``."""

    upto: int
    above: set[int] = field(default_factory=set)

    def first_time(self, seq: int) -> bool:
        """Whether ``seq`` is new (then it counts as delivered)."""
        if seq <= self.upto or seq in self.above:
            return False
        self.above.add(seq)
        while self.upto + 1 in self.above:
            self.upto += 1
            self.above.discard(self.upto)
        if len(self.above) > SEEN_ABOVE:  # a seq that never comes on this queue: stop waiting for it
            self.upto = min(self.above) - 1
            while self.upto + 1 in self.above:
                self.upto += 1
                self.above.discard(self.upto)
        return True


@dataclass
class UserQueues:
    """What one connection delivered on its user queues (None until the SUBSCRIBE)."""

    rooms: dict[int, Seen] | None = None
    notification_base: int | None = None  # my newest notification at SUBSCRIBE
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=RECENT))
    _recent: set[int] = field(default_factory=set)

    # -- baselines at SUBSCRIBE

    async def start_messages(self, user_id: int) -> None:
        if self.rooms is not None:
            return
        async with read_scope() as db:
            marks = await room_service.room_marks(db, user_id=user_id)
        self.rooms = {room_id: Seen(last_seq) for room_id, last_seq, _seen in marks}

    async def start_notifications(self, user_id: int) -> None:
        if self.notification_base is not None:
            return
        async with read_scope() as db:
            self.notification_base = await notification_service.latest_id(db, user_id=user_id)

    # -- live

    def message_is_new(self, message: dict[str, Any]) -> bool:
        """A message heard live on ``chat:user``: deliver it (not seen before)?"""
        room_id, seq = message.get("room_id"), message.get("seq")
        if self.rooms is None or not isinstance(room_id, int) or not isinstance(seq, int):
            return True
        seen = self.rooms.get(room_id)
        if seen is None:  # a room that became mine after the SUBSCRIBE: it starts here
            self.rooms[room_id] = Seen(seq)
            return True
        return seen.first_time(seq)

    def notification_is_new(self, notification_id: int | None) -> bool:
        """A notification: deliver it (not delivered before, not older than the SUBSCRIBE)?"""
        if notification_id is None:
            return True
        if notification_id in self._recent:
            return False
        if self.notification_base is not None and notification_id <= self.notification_base:
            return False
        if len(self.recent) == self.recent.maxlen:
            self._recent.discard(self.recent[0])
        self.recent.append(notification_id)
        self._recent.add(notification_id)
        return True

    # -- after a gap

    async def missed_messages(self, user_id: int) -> list[dict[str, Any]]:
        """What the queue missed while the bus was away, oldest first per room (marked delivered)."""
        if self.rooms is None:
            return []
        async with read_scope() as db:
            marks = await room_service.room_marks(db, user_id=user_id)
        out: list[dict[str, Any]] = []
        for room_id, last_seq, seen_seq in marks:
            seen = self.rooms.setdefault(room_id, Seen(seen_seq))
            after = seen.upto
            while last_seq > after and len(out) < REPLAY_MAX:
                async with read_scope() as db:
                    try:
                        page = await chat_service.messages_after(
                            db, user_id, room_id, after_seq=after, limit=REPLAY_PAGE
                        )
                    except NotFound:  # no longer mine
                        break
                if page is None:  # the account is gone
                    return out
                items, more = page
                for item in items:
                    if seen.first_time(item.seq):
                        out.append(item.model_dump(mode="json"))
                    after = max(after, item.seq)
                if not more or not items:
                    break
        return out

    async def missed_notifications(self, user_id: int, locale: str) -> list[Any]:
        """The notifications the queue missed, oldest first (from the oldest id it still remembers:
        one committed late with a lower id is not skipped)."""
        if self.notification_base is None:
            return []
        after = self.notification_base
        if self.recent:
            after = max(after, min(self.recent) - 1)
        async with read_scope() as db:
            items = await notification_service.list_since(
                db, user_id=user_id, after_id=after, limit=REPLAY_MAX, locale=locale
            )
        return [n for n in items if self.notification_is_new(n.id)]
