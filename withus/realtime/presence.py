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

Writes are batched per process: the ``enter``/``touch``/``leave`` calls that arrive while one
round trip to the store is in flight go together in the next (one pipeline, in call order), so a
process with thousands of open viewers refreshing every 10 s makes a few round trips per second,
not one per viewer; each call still returns once its own write is done.
"""

from __future__ import annotations

import asyncio

from withus.kv import get_kv

PRESENCE_TTL = 30.0
REFRESH_INTERVAL = 10.0


def _key(room_id: int, user_id: int) -> str:
    return f"presence:chat:{room_id}:{user_id}"


class _Writes:
    """The presence writes of this process (its event loop), stored together: the writes made in one
    turn of the loop go in one round trip, and those that arrive while it is in flight go together
    in the next one, in order. Each caller still waits until its own write is done (or raised)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[tuple[bool, str, str, asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None

    async def write(self, add: bool, key: str, member: str) -> None:
        done: asyncio.Future[None] = self.loop.create_future()
        self.pending.append((add, key, member, done))
        if self.task is None:
            self.task = self.loop.create_task(self._flush(), name="withus-presence-writes")
        await done

    async def _flush(self) -> None:
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                error: BaseException | None = None
                try:
                    await get_kv().set_ops([(add, key, member) for add, key, member, _ in batch], ttl=PRESENCE_TTL)
                except Exception as exc:
                    error = exc
                for *_, done in batch:
                    if not done.done():  # a caller that was cancelled meanwhile has gone
                        if error is None:
                            done.set_result(None)
                        else:
                            done.set_exception(error)
        finally:
            self.task = None


_writes: _Writes | None = None


def _writer() -> _Writes:
    global _writes
    loop = asyncio.get_running_loop()
    if _writes is None or _writes.loop is not loop:
        _writes = _Writes(loop)
    return _writes


async def enter(*, room_id: int, user_id: int, viewer_id: str) -> None:
    await _writer().write(True, _key(room_id, user_id), viewer_id)


async def touch(*, room_id: int, user_id: int, viewer_id: str) -> None:
    """Keep a viewer present (call at least every ``REFRESH_INTERVAL`` seconds)."""
    await _writer().write(True, _key(room_id, user_id), viewer_id)


async def leave(*, room_id: int, user_id: int, viewer_id: str) -> None:
    await _writer().write(False, _key(room_id, user_id), viewer_id)


async def viewing_each(pairs: list[tuple[int, int]]) -> list[bool]:
    """Whether each user of ``(room_id, user_id)`` is present in the room (a viewer is open), in
    one round trip (a set emptied by the last ``leave`` no longer exists)."""
    return await get_kv().exists_each(viewing_keys(pairs))


def viewing_keys(pairs: list[tuple[int, int]]) -> list[str]:
    """The keys whose existence :func:`viewing_each` answers, for a caller that asks them with keys
    of its own in the same round trip (``kv.exists_each``)."""
    return [_key(room_id, user_id) for room_id, user_id in pairs]
