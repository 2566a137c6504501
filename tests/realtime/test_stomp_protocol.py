"""STOMP 1.2 at /ws frame by frame (the `websockets` library): handshake, CONNECT, heart-beats,
errors for every kind of bad input, receipts, ACK/NACK, transactions, revocation, flooding."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from websockets.exceptions import InvalidStatus

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, RawStomp
from withus.db import sessionmaker
from withus.kv import get_kv
from withus.models.chat import ChatMessage
from withus.models.user import User
from withus.realtime.stomp_frames import Frame
from withus.services import sessions as session_service
from withus.services import tokens


async def _connected(server: LiveServer, user: User, *, heart_beat: str = "0,0") -> RawStomp:
    pair = await login_pair(user)
    peer = await RawStomp.open(server)
    connected = await peer.connect(pair.access_token, heart_beat=heart_beat)
    assert connected.command == "CONNECTED", connected
    return peer


async def _room(server: LiveServer, a: User, b: User) -> int:
    pair = await login_pair(a)
    async with server.http() as http:
        r = await http.post(
            "/api/chat/rooms", json={"user_id": b.id}, headers={"Authorization": f"Bearer {pair.access_token}"}
        )
    assert r.status_code in (200, 201)
    return int(r.json()["id"])


async def _message_count() -> int:
    async with sessionmaker()() as s:
        return int((await s.exec(select(func.count()).select_from(ChatMessage))).one())


def _error(frames: list[Frame]) -> Frame:
    errors = [f for f in frames if f.command == "ERROR"]
    assert len(errors) == 1, frames
    return errors[0]


# ---------------------------------------------------------------- handshake and CONNECT


async def test_connected_carries_version_heartbeat_session_and_server(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    peer = await RawStomp.open(live_server, subprotocols=["v10.stomp", "v11.stomp", "v12.stomp"])
    assert peer.ws.subprotocol == "v12.stomp"  # the highest offered, echoed
    frame = await peer.connect(pair.access_token, heart_beat="0,0")
    assert frame.command == "CONNECTED"
    assert frame.get("version") == "1.2"
    assert frame.get("heart-beat") == "10000,10000"
    assert frame.get("session")
    assert (frame.get("server") or "").startswith("withUs/")
    await peer.close()

    other = await RawStomp.open(live_server)
    second = await other.connect(pair.access_token)
    assert second.get("session") != frame.get("session")
    await other.close()


@pytest.mark.parametrize(
    ("subprotocols", "accept_version", "command", "chosen", "version"),
    [
        (["v11.stomp"], "1.1", "CONNECT", "v11.stomp", "1.1"),
        (["v10.stomp"], None, "CONNECT", "v10.stomp", "1.0"),
        ([], "1.0,1.1,1.2", "STOMP", None, "1.2"),
        (["v12.stomp", "other"], "1.1,1.2", "STOMP", "v12.stomp", "1.2"),
    ],
)
async def test_version_is_negotiated(
    live_server: LiveServer,
    session: AsyncSession,
    subprotocols: list[str],
    accept_version: str | None,
    command: str,
    chosen: str | None,
    version: str,
) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    peer = await RawStomp.open(live_server, subprotocols=subprotocols)
    assert peer.ws.subprotocol == chosen
    headers = {"host": "withus", "passcode": pair.access_token}
    if accept_version is not None:
        headers["accept-version"] = accept_version
    await peer.send(command, headers)
    frame = await peer.recv()
    assert frame.command == "CONNECTED" and frame.get("version") == version
    await peer.close()


async def test_no_common_version_is_an_error_naming_the_supported_ones(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    peer = await RawStomp.open(live_server)
    await peer.send("CONNECT", {"accept-version": "2.0,2.1", "host": "withus", "passcode": pair.access_token})
    error = _error(await peer.recv_until_closed())
    assert error.get("version") == "1.0,1.1,1.2"
    assert peer.closed


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
        ({"passcode": "x.y.z"}, "invalid_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "not_authenticated"),
    ],
)
async def test_connect_without_a_good_token_is_refused(
    live_server: LiveServer, headers: dict[str, str], code: str
) -> None:
    peer = await RawStomp.open(live_server)
    await peer.send("CONNECT", {"accept-version": "1.2", "host": "withus", **headers})
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == code
    assert peer.closed


async def test_a_frame_before_connect_is_refused(live_server: LiveServer) -> None:
    peer = await RawStomp.open(live_server)
    await peer.send_raw(b"\n\n")  # heart-beats before CONNECT are fine
    await peer.send("SUBSCRIBE", {"id": "0", "destination": "/user/queue/messages", "receipt": "r"})
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "not_connected" and error.get("receipt-id") == "r"


async def test_handshake_from_a_foreign_origin_is_refused(live_server: LiveServer, session: AsyncSession) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await RawStomp.open(live_server, origin="https://evil.example")
    assert refused.value.response.status_code == 403
    user = await make_user(session)
    pair = await login_pair(user)
    for origin in (live_server.origin, f"http://localhost:{live_server.port}", None):  # own origins, or none
        peer = await RawStomp.open(live_server, origin=origin)
        assert (await peer.connect(pair.access_token)).command == "CONNECTED"
        await peer.close()


# ---------------------------------------------------------------- bad input


BAD_FRAMES: list[tuple[str, Any, str]] = [
    (
        "oversized",
        lambda room: b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-big\n\n" % room + b"x" * (70 * 1024) + b"\0",
        "frame_too_large",
    ),
    (
        "oversized with content-length",
        lambda room: b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-big\ncontent-length:%d\n\n" % (room, 70 * 1024),
        "frame_too_large",
    ),
    ("unknown command", lambda room: b"LAUNCH\nreceipt:r-cmd\n\n\0", "unknown_command"),
    ("server command", lambda room: b"MESSAGE\nreceipt:r-cmd\n\n\0", "unknown_command"),
    (
        "header without colon",
        lambda room: b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-hdr\nbroken header\n\n{}\0" % room,
        "malformed_frame",
    ),
    (
        "undefined escape",
        lambda room: b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-esc\nx:a\\tb\n\n{}\0" % room,
        "malformed_frame",
    ),
    (
        "bad json",
        lambda room: b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-json\n\n{not json\0" % room,
        "bad_json",
    ),
    (
        "json without body",
        lambda room: b'SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-json\n\n{"text":"hi"}\0' % room,
        "bad_json",
    ),
    ("missing destination", lambda room: b'SEND\nreceipt:r-dest\n\n{"body":"hi"}\0', "missing_header"),
    (
        "unknown destination",
        lambda room: b'SEND\ndestination:/queue/elsewhere\nreceipt:r-dest\n\n{"body":"hi"}\0',
        "unknown_destination",
    ),
    (
        "too long body",
        lambda room: (
            b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-long\n\n" % room
            + json.dumps({"body": "가" * 1001}).encode()
            + b"\0"
        ),
        "message_too_long",
    ),
    (
        "empty body",
        lambda room: b'SEND\ndestination:/app/chat/rooms/%d\nreceipt:r-empty\n\n{"body":"  "}\0' % room,
        "validation_failed",
    ),
    (
        "subscribe without id",
        lambda room: b"SUBSCRIBE\ndestination:/user/queue/messages\nreceipt:r-id\n\n\0",
        "missing_header",
    ),
    (
        "subscribe elsewhere",
        lambda room: b"SUBSCRIBE\nid:1\ndestination:/topic/all\nreceipt:r-sub\n\n\0",
        "unknown_destination",
    ),
    (
        "bad ack mode",
        lambda room: b"SUBSCRIBE\nid:1\ndestination:/user/queue/messages\nack:never\nreceipt:r-ack\n\n\0",
        "invalid_ack_mode",
    ),
    ("unsubscribe unknown", lambda room: b"UNSUBSCRIBE\nid:nope\nreceipt:r-uns\n\n\0", "unknown_subscription"),
    ("ack without id", lambda room: b"ACK\nreceipt:r-ack\n\n\0", "missing_header"),
    (
        "body on subscribe",
        lambda room: b"SUBSCRIBE\nid:1\ndestination:/user/queue/messages\nreceipt:r-b\n\nhello\0",
        "unexpected_body",
    ),
    ("commit unknown", lambda room: b"COMMIT\ntransaction:t9\nreceipt:r-tx\n\n\0", "unknown_transaction"),
    ("connect twice", lambda room: b"CONNECT\naccept-version:1.2\nhost:x\nreceipt:r-again\n\n\0", "already_connected"),
]


async def test_every_bad_frame_gets_an_error_with_its_receipt_id_and_closes(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    witness = await _connected(live_server, bob)  # an innocent connection alongside the bad ones
    await witness.send("SUBSCRIBE", {"id": "w", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "w"})
    assert (await witness.recv()).get("receipt-id") == "w"

    for name, make, code in BAD_FRAMES:
        peer = await _connected(live_server, alice)
        raw = make(room_id)
        await peer.send_raw(raw)
        frames = await peer.recv_until_closed()
        error = _error(frames)
        assert error.get("message") == code, (name, error)
        expected_receipt = next(
            (line.split(b":", 1)[1].decode() for line in raw.split(b"\n") if line.startswith(b"receipt:")), None
        )
        assert error.get("receipt-id") == expected_receipt, name
        assert error.get("content-type") == "text/plain" and error.body, name
        assert peer.closed, name
    assert await _message_count() == 0  # nothing bad was stored

    # The server and the other connection are untouched.
    peer = await _connected(live_server, alice)
    await peer.send(
        "SEND", {"destination": f"/app/chat/rooms/{room_id}", "receipt": "ok"}, json.dumps({"body": "멀쩡해요"})
    )
    assert (await peer.recv()).get("receipt-id") == "ok"
    delivered = await witness.recv()
    assert delivered.command == "MESSAGE" and json.loads(delivered.body)["body"] == "멀쩡해요"
    await peer.close()
    await witness.close()


async def test_bytes_that_are_not_utf8_or_frames_do_not_hurt_the_server(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    for garbage in (b"\xff\xfe\x00\x01", b"\r\x00", b"\x00", "CONNECT\n\n\x00\x00\x00"):
        peer = await RawStomp.open(live_server)
        await peer.send_raw(garbage)
        frames = await peer.recv_until_closed()
        assert [f.command for f in frames] == ["ERROR"]
    peer = await _connected(live_server, user)
    await peer.close()


async def test_a_flooding_client_is_cut_off(live_server: LiveServer, session: AsyncSession, stomp_config: Any) -> None:
    stomp_config.rate_capacity = 20
    stomp_config.rate_per_second = 1
    user = await make_user(session)
    peer = await _connected(live_server, user)
    await peer.send_raw(b"".join(b"ACK\nid:%d\n\n\0" % i for i in range(100)))
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "rate_limited"
    assert peer.closed


# ---------------------------------------------------------------- subscriptions, receipts, ACK, transactions


async def test_subscribing_to_someone_elses_room_is_forbidden(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob, eve = await make_user(session), await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    peer = await _connected(live_server, eve)
    await peer.send("SUBSCRIBE", {"id": "0", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "s"})
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "forbidden" and error.get("receipt-id") == "s"
    assert peer.closed

    peer = await _connected(live_server, eve)  # sending there is refused the same way
    await peer.send("SEND", {"destination": f"/app/chat/rooms/{room_id}", "receipt": "x"}, '{"body":"hi"}')
    assert _error(await peer.recv_until_closed()).get("message") == "forbidden"
    assert await _message_count() == 0


async def test_a_send_the_server_cannot_store_now_is_refused_as_busy_and_can_be_resent(
    live_server: LiveServer, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database pool exhausted for its whole timeout (an overload) is no internal error: ERROR
    server_busy with the receipt-id, close 1013 (try again later), nothing stored; the resend works."""
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    from withus.services import chat_sending

    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    store = chat_sending.send_messages

    async def saturated(*_args: Any, **_kwargs: Any) -> Any:
        raise PoolTimeoutError("QueuePool limit reached, connection timed out")

    monkeypatch.setattr(chat_sending, "send_messages", saturated)
    peer = await _connected(live_server, alice)
    send = {"destination": f"/app/chat/rooms/{room_id}", "receipt": "m1"}
    await peer.send("SEND", send, '{"body":"지금은 안 돼요","client_msg_id":"c1"}')
    error = _error(await peer.recv_until_closed())
    assert (error.get("message"), error.get("receipt-id")) == ("server_busy", "m1")
    assert peer.closed and peer.ws.close_code == 1013
    assert await _message_count() == 0

    monkeypatch.setattr(chat_sending, "send_messages", store)
    peer = await _connected(live_server, alice)
    await peer.send("SEND", send, '{"body":"지금은 안 돼요","client_msg_id":"c1"}')
    receipt = await peer.recv()
    assert (receipt.command, receipt.get("receipt-id")) == ("RECEIPT", "m1")
    assert await _message_count() == 1
    await peer.close()


