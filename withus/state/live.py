"""What the live pages' background tasks share (the bell, the chat list, a chat room).

Each live view is a Reflex background task (``@rx.event(background=True)``) that listens
to the process's bus hub (:func:`withus.realtime.bus.get_hub`: one store subscription per
process, never one per tab). It is started by RETURNING it from the page's foreground
``on_load`` handler once the user is resolved, so Reflex cancels it with the page's load
chain: on tab close, reload, reconnect and navigation to another page. Two guards cover
a task started any other way (a client can send any event name over its socket):

- :func:`claim`: one task per (kind, tab) in this process; a newer one cancels the older;
- :func:`client_connected`: checked now and then, a task whose tab is gone ends itself.

The user id is never an event argument: the foreground handler resolves it from the
session cookie and keeps it in a backend-only var that the task reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from withus.errors import DomainError
from withus.realtime.bus import GAP, ListenerClosed, get_hub, session_revoked_channel
from withus.services import sessions as session_service
from withus.services import tokens

log = logging.getLogger(__name__)

CHECK_INTERVAL = 30.0
"""Seconds between a quiet task's checks that its tab and login are still there."""

_tasks: dict[tuple[str, str], asyncio.Task[Any]] = {}


def claim(kind: str, token: str) -> None:
    """Make the running task THE ``kind`` listener of tab ``token``; cancel any older one."""
    current = asyncio.current_task()
    if current is None:
        return
    key = (kind, token)
    previous = _tasks.get(key)
    if previous is not None and previous is not current and not previous.done():
        previous.cancel()
    _tasks[key] = current


def release(kind: str, token: str) -> None:
    key = (kind, token)
    if _tasks.get(key) is asyncio.current_task():
        del _tasks[key]


async def client_connected(token: str) -> bool:
    """Whether tab ``token`` still has an event socket (True when that cannot be told)."""
    try:
        from reflex_base.registry import RegistrationContext

        namespace: Any = RegistrationContext.get().app.event_namespace
        manager = namespace._token_manager
        return bool(await manager.is_token_connected(token))
    except Exception:  # an internal API of Reflex: never end a task because it moved
        return True


def session_id_of(cookie_token: str) -> str:
    """The login session id of a session cookie ("" when it cannot be read)."""
    if not cookie_token:
        return ""
    try:
        return tokens.decode(cookie_token, typ="refresh").session_id
    except DomainError:
        return ""


async def session_alive(session_id: str) -> bool:
    if not session_id:
        return False
    with contextlib.suppress(Exception):
        return await session_service.is_alive(session_id)
    return True


class Feed:
    """A hub listener for a live page, read in batches.

    ``await feed.batch(timeout)`` waits up to ``timeout`` seconds for something and returns
    everything queued by then (``[]`` when nothing came). A listener that fell too far
    behind is closed by the hub (``overflow``): the feed opens a new one and reports
    ``GAP``, as after a store outage, so the owner catches up from the database. It raises
    :class:`~withus.realtime.bus.ListenerClosed` when the hub stops (shutdown).
    """

    def __init__(self, *channels: str) -> None:
        self.channels = channels
        self._listener: Any = None

    async def open(self) -> Feed:
        self._listener = await get_hub().listen(*self.channels)
        return self

    async def batch(self, timeout: float) -> list[tuple[str, str]]:
        listener = self._listener
        assert listener is not None, "open() first"
        try:
            try:
                first = await asyncio.wait_for(listener.get(), timeout=max(0.0, timeout))
            except TimeoutError:
                return []
            out = [first]
            while (more := listener.get_nowait()) is not None:
                out.append(more)
            return out
        except ListenerClosed as exc:
            if exc.reason != "overflow":
                raise
            log.warning("live page: its listener fell behind; reopening and catching up")
            listener.close()
            await self.open()
            return [(GAP, "")]

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()


async def mark_not_live(state: Any, gen: int) -> None:
    """After a live task failed: its page no longer says it is live (``data-live``)."""
    with contextlib.suppress(Exception):
        async with state:
            if state._gen == gen:
                state.live = False


