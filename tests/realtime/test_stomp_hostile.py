"""The STOMP reproducers of issue 12: ids past the database's range, text that is no text,
JSON nested 30,000 deep, and a frame that never completes. Each gets its ERROR (never
``internal_error``) and the server goes on serving."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession
from websockets.exceptions import ConnectionClosed

from tests.factories import make_user
from tests.realtime.conftest import LiveServer
from tests.realtime.test_stomp_protocol import _connected, _error, _message_count, _room

PAST_INT32 = 2**31


async def test_a_room_id_past_the_database_range_is_no_room(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    peer = await _connected(live_server, user)
    await peer.send("SUBSCRIBE", {"id": "0", "destination": f"/topic/chat/rooms/{PAST_INT32}", "receipt": "s"})
    error = _error(await peer.recv_until_closed())
    assert error.get("message") == "forbidden" and error.get("receipt-id") == "s"
    peer = await _connected(live_server, user)
    await peer.send("SEND", {"destination": f"/app/chat/rooms/{PAST_INT32}", "receipt": "x"}, '{"body":"hi"}')
    assert _error(await peer.recv_until_closed()).get("message") == "forbidden"


async def test_send_bodies_that_are_no_text_or_too_deep_are_bad_json(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    destination = f"/app/chat/rooms/{room_id}"
    bodies = [
        json.dumps({"body": "안녕\ud800"}),  # a lone surrogate, as the escape \ud800
        json.dumps({"body": "hi", "client_msg_id": "\udfff"}),
        "[" * 30_000 + "]" * 30_000,  # once RecursionError, an internal_error
        '{"body": ' + "[" * 40 + "]" * 40 + "}",
    ]
    for body in bodies:
        peer = await _connected(live_server, alice)
        await peer.send("SEND", {"destination": destination, "receipt": "r"}, body)
        error = _error(await peer.recv_until_closed())
        assert error.get("message") == "bad_json", (body[:60], error)
        assert error.get("receipt-id") == "r"
    peer = await _connected(live_server, alice)  # NUL is valid JSON, but no message text
    await peer.send("SEND", {"destination": destination, "receipt": "r"}, json.dumps({"body": "a\u0000b"}))
    assert _error(await peer.recv_until_closed()).get("message") == "validation_failed"
    assert await _message_count() == 0
    peer = await _connected(live_server, alice)  # and the server still stores a good one
    await peer.send("SEND", {"destination": destination, "receipt": "ok"}, json.dumps({"body": "안녕 \U0001f600"}))
    assert (await peer.recv()).get("receipt-id") == "ok"
    assert await _message_count() == 1


async def test_a_frame_that_never_completes_is_timed_out(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    # heart-beat 0,0 (no heart-beat timeout) and half a frame: it was still open after 75 s
    stomp_config.frame_timeout = 0.5
    user = await make_user(session)
    peer = await _connected(live_server, user, heart_beat="0,0")
    await peer.send_raw(b"SUBSCRIBE\nid:0\ndestination:/user/queue/mess")
    async with asyncio.timeout(10):
        frames = await peer.recv_until_closed()
    assert _error(frames).get("message") == "frame_timeout"
    assert peer.closed
    # a connection that only idles between whole frames is not timed out
    idle = await _connected(live_server, user, heart_beat="0,0")
    await asyncio.sleep(1.0)
    await idle.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "alive"})
    assert (await idle.recv()).get("receipt-id") == "alive"


HOSTILE_VALUES = [str(PAST_INT32), "9" * 19, "-1", "0"]
HOSTILE_BODIES = [json.dumps({"body": "a\ud800"}), json.dumps({"body": "a\u0000"}), "[" * 30_000 + "]" * 30_000]


def _frames_of_every_command(room_id: int) -> list[tuple[str, dict[str, str], str]]:
    """Each client command with ids past the range in each header that names something, and each
    hostile body where a body is allowed."""
    frames: list[tuple[str, dict[str, str], str]] = []
    for value in HOSTILE_VALUES:
        frames += [
            ("SUBSCRIBE", {"id": value, "destination": f"/topic/chat/rooms/{value}"}, ""),
            ("SEND", {"destination": f"/app/chat/rooms/{value}"}, '{"body":"hi"}'),
            ("SEND", {"destination": f"/app/chat/rooms/{room_id}", "transaction": value}, '{"body":"hi"}'),
            ("UNSUBSCRIBE", {"id": value}, ""),
            ("ACK", {"id": value}, ""),
            ("NACK", {"id": value}, ""),
            ("BEGIN", {"transaction": value}, ""),
            ("COMMIT", {"transaction": value}, ""),
            ("ABORT", {"transaction": value}, ""),
            ("DISCONNECT", {}, ""),
        ]
    for body in HOSTILE_BODIES:
        frames += [("SEND", {"destination": f"/app/chat/rooms/{room_id}"}, body)]
        frames += [(command, {"id": "0", "transaction": "t"}, body) for command in ("UNSUBSCRIBE", "ACK", "BEGIN")]
    return frames


@pytest.mark.slow
async def test_every_command_answers_hostile_values_without_an_internal_error(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(live_server, alice, bob)
    for command, headers, body in _frames_of_every_command(room_id):
        peer = await _connected(live_server, alice)
        await peer.send(command, {**headers, "receipt": "r"}, body)
        frames = []
        # Until the server closes the socket after an ERROR, or answers with the frame's RECEIPT (it
        # sends that once the frame is handled: nothing about it comes later), or 3 s of silence.
        with contextlib.suppress(ConnectionClosed, TimeoutError):
            while not any(f.command == "RECEIPT" and f.get("receipt-id") == "r" for f in frames):
                frames.append(await peer.recv(timeout=3))
        errors = [f.get("message") for f in frames if f.command == "ERROR"]
        assert "internal_error" not in errors, (command, headers, body[:40], frames)
        assert errors or any(f.command == "RECEIPT" for f in frames), (command, headers, body[:40], frames)
    assert await _message_count() == 0
