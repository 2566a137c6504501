"""Events in the web UI: the club page's 일정 tab (with the staff's new-event dialog), the home
page's 다가오는 일정, /me/events and the calendar feed address in settings. Thin: every rule is
in the events services; the flags shown (``can_manage``, ``rsvp_open``) come from them too."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound, ValidationFailed
from withus.i18n import dates
from withus.i18n.reader import here
from withus.models.event_schemas import EventPublic
from withus.services import calendar as calendar_service
from withus.services import clubs as club_service
from withus.services import event_access, event_lists, events
from withus.state.common import (
    current_user_id,
    generic_error,
    load_user,
    login_redirect,
    path_id,
    said,
    validation_messages,
)
from withus.state.event_form import create_body

log = logging.getLogger(__name__)

UPCOMING_PAGE = 20
PAST_PAGE = 10


def when_text(start: datetime, end: datetime) -> str:
    """``12월 5일 (토) 19:00–21:00`` / ``Sat, Dec 5, 19:00–21:00`` (another day's end gets its date)."""
    return dates.span(start, end)


def my_label(e: EventPublic) -> str:
    if e.my_rsvp == "going":
        return here("event.mine.going")
    if e.my_rsvp == "waitlisted":
        return here("event.mine.waitlisted", position=e.waitlist_position)
    if e.my_rsvp == "not_going":
        return here("event.mine.not_going")
    return ""


@dataclasses.dataclass
class EventRow:
    id: int = 0
    href: str = ""
    title: str = ""
    club_name: str = ""
    club_href: str = ""
    when: str = ""
    place: str = ""
    cancelled: bool = False
    going_text: str = ""
    mine: str = ""
    repeating: bool = False


def event_row(e: EventPublic) -> EventRow:
    cap = f"/{e.capacity}" if e.capacity is not None else ""
    wait = here("event.waitlist_suffix", count=e.waitlist_count) if e.waitlist_count else ""
    return EventRow(
        id=e.id,
        href=f"/events/{e.id}",
        title=e.title,
        club_name=e.club_name,
        club_href=f"/clubs/{e.club_id}",
        when=when_text(e.starts_at, e.ends_at),
        place=e.location or "",
        cancelled=e.status == "cancelled",
        going_text=here("event.going_count", count=e.going_count, cap=cap, wait=wait),
        mine=my_label(e),
        repeating=e.series_id is not None,
    )


def form_errors(exc: DomainError | ValidationError) -> dict[str, str]:
    """Field → message, from a pydantic error or a service's ``ValidationFailed``."""
    if isinstance(exc, ValidationError):
        return validation_messages(exc)
    if isinstance(exc, ValidationFailed) and exc.errors:
        return {e.field.split(".")[0]: said(e.message) for e in exc.errors}
    return {"form": said(exc.detail)}


class ClubEventsState(rx.State):
    """The 일정 tab of /clubs/[id]: upcoming first, past ones folded below."""

    upcoming: list[EventRow] = []
    past: list[EventRow] = []
    can_create: bool = False
    loading: bool = True
    loading_more: bool = False
    create_open: bool = False
    saving: bool = False
    errors: dict[str, str] = {}
    # The next pages' cursors ("" when there is none): a weekly series alone has up to 52.
    upcoming_next: str = ""
    past_next: str = ""

    @rx.event
    async def load(self) -> None:
        self.upcoming, self.past, self.can_create, self.create_open, self.errors = [], [], False, False, {}
        self.upcoming_next, self.past_next = "", ""
        self.loading = True
        club_id = path_id(self, 1)
        if club_id is None:
            self.loading = False
            return
        uid = await current_user_id(self)
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                page = await event_lists.list_club_events(session, club_id, user=user, limit=UPCOMING_PAGE)
                past = await event_lists.list_club_events(session, club_id, user=user, past=True, limit=PAST_PAGE)
                role = None
                if user is not None and user.id is not None:
                    role = await club_service.get_role(session, club_id=club_id, user_id=user.id)
        except DomainError:
            self.loading = False
            return
        self.loading = False
        self.upcoming = [event_row(e) for e in page.items]
        self.past = [event_row(e) for e in past.items]
        self.upcoming_next, self.past_next = page.next_cursor or "", past.next_cursor or ""
        self.can_create = event_access.may_manage(role)

    async def _more(self, *, past: bool) -> None:
        club_id = path_id(self, 1)
        cursor = self.past_next if past else self.upcoming_next
        if club_id is None or not cursor:
            return
        self.loading_more = True
        try:
            async with read_scope() as session:
                user = await load_user(session, await current_user_id(self))
                page = await event_lists.list_club_events(
                    session, club_id, user=user, past=past, limit=PAST_PAGE if past else UPCOMING_PAGE, cursor=cursor
                )
        except DomainError:
            return
        finally:
            self.loading_more = False
        rows = [event_row(e) for e in page.items]
        if past:
            self.past, self.past_next = self.past + rows, page.next_cursor or ""
        else:
            self.upcoming, self.upcoming_next = self.upcoming + rows, page.next_cursor or ""

    @rx.event
    async def more_upcoming(self) -> None:
        await self._more(past=False)

    @rx.event
    async def more_past(self) -> None:
        await self._more(past=True)

    @rx.event
    async def open_create(self) -> Any:
        if await current_user_id(self) is None:
            return await login_redirect(self)
        self.errors = {}
        self.create_open = True
        return None

    @rx.event
    def set_create_open(self, value: bool) -> None:
        self.create_open = value

    @rx.event
    async def create(self, form_data: dict[str, Any]) -> Any:
        uid = await current_user_id(self)
        club_id = path_id(self, 1)
        if uid is None or club_id is None:
            yield await login_redirect(self)
            return
        self.saving = True
        yield
        try:
            data = create_body(form_data)
            async with session_scope() as session:
                user = await load_user(session, uid)
                assert user is not None
                created = await events.do_create_event(session, club_id, user=user, data=data)
        except (ValidationError, DomainError) as exc:
            self.errors = form_errors(exc)
            self.saving = False
            return
        except Exception:
            log.exception("creating an event failed")
            self.saving = False
            yield rx.toast.error(generic_error())
            return
        self.saving = False
        self.create_open = False
        yield rx.redirect(f"/events/{created.id}")


class MyEventsState(rx.State):
    """/me/events and the home page's 다가오는 일정."""

    items: list[EventRow] = []
    upcoming: list[EventRow] = []
    logged_in: bool = False

    @rx.event
    async def load(self) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        async with read_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return await login_redirect(self)
            page = await event_lists.list_my_events(session, user=user, limit=50)
        self.items = [event_row(e) for e in page.items]
        return None

    @rx.event
    async def load_home(self) -> None:
        uid = await current_user_id(self)
        self.logged_in = uid is not None
        self.upcoming = []
        if uid is None:
            return
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                if user is not None:
                    self.upcoming = [event_row(e) for e in await event_lists.upcoming_in_my_clubs(session, user=user)]
        except Exception:
            log.exception("home events failed")


class CalendarFeedState(rx.State):
    """The feed address in settings: shown once made (a new one revokes the old)."""

    url: str = ""
    has_feed: bool = False
    busy: bool = False

    @rx.event
    async def load(self) -> None:
        uid = await current_user_id(self)
        self.url = ""
        if uid is None:
            return
        async with read_scope() as session:
            self.has_feed = await calendar_service.has_feed(session, user_id=uid)

    @rx.event
    async def new_address(self) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        self.busy = True
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                if user is None:
                    raise NotFound()
                self.url = await calendar_service.do_new_feed(session, user=user)
            self.has_feed = True
        finally:
            self.busy = False
        return rx.toast.success(here("event.feed.renewed"))

    @rx.event
    def copy(self) -> Any:
        if not self.url:
            return None
        return [rx.set_clipboard(self.url), rx.toast.success(here("event.feed.copied"))]
