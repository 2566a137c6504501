"""/chat: my rooms, latest activity first, live.

The page's foreground ``on_load`` resolves the user, reads the database, and returns its
background task (see :mod:`withus.state.live`), which listens to ``chat:user:{me}`` (messages
of all my rooms, my read marks from other tabs) and re-reads the rooms an event names; it
subscribes first and catches up from the database second, so nothing published in between is
lost. The list is capped at :data:`MAX_ROOMS` (a list var is sent whole on every change).
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.i18n.reader import here
from withus.realtime.bus import user_channel
from withus.services import chat_rooms as room_service
from withus.services.pagination import decode_cursor, encode_cursor
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.chat_views import RoomView, copy_view, room_row
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, said
from withus.state.handlers import acting_user_id, needs_login
from withus.state.people_search import clear_search

log = logging.getLogger(__name__)

ROOM_PAGE = 30
MAX_ROOMS = 100


class ChatListState(rx.State):
    """/chat: my rooms, latest activity first, live."""

    rooms: list[RoomView] = []
    has_more: bool = False
    loading: bool = True
    loading_more: bool = False
    live: bool = False
    new_open: bool = False  # the 새 채팅 dialog

    _uid: int | None = None
    _sid: str = ""
    _gen: int = 0
    _cursor: str | None = None

    async def _page(self, uid: int, cursor: str | None) -> tuple[list[RoomView], str | None]:
        after = None
        if cursor:
            at, room_id = decode_cursor(cursor, datetime, int)
            after = (at, room_id)
        async with read_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return [], None
            items, nxt = await room_service.list_rooms(session, user=user, limit=ROOM_PAGE, cursor=after)
        return [room_row(r) for r in items], (encode_cursor(*nxt) if nxt else None)

    @rx.event
    async def load(self) -> Any:
        self.reset()
        self._gen += 1
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        events: list[Any] = []
        peer = self.router.url.query_parameters.get("with")
        if peer:
            target = await self._open_with(uid, peer)
            if isinstance(target, str):
                return rx.redirect(target, replace=True)
            if target is not None:
                events.append(target)
        try:
            rooms, cursor = await self._page(uid, None)
        except Exception:
            log.exception("chat list failed")
            self.loading = False
            return [*events, rx.toast.error(generic_error())]
        self.rooms, self._cursor, self.has_more = rooms, cursor, cursor is not None
        self.loading = False
        self._uid = uid
        auth = await self.get_state(AuthState)
        self._sid = tasks.session_id_of(auth._cookie_token())
        return [*events, ChatListState.listen]

    async def _open_with(self, uid: int, peer: str) -> Any:
        """``/chat?with={user_id}``: the 1:1 room's address, or a toast saying why not."""
        if not peer.isdigit() or len(peer) > 12:
            return rx.toast.error(here("chat.peer_not_found"))
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    return None
                room, _ = await room_service.do_open_direct_room(session, user=user, peer_id=int(peer))
                room_id = room.id
        except DomainError as exc:
            return rx.toast.error(said(exc.detail))
        return f"/chat/{room_id}"

    @rx.event
    async def set_new_open(self, value: bool) -> None:
        self.new_open = bool(value)
        await clear_search(self)  # a fresh box each time (the manage page shares it)

    @rx.event
    @needs_login
    async def start_chat(self, user_id: int) -> Any:
        """새 채팅: a person picked in the search list; their 1:1 room (opened or created)."""
        target = await self._open_with(acting_user_id(), str(int(user_id)))
        if isinstance(target, str):
            self.new_open = False
            await clear_search(self)
            return rx.redirect(target)
        return target

    @rx.event
    @needs_login
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        uid = acting_user_id()
        self.loading_more = True
        yield
        try:
            rooms, cursor = await self._page(uid, self._cursor)
            have = {r.id for r in self.rooms}
            merged = [copy_view(RoomView, r) for r in self.rooms] + [r for r in rooms if r.id not in have]
            self.rooms = merged[:MAX_ROOMS]
            self._cursor = cursor
            self.has_more = cursor is not None and len(merged) < MAX_ROOMS
        finally:
            self.loading_more = False

    async def _rows(self, uid: int, room_ids: set[int]) -> tuple[dict[int, RoomView], set[int]]:
        """The current rows of some rooms, and those that are not mine (any more)."""
        found: dict[int, RoomView] = {}
        gone: set[int] = set()
        async with session_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return found, set(room_ids)
            for room_id in room_ids:
                try:
                    found[room_id] = room_row(await room_service.room_view(session, user=user, room_id=room_id))
                except NotFound:
                    gone.add(room_id)
        return found, gone

    @rx.event(background=True)
    async def listen(self) -> Any:
        async with self:
            uid, sid, gen = self._uid, self._sid, self._gen
            token = self.router.session.client_token
        if uid is None:
            return

        async def catch_up() -> bool:  # whatever moved between the page's read and the subscription
            rooms, _ = await self._page(uid, None)
            async with self:
                if self._gen != gen:
                    return False
                self._merge(rooms, set())
                self.live = True
            return True

        async def receive(batch: tasks.Batch) -> list[Any] | None:
            room_ids = {room_id for _, data in batch if (room_id := _event_room(data)) is not None}
            if not room_ids:
                return []
            found, gone = await self._rows(uid, room_ids)
            async with self:
                if self._gen != gen:
                    return None
                self._merge(list(found.values()), gone)
            return []

        feed = tasks.follow(
            self,
            kind="chat_list",
            token=token,
            session_id=sid,
            gen=gen,
            channels=[user_channel(uid)],
            catch_up=catch_up,
            receive=receive,
        )
        async with contextlib.aclosing(feed) as events:
            async for _ in events:
                pass

    def _merge(self, rows: list[RoomView], gone: set[int]) -> None:
        by_id = {r.id: copy_view(RoomView, r) for r in self.rooms if r.id not in gone}
        for r in rows:
            by_id[r.id] = r
        ordered = sorted(by_id.values(), key=lambda r: r.activity, reverse=True)
        if len(ordered) > MAX_ROOMS:
            ordered = ordered[:MAX_ROOMS]
            self.has_more = True
        self.rooms = ordered


def _event_room(data: str) -> int | None:
    try:
        event = json.loads(data)
        if event.get("event") == "message":
            return int(event["message"]["room_id"])
        if "room_id" in event:
            return int(event["room_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return None
