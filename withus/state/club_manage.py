"""/clubs/[id]/manage — join requests, invitations, members (roles, remove, ban), bans.

The membership service decides every action. The page hides the buttons it would
refuse for the viewer's role (a moderator does not see "remove" next to the host or
another moderator; only the host sees role changes and the host transfer).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.i18n.reader import here
from withus.models.club import BanPublic, InvitationPublic, JoinRequestPublic, MemberPublic
from withus.services import club_listing, page_live
from withus.services import clubs as club_service
from withus.services import invitations as invitation_service
from withus.services import member_roles as member_service
from withus.services import membership as membership_service
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.club import ROLE_COLORS, ROLE_LABELS, label_of
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, path_id, said
from withus.state.handlers import acting_user, acting_user_id, needs_login
from withus.state.people_search import PeopleSearchState, clear_search
from withus.state.text import ago, day, full_time

log = logging.getLogger(__name__)

MEMBER_LIMIT = 100
# "12", "#12", or a pasted profile address ".../users/12".
_USER_REF = re.compile(r"^\s*(?:.*/users/)?#?(\d{1,12})/?\s*$")


@dataclasses.dataclass
class RequestView:
    user_id: int
    nickname: str
    avatar_url: str
    message: str
    ago: str
    full_time: str


@dataclasses.dataclass
class ManagedMember:
    user_id: int
    nickname: str
    avatar_url: str
    role: str
    role_label: str
    role_color: str
    joined: str
    is_me: bool
    can_remove: bool
    can_change_role: bool


@dataclasses.dataclass
class InvitationRow:
    id: int
    user_id: int
    nickname: str
    avatar_url: str
    inviter: str
    ago: str


@dataclasses.dataclass
class BanRow:
    user_id: int
    nickname: str
    avatar_url: str
    since: str


def _request_view(r: JoinRequestPublic) -> RequestView:
    return RequestView(
        user_id=r.user.id,
        nickname=r.user.nickname,
        avatar_url=r.user.avatar_url,
        message=r.message,
        ago=ago(r.created_at),
        full_time=full_time(r.created_at),
    )


def _member(m: MemberPublic, *, me: int, my_role: str) -> ManagedMember:
    is_me = m.user.id == me
    return ManagedMember(
        user_id=m.user.id,
        nickname=m.user.nickname,
        avatar_url=m.user.avatar_url,
        role=m.role,
        role_label=label_of(ROLE_LABELS, m.role),
        role_color=ROLE_COLORS.get(m.role, "gray"),
        joined=day(m.joined_at),
        is_me=is_me,
        can_remove=member_service.may_remove(actor_role=my_role, target_role=m.role, is_self=is_me),
        can_change_role=member_service.may_change_role(actor_role=my_role, target_role=m.role),
    )


def _invitation(i: InvitationPublic) -> InvitationRow:
    return InvitationRow(
        id=i.id,
        user_id=i.user.id,
        nickname=i.user.nickname,
        avatar_url=i.user.avatar_url,
        inviter=i.inviter.nickname if i.inviter else "",
        ago=ago(i.created_at),
    )


def _ban(b: BanPublic) -> BanRow:
    return BanRow(user_id=b.user.id, nickname=b.user.nickname, avatar_url=b.user.avatar_url, since=day(b.created_at))


def parse_user_ref(text: str) -> int | None:
    m = _USER_REF.match(text or "")
    return int(m.group(1)) if m else None


class ManageState(rx.State):
    club_id: int = 0
    club_name: str = ""
    my_role: str = ""
    loading: bool = True
    not_found: bool = False
    forbidden: bool = False
    busy: bool = False

    requests: list[RequestView] = []
    members: list[ManagedMember] = []
    more_members: bool = False
    invitations: list[InvitationRow] = []
    bans: list[BanRow] = []
    invite_error: str = ""

    live: bool = False  # the page listens for changes of the club (data-live on the requests)
    _gen: int = 0
    _sid: str = ""

    @rx.var
    def is_host(self) -> bool:
        return self.my_role == "host"

    async def _refresh(self, uid: int) -> None:
        async with read_scope() as session:
            user = await load_user(session, uid)
            club = await club_service.get_club_or_raise(session, club_id=self.club_id)
            view = await club_listing.public_view(session, club=club, user=user)
            self.club_name = view.name
            self.my_role = view.my_role or ""
            if not club_service.is_staff(view.my_role) or user is None:
                self.forbidden = True
                return
            self.forbidden = False
            requests = await membership_service.list_join_requests(session, club_id=self.club_id, user=user)
            members, cursor = await member_service.list_members(
                session, club_id=self.club_id, user=user, limit=MEMBER_LIMIT
            )
            invitations = await invitation_service.list_club_invitations(session, club_id=self.club_id, user=user)
            bans = await member_service.list_bans(session, club_id=self.club_id, user=user)
        self.requests = [_request_view(r) for r in requests]
        self.members = [_member(m, me=uid, my_role=self.my_role) for m in members]
        self.more_members = cursor is not None
        self.invitations = [_invitation(i) for i in invitations]
        self.bans = [_ban(b) for b in bans]

    @rx.event
    async def load(self) -> Any:
        gen = self._gen + 1
        self.reset()
        self._gen = gen
        await clear_search(self)
        uid = await current_user_id(self)
        if uid is None:
            self.loading = False
            yield await login_redirect(self)
            return
        club_id = path_id(self, 1)
        if club_id is None:
            self.not_found = True
            self.loading = False
            return
        self.club_id = club_id
        try:
            await self._refresh(uid)
        except NotFound:
            self.not_found = True
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("manage page failed")
            yield rx.toast.error(generic_error())
        self.loading = False
        if not self.not_found and not self.forbidden and self.club_name:
            auth = await self.get_state(AuthState)
            self._sid = tasks.session_id_of(auth._cookie_token())
            yield ManageState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        """A new join request, a member who joined or left, an invitation answered: in place, live
        (``club:{id}``). A manager who lost the role sees the page's refusal."""
        async with self:
            club_id = self.club_id

        async def reload() -> None:
            uid = await current_user_id(self)
            if uid is None:
                self.forbidden = True
                return
            try:
                await self._refresh(uid)
            except NotFound:  # closed meanwhile
                self.not_found = True

        await tasks.follow_page(self, kind="manage", channel=page_live.club_channel(club_id), reload=reload)

    @needs_login
    async def _run(self, action: Callable[..., Awaitable[Any]], success: str, **kwargs: Any) -> Any:
        self.busy = True
        try:
            async with session_scope() as session:
                actor = await acting_user(session)
                await action(session, club_id=self.club_id, actor=actor, **kwargs)
            await self._refresh(acting_user_id())
        finally:
            self.busy = False
        return rx.toast.success(success)

    @rx.event
    async def approve(self, user_id: int) -> Any:
        return await self._run(membership_service.do_approve_request, here("manage.approved"), user_id=user_id)

    @rx.event
    async def decline(self, user_id: int) -> Any:
        return await self._run(membership_service.do_decline_request, here("manage.declined"), user_id=user_id)

    @rx.event
    async def set_role(self, user_id: int, role: str) -> Any:
        text = here("manage.role_changed", role=label_of(ROLE_LABELS, role))
        return await self._run(member_service.do_change_role, text, user_id=user_id, role=role)

    @rx.event
    async def transfer(self, user_id: int) -> Any:
        return await self._run(member_service.do_transfer_host, here("manage.host_transferred"), user_id=user_id)

    @rx.event
    async def remove(self, user_id: int) -> Any:
        return await self._run(member_service.do_remove_member, here("manage.removed"), user_id=user_id)

    @rx.event
    async def ban(self, user_id: int) -> Any:
        return await self._run(member_service.do_remove_member, here("manage.banned_done"), user_id=user_id, ban=True)

    @rx.event
    async def unban(self, user_id: int) -> Any:
        return await self._run(member_service.do_unban, here("manage.unbanned"), user_id=user_id)

    @rx.event
    async def cancel_invitation(self, invitation_id: int) -> Any:
        return await self._run(
            invitation_service.do_cancel_invitation, here("manage.invitation_cancelled"), invitation_id=invitation_id
        )

    @rx.event
    @needs_login
    async def invite(self, form_data: dict[str, Any]) -> Any:
        """초대하기: a member number or a profile address in the box (or the only person found)."""
        self.invite_error = ""
        user_id = parse_user_ref(str(form_data.get("user", "")))
        if user_id is None:
            box = await self.get_state(PeopleSearchState)
            if len(box.hits) == 1:
                return await self._invite(box.hits[0].id)
            self.invite_error = here("manage.invite_number")
            return None
        return await self._invite(user_id)

    @rx.event
    @needs_login
    async def invite_user(self, user_id: int) -> Any:
        """A person picked in the search list."""
        self.invite_error = ""
        return await self._invite(int(user_id))

    async def _invite(self, user_id: int) -> Any:
        self.busy = True
        try:
            async with session_scope() as session:
                actor = await acting_user(session)
                inv = await invitation_service.do_invite(session, club_id=self.club_id, actor=actor, user_id=user_id)
            await self._refresh(acting_user_id())
        except DomainError as exc:
            self.invite_error = said(exc.detail)
            return None
        finally:
            self.busy = False
        await clear_search(self)
        return rx.toast.success(here("manage.invited", nickname=inv.user.nickname))
