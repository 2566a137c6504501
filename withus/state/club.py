"""/clubs/[id] — a club: info, actions for my role, board and members.

The role shown (and the buttons that follow from it) is the one the clubs service
returns for this viewer; every action is still decided by the service.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.i18n.reader import here
from withus.models.club import ClubPublic, MemberPublic
from withus.models.post import PostCreate
from withus.services import club_listing, page_live
from withus.services import clubs as club_service
from withus.services import invitations as invitation_service
from withus.services import member_roles as member_service
from withus.services import membership as membership_service
from withus.services import posts as post_service
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.board_views import PostRow, post_row
from withus.state.categories import category_color, category_label
from withus.state.clubs import capacity_text
from withus.state.common import (
    current_user_id,
    generic_error,
    load_user,
    login_redirect,
    path_id,
    said,
    validation_messages,
)
from withus.state.handlers import acting_user, needs_login
from withus.state.text import Segment, day, recruiting_window, segments

log = logging.getLogger(__name__)

POST_PAGE = 20
MAX_POSTS = 200
MEMBER_PAGE = 50
MAX_MEMBERS = 300

ROLE_LABELS = {"host": "role.host", "moderator": "role.moderator", "member": "role.member"}
ROLE_COLORS = {"host": "amber", "moderator": "blue", "member": "gray"}
POLICY_LABELS = {"open": "policy.open", "approval": "policy.approval", "invite": "policy.invite"}


def label_of(labels: dict[str, str], code: str, default: str | None = None) -> str:
    """The reader's name for ``code`` from a table of catalogue keys (the code itself when unknown)."""
    return here(labels[code]) if code in labels else (code if default is None else default)


@dataclasses.dataclass
class ClubView:
    id: int = 0
    name: str = ""
    description: str = ""
    description_segments: list[Segment] = dataclasses.field(default_factory=list)
    category: str = ""
    category_label: str = ""
    color: str = "gray"
    cover_url: str = ""
    location: str = ""
    members: str = ""
    recruiting: bool = False
    window: str = ""
    join_policy: str = "open"
    policy_label: str = ""
    private: bool = False
    host_id: int = 0
    host_nickname: str = ""
    host_avatar: str = ""
    my_role: str = ""
    role_label: str = ""
    request_pending: bool = False
    invitation_id: int = 0
    chat_room_id: int = 0
    restricted: bool = False
    created: str = ""


def club_view(c: ClubPublic) -> ClubView:
    return ClubView(
        id=c.id,
        name=c.name,
        description=c.description,
        description_segments=segments(c.description),
        category=c.category,
        category_label=category_label(c.category),
        color=category_color(c.category),
        cover_url=c.cover_url or "",
        location=c.location or "",
        members=capacity_text(c.member_count, c.capacity),
        recruiting=c.recruiting,
        window=recruiting_window(c.recruit_from, c.recruit_until),
        join_policy=c.join_policy,
        policy_label=label_of(POLICY_LABELS, c.join_policy),
        private=c.visibility == "private",
        host_id=c.host.id if c.host else 0,
        host_nickname=c.host.nickname if c.host else "",
        host_avatar=c.host.avatar_url if c.host else "",
        my_role=c.my_role or "",
        role_label=label_of(ROLE_LABELS, c.my_role or "", ""),
        request_pending=c.my_request_status == "pending",
        invitation_id=c.my_invitation_id or 0,
        chat_room_id=c.chat_room_id or 0,
        restricted=c.restricted,
        created=day(c.created_at),
    )


@dataclasses.dataclass
class MemberView:
    user_id: int
    nickname: str
    avatar_url: str
    role: str
    role_label: str
    role_color: str
    joined: str


def member_view(m: MemberPublic) -> MemberView:
    return MemberView(
        user_id=m.user.id,
        nickname=m.user.nickname,
        avatar_url=m.user.avatar_url,
        role=m.role,
        role_label=label_of(ROLE_LABELS, m.role),
        role_color=ROLE_COLORS.get(m.role, "gray"),
        joined=day(m.joined_at),
    )


