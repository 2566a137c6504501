"""Bus events to MESSAGE frames: room messages each once and in ``seq`` order (filled from the
database when the hub lost events or a gap is not filled in time), the user's queues live."""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from api.stomp import signals
from api.stomp.config import USER_MESSAGES, USER_NOTIFICATIONS
from api.stomp.connection import EVICTED, Closed, Connection, Fault, Subscription
from api.stomp.room_cursor import ROOM_GAP, RoomCursor
from withus.db import read_scope
from withus.errors import NotFound
from withus.observability import metrics
from withus.realtime.bus import GAP
from withus.realtime.stomp_frames import encode_header
from withus.services import chat as chat_service
from withus.services import notifications as notification_service

log = logging.getLogger(__name__)


async def dispatch(conn: Connection, channel: str, data: str) -> None:
    """One event of the connection's listener."""
    if channel == GAP:
        await _catch_up(conn)
        await user_queue_catch_up(conn)
        return
    if channel == EVICTED:
        raise Fault("too_many_connections", "this account opened too many connections; the oldest is closed")
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
        if not conn.user_queues.notification_is_new(_notification_id(data)):
            return
        body = notification_service.for_reader(data, conn.locale).encode()
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_NOTIFICATIONS:
                await _deliver(conn, sub, _tail(body, [], conn.version))
        return
    decoded = _decoded(data)
    if decoded is None:
        await _deliver_signal(conn, channel, data)
        return
    kind, message = decoded
    if kind != "message":
        await _deliver_change(conn, channel, kind, message)
        return
    if channel.startswith("chat:room:"):
        await _deliver_room_message(conn, message)
    elif channel.startswith("chat:user:"):
        if not conn.user_queues.message_is_new(message):
            return
        tail = _encoded(message).tail(conn.version)
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_MESSAGES:
                await _deliver(conn, sub, tail)


async def user_queue_catch_up(conn: Connection) -> None:
    """After a bus gap: what the user queues missed, from the database (:mod:`api.stomp.user_queue`)."""
    if conn.user_id is None:
        return
    destinations = {sub.destination for sub in conn.subscriptions.values()}
    if USER_MESSAGES in destinations:
        for message in await conn.user_queues.missed_messages(conn.user_id):
            tail = _tail(_json_bytes(message), _message_headers(message), conn.version)
            for sub in list(conn.subscriptions.values()):
                if sub.destination == USER_MESSAGES:
                    await _deliver(conn, sub, tail)
    if USER_NOTIFICATIONS in destinations:
        for notification in await conn.user_queues.missed_notifications(conn.user_id, conn.locale):
            tail = _tail(notification.model_dump_json().encode(), [], conn.version)
            for sub in list(conn.subscriptions.values()):
                if sub.destination == USER_NOTIFICATIONS:
                    await _deliver(conn, sub, tail)


