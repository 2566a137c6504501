"""Notifications in the browser: the header's bell (live) and the /notifications page.

The bell shows the unread count and the latest few notifications, and a toast for each
new one. It is live through :meth:`NotificationBellState.listen`, a background task on
the bus hub's ``notify:{user}`` channel, started by :meth:`NotificationBellState.start`,
which :func:`withus.pages.attach_live` adds to the ``on_load`` of every page (see
:mod:`withus.state.live` for the lifecycle). The task subscribes first and reads the
database second, so nothing that arrives in between is lost; it re-reads the unread
count after each batch rather than counting itself (another tab may have read some).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError
from withus.i18n.reader import here, reader
from withus.models.notification import NotificationPublic
from withus.realtime.bus import notify_channel, user_channel
from withus.services import chat_rooms as room_service
from withus.services import notifications as notification_service
from withus.services.notification_settings import KINDS
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.common import current_user_id, generic_error, login_redirect
from withus.state.handlers import acting_user_id, needs_login
from withus.state.text import ago, full_time

log = logging.getLogger(__name__)

BELL_ITEMS = 10
PAGE = 20
MAX_PAGE_ITEMS = 200
MAX_TOASTS_PER_BATCH = 3

# The badge of a notification names its kind: notification.<type>.badge in the catalogue.
KNOWN_TYPES = frozenset(KINDS)


@dataclasses.dataclass
class NotificationView:
    id: int = 0
    type: str = ""
    type_label: str = ""
    title: str = ""
    body: str = ""
    link: str = ""
    read: bool = False
    ago: str = ""
    time: str = ""


def _copy(v: Any, **changes: Any) -> NotificationView:
    """A plain copy of a view read from state (which hands out proxies of its items)."""
    fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(NotificationView)}
    fields.update(changes)
    return NotificationView(**fields)


def safe_link(link: str) -> str:
    """A path on this site (notifications link only there); /notifications for anything else."""
    if not link or not link.startswith("/") or link.startswith(("//", "/\\")):
        return "/notifications"
    return link


def view(n: NotificationPublic) -> NotificationView:
    return NotificationView(
        id=n.id,
        type=n.type,
        type_label=here(f"notification.{n.type}.badge") if n.type in KNOWN_TYPES else here("notifications.badge"),
        title=n.title,
        body=n.body,
        link=safe_link(n.link),
        read=n.read,
        ago=ago(n.created_at),
        time=full_time(n.created_at),
    )


# Chat counts belong to chat: the bell neither counts nor lists nor toasts ``chat_message``
# notifications (the header's chat item shows the unread messages instead); /notifications still
# lists them, and their mail is unchanged.
BELL_LEAVES_OUT = ("chat_message",)


async def _snapshot(user_id: int) -> tuple[int, list[NotificationPublic], int]:
    """The bell's unread count and latest few, and the unread chat messages (the 채팅 badge)."""
    async with read_scope() as session:
        count = await notification_service.count_unread(session, user_id=user_id, exclude_types=BELL_LEAVES_OUT)
        items, _ = await notification_service.list_notifications(
            session, user_id=user_id, limit=BELL_ITEMS, locale=reader().locale, exclude_types=BELL_LEAVES_OUT
        )
        chats = await room_service.unread_total(session, user_id=user_id)
    return count, items, chats


async def _chat_unread(user_id: int) -> int:
    async with read_scope() as session:
        return await room_service.unread_total(session, user_id=user_id)


def _parse(data: str) -> NotificationPublic | None:
    try:
        return NotificationPublic.model_validate(json.loads(notification_service.for_reader(data, reader().locale)))
    except (ValueError, TypeError):
        log.warning("bell: ignored a payload that is not a notification")
        return None


