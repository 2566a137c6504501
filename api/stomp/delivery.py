"""Bus events to MESSAGE frames: room messages each once and in ``seq`` order (filled from the
database when the hub lost events or a gap is not filled in time), the user's queues live."""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
from typing import Any

from api.stomp.config import USER_MESSAGES, USER_NOTIFICATIONS
from api.stomp.connection import Closed, Connection, Fault, Subscription
from api.stomp.room_cursor import ROOM_GAP, RoomCursor
from withus.db import read_scope
from withus.errors import NotFound
from withus.observability import metrics
from withus.realtime.bus import GAP
from withus.realtime.stomp_frames import Frame
from withus.services import chat as chat_service

log = logging.getLogger(__name__)


async def dispatch(conn: Connection, channel: str, data: str) -> None:
    """One event of the connection's listener."""
    if channel == GAP:
        await _catch_up(conn)
        return
    if channel == ROOM_GAP:
        cursor = conn.room_cursors.get(int(data))
        if cursor is not None:
            cursor.timer = None
            if cursor.held:
                metrics.bus_gap("room")  # a seq did not come in time: read from the database
                await catch_up_room(conn, int(data), cursor)
        return
    if channel.startswith("session:revoked:"):
        raise Fault("token_revoked", "this login session was ended")
    if channel.startswith("notify:"):
        body = data.encode()
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_NOTIFICATIONS:
                await _deliver(conn, sub, body, [])
        return
    decoded = _decoded(data)
    if decoded is None:
        return
    kind, message = decoded
    if kind != "message":
        await _deliver_change(conn, channel, kind, message)
        return
    if channel.startswith("chat:room:"):
        await _deliver_room_message(conn, message)
    elif channel.startswith("chat:user:"):
        body, extra = _encoded(message)
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_MESSAGES:
                await _deliver(conn, sub, body, extra)


CHANGES = ("message_updated", "message_deleted")
"""Events about a message already sent: delivered with ``withus-event:<event>``, the same id and seq."""


async def _deliver_change(conn: Connection, channel: str, kind: str, message: dict[str, Any]) -> None:
    """An edit or a delete. On a room topic only once its message has been delivered (seq at or below
    the watermark); a message still held waits with the changed content, and one not yet seen comes
    from the database as it is now."""
    body, own = _encoded(message)
    extra = [("withus-event", kind), *own]
    if channel.startswith("chat:room:"):
        room_id, seq = message.get("room_id"), message.get("seq")
        if not isinstance(room_id, int) or not isinstance(seq, int):
            return
        cursor = conn.room_cursors.get(room_id)
        if cursor is None:
            return
        if seq > cursor.watermark:
            if seq in cursor.held:
                cursor.held[seq] = message
            return
        for sub in list(conn.subscriptions.values()):
            if sub.room_id == room_id:
                await _deliver(conn, sub, body, extra)
    elif channel.startswith("chat:user:"):
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_MESSAGES:
                await _deliver(conn, sub, body, extra)


async def _deliver_room_message(conn: Connection, message: dict[str, Any]) -> None:
    """Each seq once, in seq order (see :class:`~api.stomp.room_cursor.RoomCursor`)."""
    room_id, seq = message.get("room_id"), message.get("seq")
    if not isinstance(room_id, int) or not isinstance(seq, int):
        return
    cursor = conn.room_cursors.get(room_id)
    if cursor is None:
        return
    for ready in cursor.take(message):
        await _send_room_message(conn, room_id, ready)
    if not cursor.held:
        cursor.stop_timer()
    elif len(cursor.held) > conn.config.max_held:
        await catch_up_room(conn, room_id, cursor)
    elif cursor.timer is None and conn.listener is not None:
        remind = functools.partial(conn.listener.remind, ROOM_GAP, str(room_id))
        cursor.timer = asyncio.get_running_loop().call_later(conn.config.hold_seconds, remind)


async def _send_room_message(conn: Connection, room_id: int, message: dict[str, Any]) -> None:
    body, extra = _encoded(message)
    for sub in list(conn.subscriptions.values()):
        if sub.room_id == room_id:
            await _deliver(conn, sub, body, extra)


async def _deliver(conn: Connection, sub: Subscription, body: bytes, extra: list[tuple[str, str]]) -> None:
    if conn.closing:
        raise Closed()
    message_id = conn.next_message_id()
    headers = [
        ("destination", sub.destination),
        ("message-id", message_id),
        ("subscription", sub.id),
        ("content-type", "application/json"),
    ]
    if sub.ack != "auto":
        headers.append(("ack", message_id))
    headers.extend(extra)
    await conn.send_frame(Frame("MESSAGE", headers, body))


async def _catch_up(conn: Connection) -> None:
    """After the hub lost the store for a while: deliver what the room subscriptions missed."""
    for room_id, cursor in list(conn.room_cursors.items()):
        await catch_up_room(conn, room_id, cursor)


async def catch_up_room(conn: Connection, room_id: int, cursor: RoomCursor) -> None:
    """Deliver, in order, what the database has of the room after the cursor's watermark; then
    whatever is still held (a gap the database does not have either is not waited for again)."""
    if conn.user_id is None:
        return
    cursor.stop_timer()
    while True:
        async with read_scope() as db:
            try:
                page = await chat_service.messages_after(
                    db, conn.user_id, room_id, after_seq=cursor.watermark, limit=100
                )
            except NotFound:  # the room is no longer theirs: nothing held is delivered
                cursor.held.clear()
                return
        if page is None:  # the account is gone
            return
        items, more = page
        for item in items:
            for ready in cursor.take(item.model_dump(mode="json")):
                await _send_room_message(conn, room_id, ready)
        if not more or not items:
            break
    for ready in cursor.give_up_waiting():
        await _send_room_message(conn, room_id, ready)


@functools.lru_cache(maxsize=1024)
def _decoded(data: str) -> tuple[str, dict[str, Any]] | None:
    """The kind (``message`` or one of :data:`CHANGES`) and message of a bus event (None for another
    event), decoded once per process however many of its connections receive it: the hub hands every
    listener the same string, and the same dict comes back for each (never changed by its users)."""
    try:
        event = json.loads(data)
    except ValueError:
        log.warning("stomp: unreadable event %.80r", data)
        return None
    if not isinstance(event, dict) or not isinstance(event.get("message"), dict):
        return None
    kind = event.get("event")
    if kind != "message" and kind not in CHANGES:
        return None
    message: dict[str, Any] = event["message"]
    return kind, message


_ENCODED: collections.OrderedDict[int, tuple[dict[str, Any], bytes, list[tuple[str, str]]]] = collections.OrderedDict()
ENCODED_KEPT = 1024


def _encoded(message: dict[str, Any]) -> tuple[bytes, list[tuple[str, str]]]:
    """A message's MESSAGE body and its own headers, encoded once for every connection and
    subscription that delivers the same message (the dict from :func:`_decoded`); kept for the
    last ``ENCODED_KEPT`` messages, each entry holding its dict so that its id is not reused."""
    key = id(message)
    hit = _ENCODED.get(key)
    if hit is not None and hit[0] is message:
        return hit[1], hit[2]
    body, extra = _json_bytes(message), _message_headers(message)
    _ENCODED[key] = (message, body, extra)
    if len(_ENCODED) > ENCODED_KEPT:
        _ENCODED.popitem(last=False)
    return body, extra


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _message_headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if isinstance(message.get("room_id"), int):
        headers.append(("room-id", str(message["room_id"])))
    if isinstance(message.get("seq"), int):
        headers.append(("seq", str(message["seq"])))
    return headers