async def test_unsubscribe_stops_delivery_and_disconnect_gets_its_receipt(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    a, b = await _connected(live_server, alice), await _connected(live_server, bob)
    await b.send("SUBSCRIBE", {"id": "room", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "1"})
    await b.send("SUBSCRIBE", {"id": "all", "destination": "/user/queue/messages", "receipt": "2"})
    assert [(await b.recv()).get("receipt-id"), (await b.recv()).get("receipt-id")] == ["1", "2"]
    await b.send("UNSUBSCRIBE", {"id": "room", "receipt": "3"})
    assert (await b.recv()).get("receipt-id") == "3"

    await a.send("SEND", {"destination": f"/app/chat/rooms/{room_id}", "receipt": "s"}, '{"body":"하나"}')
    assert (await a.recv()).get("receipt-id") == "s"
    frame = await b.recv()
    assert frame.command == "MESSAGE" and frame.get("subscription") == "all"
    assert frame.get("destination") == "/user/queue/messages"
    assert frame.get("room-id") == str(room_id) and frame.get("seq") == "1"

    await b.send("DISCONNECT", {"receipt": "bye"})
    frames = await b.recv_until_closed()
    assert [(f.command, f.get("receipt-id")) for f in frames] == [("RECEIPT", "bye")]
    assert b.closed
    await a.close()


async def test_client_ack_modes_carry_an_ack_header_and_accept_ack_and_nack(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    a, b = await _connected(live_server, alice), await _connected(live_server, bob)
    await b.send("SUBSCRIBE", {"id": "r", "destination": f"/topic/chat/rooms/{room_id}", "ack": "client-individual"})
    await b.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "ack": "auto", "receipt": "ready"})
    assert (await b.recv()).get("receipt-id") == "ready"
    await a.send("SEND", {"destination": f"/app/chat/rooms/{room_id}"}, '{"body":"ack me"}')
    frames = {f.get("subscription"): f for f in [await b.recv(), await b.recv()]}
    assert frames["r"].get("ack") and frames["r"].get("ack") == frames["r"].get("message-id")
    assert frames["q"].get("ack") is None  # auto: nothing to acknowledge
    await b.send("ACK", {"id": frames["r"].get("ack") or "", "receipt": "acked"})
    assert (await b.recv()).get("receipt-id") == "acked"
    await b.send("NACK", {"id": frames["r"].get("ack") or "", "receipt": "nacked"})
    assert (await b.recv()).get("receipt-id") == "nacked"
    await a.close()
    await b.close()