class ClubState(rx.State):
    club: ClubView = ClubView()
    loading: bool = True
    not_found: bool = False
    tab: str = "board"

    posts: list[PostRow] = []
    _posts_cursor: str | None = None
    has_more_posts: bool = False
    posts_loading: bool = False

    members: list[MemberView] = []
    _members_cursor: str | None = None
    has_more_members: bool = False
    members_loading: bool = False

    acting: bool = False
    join_open: bool = False
    join_error: str = ""

    write_open: bool = False
    write_sending: bool = False
    write_errors: dict[str, str] = {}

    live: bool = False  # the page listens for changes of the club (data-live on the header)
    _gen: int = 0
    _sid: str = ""

    @rx.var
    def is_member(self) -> bool:
        return self.club.my_role != ""

    @rx.var
    def is_staff(self) -> bool:
        return self.club.my_role in ("host", "moderator")

    @rx.var
    def is_host(self) -> bool:
        return self.club.my_role == "host"

    @rx.var
    def chat_href(self) -> str:
        return f"/chat/{self.club.chat_room_id}"

    # ------------------------------------------------------------ loading

    async def _refresh(self, *, lists: bool = True) -> None:
        club_id = path_id(self, 1)
        if club_id is None:
            self.not_found = True
            return
        uid = await current_user_id(self)
        async with read_scope() as session:
            user = await load_user(session, uid)
            club = await club_service.get_club_or_raise(session, club_id=club_id)
            self.club = club_view(await club_listing.public_view(session, club=club, user=user))
            if self.club.restricted or not lists:
                if self.club.restricted:
                    self.posts, self.members = [], []
                return
            page = await post_service.list_posts(session, club_id=club_id, user=user, limit=POST_PAGE)
            self.posts = [post_row(p) for p in page.items]
            self._posts_cursor = page.next_cursor
            self.has_more_posts = page.next_cursor is not None
            members, cursor = await member_service.list_members(session, club_id=club_id, user=user, limit=MEMBER_PAGE)
            self.members = [member_view(m) for m in members]
            self._members_cursor = cursor
            self.has_more_members = cursor is not None
        self.not_found = False

    @rx.event
    async def load(self) -> Any:
        gen = self._gen + 1
        self.reset()
        self._gen = gen
        self.loading = True
        yield
        try:
            await self._refresh()
        except NotFound:
            self.not_found = True
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("club page failed")
            self.not_found = True
            yield rx.toast.error(generic_error())
        self.loading = False
        if not self.not_found and self.club.id:
            auth = await self.get_state(AuthState)
            self._sid = tasks.session_id_of(auth._cookie_token())
            yield ClubState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        """My membership state (applicant → member), the counts, the members and the board change in
        place when the club does (``club:{id}``: every membership change publishes there)."""
        async with self:
            club_id = self.club.id

        async def reload() -> None:
            try:
                await self._refresh()
            except NotFound:  # closed meanwhile
                self.not_found = True

        await tasks.follow_page(self, kind="club", channel=page_live.club_channel(club_id), reload=reload)

    @rx.event
    def set_tab(self, value: str) -> None:
        self.tab = value

    @rx.event
    async def load_more_posts(self) -> Any:
        if not self.has_more_posts or self.posts_loading:
            return
        self.posts_loading = True
        yield
        uid = await current_user_id(self)
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                page = await post_service.list_posts(
                    session, club_id=self.club.id, user=user, limit=POST_PAGE, cursor=self._posts_cursor
                )
            merged = self.posts + [post_row(p) for p in page.items]
            self.posts = merged[:MAX_POSTS]
            self._posts_cursor = page.next_cursor
            self.has_more_posts = page.next_cursor is not None and len(merged) < MAX_POSTS
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        finally:
            self.posts_loading = False

    @rx.event
    async def load_more_members(self) -> Any:
        if not self.has_more_members or self.members_loading:
            return
        self.members_loading = True
        yield
        uid = await current_user_id(self)
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                members, cursor = await member_service.list_members(
                    session, club_id=self.club.id, user=user, limit=MEMBER_PAGE, cursor=self._members_cursor
                )
            merged = self.members + [member_view(m) for m in members]
            self.members = merged[:MAX_MEMBERS]
            self._members_cursor = cursor
            self.has_more_members = cursor is not None and len(merged) < MAX_MEMBERS
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        finally:
            self.members_loading = False

    # ------------------------------------------------------------ membership

    @needs_login
    async def _act(self, action: str, **kwargs: Any) -> Any:
        """Run one membership action for the logged-in user, then reload the page's data."""
        self.acting = True
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                if action == "join":
                    result = await membership_service.do_join(session, club_id=self.club.id, user=user, **kwargs)
                elif action == "withdraw":
                    result = await membership_service.do_withdraw_request(session, club_id=self.club.id, user=user)
                elif action == "leave":
                    result = await membership_service.do_leave(session, club_id=self.club.id, user=user)
                elif action == "accept":
                    result = await invitation_service.do_accept_invitation(
                        session, invitation_id=self.club.invitation_id, user=user
                    )
                elif action == "decline":
                    result = await invitation_service.do_decline_invitation(
                        session, invitation_id=self.club.invitation_id, user=user
                    )
                else:
                    raise ValueError(action)
            await self._refresh()
        except DomainError as exc:
            self.acting = False
            if action == "join":
                self.join_error = said(exc.detail)
            return rx.toast.error(said(exc.detail))
        self.acting = False
        return result

    @rx.event
    async def join(self) -> Any:
        """바로 가입 (open clubs)."""
        result = await self._act("join")
        if result == "member":
            return rx.toast.success(here("club.joined"))
        if result == "pending":
            return rx.toast.success(here("club.join_requested"))
        return result

    @rx.event
    async def open_join_dialog(self) -> Any:
        if await current_user_id(self) is None:
            return await login_redirect(self)
        self.join_error = ""
        self.join_open = True
        return None

    @rx.event
    def set_join_open(self, value: bool) -> None:
        self.join_open = value

    @rx.event
    async def request_join(self, form_data: dict[str, Any]) -> Any:
        """가입 신청 with an optional message (approval clubs)."""
        self.join_error = ""
        result = await self._act("join", message=str(form_data.get("message", "")))
        if result == "pending":
            self.join_open = False
            return rx.toast.success(here("club.join_requested"))
        if result == "member":
            self.join_open = False
            return rx.toast.success(here("club.joined"))
        return result

    @rx.event
    async def withdraw(self) -> Any:
        result = await self._act("withdraw")
        return result if result is not None else rx.toast.info(here("club.request_cancelled"))

    @rx.event
    async def leave(self) -> Any:
        result = await self._act("leave")
        return result if result is not None else rx.toast.info(here("club.left"))

    @rx.event
    async def accept_invitation(self) -> Any:
        result = await self._act("accept")
        if isinstance(result, rx.event.EventSpec):
            return result
        return rx.toast.success(here("club.invitation_accepted"))

    @rx.event
    async def decline_invitation(self) -> Any:
        result = await self._act("decline")
        return result if result is not None else rx.toast.info(here("club.invitation_declined"))

    # ------------------------------------------------------------ writing

    @rx.event
    async def open_write(self) -> Any:
        if await current_user_id(self) is None:
            return await login_redirect(self)
        self.write_errors = {}
        self.write_open = True
        return None

    @rx.event
    def set_write_open(self, value: bool) -> None:
        self.write_open = value

    @rx.event
    @needs_login
    async def write_post(self, form_data: dict[str, Any]) -> Any:
        kind = "notice" if form_data.get("notice") in ("on", "true", True) else "board"
        try:
            data = PostCreate(title=str(form_data.get("title", "")), body=str(form_data.get("body", "")), kind=kind)
        except ValidationError as exc:
            self.write_errors = validation_messages(exc)
            return
        self.write_sending = True
        self.write_errors = {}
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                post = await post_service.do_create_post(session, club_id=self.club.id, user=user, data=data)
            self.write_open = False
            yield rx.redirect(f"/posts/{post.id}")
        except DomainError as exc:
            self.write_errors = {"form": said(exc.detail)}
        finally:
            self.write_sending = False
