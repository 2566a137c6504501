"""Chat in the browser: /chat (my rooms) and /chat/[room_id] (one room), both live.

Each page's foreground ``on_load`` resolves the user, reads the database, and returns
its background task (see :mod:`withus.state.live`), which subscribes to the bus hub and
then catches up from the database, so nothing published in between is lost:

- the room list listens to ``chat:user:{me}`` (messages of all my rooms, my read marks
  from other tabs) and re-reads the rooms an event names;
- a room listens to ``chat:room:{id}``: a message with the next ``seq`` is appended as
  it is, a jump in ``seq`` (or the hub's ``GAP``) is filled from the database, a ``seq``
  already held is dropped. While the page is open the room is marked read and the tab
  counts as a viewer (:mod:`withus.realtime.presence`), so no ``chat_message``
  notification is sent for what I am looking at.

Lists are capped (a list var is sent whole on every change): the page holds the last
:data:`MAX_MESSAGES` messages; "이전 메시지" pages back, and once the cap is reached
the newest are let go until "최신 메시지로" comes back to the present.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.models.chat import BODY_MAX, MessagePublic, RoomPublic
from withus.realtime import presence
from withus.realtime.bus import GAP, ListenerClosed, room_channel, session_revoked_channel, user_channel
from withus.services import chat as chat_service
from withus.services import chat_rooms as room_service
from withus.services import chat_sending
from withus.services.pagination import decode_cursor, encode_cursor
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.common import GENERIC_ERROR, current_user_id, load_user, login_redirect, path_id
from withus.state.text import as_kst

log = logging.getLogger(__name__)

ROOM_PAGE = 30
MAX_ROOMS = 100
MESSAGE_PAGE = 50
MAX_MESSAGES = 200
GROUP_GAP = 5 * 60  # seconds: a sender's messages closer than this share one name line
PREVIEW = 80


# ---------------------------------------------------------------- times


def _ampm(local: datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{'오전' if local.hour < 12 else '오후'} {hour}:{local.minute:02d}"


def clock(value: datetime) -> str:
    """ "오후 3:05" in Korean time."""
    return _ampm(as_kst(value))


def list_time(value: datetime | None, *, now: datetime | None = None) -> str:
    """The room list's time: today "오후 3:05", then "어제", "3월 5일", "2023. 3. 5."."""
    if value is None:
        return ""
    local = as_kst(value)
    today = as_kst(now or datetime.now(UTC)).date()
    if local.date() == today:
        return _ampm(local)
    if local.date() == today - timedelta(days=1):
        return "어제"
    if local.year == today.year:
        return f"{local.month}월 {local.day}일"
    return f"{local.year}. {local.month}. {local.day}."


_WEEKDAYS = "월화수목금토일"


def day_label(value: datetime) -> str:
    local = as_kst(value)
    return f"{local.year}년 {local.month}월 {local.day}일 {_WEEKDAYS[local.weekday()]}요일"


# ---------------------------------------------------------------- views


@dataclasses.dataclass
class RoomView:
    id: int = 0
    kind: str = "direct"
    title: str = ""
    avatar_url: str = ""
    initial: str = ""
    preview: str = ""
    time: str = ""
    unread: int = 0
    unread_text: str = ""
    href: str = ""
    activity: str = ""  # sort key: latest activity first


def _preview(r: RoomPublic) -> str:
    m = r.last_message
    if m is None:
        return "아직 메시지가 없어요"
    text = "숨겨진 메시지입니다" if m.hidden else " ".join(m.body.split())
    if len(text) > PREVIEW:
        text = text[: PREVIEW - 1] + "…"
    if r.kind == "club":
        text = f"{m.sender.nickname}: {text}"
    return text


def _avatar(r: RoomPublic) -> str:
    if r.kind == "direct":
        return r.peer.avatar_url if r.peer else ""
    return (r.club.cover_url or "") if r.club else ""


def room_row(r: RoomPublic) -> RoomView:
    avatar = _avatar(r)
    at = r.last_message.created_at if r.last_message else r.last_activity_at
    return RoomView(
        id=r.id,
        kind=r.kind,
        title=r.title or ("모임 채팅" if r.kind == "club" else "알 수 없는 사용자"),
        avatar_url=avatar,
        initial=(r.title or "?")[:1],
        preview=_preview(r),
        time=list_time(at),
        unread=r.unread_count,
        unread_text="99+" if r.unread_count > 99 else str(r.unread_count),
        href=f"/chat/{r.id}",
        activity=f"{r.last_activity_at.astimezone(UTC).isoformat()}|{r.id:012d}",
    )


@dataclasses.dataclass
class RoomHeader:
    id: int = 0
    kind: str = "direct"
    title: str = ""
    avatar_url: str = ""
    initial: str = ""
    href: str = ""
    subtitle: str = ""