async def test_stomp_11_ack_needs_subscription_and_message_id(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    peer = await RawStomp.open(live_server, subprotocols=["v11.stomp"])
    await peer.send("CONNECT", {"accept-version": "1.1", "host": "withus", "passcode": pair.access_token})
    assert (await peer.recv()).get("version") == "1.1"
    await peer.send("ACK", {"subscription": "0", "message-id": "m1", "receipt": "ok"})
    assert (await peer.recv()).get("receipt-id") == "ok"
    await peer.send("ACK", {"message-id": "m1", "receipt": "bad"})
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "missing_header" and error.get("receipt-id") == "bad"


async def test_transactions_hold_sends_until_commit_and_drop_them_on_abort(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    peer = await _connected(live_server, alice)
    destination = f"/app/chat/rooms/{room_id}"
    await peer.send("BEGIN", {"transaction": "t1", "receipt": "b1"})
    assert (await peer.recv()).get("receipt-id") == "b1"
    await peer.send("SEND", {"destination": destination, "transaction": "t1", "receipt": "s1"}, '{"body":"하나"}')
    await peer.send("SEND", {"destination": destination, "transaction": "t1", "receipt": "s2"}, '{"body":"둘"}')
    await peer.send("BEGIN", {"transaction": "t2"})
    await peer.send("SEND", {"destination": destination, "transaction": "t2"}, '{"body":"버려질 메시지"}')
    await peer.send("ABORT", {"transaction": "t2", "receipt": "a2"})
    assert (await peer.recv()).get("receipt-id") == "a2"
    assert await _message_count() == 0  # held, not stored
    await peer.send("COMMIT", {"transaction": "t1", "receipt": "c1"})
    assert [(await peer.recv()).get("receipt-id") for _ in range(3)] == ["s1", "s2", "c1"]
    async with sessionmaker()() as s:
        rows = (await s.exec(select(ChatMessage.body).order_by(ChatMessage.seq))).all()
    assert list(rows) == ["하나", "둘"]
    await peer.close()


async def test_escaped_headers_and_content_length_bodies_are_understood(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    peer = await _connected(live_server, alice)
    body = json.dumps({"body": "콜론: 과\n줄바꿈", "client_msg_id": "a:b\\c"}, ensure_ascii=False).encode()
    raw = (
        (
            b"SEND\ndestination:/app/chat/rooms/%d\nreceipt:r\\c1\\n2\\\\3\ncontent-type:application/json\n"
            b"content-length:%d\n\n" % (room_id, len(body))
        )
        + body
        + b"\0\n\n"
    )
    await peer.send_raw(raw)
    receipt = await peer.recv()
    assert receipt.command == "RECEIPT" and receipt.get("receipt-id") == "r:1\n2\\3"
    async with sessionmaker()() as s:
        stored = (await s.exec(select(ChatMessage))).one()
    assert stored.body == "콜론: 과\n줄바꿈" and stored.client_msg_id == "a:b\\c"
    await peer.close()


async def test_notifications_arrive_on_the_user_queue(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    b = await _connected(live_server, bob)
    await b.send("SUBSCRIBE", {"id": "n", "destination": "/user/queue/notifications", "receipt": "ready"})
    assert (await b.recv()).get("receipt-id") == "ready"
    a = await _connected(live_server, alice)
    await a.send("SEND", {"destination": f"/app/chat/rooms/{room_id}"}, '{"body":"자니?"}')
    frame = await b.recv()
    assert frame.command == "MESSAGE" and frame.get("destination") == "/user/queue/notifications"
    assert frame.get("content-type") == "application/json"
    note = json.loads(frame.body)
    assert note["type"] == "chat_message" and note["link"] == f"/chat/{room_id}" and note["body"] == "자니?"
    assert set(note) >= {"id", "type", "title", "body", "link", "read", "created_at", "data"}
    await a.close()
    await b.close()


async def test_watching_a_room_over_stomp_means_no_notification(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    b = await _connected(live_server, bob)
    await b.send("SUBSCRIBE", {"id": "n", "destination": "/user/queue/notifications"})
    await b.send("SUBSCRIBE", {"id": "r", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "ready"})
    assert (await b.recv()).get("receipt-id") == "ready"
    a = await _connected(live_server, alice)
    await a.send("SEND", {"destination": f"/app/chat/rooms/{room_id}", "receipt": "s"}, '{"body":"보고 있지?"}')
    assert (await a.recv()).get("receipt-id") == "s"
    frame = await b.recv()
    assert frame.get("subscription") == "r"
    await b.send("UNSUBSCRIBE", {"id": "r", "receipt": "left"})  # bob leaves the room: the next one notifies
    assert (await b.recv()).get("receipt-id") == "left"
    await a.send("SEND", {"destination": f"/app/chat/rooms/{room_id}"}, '{"body":"갔어?"}')
    frame = await b.recv()
    assert frame.get("subscription") == "n" and json.loads(frame.body)["body"] == "갔어?"
    await a.close()
    await b.close()


# ---------------------------------------------------------------- heart-beats


async def test_heartbeats_are_negotiated_and_sent(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    stomp_config.heartbeat_send_ms = 100
    stomp_config.heartbeat_receive_ms = 100
    user = await make_user(session)
    peer = await _connected(live_server, user, heart_beat="0,150")  # cannot send, wants one every 150 ms
    # max(sx=100, cy=150): a bare EOL at least every 150 ms while nothing else is sent.
    for _ in range(3):
        await peer.wait_heartbeat(timeout=5)
    # The client promised none (cx=0), so its silence is fine.
    await asyncio.sleep(0.5)
    await peer.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "alive"})
    assert (await peer.recv()).get("receipt-id") == "alive"
    await peer.close()


async def test_a_silent_peer_is_closed_and_a_beating_one_is_not(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    stomp_config.heartbeat_send_ms = 0
    stomp_config.heartbeat_receive_ms = 100
    stomp_config.heartbeat_grace_ms = 100
    user = await make_user(session)
    beating = await _connected(live_server, user, heart_beat="100,0")
    silent = await _connected(live_server, user, heart_beat="100,0")
    started = time.monotonic()
    while time.monotonic() - started < 1.5:  # well past 2 x 100 ms + 100 ms
        await beating.send_raw("\n")
        await asyncio.sleep(0.05)
    error = _error(await silent.recv_until_closed())
    assert error.get("message") == "heartbeat_timeout"
    await beating.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "alive"})
    assert (await beating.recv()).get("receipt-id") == "alive"
    await beating.close()


# ---------------------------------------------------------------- tokens


async def _two_sessions_connected(live_server: LiveServer, session: AsyncSession) -> tuple[Any, RawStomp, RawStomp]:
    """One user logged in twice, a socket connected on each: (the session to end, its socket, the other's)."""
    user = await make_user(session)
    ending, staying = await login_pair(user), await login_pair(user)
    doomed = await RawStomp.open(live_server)
    assert (await doomed.connect(ending.access_token)).command == "CONNECTED"
    other = await RawStomp.open(live_server)
    assert (await other.connect(staying.access_token)).command == "CONNECTED"
    return ending, doomed, other


async def test_logging_out_closes_that_sessions_sockets_only(live_server: LiveServer, session: AsyncSession) -> None:
    ending, doomed, other = await _two_sessions_connected(live_server, session)
    await doomed.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "ready"})
    assert (await doomed.recv()).get("receipt-id") == "ready"

    async with live_server.http() as http:
        r = await http.post(
            "/api/auth/logout",
            json={"refresh_token": ending.refresh_token},
            headers={"Authorization": f"Bearer {ending.access_token}"},
        )
    assert r.status_code == 204
    error = _error(await doomed.recv_until_closed())
    assert error.get("message") == "token_revoked"
    await other.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "still"})
    assert (await other.recv()).get("receipt-id") == "still"
    await other.close()


