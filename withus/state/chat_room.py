"""/chat/[room_id]: one room, live.

The page's foreground ``on_load`` resolves the user, reads the database, and returns its
background task (see :mod:`withus.state.live`), which listens to ``chat:room:{id}``: a message
with the next ``seq`` is appended as it is, a jump in ``seq`` (or the hub's ``GAP``) is filled
from the database, a ``seq`` already held is dropped. While the page is open the room is marked
read and the tab counts as a viewer (:mod:`withus.realtime.presence`), so no ``chat_message``
notification is sent for what I am looking at.

The page holds the last :data:`MAX_MESSAGES` messages (a list var is sent whole on every
change); "이전 메시지" pages back, and once the cap is reached the newest are let go until
"최신 메시지로" comes back to the present.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.i18n.reader import here
from withus.models.chat import BODY_MAX, MessagePublic
from withus.realtime import presence
from withus.realtime.bus import room_channel
from withus.services import chat as chat_service
from withus.services import chat_rooms as room_service
from withus.services import chat_sending, chat_signals
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.chat_room_events import (
    event_message,
    fetch_messages,
    fold_signals,
    mark_read,
    room_signal,
    say_typing,
)
from withus.state.chat_views import MessageView, RoomHeader, arrange, is_next, message_row, plain_message, room_header
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, path_id, said
from withus.state.handlers import acting_user_id, needs_login

log = logging.getLogger(__name__)

MESSAGE_PAGE = 50
MAX_MESSAGES = 200


class ChatRoomState(rx.State):
    """/chat/[room_id]: one room's messages (live), the composer, read state and presence."""

    room: RoomHeader = RoomHeader()
    messages: list[MessageView] = []
    has_older: bool = False
    has_newer: bool = False
    new_count: int = 0
    loading: bool = True
    loading_older: bool = False
    not_found: bool = False
    gone: bool = False
    draft_len: int = 0
    live: bool = False
    peer_read_seq: int = 0  # 1:1 rooms: how far the other person has read (읽음)
    typing_name: str = ""  # who is typing now ("" for nobody)

    _typing_uid: int = 0
    _typing_stamp: int = 0
    _typed_at: float = 0.0  # when this tab last said I am typing

    _uid: int | None = None
    _sid: str = ""
    _room_id: int = 0
    _role: str | None = None  # my role in a club room's club (staff may delete any message)
    _gen: int = 0
    _latest_seq: int = 0  # the highest seq known to exist in the room

    @rx.var
    def counter(self) -> str:
        return f"{self.draft_len:,} / {BODY_MAX:,}"

    @rx.var
    def too_long(self) -> bool:
        return self.draft_len > BODY_MAX

    @rx.var
    def is_direct(self) -> bool:
        return self.room.kind == "direct"

    @rx.var
    def read_mark_seq(self) -> int:
        """My last message the other person of a 1:1 room has read: 읽음 goes under it."""
        if self.room.kind != "direct":
            return 0
        mark = 0
        for m in self.messages:
            if m.mine and m.seq <= self.peer_read_seq:
                mark = m.seq
        return mark

    def _viewer(self) -> str:
        return f"web:{self.router.session.client_token}"

    def _set_messages(self, views: list[MessageView]) -> None:
        arranged = arrange(views)
        if len(arranged) > MAX_MESSAGES:
            arranged = arranged[-MAX_MESSAGES:]
            self.has_older = True
        self.messages = arranged

    def _row(self, m: MessagePublic, uid: int) -> MessageView:
        return message_row(m, uid, room_kind=self.room.kind, role=self._role)

    def _last_shown(self) -> int:
        return self.messages[-1].seq if self.messages else 0

    @rx.event
    async def load(self) -> Any:
        self.reset()
        self._gen += 1
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        room_id = path_id(self, 1)
        if room_id is None:
            self.not_found, self.loading = True, False
            return None
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    return await login_redirect(self)
                access = await chat_service.access_room(session, room_id=room_id, user_id=uid)
                room = await room_service.room_view(session, user=user, room_id=room_id)
                items, has_more = await chat_service.list_messages(
                    session, user=user, room_id=room_id, limit=MESSAGE_PAGE
                )
                if room.last_seq > room.last_read_seq:
                    await chat_service.do_mark_read(session, user=user, room_id=room_id, seq=room.last_seq)
            await presence.enter(room_id=room_id, user_id=uid, viewer_id=self._viewer())
        except NotFound:
            self.not_found, self.loading = True, False
            return None
        except Exception:
            log.exception("chat room failed")
            self.loading = False
            return rx.toast.error(generic_error())
        self.room = room_header(room)
        self._role = access.role
        self.peer_read_seq = room.peer_last_read_seq or 0
        self._set_messages([self._row(m, uid) for m in items])
        self.has_older = has_more
        self._latest_seq = max(room.last_seq, self._last_shown())
        self._uid, self._room_id = uid, room_id
        auth = await self.get_state(AuthState)
        self._sid = tasks.session_id_of(auth._cookie_token())
        self.loading = False
        return ChatRoomState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        async with self:
            uid, sid, gen, room_id = self._uid, self._sid, self._gen, self._room_id
            token = self.router.session.client_token
        if uid is None or not room_id:
            return
        viewer = f"web:{token}"
        entered: list[bool] = []

        async def catch_up() -> bool:  # what came between the page's read and now
            if not entered:  # once subscribed, the tab counts as a viewer of the room
                await presence.enter(room_id=room_id, user_id=uid, viewer_id=viewer)
                entered.append(True)
            if not await self._catch_up(uid, room_id, gen):
                return False
            async with self:
                if self._gen != gen:
                    return False
                self.live = True
            return True

        async def receive(batch: tasks.Batch) -> list[Any] | None:
            events = [e for _, data in batch if (e := event_message(data)) is not None and e[1].room_id == room_id]
            incoming = [m for kind, m in events if kind == "message"]
            changed = [m for kind, m in events if kind != "message"]
            signals = [e for _, data in batch if (e := room_signal(data)) is not None and e["room_id"] == room_id]
            if incoming and not await self._receive(uid, room_id, gen, incoming):
                return None
            if changed:
                await self._apply_changes(uid, gen, changed)
            if signals:
                return await self._apply_signals(uid, gen, signals)
            return []

        async def still_here() -> bool:
            if not await self._still_mine(uid, room_id, gen):
                return False
            await presence.touch(room_id=room_id, user_id=uid, viewer_id=viewer)
            return True

        feed = tasks.follow(
            self,
            kind="chat_room",
            token=token,
            session_id=sid,
            gen=gen,
            channels=[room_channel(room_id)],
            catch_up=catch_up,
            receive=receive,
            tick=still_here,
            tick_every=presence.REFRESH_INTERVAL,
        )
        try:
            async with contextlib.aclosing(feed) as events:
                async for event in events:
                    yield event
        finally:
            try:
                if entered:
                    await presence.leave(room_id=room_id, user_id=uid, viewer_id=viewer)
            except Exception:  # the TTL ends it anyway
                log.debug("presence leave failed", exc_info=True)

    async def _apply_signals(self, uid: int, gen: int, signals: list[dict[str, Any]]) -> list[Any]:
        """The other person's read mark (읽음) and typing (shown until TYPING_SHOWN seconds of silence)."""
        async with self:
            if self._gen != gen:
                return []
            self.peer_read_seq, typing = fold_signals(uid, self.peer_read_seq, signals)
            if typing is None:
                return []
            self.typing_name = str(typing.get("nickname") or "")
            self._typing_uid = int(typing["user_id"])
            self._typing_stamp += 1
            return [ChatRoomState.typing_gone(self._typing_stamp)]

    @rx.event(background=True)
    async def typing_gone(self, stamp: int) -> None:
        """After a few seconds without a new typing signal, nobody is typing any more."""
        await asyncio.sleep(chat_signals.TYPING_SHOWN)
        async with self:
            if self._typing_stamp == stamp:
                self.typing_name, self._typing_uid = "", 0

    async def _receive(self, uid: int, room_id: int, gen: int, incoming: list[MessagePublic]) -> bool:
        """Live messages: appended when they continue what the page holds, else fetched. False: stop."""
        async with self:
            if self._gen != gen:
                return False
            if self._typing_uid and any(m.sender.id == self._typing_uid for m in incoming):
                self.typing_name, self._typing_uid = "", 0  # what they typed has arrived
            top = max(m.seq for m in incoming)
            if self.has_newer:
                # Reading history: count what is new, show it on "최신 메시지로".
                self.new_count += len([m for m in incoming if m.seq > self._latest_seq])
                self._latest_seq = max(self._latest_seq, top)
                return True
            last = self._last_shown()
            contiguous = is_next(last, [m.seq for m in incoming])
            if contiguous:
                fresh = [self._row(m, uid) for m in incoming if m.seq > last]
                if fresh:
                    self._set_messages([plain_message(v) for v in self.messages] + fresh)
                self._latest_seq = max(self._latest_seq, top)
        if not contiguous:
            return await self._catch_up(uid, room_id, gen)
        if fresh:
            await mark_read(uid, room_id, top)
        return True

    async def _apply_changes(self, uid: int, gen: int, changed: list[MessagePublic]) -> None:
        """Edits and deletes: a message the page shows is replaced in place (same seq)."""
        async with self:
            if self._gen != gen:
                return
            by_seq = {m.seq: m for m in changed}
            if not any(v.seq in by_seq for v in self.messages):
                return
            views = [self._row(by_seq[v.seq], uid) if v.seq in by_seq else plain_message(v) for v in self.messages]
            self._set_messages(views)

    async def _catch_up(self, uid: int, room_id: int, gen: int) -> bool:
        """Fetch what follows the page's last message (at the present only). False: stop."""
        async with self:
            if self._gen != gen:
                return False
            if self.has_newer:
                return True
            after = self._last_shown()
        fetched: list[MessagePublic] = []
        try:
            while True:
                items, more = await fetch_messages(uid, room_id, after_seq=after, limit=100)
                fetched.extend(items)
                if not more or not items or len(fetched) >= MAX_MESSAGES:
                    break
                after = items[-1].seq
        except NotFound:
            async with self:
                if self._gen == gen:
                    self.gone = True
            return False
        if not fetched:
            return True
        async with self:
            if self._gen != gen:
                return False
            if len(fetched) >= MAX_MESSAGES:  # too much happened: start again from the present
                latest, older = await fetch_messages(uid, room_id, limit=MESSAGE_PAGE)
                self._set_messages([self._row(m, uid) for m in latest])
                self.has_older = older
            else:
                self._set_messages([plain_message(v) for v in self.messages] + [self._row(m, uid) for m in fetched])
            top = self._last_shown()
            self._latest_seq = max(self._latest_seq, top)
        await mark_read(uid, room_id, top)
        return True

    async def _still_mine(self, uid: int, room_id: int, gen: int) -> bool:
        """Whether I may still be here (a club member removed meanwhile may not)."""
        async with read_scope() as session:
            allowed = await chat_service.can_access(session, room_id=room_id, user_id=uid)
        if not allowed:
            async with self:
                if self._gen == gen:
                    self.gone = True
        return allowed

    @rx.event
    async def set_draft(self, value: str) -> None:
        """The composer changed: its counter, and (at most every 2 seconds) "I am typing" to the room."""
        self.draft_len = len(value)
        if value.strip() and self._uid is not None and self._room_id and not self.gone:
            self._typed_at = await say_typing(self._uid, self._room_id, last=self._typed_at)

    @rx.event
    async def send(self, form: dict[str, Any], client_id: str = "") -> Any:
        """The composer's submit. The browser has already emptied the field (so typing on is never
        lost to a late clear); a message that cannot be sent is put back with the reason."""
        body = str(form.get("body") or "")
        client_msg_id = str(client_id or "")[:64] or uuid.uuid4().hex
        if not body.strip():
            return None
        self.draft_len = 0
        if len(body) > BODY_MAX:
            return self._put_back(body, here("chat.message_too_long", max=BODY_MAX))
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        if not self._room_id or self.gone:
            return self._put_back(body, here("chat.room_gone"))
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    return await login_redirect(self)
                message, _ = await chat_sending.do_send_message(
                    session, user=user, room_id=self._room_id, body=body, client_msg_id=client_msg_id
                )
        except NotFound:
            self.gone = True
            return self._put_back(body, here("chat.room_gone"))
        except DomainError as exc:
            return self._put_back(body, said(exc.detail))
        if self.has_newer:
            await self._jump(uid)
        else:
            items, _ = await fetch_messages(uid, self._room_id, after_seq=self._last_shown(), limit=100)
            if items:
                self._set_messages([plain_message(v) for v in self.messages] + [self._row(m, uid) for m in items])
        self._latest_seq = max(self._latest_seq, message.seq, self._last_shown())
        return None

    def _put_back(self, body: str, reason: str) -> list[Any]:
        self.draft_len = len(body)
        return [rx.set_value("chat-input", body), rx.toast.error(reason)]

    async def _jump(self, uid: int) -> None:
        items, older = await fetch_messages(uid, self._room_id, limit=MESSAGE_PAGE)
        self._set_messages([self._row(m, uid) for m in items])
        self.has_older = older
        self.has_newer = False
        self.new_count = 0
        self._latest_seq = max(self._latest_seq, self._last_shown())

    @rx.event
    @needs_login
    async def jump_to_latest(self) -> Any:
        uid = acting_user_id()
        try:
            await self._jump(uid)
            if self.messages:
                await mark_read(uid, self._room_id, self.messages[-1].seq)
        except NotFound:
            self.gone = True
        return None

    @rx.event
    @needs_login
    async def load_older(self) -> Any:
        if not self.has_older or self.loading_older or not self.messages:
            return
        uid = acting_user_id()
        self.loading_older = True
        yield
        try:
            items, more = await fetch_messages(uid, self._room_id, before_seq=self.messages[0].seq)
            combined = arrange([self._row(m, uid) for m in items] + [plain_message(v) for v in self.messages])
            if len(combined) > MAX_MESSAGES:
                # Keep the page's size: let the newest go, "최신 메시지로" brings them back.
                combined = arrange(combined[:MAX_MESSAGES])
                self.has_newer = True
            self.messages = combined
            self.has_older = more
        except NotFound:
            self.gone = True
        finally:
            self.loading_older = False

    @rx.event
    @needs_login
    async def leave(self) -> Any:
        """Hide a 1:1 room for me (the other person keeps it) and go back to the list."""
        uid = acting_user_id()
        async with session_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return await login_redirect(self)
            await room_service.do_hide_room(session, user=user, room_id=self._room_id)
        return [rx.toast.success(here("chat.left_room")), rx.redirect("/chat")]
