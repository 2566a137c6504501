"""SUBSCRIBE and UNSUBSCRIBE: a room's topic (participants only), the user's message and
notification queues; the presence of room subscriptions."""

from __future__ import annotations

import contextlib

from api.stomp import liveness
from api.stomp.config import ACK_MODES, ROOM_TOPIC, USER_MESSAGES, USER_NOTIFICATIONS
from api.stomp.connection import Connection, Fault, Subscription, header_fault, leave
from api.stomp.room_cursor import RoomCursor
from withus.db import session_scope
from withus.errors import NotFound
from withus.models.types import is_id
from withus.realtime import presence
from withus.realtime.bus import get_hub, notify_channel, room_channel, user_channel
from withus.realtime.stomp_frames import Frame
from withus.services import chat as chat_service


async def subscribe(conn: Connection, frame: Frame) -> None:
    receipt = frame.get("receipt")
    sub_id = frame.get("id")
    destination = frame.get("destination")
    if sub_id is None:
        raise header_fault(frame, "id")
    if destination is None:
        raise header_fault(frame, "destination")
    if sub_id in conn.subscriptions:
        raise Fault("duplicate_subscription", f"subscription id {sub_id!r} is already in use", receipt)
    if len(conn.subscriptions) >= conn.config.max_subscriptions:
        raise Fault("too_many_subscriptions", "too many subscriptions on one connection", receipt)
    ack = frame.get("ack") or "auto"
    if ack not in ACK_MODES:
        raise Fault("invalid_ack_mode", f"ack must be one of {', '.join(sorted(ACK_MODES))}", receipt)
    listener = conn.listener
    assert listener is not None
    assert conn.user_id is not None
    match = ROOM_TOPIC.fullmatch(destination)
    if match is not None:
        room_id = int(match.group(1))
        if not is_id(room_id):  # past the 32-bit ids: no such room
            raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
        listener.add(room_channel(room_id))
        await get_hub().wait_ready()  # live on the store before last_seq is read: nothing stored after it is missed
        async with session_scope() as db:
            try:
                access = await chat_service.access_room(db, room_id=room_id, user_id=conn.user_id)
            except NotFound:
                access = None
            last_seq = access.room.last_seq if access is not None else 0
        if access is None:
            if not any(s.room_id == room_id for s in conn.subscriptions.values()):
                listener.discard(room_channel(room_id))
            raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
        conn.subscriptions[sub_id] = Subscription(sub_id, destination, ack, room_id)
        conn.room_cursors.setdefault(room_id, RoomCursor(last_seq))
        await presence.enter(room_id=room_id, user_id=conn.user_id, viewer_id=conn.viewer(sub_id))
        await chat_service.forget_notified(user_id=conn.user_id, room_id=room_id)
    elif destination == USER_MESSAGES:
        listener.add(user_channel(conn.user_id))
        await get_hub().wait_ready()  # live before the baseline is read: nothing after it is missed
        await conn.user_queues.start_messages(conn.user_id)
        conn.subscriptions[sub_id] = Subscription(sub_id, destination, ack)
    elif destination == USER_NOTIFICATIONS:
        listener.add(notify_channel(conn.user_id))
        await get_hub().wait_ready()
        await conn.user_queues.start_notifications(conn.user_id)
        conn.subscriptions[sub_id] = Subscription(sub_id, destination, ack)
    else:
        raise Fault("unknown_destination", f"cannot SUBSCRIBE to {destination!r}", receipt)
    await get_hub().wait_ready()
    await conn.receipt(frame)


async def unsubscribe(conn: Connection, frame: Frame) -> None:
    sub_id = frame.get("id")
    if sub_id is None:
        raise header_fault(frame, "id")
    sub = conn.subscriptions.pop(sub_id, None)
    if sub is None:
        raise Fault("unknown_subscription", f"no subscription {sub_id!r}", frame.get("receipt"))
    await _drop(conn, sub)
    await conn.receipt(frame)


async def _drop(conn: Connection, sub: Subscription) -> None:
    listener = conn.listener
    assert conn.user_id is not None
    remaining = list(conn.subscriptions.values())
    if sub.room_id is not None:
        with contextlib.suppress(Exception):
            await presence.leave(room_id=sub.room_id, user_id=conn.user_id, viewer_id=conn.viewer(sub.id))
        if not any(s.room_id == sub.room_id for s in remaining):
            cursor = conn.room_cursors.pop(sub.room_id, None)
            if cursor is not None:
                cursor.stop_timer()
            if listener is not None:
                listener.discard(room_channel(sub.room_id))
    elif listener is not None and not any(s.destination == sub.destination for s in remaining):
        channel = user_channel(conn.user_id) if sub.destination == USER_MESSAGES else notify_channel(conn.user_id)
        listener.discard(channel)


async def refresh_presence(conn: Connection) -> None:
    if conn.user_id is None:
        return
    for sub in list(conn.subscriptions.values()):
        if sub.room_id is not None:
            with contextlib.suppress(Exception):
                await presence.touch(room_id=sub.room_id, user_id=conn.user_id, viewer_id=conn.viewer(sub.id))


async def drop_all(conn: Connection) -> None:
    """The connection ends: its room subscriptions leave presence, its cursors and listener stop,
    and it no longer counts against its user's connection cap."""
    leave(conn)
    liveness.get_sweep().forget(conn)
    if conn.user_id is not None:
        for sub in list(conn.subscriptions.values()):
            if sub.room_id is not None:
                with contextlib.suppress(Exception):
                    await presence.leave(room_id=sub.room_id, user_id=conn.user_id, viewer_id=conn.viewer(sub.id))
    conn.subscriptions.clear()
    conn.transactions.clear()
    for cursor in conn.room_cursors.values():
        cursor.stop_timer()
    if conn.listener is not None:
        conn.listener.close()
