"""The client's commands other than subscriptions: CONNECT, SEND, ACK/NACK, BEGIN/COMMIT/ABORT,
DISCONNECT. Each works on a :class:`~api.stomp.connection.Connection` and raises
:class:`~api.stomp.connection.Fault` for what ends it."""

from __future__ import annotations

import asyncio
import logging
import time

from api.stomp import liveness
from api.stomp.config import ROOM_APP, ROOM_TYPING, SERVER_NAME
from api.stomp.connection import Connection, Fault, admit, header_fault
from api.stomp.send_queue import get_send_queue
from withus.db import read_scope
from withus.errors import DomainError, NotAuthenticated, NotFound
from withus.models.types import is_id
from withus.realtime.bus import get_hub, session_revoked_channel
from withus.realtime.stomp_frames import (
    SUPPORTED_VERSIONS,
    Frame,
    StompProtocolError,
    negotiate_version,
    parse_heartbeat,
)
from withus.realtime.stomp_json import decode_json
from withus.services import chat_signals
from withus.services import sessions as session_service
from withus.services import users as user_service
from withus.services.chat_sending import SendRequest

log = logging.getLogger(__name__)

# -- CONNECT


async def connect(conn: Connection, frame: Frame) -> None:
    version = negotiate_version(frame.get("accept-version"))
    if version is None:
        raise Fault("unsupported_version", f"Supported protocol versions are {' '.join(SUPPORTED_VERSIONS)}")
    conn.version = version
    token = _token_of(frame)
    if token is None:
        raise Fault("not_authenticated", "CONNECT needs 'Authorization: Bearer <access token>' or 'passcode'")
    try:
        cx, cy = parse_heartbeat(frame.get("heart-beat") or "0,0")
    except StompProtocolError as exc:
        raise Fault("malformed_frame", exc.message) from None
    try:
        claims = await session_service.check_access(token)
    except NotAuthenticated as exc:
        raise Fault(exc.code, exc.detail) from None
    async with read_scope() as db:
        if await user_service.live_account(db, claims.user_id) is None:
            raise Fault("token_revoked", "the account no longer exists")
    conn.user_id = claims.user_id
    conn.login_session_id = claims.session_id
    conn.token_expires_at = float(claims.expires_at)
    sx, sy = conn.config.heartbeat_send_ms, conn.config.heartbeat_receive_ms
    conn.send_interval = max(sx, cy) / 1000 if sx and cy else 0.0
    conn.receive_interval = max(cx, sy) / 1000 if cx and sy else 0.0
    conn.parser.version = version
    conn.listener = await get_hub().listen(session_revoked_channel(claims.session_id))
    conn.connected = True
    admit(conn)  # past the per-user cap, the oldest connection of this user is closed
    liveness.get_sweep().watch(conn)  # its login session's liveness, polled with the others'
    conn.connected_event.set()
    await conn.send_frame(
        Frame(
            "CONNECTED",
            [
                ("version", version),
                ("heart-beat", f"{sx},{sy}"),
                ("session", conn.session_id),
                ("server", SERVER_NAME),
                ("user-id", str(claims.user_id)),
            ],
        )
    )
    conn.last_received = time.monotonic()


def _token_of(frame: Frame) -> str | None:
    auth = frame.get("Authorization") or frame.get("authorization")
    if auth:
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    passcode = frame.get("passcode")
    return passcode.strip() if passcode and passcode.strip() else None


def check_expiry(conn: Connection, frame: Frame) -> None:
    """The access token's expiry; its session's liveness is checked with the SEND's batch."""
    if time.time() > conn.token_expires_at:
        raise Fault("token_expired", "the access token has expired; reconnect with a new one", frame.get("receipt"))


# -- SEND


