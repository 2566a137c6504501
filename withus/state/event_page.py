"""/events/[id] — an event: details, RSVP (참석 / 대기 N번 / 불참), attendees and waitlist in order,
add to calendar, edit and cancel for staff. Live: an answer or a promotion by someone else is
published on ``event:{id}`` after its commit (``withus.services.event_live``); the page's
background task hears it through the process's bus hub and reloads the event from the database.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.i18n import dates
from withus.i18n.reader import here
from withus.models.event_schemas import EventPublic
from withus.realtime.bus import GAP, ListenerClosed
from withus.services import event_live, event_views, events, rsvp
from withus.state import live as tasks
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, path_id, said
from withus.state.event_form import EditValues, edit_values, update_body
from withus.state.events import form_errors, my_label, when_text

log = logging.getLogger(__name__)


@dataclasses.dataclass
class EventDetail:
    id: int = 0
    club_id: int = 0
    club_name: str = ""
    title: str = ""
    description: str = ""
    when: str = ""
    place: str = ""
    map_url: str = ""
    capacity_text: str = ""
    deadline_text: str = ""
    cancelled: bool = False
    repeating: bool = False
    going_count: int = 0
    waitlist_count: int = 0
    mine: str = ""
    my_rsvp: str = ""
    rsvp_open: bool = False
    can_manage: bool = False
    ics_href: str = ""
    # The edit form's current values.
    location: str = ""


@dataclasses.dataclass
class Person:
    id: int = 0
    nickname: str = ""
    avatar_url: str = ""
    href: str = ""


def detail(e: EventPublic) -> EventDetail:
    return EventDetail(
        id=e.id,
        club_id=e.club_id,
        club_name=e.club_name,
        title=e.title,
        description=e.description,
        when=when_text(e.starts_at, e.ends_at),
        place=e.location or "",
        map_url=e.map_url or "",
        capacity_text=(
            here("event.capacity_of", count=e.going_count, capacity=e.capacity)
            if e.capacity is not None
            else here("event.people", count=e.going_count)
        ),
        deadline_text=(
            here("event.deadline_until", when=dates.month_day_time(e.rsvp_deadline)) if e.rsvp_deadline else ""
        ),
        cancelled=e.status == "cancelled",
        repeating=e.series_id is not None,
        going_count=e.going_count,
        waitlist_count=e.waitlist_count,
        mine=my_label(e),
        my_rsvp=e.my_rsvp or "",
        rsvp_open=e.rsvp_open,
        can_manage=e.can_manage,
        ics_href=f"/api/events/{e.id}/calendar.ics",
        location=e.location or "",
    )


class EventPageState(rx.State):
    event: EventDetail = EventDetail()
    going: list[Person] = []
    waitlist: list[Person] = []
    is_member: bool = False
    loading: bool = True
    not_found: bool = False
    forbidden: bool = False
    answering: bool = False
    saving: bool = False
    live: bool = False
    edit_open: bool = False
    edit_errors: dict[str, str] = {}
    # The edit form's first values; what the form sends is compared with them (only changes go).
    form: EditValues = EditValues()
    # For an occurrence of a series: edit or cancel this one, or it and every later one.
    scope: str = "this"

    _uid: int | None = None
    _gen: int = 0

    async def _refresh(self, event_id: int, uid: int | None) -> None:
        async with read_scope() as session:
            user = await load_user(session, uid)
            view = await event_views.get_event(session, event_id, user=user)
            self.event = detail(view)
            self.form = edit_values(view)
            try:
                people = await event_views.attendees(session, event_id, user=user)
            except DomainError:
                self.going, self.waitlist, self.is_member = [], [], False
            else:
                self.is_member = True
                self.going = [Person(u.id, u.nickname, u.avatar_url, f"/users/{u.id}") for u in people.going]
                self.waitlist = [Person(u.id, u.nickname, u.avatar_url, f"/users/{u.id}") for u in people.waitlist]

    @rx.event
    async def load(self) -> Any:
        self.loading, self.not_found, self.forbidden, self.live, self.edit_open = True, False, False, False, False
        self._gen += 1
        event_id = path_id(self, 1)
        uid = await current_user_id(self)
        self._uid = uid
        if event_id is None:
            self.not_found, self.loading = True, False
            return None
        try:
            await self._refresh(event_id, uid)
        except NotFound:
            self.not_found = True
        except DomainError:
            self.forbidden = True
        except Exception:
            log.exception("event page failed")
            self.not_found = True
        self.loading = False
        if self.not_found or self.forbidden:
            return None
        return EventPageState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        """Reload the event whenever ``event:{id}`` says it changed (see the module docstring)."""
        async with self:
            event_id, uid, gen = self.event.id, self._uid, self._gen
            token = self.router.session.client_token
        if not event_id:
            return
        tasks.claim("event", token)
        feed = await tasks.Feed(event_live.channel(event_id)).open()
        try:
            async with self:
                if self._gen != gen:
                    return
                self.live = True
            while True:
                batch = await feed.batch(tasks.CHECK_INTERVAL)
                if not batch:
                    if not await tasks.client_connected(token):
                        return
                    continue
                if not any(channel == GAP or channel == event_live.channel(event_id) for channel, _ in batch):
                    continue
                async with self:
                    if self._gen != gen:
                        return
                    await self._refresh(event_id, uid)
        except ListenerClosed:
            return
        except Exception:
            log.exception("live event page failed")
            await tasks.mark_not_live(self, gen)
        finally:
            feed.close()
            tasks.release("event", token)

    async def _answer(self, response: str) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        self.answering = True
        try:
            await rsvp.answer(self.event.id, user_id=uid, response=response)  # type: ignore[arg-type]
            await self._refresh(self.event.id, uid)
        except DomainError as exc:
            return rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("rsvp failed")
            return rx.toast.error(generic_error())
        finally:
            self.answering = False
        return None

    @rx.event
    async def go(self) -> Any:
        return await self._answer("going")

    @rx.event
    async def not_go(self) -> Any:
        return await self._answer("not_going")

    @rx.event
    def set_edit_open(self, value: bool) -> None:
        self.edit_open = value
        self.edit_errors = {}
        self.scope = "this"

    @rx.event
    def set_scope(self, value: str) -> None:
        self.scope = "following" if value == "following" else "this"

    @rx.event
    async def save(self, form_data: dict[str, Any]) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        try:
            data = update_body(form_data, self.form)
        except ValidationError as exc:
            self.edit_errors = form_errors(exc)
            return None
        if not data.model_fields_set:
            self.edit_open = False
            return rx.toast.info(here("event.edit.nothing"))
        self.saving = True
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                assert user is not None
                await events.do_update_event(session, self.event.id, user=user, data=data, scope=self.scope)  # type: ignore[arg-type]
            await self._refresh(self.event.id, uid)
        except DomainError as exc:
            self.edit_errors = form_errors(exc)
            return None
        except Exception:
            log.exception("editing an event failed")
            return rx.toast.error(generic_error())
        finally:
            self.saving = False
        self.edit_open = False
        return rx.toast.success(here("event.updated"))

    @rx.event
    async def cancel_event(self) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                assert user is not None
                await events.do_cancel_event(session, self.event.id, user=user, scope=self.scope)  # type: ignore[arg-type]
            await self._refresh(self.event.id, uid)
        except DomainError as exc:
            return rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("cancelling an event failed")
            return rx.toast.error(generic_error())
        return rx.toast.success(here("event.cancelled_done"))