def room_header(r: RoomPublic) -> RoomHeader:
    if r.kind == "direct":
        href = f"/users/{r.peer.id}" if r.peer else ""
        avatar = r.peer.avatar_url if r.peer else ""
        subtitle = "1:1 채팅"
    else:
        href = f"/clubs/{r.club.id}" if r.club else ""
        avatar = (r.club.cover_url or "") if r.club else ""
        subtitle = "모임 채팅"
    title = r.title or "알 수 없는 사용자"
    return RoomHeader(
        id=r.id, kind=r.kind, title=title, avatar_url=avatar, initial=title[:1], href=href, subtitle=subtitle
    )


@dataclasses.dataclass
class MessageView:
    id: int = 0
    seq: int = 0
    sender_id: int = 0
    nickname: str = ""
    avatar_url: str = ""
    initial: str = ""
    body: str = ""
    hidden: bool = False
    mine: bool = False
    time: str = ""
    day: str = ""
    ts: float = 0.0
    show_day: bool = False
    show_sender: bool = False
    show_time: bool = True


def message_row(m: MessagePublic, me: int) -> MessageView:
    return MessageView(
        id=m.id,
        seq=m.seq,
        sender_id=m.sender.id,
        nickname=m.sender.nickname,
        avatar_url=m.sender.avatar_url,
        initial=m.sender.nickname[:1],
        body=m.body,
        hidden=m.hidden,
        mine=m.sender.id == me,
        time=clock(m.created_at),
        day=day_label(m.created_at),
        ts=m.created_at.timestamp(),
    )


def _copy(cls: type[Any], v: Any) -> Any:
    """A plain copy of a view read from state (which hands out proxies of its items)."""
    return cls(**{f.name: getattr(v, f.name) for f in dataclasses.fields(cls)})


def _plain(v: Any) -> MessageView:
    return _copy(MessageView, v)  # type: ignore[no-any-return]


def arrange(messages: list[MessageView]) -> list[MessageView]:
    """Sorted by seq, one per seq, with the day separators, sender lines and times decided:
    a sender's run of messages shows the name once, and the time once per minute."""
    by_seq: dict[int, MessageView] = {}
    for m in messages:
        by_seq[m.seq] = m
    ordered = [by_seq[seq] for seq in sorted(by_seq)]
    out: list[MessageView] = []
    for i, m in enumerate(ordered):
        previous = ordered[i - 1] if i > 0 else None
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        new_day = previous is None or previous.day != m.day
        new_group = new_day or previous is None or previous.sender_id != m.sender_id or m.ts - previous.ts > GROUP_GAP
        last_of_minute = (
            following is None
            or following.sender_id != m.sender_id
            or following.day != m.day
            or following.time != m.time
        )
        out.append(
            dataclasses.replace(m, show_day=new_day, show_sender=new_group and not m.mine, show_time=last_of_minute)
        )
    return out


def is_next(current_last: int, seqs: list[int]) -> bool:
    """Whether ``seqs`` continue ``current_last`` without a hole (ignoring ones already held)."""
    expected = current_last + 1
    for s in sorted(set(seqs)):
        if s < expected:
            continue
        if s != expected:
            return False
        expected += 1
    return True


# ---------------------------------------------------------------- the room list


