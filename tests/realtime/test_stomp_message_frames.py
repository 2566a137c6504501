"""MESSAGE frames built from parts encoded once (a subscription's lines, a message's tail) are the
bytes the frame codec writes for the same headers, in every STOMP version and ack mode, and parse
back to the same frame."""

from __future__ import annotations

from typing import Any

import pytest

from api.stomp import delivery
from api.stomp.connection import Connection, Subscription
from withus.realtime.stomp_frames import Frame, FrameParser, encode

MESSAGE = {"id": 7, "room_id": 3, "seq": 12, "body": "안녕: a\\b\nc", "sender": {"id": 1, "nickname": "하나"}}


class Capture:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def receive(self) -> bytes | None:
        return None

    async def send(self, data: bytes) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000) -> None:
        return None


def _expected(conn: Connection, sub: Subscription, message_id: str, body: bytes, extra: list[Any]) -> bytes:
    headers = [
        ("destination", sub.destination),
        ("message-id", message_id),
        ("subscription", sub.id),
        ("content-type", "application/json"),
    ]
    if sub.ack != "auto":
        headers.append(("ack", message_id))
    return encode(Frame("MESSAGE", [*headers, *extra], body), version=conn.version)


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("ack", ["auto", "client-individual"])
async def test_a_message_frame_is_what_the_codec_writes(version: str, ack: str) -> None:
    transport = Capture()
    conn = Connection(transport)
    conn.version = version
    sub_id = "s:1\\x" if version != "1.0" else "s-1"  # escaped from 1.1 on
    sub = Subscription(sub_id, "/topic/chat/rooms/3", ack, room_id=3)
    conn.subscriptions[sub.id] = sub
    encoded = delivery._encoded(MESSAGE)
    for _ in range(2):  # the second from the parts kept
        await delivery._deliver(conn, sub, encoded.tail(version))
    first, second = transport.sent
    assert first == _expected(conn, sub, f"{conn.session_id}-1", encoded.body, encoded.extra)
    assert second == _expected(conn, sub, f"{conn.session_id}-2", encoded.body, encoded.extra)
    (frame,) = FrameParser(version=version, commands={"MESSAGE"}).feed(second)
    assert isinstance(frame, Frame)
    assert frame.get("subscription") == sub_id and frame.get("seq") == "12" and frame.get("room-id") == "3"
    assert frame.body == encoded.body


async def test_a_notification_and_a_change_carry_their_own_headers() -> None:
    transport = Capture()
    conn = Connection(transport)
    sub = Subscription("n", "/user/queue/notifications", "auto")
    await delivery._deliver(conn, sub, delivery._tail(b'{"id":1}', [], "1.2"))
    await delivery._deliver(conn, sub, delivery._tail(b"", [("withus-event", "message_updated")], "1.2"))
    assert transport.sent[0] == _expected(conn, sub, f"{conn.session_id}-1", b'{"id":1}', [])
    assert transport.sent[1] == _expected(conn, sub, f"{conn.session_id}-2", b"", [("withus-event", "message_updated")])