async def test_a_session_ended_without_its_event_is_closed_by_the_poll(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    """The revocation event can be missed (the hub was cut off from Redis): the liveness poll,
    one round trip for every connection due, closes the sockets of the ended session only."""
    stomp_config.liveness_check_interval = 0.3
    ending, doomed, other = await _two_sessions_connected(live_server, session)
    await get_kv().delete(session_service._sess(ending.session_id))  # ended, and nothing published
    error = _error(await doomed.recv_until_closed())
    assert error.get("message") == "token_revoked"
    await asyncio.sleep(0.7)  # more than two periods: the live session was checked too
    await other.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "still"})
    assert (await other.recv()).get("receipt-id") == "still"
    await other.close()


async def test_send_with_an_expired_token_is_refused(live_server: LiveServer, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    pair = await login_pair(alice)
    assert alice.id is not None
    # An access token of the same live session that expires one second from now.
    short = tokens.encode(
        user_id=alice.id, session_id=pair.session_id, typ="access", now=int(time.time()) - tokens.ACCESS_TTL + 1
    )
    peer = await RawStomp.open(live_server)
    assert (await peer.connect(short)).command == "CONNECTED"
    await asyncio.sleep(2.1)
    await peer.send("SEND", {"destination": f"/app/chat/rooms/{room_id}", "receipt": "late"}, '{"body":"늦었다"}')
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "token_expired" and error.get("receipt-id") == "late"
    assert await _message_count() == 0


async def test_a_socket_that_never_connects_is_closed(live_server: LiveServer, stomp_config: Any) -> None:
    stomp_config.connect_timeout = 0.3
    peer = await RawStomp.open(live_server)
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "connect_timeout"
    assert peer.closed