class ChatListState(rx.State):
    """/chat: my rooms, latest activity first, live."""

    rooms: list[RoomView] = []
    has_more: bool = False
    loading: bool = True
    loading_more: bool = False
    live: bool = False

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
            return [*events, rx.toast.error(GENERIC_ERROR)]
        self.rooms, self._cursor, self.has_more = rooms, cursor, cursor is not None
        self.loading = False
        self._uid = uid
        auth = await self.get_state(AuthState)
        self._sid = tasks.session_id_of(auth._cookie_token())
        return [*events, ChatListState.listen]

    async def _open_with(self, uid: int, peer: str) -> Any:
        """``/chat?with={user_id}``: the 1:1 room's address, or a toast saying why not."""
        if not peer.isdigit() or len(peer) > 12:
            return rx.toast.error("대화 상대를 찾을 수 없습니다.")
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    return None
                room, _ = await room_service.do_open_direct_room(session, user=user, peer_id=int(peer))
                room_id = room.id
        except DomainError as exc:
            return rx.toast.error(exc.detail)
        return f"/chat/{room_id}"

    @rx.event
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        uid = await current_user_id(self)
        if uid is None:
            yield await login_redirect(self)
            return
        self.loading_more = True
        yield
        try:
            rooms, cursor = await self._page(uid, self._cursor)
            have = {r.id for r in self.rooms}
            merged = [_copy(RoomView, r) for r in self.rooms] + [r for r in rooms if r.id not in have]
            self.rooms = merged[:MAX_ROOMS]
            self._cursor = cursor
            self.has_more = cursor is not None and len(merged) < MAX_ROOMS
        except DomainError as exc:
            yield rx.toast.error(exc.detail)
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
        tasks.claim("chat_list", token)
        revoked = session_revoked_channel(sid) if sid else None
        feed = await tasks.Feed(user_channel(uid), *([revoked] if revoked else [])).open()
        try:
            # Whatever moved between the page's read and the subscription.
            rooms, _ = await self._page(uid, None)
            async with self:
                if self._gen != gen:
                    return
                self._merge(rooms, set())
                self.live = True
            while True:
                batch = await feed.batch(tasks.CHECK_INTERVAL)
                if not batch:
                    if not await tasks.client_connected(token) or (sid and not await tasks.session_alive(sid)):
                        return
                    continue
                if revoked is not None and any(channel == revoked for channel, _ in batch):
                    return
                if any(channel == GAP for channel, _ in batch):
                    rooms, _ = await self._page(uid, None)
                    async with self:
                        if self._gen != gen:
                            return
                        self._merge(rooms, set())
                    continue
                room_ids: set[int] = set()
                for _, data in batch:
                    room_id = _event_room(data)
                    if room_id is not None:
                        room_ids.add(room_id)
                if not room_ids:
                    continue
                found, gone = await self._rows(uid, room_ids)
                async with self:
                    if self._gen != gen:
                        return
                    self._merge(list(found.values()), gone)
        except ListenerClosed:  # the hub stopped: the server is shutting down
            return
        except Exception:
            # A store or database failure ends this tab's live view, never the app; a reload restarts it.
            log.exception("live page task failed")
            await tasks.mark_not_live(self, gen)
        finally:
            feed.close()
            tasks.release("chat_list", token)

    def _merge(self, rows: list[RoomView], gone: set[int]) -> None:
        by_id = {r.id: _copy(RoomView, r) for r in self.rooms if r.id not in gone}
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


def _event_message(data: str) -> MessagePublic | None:
    try:
        event = json.loads(data)
        if event.get("event") != "message":
            return None
        return MessagePublic.model_validate(event["message"])
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("chat: ignored a payload that is not a message")
        return None