class NotificationBellState(rx.State):
    """The header's bell: unread count, the latest few, toasts; live."""

    unread: int = 0
    chat_unread: int = 0  # unread messages of my rooms: the header's 채팅 badge
    latest: list[NotificationView] = []
    menu_open: bool = False
    live: bool = False  # the live task is listening (shown as data-live on the bell)

    # Backend-only: never sent to the browser.
    _uid: int | None = None
    _sid: str = ""
    _gen: int = 0

    @rx.var
    def badge_text(self) -> str:
        return "99+" if self.unread > 99 else str(self.unread)

    @rx.var
    def chat_badge_text(self) -> str:
        return "99+" if self.chat_unread > 99 else str(self.chat_unread)

    @rx.event
    def set_open(self, value: bool) -> None:
        self.menu_open = value

    @rx.event
    async def start(self) -> Any:
        """on_load of every page: resolve the user, then hand over to the live task."""
        uid = await current_user_id(self)
        self._gen += 1
        self.live = False
        if uid is None:
            self._uid, self._sid = None, ""
            self.unread, self.chat_unread, self.latest, self.menu_open = 0, 0, [], False
            return None
        auth = await self.get_state(AuthState)
        self._uid = uid
        self._sid = tasks.session_id_of(auth._cookie_token())
        return NotificationBellState.listen

    async def _apply_snapshot(self, gen: int, count: int, items: list[NotificationPublic], chats: int) -> bool:
        async with self:
            if self._gen != gen:
                return False
            self.unread = count
            self.latest = [view(n) for n in items]
            self.chat_unread = chats
            self.live = True
        return True

    @rx.event(background=True)
    async def listen(self) -> Any:
        """The live bell of one tab (see the module docstring)."""
        async with self:
            uid, sid, gen = self._uid, self._sid, self._gen
            token = self.router.session.client_token
        if uid is None:
            return
        known: set[int] = set()

        bell_channel, chat_channel = notify_channel(uid), user_channel(uid)

        async def catch_up() -> bool:
            count, items, chats = await _snapshot(uid)
            known.update(n.id for n in items)
            return await self._apply_snapshot(gen, count, items, chats)

        async def receive(batch: tasks.Batch) -> list[Any] | None:
            fresh: list[NotificationPublic] = []
            for _, data in (item for item in batch if item[0] == bell_channel):
                n = _parse(data)
                if n is not None and n.id not in known:
                    known.add(n.id)
                    fresh.append(n)
            all_fresh = [view(n) for n in fresh]
            fresh = [n for n in fresh if n.type not in BELL_LEAVES_OUT]
            if not fresh:
                if not all_fresh and not any(channel == chat_channel for channel, _ in batch):
                    return []
                # a message, a read mark, a room that came or went: the 채팅 badge only
                chats = await _chat_unread(uid)
                async with self:
                    if self._gen != gen:
                        return None
                    self.chat_unread = chats
                    if all_fresh:
                        page = await self.get_state(NotificationsPageState)
                        page._prepend(all_fresh)
                return []
            # Read back rather than merge: another tab may have read or deleted some meanwhile.
            count, items, chats = await _snapshot(uid)
            async with self:
                if self._gen != gen:
                    return None
                self.unread = count
                self.latest = [view(n) for n in items]
                self.chat_unread = chats
                page = await self.get_state(NotificationsPageState)
                page._prepend(all_fresh)
            return [
                rx.toast.info(
                    n.title,
                    description=n.body[:120] or None,
                    id=f"notification-{n.id}",
                    duration=6000,
                    close_button=True,
                )
                for n in fresh[-MAX_TOASTS_PER_BATCH:]
            ]

        async def logged_out() -> None:
            async with self:
                if self._gen == gen:
                    self.unread, self.latest, self.menu_open, self.live = 0, [], False, False
                    self.chat_unread = 0

        feed = tasks.follow(
            self,
            kind="bell",
            token=token,
            session_id=sid,
            gen=gen,
            channels=[bell_channel, chat_channel],
            catch_up=catch_up,
            receive=receive,
            on_revoked=logged_out,
        )
        async with contextlib.aclosing(feed) as events:
            async for event in events:
                yield event

    async def refresh(self, uid: int) -> None:
        """Reload the count and the latest (after this tab read or deleted some)."""
        count, items, chats = await _snapshot(uid)
        self.unread = count
        self.latest = [view(n) for n in items]
        self.chat_unread = chats

    @needs_login
    async def _open(self, notification_id: int) -> Any:
        uid = acting_user_id()
        async with session_scope() as session:
            n = await notification_service.get_own_or_raise(session, user_id=uid, notification_id=notification_id)
            link = safe_link(n.link)
            await notification_service.do_mark_read(session, user_id=uid, notification_id=notification_id)
        self.menu_open = False
        await self.refresh(uid)
        page = await self.get_state(NotificationsPageState)
        page._mark_read_local([notification_id])
        return rx.redirect(link)

    @rx.event
    async def open_item(self, notification_id: int) -> Any:
        """Mark one read and go where it points (the link is read from the database, never the client)."""
        return await self._open(notification_id)

    @rx.event
    @needs_login
    async def mark_all_read(self) -> Any:
        uid = acting_user_id()
        async with session_scope() as session:
            await notification_service.do_mark_all_read(session, user_id=uid)
        await self.refresh(uid)
        page = await self.get_state(NotificationsPageState)
        page._mark_read_local(None)
        return None