Batch = list[tuple[str, str]]


async def follow(
    state: Any,
    *,
    kind: str,
    token: str,
    session_id: str,
    gen: int,
    channels: Sequence[str],
    catch_up: Callable[[], Awaitable[bool]],
    receive: Callable[[Batch], Awaitable[Sequence[Any] | None]],
    on_revoked: Callable[[], Awaitable[None]] | None = None,
    tick: Callable[[], Awaitable[bool]] | None = None,
    tick_every: float = CHECK_INTERVAL,
) -> AsyncIterator[Any]:
    """The loop of one live page, the same for every page: the bell, the chat list, a room.

    It :func:`claim`s the tab's ``kind`` listener, listens to ``channels`` and to the end of
    the login session (``session_id``), then calls ``catch_up()`` (what the page's read may have
    missed) and, for each batch, ``receive(batch)``; it yields the events ``receive`` returns
    (toasts). A gap (the store was away, or the listener fell behind) calls ``catch_up()``
    again. Every :data:`CHECK_INTERVAL` it checks that the tab and the login are still there,
    and every ``tick_every`` seconds calls ``tick()`` when given. ``catch_up``/``tick`` return
    False and ``receive`` None to stop (the page moved on: ``_gen`` changed). The session's
    end calls ``on_revoked()`` and stops. A failure of the store or the database ends the live
    view of this tab (``live`` off, :func:`mark_not_live`), never the app; a reload restarts it.
    """
    claim(kind, token)
    revoked = session_revoked_channel(session_id) if session_id else None
    feed = await Feed(*channels, *([revoked] if revoked else [])).open()
    try:
        if not await catch_up():
            return
        checked = ticked = time.monotonic()
        while True:
            now = time.monotonic()
            wait = CHECK_INTERVAL - (now - checked)
            if tick is not None:
                wait = min(wait, tick_every - (now - ticked))
            batch = await feed.batch(wait)
            now = time.monotonic()
            if tick is not None and now - ticked >= tick_every:
                if not await tick():
                    return
                ticked = now
            if now - checked >= CHECK_INTERVAL:
                if not await client_connected(token) or (session_id and not await session_alive(session_id)):
                    return
                checked = now
            if not batch:
                continue
            if revoked is not None and any(channel == revoked for channel, _ in batch):
                if on_revoked is not None:
                    await on_revoked()
                return
            if any(channel == GAP for channel, _ in batch):
                if not await catch_up():
                    return
                continue
            events = await receive(batch)
            if events is None:
                return
            for event in events:
                yield event
    except ListenerClosed:  # the hub stopped: the server is shutting down
        return
    except Exception:
        log.exception("live page task failed")
        await mark_not_live(state, gen)
    finally:
        feed.close()
        release(kind, token)


async def follow_page(state: Any, *, kind: str, channel: str, reload: Callable[[], Awaitable[None]]) -> None:
    """The live task of a page that re-reads itself when its channel says it changed (a post, a
    club, its manage page: :mod:`withus.services.page_live`). The payload carries nothing but
    "changed": ``reload()`` reads the database again with this reader's permissions, inside the
    state's lock. The state has ``live``, ``_gen`` and ``_sid`` (the login session, "" for a
    visitor); the task starts as every live view does (see the module docstring)."""
    async with state:
        gen, sid = state._gen, state._sid
        token = state.router.session.client_token

    async def catch_up() -> bool:  # what changed between the page's read and the subscription
        async with state:
            if state._gen != gen:
                return False
            await reload()
            state.live = True
        return True

    async def receive(batch: Batch) -> list[Any] | None:
        if not any(name == channel for name, _ in batch):
            return []
        async with state:
            if state._gen != gen:
                return None
            await reload()
        return []

    feed = follow(
        state,
        kind=kind,
        token=token,
        session_id=sid,
        gen=gen,
        channels=[channel],
        catch_up=catch_up,
        receive=receive,
    )
    async with contextlib.aclosing(feed) as events:
        async for _ in events:
            pass
