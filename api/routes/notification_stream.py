"""``/api/notifications/stream``: my notifications as Server-Sent Events, and its tickets.

The wire format (WHATWG HTML, "Server-sent events"), UTF-8, lines ending in LF::

    retry: 3000                     once, first

    event: notification             one block per notification
    id: 42
    data: {"id":42,"type":"comment",...}

    : keep-alive                    a comment at least every CONFIG.keepalive seconds

How nothing is missed and nothing is sent twice:

1. The stream subscribes to ``notify:{user}`` on the process's bus hub (and to
   ``session:revoked:{session}``) *before* it reads the database, and before the
   response starts (so a browser's ``open`` event means subscribed).
2. With ``Last-Event-ID`` (the header wins over ``?last_event_id=``, since an
   ``EventSource`` reconnects to the same URL with a newer header) it replays every
   notification of the user with a greater id, oldest first, from the database.
3. Then it goes live. Notifications that arrived on the bus while the replay ran are
   queued in the listener; those already replayed are dropped by id.

A notification that commits after a newer one was already sent (two transactions
finishing out of order on PostgreSQL) is still sent, but without an ``id:`` line, so
that the client's last event id stays the highest it has seen and a reconnect
replays nothing twice.

When the hub reconnects to the store (``GAP``) the stream replays from the database
what it may have missed. It ends when the login session is revoked (checked on the
bus and again with every keep-alive), when the client goes away, or when the client
falls too far behind (the hub closes its listener); a client then reconnects with
``Last-Event-ID`` and catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse
from starlette.background import BackgroundTask

from api.deps import SESSION_COOKIE, CurrentAuth, UnitOfWorkRoute
from api.locale import browser_locale
from api.schemas.clubs import problem_responses
from withus.db import session_scope
from withus.errors import NotAuthenticated, ValidationFailed
from withus.i18n import Msg
from withus.models.notification import NotificationPublic
from withus.models.types import INT32_MAX, Seq, Text
from withus.models.user import User
from withus.realtime import shutdown
from withus.realtime.bus import GAP, Listener, ListenerClosed, get_hub, notify_channel, session_revoked_channel
from withus.services import notifications as notification_service
from withus.services import sessions as session_service
from withus.services import stream_tickets, tokens

log = logging.getLogger(__name__)

router = APIRouter(prefix="/notifications", tags=["notifications"], route_class=UnitOfWorkRoute)


@dataclass
class StreamConfig:
    keepalive: float = 10.0
    """Seconds between keep-alive comments (the contract says at most 15)."""
    retry_ms: int = 3000
    """The reconnection delay suggested to the client (``retry:``)."""
    replay_batch: int = 500
    """Notifications read from the database per query while replaying."""


CONFIG = StreamConfig()

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
KEEPALIVE = b": keep-alive\n\n"
_REMEMBERED_IDS = 4096


# ---------------------------------------------------------------- the wire format


def format_event(*, data: str, event: str | None = None, event_id: int | None = None) -> bytes:
    """One event block. ``data`` is split on line breaks into several ``data:`` lines,
    as the format requires (compact JSON has none, but the encoder never trusts that)."""
    lines: list[str] = []
    if event:
        lines.append(f"event: {event}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    for line in data.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append(f"data: {line}")
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def format_retry(ms: int) -> bytes:
    return f"retry: {int(ms)}\n\n".encode()


# ---------------------------------------------------------------- authentication


@dataclass(frozen=True)
class StreamAuth:
    user_id: int
    session_id: str


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.invalid_token()
    return token.strip()


async def authenticate(request: Request, ticket: str | None) -> StreamAuth:
    """``Authorization: Bearer``, else ``?ticket=``, else the session cookie; 401 otherwise.

    A credential that is presented but bad is a 401, never a fall-through to the next one.
    """
    token = _bearer(request)
    if token is not None:
        claims = await session_service.check_access(token)
        user_id, session_id = claims.user_id, claims.session_id
    elif ticket is not None:
        owner = await stream_tickets.redeem(ticket)
        user_id, session_id = owner.user_id, owner.session_id
    elif cookie := request.cookies.get(SESSION_COOKIE):
        claims = await session_service.check_refresh(cookie)
        user_id, session_id = claims.user_id, claims.session_id
    else:
        raise NotAuthenticated()
    async with session_scope() as session:
        user = await session.get(User, user_id)
        if user is None or user.deleted_at is not None:
            raise tokens.token_revoked()
    return StreamAuth(user_id=user_id, session_id=session_id)


def _last_event_id(request: Request, query_value: int | None) -> int | None:
    raw = request.headers.get("last-event-id")
    if raw is None or not raw.strip():
        return query_value
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > INT32_MAX:
        raise ValidationFailed.field("Last-Event-ID", Msg("validation.last_event_id"))
    return int(raw)


# ---------------------------------------------------------------- the stream


class _Sent:
    """The ids this stream has sent (a bounded memory), and the highest of them."""

    def __init__(self, high: int) -> None:
        self.high = high
        self._ids: set[int] = set()
        self._order: deque[int] = deque()

    def __contains__(self, notification_id: int) -> bool:
        return notification_id in self._ids

    def add(self, notification_id: int) -> None:
        self._ids.add(notification_id)
        self._order.append(notification_id)
        if len(self._order) > _REMEMBERED_IDS:
            self._ids.discard(self._order.popleft())
        self.high = max(self.high, notification_id)


async def _replay(user_id: int, after_id: int, locale: str) -> AsyncIterator[NotificationPublic]:
    """Every notification of the user with an id above ``after_id``, oldest first, in batches
    (each read in a short transaction of its own: nothing is held open while the client reads)."""
    while True:
        async with session_scope() as session:
            batch = await notification_service.list_since(
                session, user_id=user_id, after_id=after_id, limit=CONFIG.replay_batch, locale=locale
            )
        for item in batch:
            yield item
        if len(batch) < CONFIG.replay_batch:
            return
        after_id = batch[-1].id


async def _newest_id(user_id: int) -> int:
    async with session_scope() as session:
        items, _ = await notification_service.list_notifications(session, user_id=user_id, limit=1)
    return items[0].id if items else 0


def _notification_id(data: str) -> int | None:
    try:
        value = json.loads(data)["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) else None


async def listen_for(auth: StreamAuth) -> Listener:
    """The stream's subscription: the user's notifications and the end of the login session."""
    return await get_hub().listen(notify_channel(auth.user_id), session_revoked_channel(auth.session_id))


async def event_stream(
    auth: StreamAuth, last_event_id: int | None, listener: Listener | None = None, locale: str = "ko"
) -> AsyncIterator[bytes]:
    """The bytes of one client's stream (see the module docstring); ``listener`` from :func:`listen_for`;
    titles and bodies in ``locale``."""
    revoked = session_revoked_channel(auth.session_id)
    if listener is None:
        listener = await listen_for(auth)
    # The server shutting down ends the stream: the client reconnects (Last-Event-ID) to another instance.
    live = contextlib.ExitStack()
    live.enter_context(shutdown.track())
    live.enter_context(shutdown.when_shutting_down(lambda: listener.close("shutdown")))
    try:
        yield format_retry(CONFIG.retry_ms)
        if last_event_id is not None:
            sent = _Sent(last_event_id)
            async for item in _replay(auth.user_id, last_event_id, locale):
                sent.add(item.id)
                yield format_event(event="notification", event_id=item.id, data=item.model_dump_json())
        else:
            sent = _Sent(await _newest_id(auth.user_id))
        next_keepalive = time.monotonic() + CONFIG.keepalive
        while True:
            try:
                channel, data = await asyncio.wait_for(
                    listener.get(), timeout=max(0.0, next_keepalive - time.monotonic())
                )
            except TimeoutError:
                if not await session_service.is_alive(auth.session_id):
                    return
                yield KEEPALIVE
                next_keepalive = time.monotonic() + CONFIG.keepalive
                continue
            except ListenerClosed as exc:
                log.info("sse: stream of user %s ends (%s)", auth.user_id, exc.reason)
                return
            if channel == revoked:
                return
            if channel == GAP:
                # The hub lost the store for a while: what was published then is in the database only.
                async for item in _replay(auth.user_id, sent.high, locale):
                    if item.id not in sent:
                        sent.add(item.id)
                        yield format_event(event="notification", event_id=item.id, data=item.model_dump_json())
                continue
            notification_id = _notification_id(data)
            if notification_id is None:
                log.warning("sse: dropped a payload without an id on %s", channel)
                continue
            if notification_id in sent:
                continue
            in_order = notification_id > sent.high
            sent.add(notification_id)
            data = notification_service.for_reader(data, locale)
            yield format_event(event="notification", event_id=notification_id if in_order else None, data=data)
    finally:
        listener.close()
        live.close()


# ---------------------------------------------------------------- routes


class StreamTicket(BaseModel):
    ticket: str = Field(description="pass it as `?ticket=` to `GET /api/notifications/stream` (once)")
    expires_in: int = Field(description="seconds it stays valid if unused")


STREAM_DESCRIPTION = f"""Server-Sent Events (`text/event-stream`), one event per notification:
`event: notification`, `id: <notification id>`, `data: <notification JSON>` (the shape of
`GET /api/notifications` items). The stream starts with `retry: {CONFIG.retry_ms}` and sends a
comment line (`: keep-alive`) at least every 15 seconds.