class NotificationsPageState(rx.State):
    """/notifications: all my notifications, newest first; unread filter, read, delete, more."""

    items: list[NotificationView] = []
    unread_only: bool = False
    has_more: bool = False
    loading: bool = True
    loading_more: bool = False
    _cursor: str | None = None
    _active: bool = False

    def _prepend(self, views: list[NotificationView]) -> None:
        """New ones from the live bell, when this page's list is loaded in the tab."""
        if not self._active:
            return
        have = {v.id for v in self.items}
        new = [v for v in views if v.id not in have]
        if new:
            merged = sorted(new, key=lambda v: v.id, reverse=True) + [_copy(v) for v in self.items]
            if len(merged) > MAX_PAGE_ITEMS:
                merged = merged[:MAX_PAGE_ITEMS]
                self.has_more = True
            self.items = merged

    def _mark_read_local(self, ids: list[int] | None) -> None:
        changed = [_copy(v, read=v.read or ids is None or v.id in ids) for v in self.items]
        if self.unread_only:
            changed = [v for v in changed if not v.read]
        self.items = changed

    async def _fetch(self, uid: int, cursor: str | None) -> tuple[list[NotificationView], str | None]:
        async with session_scope() as session:
            items, next_cursor = await notification_service.list_notifications(
                session, user_id=uid, unread_only=self.unread_only, limit=PAGE, cursor=cursor, locale=reader().locale
            )
        return [view(n) for n in items], next_cursor

    async def _reload(self, uid: int) -> None:
        items, cursor = await self._fetch(uid, None)
        self.items = items
        self._cursor = cursor
        self.has_more = cursor is not None
        self._active = True

    async def _bell(self, uid: int) -> None:
        bell = await self.get_state(NotificationBellState)
        await bell.refresh(uid)

    @rx.event
    async def load(self) -> Any:
        self.reset()
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        try:
            await self._reload(uid)
        except Exception:
            log.exception("notifications page failed")
            return rx.toast.error(generic_error())
        finally:
            self.loading = False
        return None

    @rx.event
    @needs_login
    async def set_unread_only(self, value: bool) -> Any:
        uid = acting_user_id()
        self.unread_only = bool(value)
        await self._reload(uid)
        return None

    @rx.event
    @needs_login
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        uid = acting_user_id()
        self.loading_more = True
        yield
        try:
            items, cursor = await self._fetch(uid, self._cursor)
            have = {v.id for v in self.items}
            merged = [_copy(v) for v in self.items] + [v for v in items if v.id not in have]
            self.items = merged[:MAX_PAGE_ITEMS]
            self._cursor = cursor
            self.has_more = cursor is not None and len(merged) < MAX_PAGE_ITEMS
        finally:
            self.loading_more = False

    @rx.event
    @needs_login
    async def mark_read(self, notification_id: int) -> Any:
        uid = acting_user_id()
        async with session_scope() as session:
            await notification_service.do_mark_read(session, user_id=uid, notification_id=notification_id)
        self._mark_read_local([notification_id])
        await self._bell(uid)
        return None

    @rx.event
    @needs_login
    async def mark_all_read(self) -> Any:
        uid = acting_user_id()
        async with session_scope() as session:
            await notification_service.do_mark_all_read(session, user_id=uid)
        self._mark_read_local(None)
        await self._bell(uid)
        return rx.toast.success(here("notifications.all_read"))

    @rx.event
    @needs_login
    async def delete(self, notification_id: int) -> Any:
        uid = acting_user_id()
        with contextlib.suppress(DomainError):  # already gone (another tab): the same outcome
            async with session_scope() as session:
                await notification_service.delete(session, user_id=uid, notification_id=notification_id)
        self.items = [_copy(v) for v in self.items if v.id != notification_id]
        await self._bell(uid)
        return None

    @rx.event
    async def open_item(self, notification_id: int) -> Any:
        bell = await self.get_state(NotificationBellState)
        return await bell._open(notification_id)
