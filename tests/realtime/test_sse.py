"""The SSE notification stream, checked on the wire against a real server (uvicorn on a free
port, both stacks): the bytes of the event-stream format, interpretation as the WHATWG HTML
standard describes it, replay after ``Last-Event-ID`` with no gap and no duplicate, several
streams of one user, tickets, keep-alive comments, and the end of a revoked session's stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import DEFAULT_PASSWORD, login_pair, make_user
from tests.realtime.conftest import TIMEOUT, LiveServer
from withus.db import session_scope
from withus.models.notification import Notification
from withus.models.user import User
from withus.realtime.bus import GAP, get_hub
from withus.services import notifications as notification_service
from withus.services import sessions as session_service

STREAM = "/api/notifications/stream"
TICKET = "/api/notifications/stream-ticket"


# ---------------------------------------------------------------- a client that reads the raw bytes


@dataclass
class SseEvent:
    type: str
    data: str
    last_event_id: str


@dataclass
class EventStreamInterpreter:
    """The WHATWG HTML "Interpreting an event stream" algorithm, as an EventSource runs it."""

    buffer: str = ""
    data: str = ""
    event_type: str = ""
    last_event_id: str = ""
    reconnection_time: int | None = None
    comments: list[str] = field(default_factory=list)

    def feed(self, text: str) -> list[SseEvent]:
        self.buffer += text
        out: list[SseEvent] = []
        while True:
            positions = [p for p in (self.buffer.find("\r"), self.buffer.find("\n")) if p >= 0]
            if not positions:
                return out
            end = min(positions)
            line = self.buffer[:end]
            skip = 2 if self.buffer[end : end + 2] == "\r\n" else 1
            self.buffer = self.buffer[end + skip :]
            event = self._line(line)
            if event is not None:
                out.append(event)

    def _line(self, line: str) -> SseEvent | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments.append(line[1:])
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self.event_type = value
        elif name == "data":
            self.data += value + "\n"
        elif name == "id":
            if "\x00" not in value:
                self.last_event_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.reconnection_time = int(value)
        return None

    def _dispatch(self) -> SseEvent | None:
        if self.data == "":
            self.event_type = ""
            return None
        data = self.data[:-1] if self.data.endswith("\n") else self.data
        event = SseEvent(self.event_type or "message", data, self.last_event_id)
        self.data, self.event_type = "", ""
        return event


class RawSse:
    """An open stream: blocks of raw bytes (each ending in a blank line), and their meaning."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.aiter_raw()
        self._buffer = b""
        self.interpreter = EventStreamInterpreter()
        self.raw = b""
        self._pending: list[tuple[bytes, SseEvent]] = []

    async def block(self, timeout: float = TIMEOUT) -> bytes:
        async with asyncio.timeout(timeout):
            while b"\n\n" not in self._buffer:
                chunk = await anext(self._chunks)
                self.raw += chunk
                self._buffer += chunk
        block, _, self._buffer = self._buffer.partition(b"\n\n")
        block += b"\n\n"
        self._pending.extend((block, e) for e in self.interpreter.feed(block.decode("utf-8")))
        return block

    async def event(self, timeout: float = TIMEOUT) -> tuple[bytes, SseEvent]:
        """The next block that dispatches an event (comments and ``retry`` are interpreted on the way)."""
        while not self._pending:
            await self.block(timeout)
        return self._pending.pop(0)

    async def notifications(self, n: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        out = []
        for _ in range(n):
            _, ev = await self.event(timeout)
            assert ev.type == "notification"
            out.append(json.loads(ev.data))
        return out

    async def ended(self, timeout: float = TIMEOUT) -> bool:
        """Whether the server closes the stream (within ``timeout``), whatever it sends before."""
        try:
            async with asyncio.timeout(timeout):
                async for chunk in self._chunks:
                    self.raw += chunk
        except TimeoutError:
            return False
        return True


@contextlib.asynccontextmanager
async def open_stream(
    server: LiveServer,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    cookies: dict[str, str] | None = None,
) -> AsyncIterator[RawSse]:
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=TIMEOUT, cookies=cookies) as http,
        http.stream("GET", STREAM, headers=headers or {}, params=params) as response,
    ):
        assert response.status_code == 200, (await response.aread()).decode()
        stream = RawSse(response)
        # The server subscribes to the hub before it sends `retry:`: after this nothing is missed.
        assert await stream.block() == b"retry: 3000\n\n"
        yield stream


