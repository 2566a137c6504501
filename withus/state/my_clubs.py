"""/me/clubs — the clubs I belong to with my role, and invitations waiting for my answer."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError
from withus.i18n.reader import here
from withus.models.club import InvitationPublic, MyClub
from withus.services import club_listing
from withus.services import invitations as invitation_service
from withus.state.club import ROLE_COLORS, ROLE_LABELS, label_of
from withus.state.clubs import ClubCardView, card_view
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, said
from withus.state.handlers import acting_user, acting_user_id, needs_login
from withus.state.text import ago

log = logging.getLogger(__name__)

PAGE = 30
MAX_CLUBS = 150


@dataclasses.dataclass
class MyClubView:
    card: ClubCardView
    role: str
    role_label: str
    role_color: str


@dataclasses.dataclass
class InvitationView:
    id: int
    club: ClubCardView
    inviter: str
    ago: str


def _my_club(c: MyClub) -> MyClubView:
    return MyClubView(
        card=card_view(c),
        role=c.my_role,
        role_label=label_of(ROLE_LABELS, c.my_role),
        role_color=ROLE_COLORS.get(c.my_role, "gray"),
    )


def _invitation(i: InvitationPublic) -> InvitationView:
    return InvitationView(
        id=i.id, club=card_view(i.club), inviter=i.inviter.nickname if i.inviter else "", ago=ago(i.created_at)
    )


class MyClubsState(rx.State):
    clubs: list[MyClubView] = []
    invitations: list[InvitationView] = []
    _cursor: str | None = None
    has_more: bool = False
    loading: bool = True
    loading_more: bool = False
    busy: bool = False

    async def _refresh(self, uid: int) -> None:
        async with read_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return
            items, cursor = await club_listing.list_my_clubs(session, user=user, limit=PAGE)
            invitations = await invitation_service.list_my_invitations(session, user=user)
        self.clubs = [_my_club(c) for c in items]
        self._cursor = cursor
        self.has_more = cursor is not None
        self.invitations = [_invitation(i) for i in invitations]

    @rx.event
    async def load(self) -> Any:
        self.reset()
        uid = await current_user_id(self)
        if uid is None:
            yield await login_redirect(self)
            return
        try:
            await self._refresh(uid)
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("my clubs failed")
            yield rx.toast.error(generic_error())
        self.loading = False

    @rx.event
    @needs_login
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        self.loading_more = True
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                items, cursor = await club_listing.list_my_clubs(session, user=user, limit=PAGE, cursor=self._cursor)
            merged = self.clubs + [_my_club(c) for c in items]
            self.clubs = merged[:MAX_CLUBS]
            self._cursor = cursor
            self.has_more = cursor is not None and len(merged) < MAX_CLUBS
        finally:
            self.loading_more = False

    @needs_login
    async def _answer(self, invitation_id: int, *, accept: bool) -> Any:
        uid = acting_user_id()
        self.busy = True
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                if accept:
                    await invitation_service.do_accept_invitation(session, invitation_id=invitation_id, user=user)
                else:
                    await invitation_service.do_decline_invitation(session, invitation_id=invitation_id, user=user)
            await self._refresh(uid)
        except DomainError as exc:
            return rx.toast.error(said(exc.detail))
        finally:
            self.busy = False
        return rx.toast.success(here("club.invitation_accepted") if accept else here("club.invitation_declined"))

    @rx.event
    async def accept(self, invitation_id: int) -> Any:
        return await self._answer(invitation_id, accept=True)

    @rx.event
    async def decline(self, invitation_id: int) -> Any:
        return await self._answer(invitation_id, accept=False)
