"""Signals of a room that are not messages: read marks (for 읽음 in 1:1 rooms) and typing.

- **Read marks**: when someone's read mark moves forward in a 1:1 room, ``do_mark_read``
  (:mod:`withus.services.chat`) publishes ``{"event": "read", "room_id", "user_id", "seq"}`` on the
  room's channel and on the other person's user channel (their own user channel already gets it,
  with ``unread_count``). ``GET /api/chat/rooms/{id}`` has ``peer_last_read_seq``. Club rooms
  publish no read marks to others (no receipts there).
- **Typing**: :func:`do_typing` publishes ``{"event": "typing", "room_id", "user_id", "nickname"}``
  on the room's channel (and, in a 1:1 room, the other person's user channel). Nothing is stored.
  At most one per (user, room) per :data:`TYPING_EVERY` seconds goes out; the others are dropped
  without an error (a client may send on every key). Clients show it for :data:`TYPING_SHOWN`
  seconds after the last one, or until a message of that person arrives.

The STOMP edge sends both as ``MESSAGE`` frames with ``withus-event:read`` / ``withus-event:typing``
(a connection never gets its own user's typing back).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import read_scope
from withus.errors import NotFound
from withus.kv import get_kv
from withus.models.chat import ChatParticipant, ChatRoom
from withus.models.user import User
from withus.realtime.bus import dumps, room_channel, user_channel
from withus.services import chat as chat_service
from withus.services import users as user_service

READ = "read"
TYPING = "typing"
TYPING_EVERY = 2.0  # seconds: at most one typing signal per user and room this often
TYPING_SHOWN = 5.0  # seconds a client shows "…님이 입력 중" after the last signal


async def peer_last_read_seq(session: AsyncSession, *, room: ChatRoom, user_id: int) -> int | None:
    """How far the other person of a 1:1 room has read (None for a club room)."""
    peer = chat_service.peer_of(room, user_id)
    if peer is None:
        return None
    value = (
        await session.exec(
            select(ChatParticipant.last_read_seq).where(
                col(ChatParticipant.room_id) == room.id, col(ChatParticipant.user_id) == peer
            )
        )
    ).first()
    return int(value or 0)


def _typing_key(user_id: int, room_id: int) -> str:
    return f"chat:typing:{user_id}:{room_id}"


async def do_typing(*, user_id: int, room_id: int) -> bool:
    """``user_id`` is typing in ``room_id`` (404 ``room_not_found`` when not theirs). Returns whether a
    signal went out (False: one went out less than :data:`TYPING_EVERY` seconds ago)."""
    kv = get_kv()
    if not await kv.set(_typing_key(user_id, room_id), "1", ttl=TYPING_EVERY, nx=True):
        return False
    async with read_scope() as session:
        try:
            access = await chat_service.access_room(session, room_id=room_id, user_id=user_id)
        except NotFound:
            await kv.delete(_typing_key(user_id, room_id))
            raise
        user = await session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise chat_service.room_not_found()
        peer = chat_service.peer_of(access.room, user_id)
        if peer is not None and await user_service.blocked_between(session, user_id, peer):
            return False  # nothing reaches someone blocked (sending is refused there too)
        payload: dict[str, Any] = {"event": TYPING, "room_id": room_id, "user_id": user_id, "nickname": user.nickname}
    data = dumps(payload)
    messages = [(room_channel(room_id), data)]
    if peer is not None:
        messages.append((user_channel(peer), data))
    await kv.publish_many(messages)
    return True
