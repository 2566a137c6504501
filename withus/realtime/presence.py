"""Who is looking at which chat room right now (to skip ``chat_message`` notifications).

A *viewer* is one open window onto a room: a STOMP subscription to
``/topic/chat/rooms/{id}``, or a browser tab on ``/chat/{id}``. Each viewer has an id
of its own (the STOMP session + subscription id, the Reflex client token, ...).

Mechanism: a KV set per (room, user), ``presence:chat:{room_id}:{user_id}``, holding
the ids of that user's viewers, with a TTL of :data:`PRESENCE_TTL`. A viewer calls
:func:`enter` when it opens, :func:`touch` at least every :data:`REFRESH_INTERVAL`
while it stays open (each call re-arms the TTL), and :func:`leave` when it closes.
The user is present while the set is non-empty. A viewer that dies without
``leave`` (a killed process) keeps its id in the set only until the TTL runs out
(or, if another viewer of the same user keeps refreshing, until that one leaves and
the key expires) — so at worst a notification is skipped for :data:`PRESENCE_TTL`
seconds after a crash, and a user is never marked present forever.
"""

from __future__ import annotations

from withus.kv import get_kv

PRESENCE_TTL = 30.0
REFRESH_INTERVAL = 10.0


def _key(room_id: int, user_id: int) -> str:
    return f"presence:chat:{room_id}:{user_id}"


async def enter(*, room_id: int, user_id: int, viewer_id: str) -> None:
    await get_kv().sadd(_key(room_id, user_id), viewer_id, ttl=PRESENCE_TTL)


async def touch(*, room_id: int, user_id: int, viewer_id: str) -> None:
    """Keep a viewer present (call at least every ``REFRESH_INTERVAL`` seconds)."""
    await get_kv().sadd(_key(room_id, user_id), viewer_id, ttl=PRESENCE_TTL)


async def leave(*, room_id: int, user_id: int, viewer_id: str) -> None:
    await get_kv().srem(_key(room_id, user_id), viewer_id)


async def viewing_each(pairs: list[tuple[int, int]]) -> list[bool]:
    """Whether each user of ``(room_id, user_id)`` is present in the room (a viewer is open), in
    one round trip (a set emptied by the last ``leave`` no longer exists)."""
    return await get_kv().exists_each([_key(room_id, user_id) for room_id, user_id in pairs])