**Authentication**, in this order: `Authorization: Bearer <access token>`; or `?ticket=` from
`POST /api/notifications/stream-ticket` (single use, valid 60 s — an `EventSource` that
reconnects with a spent ticket gets 401, so fetch a new ticket and open a new `EventSource`);
or the browser's session cookie.

**Catching up**: send `Last-Event-ID` (an `EventSource` does so by itself when it reconnects)
or `?last_event_id=` (the header wins): every notification with a greater id is replayed,
oldest first, before live ones; none is sent twice. A notification that commits after a newer
one was sent on this stream comes without an `id:` line, so that your last event id stays the
highest one seen.

The stream ends when the login session is revoked (logout, password change, account deletion).
Open as many streams per user as you like (one per tab)."""


@router.post(
    "/stream-ticket",
    response_model=StreamTicket,
    status_code=status.HTTP_201_CREATED,
    summary="A single-use ticket for the SSE stream",
    responses=problem_responses(401),
)
async def create_stream_ticket(auth: CurrentAuth) -> StreamTicket:
    """For a browser `EventSource`, which cannot send headers: valid once, for 60 seconds, bound to
    this login session."""
    assert auth.user.id is not None
    ticket = await stream_tickets.create(user_id=auth.user.id, session_id=auth.session_id)
    return StreamTicket(ticket=ticket.ticket, expires_in=ticket.expires_in)


@router.get(
    "/stream",
    summary="My notifications, live (Server-Sent Events)",
    description=STREAM_DESCRIPTION,
    response_class=EventSourceResponse,
    responses={
        200: {"description": "An endless event stream.", "content": {"text/event-stream": {}}},
        **problem_responses(401, 422),
    },
)
async def stream(
    request: Request,
    ticket: Annotated[Text | None, Query(max_length=200, description="a ticket from `POST .../stream-ticket`")] = None,
    last_event_id: Annotated[
        Seq | None, Query(description="replay notifications after this id (`Last-Event-ID` wins)")
    ] = None,
) -> Any:
    after = _last_event_id(request, last_event_id)
    auth = await authenticate(request, ticket)
    # Subscribed before the response starts: an EventSource's `open` already means nothing is missed.
    # (The background task closes the listener also when the client left before the stream began.)
    listener = await listen_for(auth)

    async def release() -> None:  # async: the hub is not thread-safe, a sync task would run in a thread
        listener.close()

    return EventSourceResponse(
        event_stream(auth, after, listener, browser_locale(request)),
        headers=HEADERS,
        ping=0,
        background=BackgroundTask(release),
    )