def _notification_id(data: str) -> int | None:
    """The id of a notification as published (its JSON starts with it: no full parse per delivery)."""
    head = data[:40]
    if head.startswith('{"id":'):
        digits = head[6:].split(",", 1)[0]
        if digits.isdigit():
            return int(digits)
    try:
        value = json.loads(data).get("id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


CHANGES = ("message_updated", "message_deleted")
"""Events about a message already sent: delivered with ``withus-event:<event>``, the same id and seq."""


async def _deliver_change(conn: Connection, channel: str, kind: str, message: dict[str, Any]) -> None:
    """An edit or a delete. On a room topic only once its message has been delivered (seq at or below
    the watermark); a message still held waits with the changed content, and one not yet seen comes
    from the database as it is now."""
    encoded = _encoded(message)
    tail = _tail(encoded.body, [("withus-event", kind), *encoded.extra], conn.version)
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
                await _deliver(conn, sub, tail)
    elif channel.startswith("chat:user:"):
        for sub in list(conn.subscriptions.values()):
            if sub.destination == USER_MESSAGES:
                await _deliver(conn, sub, tail)


async def _deliver_signal(conn: Connection, channel: str, data: str) -> None:
    """A read mark or typing (:mod:`api.stomp.signals`), to the room's subscriptions or the user's queue."""
    decoded = signals.signal(data)
    if decoded is None:
        return
    kind, room_id, user_id, body = decoded
    if kind == "typing" and user_id == conn.user_id:
        return
    tail = _tail(body, [("withus-event", kind), ("room-id", str(room_id))], conn.version)
    on_room = channel.startswith("chat:room:")
    for sub in list(conn.subscriptions.values()):
        if (sub.room_id == room_id) if on_room else (sub.destination == USER_MESSAGES):
            await _deliver(conn, sub, tail)


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
    tail = _encoded(message).tail(conn.version)
    for sub in list(conn.subscriptions.values()):
        if sub.room_id == room_id:
            await _deliver(conn, sub, tail)


async def _deliver(conn: Connection, sub: Subscription, tail: bytes) -> None:
    """One MESSAGE frame: the subscription's lines (encoded once per subscription), its message-id
    (and ack), and ``tail``, the message's own headers and body (encoded once per message): the
    bytes :func:`~withus.realtime.stomp_frames.encode` writes for the same headers in this order."""
    if conn.closing:
        raise Closed()
    message_id = conn.next_message_id().encode()  # the session id (URL-safe) and a counter: nothing to escape
    wire = sub.wire
    if wire is None or wire[0] != conn.version:
        wire = sub.wire = _subscription_wire(sub, conn.version)
    if sub.ack == "auto":
        await conn.write(b"".join((wire[1], message_id, wire[2], tail)))
    else:
        await conn.write(b"".join((wire[1], message_id, wire[2], b"ack:", message_id, b"\n", tail)))


def _subscription_wire(sub: Subscription, version: str) -> tuple[str, bytes, bytes]:
    """The lines of a MESSAGE frame of ``sub`` before and after its message-id."""
    head = b"MESSAGE\n" + encode_header("destination", sub.destination, version=version) + b"message-id:"
    after = (
        b"\n"
        + encode_header("subscription", sub.id, version=version)
        + encode_header("content-type", "application/json", version=version)
    )
    return version, head, after


def _tail(body: bytes, extra: list[tuple[str, str]], version: str) -> bytes:
    """A MESSAGE frame's last headers (``extra``, then content-length), the blank line, body and NUL."""
    lines = [encode_header(name, value, version=version) for name, value in extra]
    if body:
        lines.append(b"content-length:%d\n" % len(body))
    return b"".join(lines) + b"\n" + body + b"\0"


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


@dataclass(slots=True)
class Encoded:
    """A message's MESSAGE body and its own headers, and the frame's tail per STOMP version."""

    message: dict[str, Any]  # held, so that its id is not reused while the entry is kept
    body: bytes
    extra: list[tuple[str, str]]
    tails: dict[str, bytes] = field(default_factory=dict)

    def tail(self, version: str) -> bytes:
        tail = self.tails.get(version)
        if tail is None:
            tail = self.tails[version] = _tail(self.body, self.extra, version)
        return tail


_ENCODED: collections.OrderedDict[int, Encoded] = collections.OrderedDict()
ENCODED_KEPT = 1024


def _encoded(message: dict[str, Any]) -> Encoded:
    """A message encoded once for every connection and subscription that delivers the same
    message (the dict from :func:`_decoded`); kept for the last ``ENCODED_KEPT`` messages."""
    key = id(message)
    hit = _ENCODED.get(key)
    if hit is not None and hit.message is message:
        return hit
    encoded = _ENCODED[key] = Encoded(message, _json_bytes(message), _message_headers(message))
    if len(_ENCODED) > ENCODED_KEPT:
        _ENCODED.popitem(last=False)
    return encoded


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _message_headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    if isinstance(message.get("room_id"), int):
        headers.append(("room-id", str(message["room_id"])))
    if isinstance(message.get("seq"), int):
        headers.append(("seq", str(message["seq"])))
    return headers