async def send(conn: Connection, frame: Frame) -> None:
    receipt = frame.get("receipt")
    destination = frame.get("destination")
    if destination is None:
        raise header_fault(frame, "destination")
    typing = ROOM_TYPING.fullmatch(destination)
    if typing is not None:
        await send_typing(conn, frame, int(typing.group(1)))
        return
    match = ROOM_APP.fullmatch(destination)
    if match is None:
        raise Fault("unknown_destination", f"cannot SEND to {destination!r}", receipt)
    check_expiry(conn, frame)
    room_id = int(match.group(1))
    if not is_id(room_id):  # past the 32-bit ids: no such room
        raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
    try:
        payload = decode_json(frame.body)
    except ValueError:
        raise Fault("bad_json", 'the body must be a JSON object {"body", "client_msg_id"?}', receipt) from None
    if not isinstance(payload, dict) or "body" not in payload:
        raise Fault("bad_json", 'the body must be a JSON object {"body", "client_msg_id"?}', receipt)
    assert conn.user_id is not None
    request = SendRequest(conn.user_id, room_id, payload.get("body"), payload.get("client_msg_id"))
    # Stored with the other SENDs of this moment, if the login session is still alive.
    outcome = await get_send_queue().send(request, login_session_id=conn.login_session_id)
    if isinstance(outcome, NotFound):
        raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
    if isinstance(outcome, DomainError):
        if outcome.code == "account_gone":
            raise Fault("token_revoked", "the account no longer exists", receipt)
        if outcome.code == "token_revoked":
            raise Fault("token_revoked", "this login session was ended", receipt)
        detail = outcome.errors[0].message if outcome.errors else outcome.detail
        raise Fault(outcome.code, detail, receipt)
    await conn.receipt(frame)  # only now: the message is stored (and published)


async def send_typing(conn: Connection, frame: Frame, room_id: int) -> None:
    """``SEND /app/chat/rooms/{id}/typing`` (any body): the room's others hear ``withus-event:typing``;
    nothing is stored; more than one per 2 seconds is dropped quietly (the receipt still comes)."""
    receipt = frame.get("receipt")
    check_expiry(conn, frame)
    assert conn.user_id is not None
    if not is_id(room_id):
        raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt)
    try:
        await chat_signals.do_typing(user_id=conn.user_id, room_id=room_id)
    except NotFound:
        raise Fault("forbidden", f"you are not a participant of room {room_id}", receipt) from None
    await conn.receipt(frame)


# -- ACK / NACK


async def ack(conn: Connection, frame: Frame) -> None:
    if conn.version == "1.2":
        if frame.get("id") is None:
            raise header_fault(frame, "id")
    else:
        if frame.get("message-id") is None:
            raise header_fault(frame, "message-id")
        if conn.version == "1.1" and frame.get("subscription") is None:
            raise header_fault(frame, "subscription")
    # At-most-once delivery of stored messages: nothing to redeliver (see the package docstring).
    await conn.receipt(frame)


# -- transactions


def hold(conn: Connection, frame: Frame, tx: str) -> None:
    """Keep a SEND/ACK/NACK of transaction ``tx`` until its COMMIT."""
    held = conn.transactions.get(tx)
    if held is None:
        raise Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
    if len(held) >= conn.config.max_frames_per_transaction:
        raise Fault("transaction_too_large", "too many frames in one transaction", frame.get("receipt"))
    held.append(frame)


async def begin(conn: Connection, frame: Frame) -> None:
    tx = frame.get("transaction")
    if tx is None:
        raise header_fault(frame, "transaction")
    if tx in conn.transactions:
        raise Fault("duplicate_transaction", f"transaction {tx!r} is already open", frame.get("receipt"))
    if len(conn.transactions) >= conn.config.max_transactions:
        raise Fault("too_many_transactions", "too many open transactions", frame.get("receipt"))
    conn.transactions[tx] = []
    await conn.receipt(frame)


async def commit(conn: Connection, frame: Frame) -> None:
    tx = frame.get("transaction")
    if tx is None:
        raise header_fault(frame, "transaction")
    held = conn.transactions.pop(tx, None)
    if held is None:
        raise Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
    for item in held:
        if item.command == "SEND":
            await send(conn, item)
        else:
            await ack(conn, _without_receipt(item))
    await conn.receipt(frame)


async def abort(conn: Connection, frame: Frame) -> None:
    tx = frame.get("transaction")
    if tx is None:
        raise header_fault(frame, "transaction")
    if conn.transactions.pop(tx, None) is None:
        raise Fault("unknown_transaction", f"no transaction {tx!r} was begun", frame.get("receipt"))
    await conn.receipt(frame)


def _without_receipt(frame: Frame) -> Frame:
    return Frame(frame.command, [(k, v) for k, v in frame.headers if k != "receipt"], frame.body)


# -- DISCONNECT


async def disconnect(conn: Connection, frame: Frame) -> None:
    conn.transactions.clear()
    await conn.receipt(frame)
    conn.closing = True
    await asyncio.sleep(conn.config.linger)