async def bearer(user: User) -> dict[str, str]:
    pair = await login_pair(user)
    return {"Authorization": f"Bearer {pair.access_token}"}


async def notify(user: User, n: int = 1, *, title: str = "새 댓글") -> list[int]:
    """``n`` notifications for ``user``, one transaction each (each published after its commit)."""
    assert user.id is not None
    ids = []
    for i in range(n):
        async with session_scope() as s:
            note = await notification_service.notify(
                s, user_id=user.id, type="comment", title=f"{title} {i}", body="본문\n둘째 줄", link="/posts/1"
            )
            assert note.id is not None
            ids.append(note.id)
    return ids


async def listed(server: LiveServer, headers: dict[str, str]) -> dict[int, dict[str, Any]]:
    async with server.http() as http:
        r = await http.get("/api/notifications", params={"limit": 100}, headers=headers)
    assert r.status_code == 200
    return {item["id"]: item for item in r.json()["items"]}


# ---------------------------------------------------------------- the wire format


async def test_stream_sends_retry_once_then_each_notification_as_an_event_block(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    headers = await bearer(user)
    async with (
        httpx.AsyncClient(base_url=live_server.url, timeout=TIMEOUT) as http,
        http.stream("GET", STREAM, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert "content-length" not in response.headers
        stream = RawSse(response)
        assert await stream.block() == b"retry: 3000\n\n"
        first, second = await notify(user, 2)
        blocks = [await stream.block(), await stream.block()]

    stored = await listed(live_server, headers)
    for block, nid in zip(blocks, (first, second)):
        lines = block.split(b"\n")
        assert lines[:2] == [b"event: notification", f"id: {nid}".encode()]
        assert lines[3:] == [b"", b""]
        data_line = lines[2]
        assert data_line.startswith(b"data: ")
        # One data line of compact JSON: the body's line break travels escaped inside the JSON.
        assert json.loads(data_line[len(b"data: ") :].decode("utf-8")) == stored[nid]
    assert stored[first]["body"] == "본문\n둘째 줄"
    assert b"\r" not in stream.raw

    interpreter = EventStreamInterpreter()
    events = interpreter.feed(stream.raw.decode("utf-8"))
    assert interpreter.reconnection_time == 3000
    assert [(e.type, e.last_event_id) for e in events] == [("notification", str(first)), ("notification", str(second))]
    assert [json.loads(e.data) for e in events] == [stored[first], stored[second]]


async def test_a_comment_line_keeps_the_connection_alive(
    live_server: LiveServer, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.routes import notification_stream

    monkeypatch.setattr(notification_stream, "CONFIG", notification_stream.StreamConfig(keepalive=0.3))
    user = await make_user(session)
    async with open_stream(live_server, headers=await bearer(user)) as stream:
        assert await stream.block() == b": keep-alive\n\n"
        assert await stream.block() == b": keep-alive\n\n"
        [nid] = await notify(user)
        _, event = await stream.event()
    assert event.last_event_id == str(nid)
    assert stream.interpreter.comments == [" keep-alive", " keep-alive"]


# ---------------------------------------------------------------- catching up


async def test_reconnect_with_last_event_id_replays_what_was_missed_then_goes_live(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    other = await make_user(session)
    headers = await bearer(user)
    seen, missed = await notify(user, 1), await notify(user, 3)
    await notify(other, 2)  # someone else's are never replayed
    async with open_stream(live_server, headers={**headers, "Last-Event-ID": str(seen[0])}) as stream:
        replayed = await stream.notifications(3)
        [live] = await notify(user)
        [after] = await stream.notifications(1)
    assert [n["id"] for n in replayed] == missed
    assert after["id"] == live
    assert stream.interpreter.last_event_id == str(live)


async def test_query_last_event_id_is_used_and_the_header_wins_over_it(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    headers = await bearer(user)
    ids = await notify(user, 4)
    async with open_stream(live_server, headers=headers, params={"last_event_id": ids[1]}) as stream:
        assert [n["id"] for n in await stream.notifications(2)] == ids[2:]
    # An EventSource reconnects to the same URL, with a newer Last-Event-ID header.
    async with open_stream(
        live_server, headers={**headers, "Last-Event-ID": str(ids[2])}, params={"last_event_id": ids[0]}
    ) as stream:
        assert [n["id"] for n in await stream.notifications(1)] == ids[3:]
        [live] = await notify(user)
        assert [n["id"] for n in await stream.notifications(1)] == [live]


async def test_replay_while_notifications_keep_arriving_has_no_gap_and_no_duplicate(
    live_server: LiveServer, session: AsyncSession
) -> None:
    """Notifications are committed continuously while the client reconnects: whatever the
    interleaving of replay and live delivery, it gets each one after its last id exactly once."""
    user = await make_user(session)
    headers = await bearer(user)
    [start] = await notify(user)
    produced: list[int] = []
    stop = asyncio.Event()

    async def producer() -> None:
        while not stop.is_set() and len(produced) < 200:
            produced.extend(await notify(user, title="연속"))
            await asyncio.sleep(0)

    task = asyncio.create_task(producer())
    try:
        while len(produced) < 5:  # the reconnect happens in the middle of the flow
            await asyncio.sleep(0.01)
        async with open_stream(live_server, headers={**headers, "Last-Event-ID": str(start)}) as stream:
            received: list[int] = []
            while len(received) < 30:
                received.extend(n["id"] for n in await stream.notifications(1))
            stop.set()
            await task
            while len(received) < len(produced):
                received.extend(n["id"] for n in await stream.notifications(1))
            assert not await stream.ended(timeout=0.3)  # nothing more comes: no duplicate at the end
    finally:
        stop.set()
        await task
    assert received == produced
    assert len(set(received)) == len(received)


async def test_after_the_hub_lost_the_store_the_stream_replays_from_the_database(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    async with open_stream(live_server, headers=await bearer(user)) as stream:
        [first] = await notify(user)
        assert [n["id"] for n in await stream.notifications(1)] == [first]
        # Stored while the hub was cut off from the store: never published.
        assert user.id is not None
        async with session_scope() as s:
            lost = Notification(user_id=user.id, type="notice", title="공지", link="/posts/2")
            s.add(lost)
            await s.flush()
            lost_id = lost.id
        hub = get_hub()
        for listener in list(hub._listeners_all):
            listener._deliver(GAP, "")
        assert [n["id"] for n in await stream.notifications(1)] == [lost_id]
        [live] = await notify(user)
        assert [n["id"] for n in await stream.notifications(1)] == [live]


# ---------------------------------------------------------------- several streams, sessions


async def test_two_streams_of_one_user_each_receive_every_notification(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    headers_a, headers_b = await bearer(user), await bearer(user)
    async with open_stream(live_server, headers=headers_a) as a, open_stream(live_server, headers=headers_b) as b:
        ids = await notify(user, 3)
        got_a, got_b = await a.notifications(3), await b.notifications(3)
    assert [n["id"] for n in got_a] == ids == [n["id"] for n in got_b]


async def test_revoking_the_session_ends_its_stream_but_not_the_others(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    pair_a, pair_b = await login_pair(user), await login_pair(user)
    async with (
        open_stream(live_server, headers={"Authorization": f"Bearer {pair_a.access_token}"}) as a,
        open_stream(live_server, headers={"Authorization": f"Bearer {pair_b.access_token}"}) as b,
    ):
        await session_service.revoke(session_id=pair_a.session_id)
        assert await a.ended()
        [nid] = await notify(user)
        assert [n["id"] for n in await b.notifications(1)] == [nid]
    async with live_server.http() as http:
        r = await http.get(STREAM, headers={"Authorization": f"Bearer {pair_a.access_token}"})
    assert r.status_code == 401
    assert r.json()["code"] == "token_revoked"


async def test_the_stream_is_subscribed_once_its_headers_arrive(
    live_server: LiveServer, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser's EventSource fires `open` on the headers: nothing published after that is missed,
    however long the subscription takes."""
    from withus.realtime.bus import Hub

    listen = Hub.listen

    async def slow_listen(self: Hub, *channels: str, **kwargs: Any) -> Any:
        await asyncio.sleep(0.5)
        return await listen(self, *channels, **kwargs)

    monkeypatch.setattr(Hub, "listen", slow_listen)
    user = await make_user(session)
    async with (
        httpx.AsyncClient(base_url=live_server.url, timeout=TIMEOUT) as http,
        http.stream("GET", STREAM, headers=await bearer(user)) as response,
    ):
        assert response.status_code == 200
        [nid] = await notify(user)  # before a single byte of the body was read
        stream = RawSse(response)
        assert await stream.block() == b"retry: 3000\n\n"
        assert [n["id"] for n in await stream.notifications(1)] == [nid]


async def test_a_client_that_leaves_at_once_releases_its_listener(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    async with (
        httpx.AsyncClient(base_url=live_server.url, timeout=TIMEOUT) as http,
        http.stream("GET", STREAM, headers=await bearer(user)) as response,
    ):
        assert response.status_code == 200
        hub = get_hub()
        assert hub.listener_count == 1
    async with asyncio.timeout(TIMEOUT):
        while hub.listener_count:
            await asyncio.sleep(0.02)


async def test_a_closed_client_releases_its_listener(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    async with open_stream(live_server, headers=await bearer(user)):
        hub = get_hub()
        assert hub.listener_count == 1
    async with asyncio.timeout(TIMEOUT):
        while hub.listener_count:
            await asyncio.sleep(0.02)


# ---------------------------------------------------------------- authentication


async def test_stream_without_credentials_is_401_problem(live_server: LiveServer, stack: Any) -> None:
    async with live_server.http() as http:
        r = await http.get(STREAM)
        bad = await http.get(STREAM, headers={"Authorization": "Bearer nonsense"})
        no_ticket = await http.post(TICKET)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_authenticated"
    assert bad.status_code == 401
    assert no_ticket.status_code == 401


async def test_a_ticket_opens_one_stream_only(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await bearer(user)
    async with live_server.http() as http:
        r = await http.post(TICKET, headers=headers)
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"ticket", "expires_in"}
    assert body["expires_in"] == 60
    async with open_stream(live_server, params={"ticket": body["ticket"]}) as stream:
        [nid] = await notify(user)
        assert [n["id"] for n in await stream.notifications(1)] == [nid]
        async with live_server.http() as http:
            again = await http.get(STREAM, params={"ticket": body["ticket"]})
    assert again.status_code == 401
    assert again.json()["code"] == "invalid_ticket"


async def test_an_unused_ticket_expires(
    live_server: LiveServer, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from withus.services import stream_tickets

    monkeypatch.setattr(stream_tickets, "TICKET_TTL", 1)
    user = await make_user(session)
    async with live_server.http() as http:
        r = await http.post(TICKET, headers=await bearer(user))
        assert r.json()["expires_in"] == 1
        await asyncio.sleep(1.3)
        late = await http.get(STREAM, params={"ticket": r.json()["ticket"]})
    assert late.status_code == 401
    assert late.json()["code"] == "invalid_ticket"


async def test_a_ticket_of_a_revoked_session_is_refused(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    async with live_server.http() as http:
        r = await http.post(TICKET, headers={"Authorization": f"Bearer {pair.access_token}"})
        await session_service.revoke(session_id=pair.session_id)
        late = await http.get(STREAM, params={"ticket": r.json()["ticket"]})
    assert late.status_code == 401


async def test_the_session_cookie_opens_the_stream_and_a_ticket_by_cookie_needs_csrf(
    live_server: LiveServer, session: AsyncSession
) -> None:
    user = await make_user(session)
    async with live_server.http() as http:
        login = await http.post(
            "/api/auth/login", params={"cookie": "true"}, json={"login": user.username, "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 200, login.text
        cookies = {"withus_session": http.cookies["withus_session"], "withus_csrf": http.cookies["withus_csrf"]}
        no_csrf = await http.post(TICKET)
        with_csrf = await http.post(TICKET, headers={"X-CSRF-Token": cookies["withus_csrf"]})
    assert no_csrf.status_code == 403
    assert with_csrf.status_code == 201
    async with open_stream(live_server, cookies=cookies) as stream:
        [nid] = await notify(user)
        assert [n["id"] for n in await stream.notifications(1)] == [nid]


async def test_a_bad_last_event_id_is_refused(live_server: LiveServer, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await bearer(user)
    async with live_server.http() as http:
        bad_header = await http.get(STREAM, headers={**headers, "Last-Event-ID": "abc"})
        bad_query = await http.get(STREAM, headers=headers, params={"last_event_id": "-1"})
    assert bad_header.status_code == 422
    assert bad_query.status_code == 422