# ---------------------------------------------------------------- one room


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

    _uid: int | None = None
    _sid: str = ""
    _room_id: int = 0
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

    def _viewer(self) -> str:
        return f"web:{self.router.session.client_token}"

    async def _fetch(self, uid: int, room_id: int, **kwargs: Any) -> tuple[list[MessagePublic], bool]:
        async with read_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                raise NotFound()
            return await chat_service.list_messages(
                session, user=user, room_id=room_id, limit=kwargs.pop("limit", MESSAGE_PAGE), **kwargs
            )

    async def _mark_read(self, uid: int, room_id: int, seq: int) -> None:
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is not None:
                    await chat_service.do_mark_read(session, user=user, room_id=room_id, seq=seq)
        except DomainError:
            pass

    def _set_messages(self, views: list[MessageView]) -> None:
        arranged = arrange(views)
        if len(arranged) > MAX_MESSAGES:
            arranged = arranged[-MAX_MESSAGES:]
            self.has_older = True
        self.messages = arranged

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
            return rx.toast.error(GENERIC_ERROR)
        self.room = room_header(room)
        self._set_messages([message_row(m, uid) for m in items])
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
        tasks.claim("chat_room", token)
        revoked = session_revoked_channel(sid) if sid else None
        feed = await tasks.Feed(room_channel(room_id), *([revoked] if revoked else [])).open()
        try:
            await presence.enter(room_id=room_id, user_id=uid, viewer_id=viewer)
            if not await self._catch_up(uid, room_id, gen):  # what came between the page's read and now
                return
            async with self:
                if self._gen != gen:
                    return
                self.live = True
            touched = checked = time.monotonic()
            while True:
                batch = await feed.batch(presence.REFRESH_INTERVAL - (time.monotonic() - touched))
                now = time.monotonic()
                if now - touched >= presence.REFRESH_INTERVAL:
                    if not await self._still_mine(uid, room_id, gen):
                        return
                    await presence.touch(room_id=room_id, user_id=uid, viewer_id=viewer)
                    touched = now
                if now - checked >= tasks.CHECK_INTERVAL:
                    if not await tasks.client_connected(token) or (sid and not await tasks.session_alive(sid)):
                        return
                    checked = now
                if not batch:
                    continue
                if revoked is not None and any(channel == revoked for channel, _ in batch):
                    return
                if any(channel == GAP for channel, _ in batch):
                    if not await self._catch_up(uid, room_id, gen):
                        return
                    continue
                incoming = [m for _, data in batch if (m := _event_message(data)) is not None]
                incoming = [m for m in incoming if m.room_id == room_id]
                if incoming and not await self._receive(uid, room_id, gen, incoming):
                    return
        except ListenerClosed:  # the hub stopped: the server is shutting down
            return
        except Exception:
            # A store or database failure ends this tab's live view, never the app; a reload restarts it.
            log.exception("live page task failed")
            await tasks.mark_not_live(self, gen)
        finally:
            feed.close()
            tasks.release("chat_room", token)
            try:
                await presence.leave(room_id=room_id, user_id=uid, viewer_id=viewer)
            except Exception:  # the TTL ends it anyway
                log.debug("presence leave failed", exc_info=True)

    async def _receive(self, uid: int, room_id: int, gen: int, incoming: list[MessagePublic]) -> bool:
        """Live messages: appended when they continue what the page holds, else fetched. False: stop."""
        async with self:
            if self._gen != gen:
                return False
            top = max(m.seq for m in incoming)
            if self.has_newer:
                # Reading history: count what is new, show it on "최신 메시지로".
                self.new_count += len([m for m in incoming if m.seq > self._latest_seq])
                self._latest_seq = max(self._latest_seq, top)
                return True
            last = self._last_shown()
            contiguous = is_next(last, [m.seq for m in incoming])
            if contiguous:
                fresh = [message_row(m, uid) for m in incoming if m.seq > last]
                if fresh:
                    self._set_messages([_plain(v) for v in self.messages] + fresh)
                self._latest_seq = max(self._latest_seq, top)
        if not contiguous:
            return await self._catch_up(uid, room_id, gen)
        if fresh:
            await self._mark_read(uid, room_id, top)
        return True

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
                items, more = await self._fetch(uid, room_id, after_seq=after, limit=100)
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
                latest, older = await self._fetch(uid, room_id, limit=MESSAGE_PAGE)
                self._set_messages([message_row(m, uid) for m in latest])
                self.has_older = older
            else:
                self._set_messages([_plain(v) for v in self.messages] + [message_row(m, uid) for m in fetched])
            top = self._last_shown()
            self._latest_seq = max(self._latest_seq, top)
        await self._mark_read(uid, room_id, top)
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
    def set_draft(self, value: str) -> None:
        self.draft_len = len(value)

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
            return self._put_back(body, f"메시지는 {BODY_MAX:,}자 이하로 입력해 주세요.")
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        if not self._room_id or self.gone:
            return self._put_back(body, "이 채팅방에 더 이상 들어갈 수 없어요.")
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
            return self._put_back(body, "이 채팅방에 더 이상 들어갈 수 없어요.")
        except DomainError as exc:
            return self._put_back(body, exc.detail)
        if self.has_newer:
            await self._jump(uid)
        else:
            items, _ = await self._fetch(uid, self._room_id, after_seq=self._last_shown(), limit=100)
            if items:
                self._set_messages([_plain(v) for v in self.messages] + [message_row(m, uid) for m in items])
        self._latest_seq = max(self._latest_seq, message.seq, self._last_shown())
        return None

    def _put_back(self, body: str, reason: str) -> list[Any]:
        self.draft_len = len(body)
        return [rx.set_value("chat-input", body), rx.toast.error(reason)]

    async def _jump(self, uid: int) -> None:
        items, older = await self._fetch(uid, self._room_id, limit=MESSAGE_PAGE)
        self._set_messages([message_row(m, uid) for m in items])
        self.has_older = older
        self.has_newer = False
        self.new_count = 0
        self._latest_seq = max(self._latest_seq, self._last_shown())

    @rx.event
    async def jump_to_latest(self) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        try:
            await self._jump(uid)
            if self.messages:
                await self._mark_read(uid, self._room_id, self.messages[-1].seq)
        except NotFound:
            self.gone = True
        return None

    @rx.event
    async def load_older(self) -> Any:
        if not self.has_older or self.loading_older or not self.messages:
            return
        uid = await current_user_id(self)
        if uid is None:
            yield await login_redirect(self)
            return
        self.loading_older = True
        yield
        try:
            items, more = await self._fetch(uid, self._room_id, before_seq=self.messages[0].seq)
            combined = arrange([message_row(m, uid) for m in items] + [_plain(v) for v in self.messages])
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
    async def leave(self) -> Any:
        """Hide a 1:1 room for me (the other person keeps it) and go back to the list."""
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    return await login_redirect(self)
                await room_service.do_hide_room(session, user=user, room_id=self._room_id)
        except DomainError as exc:
            return rx.toast.error(exc.detail)
        return [rx.toast.success("채팅방을 나갔어요."), rx.redirect("/chat")]
