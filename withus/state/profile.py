"""/users/{id}: a public profile (for people who are logged in), with block/unblock."""

from __future__ import annotations

import dataclasses
import logging

import reflex as rx

from withus.db import session_scope
from withus.errors import DomainError
from withus.i18n import dates
from withus.i18n.reader import here
from withus.models.user import UserPublic
from withus.services import club_listing
from withus.services import users as user_service
from withus.state.auth import AuthState
from withus.state.categories import category_label
from withus.state.clubs import capacity_text
from withus.state.common import said

log = logging.getLogger(__name__)

MAX_HOSTED = 12


@dataclasses.dataclass
class HostedClubView:
    id: int
    name: str
    category_label: str
    members: str
    cover_url: str
    recruiting: bool


def _profile_id(path: str) -> int | None:
    parts = [p for p in path.split("/") if p]
    if len(parts) != 2 or parts[0] != "users" or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    return int(parts[1])


def _joined_text(public: UserPublic) -> str:
    return here("profile.joined", month=dates.year_month(public.created_at))


async def _hosted_clubs(session: object, user_id: int) -> tuple[bool, list[HostedClubView]]:
    """(whether the clubs service exists, the clubs this user hosts)."""
    clubs = await club_listing.list_hosted_clubs(session, user_id=user_id)  # type: ignore[arg-type]
    views = []
    for club in list(clubs)[:MAX_HOSTED]:
        card = club_listing.card(club)
        members = capacity_text(card.member_count, card.capacity)
        views.append(
            HostedClubView(
                id=card.id,
                name=card.name,
                category_label=category_label(card.category),
                members=members,
                cover_url=card.cover_url or "",
                recruiting=card.recruiting,
            )
        )
    return True, views


class ProfileState(rx.State):
    loading: bool = True
    not_found: bool = False
    failed: bool = False

    profile_id: int = 0
    nickname: str = ""
    introduction: str = ""
    tags: list[str] = []
    avatar_url: str = ""
    joined: str = ""
    is_deleted: bool = False
    is_me: bool = False
    blocked: bool = False
    block_busy: bool = False

    clubs_available: bool = False
    hosted: list[HostedClubView] = []

    @rx.var
    def chat_href(self) -> str:
        return f"/chat?with={self.profile_id}"

    def _clear(self) -> None:
        self.not_found = False
        self.failed = False
        self.profile_id = 0
        self.nickname = ""
        self.introduction = ""
        self.tags = []
        self.avatar_url = ""
        self.joined = ""
        self.is_deleted = False
        self.is_me = False
        self.blocked = False
        self.hosted = []

    @rx.event
    async def load(self):
        """on_load: needs a login (anyone logged in can view a profile)."""
        self.loading = True
        self._clear()
        auth = await self.get_state(AuthState)
        me = await auth.require_user_id()
        if me is None:
            self.loading = False
            yield auth.login_redirect()
            return
        target = _profile_id(self.router.url.path)
        if target is None:
            self.not_found = True
            self.loading = False
            return
        try:
            async with session_scope() as session:
                user = await user_service.get(session, user_id=target)
                if user is None:
                    self.not_found = True
                    return
                public = UserPublic.of(user)
                self.profile_id = public.id
                self.nickname = public.nickname
                self.introduction = public.introduction
                self.tags = list(public.tags)
                self.avatar_url = public.avatar_url
                self.joined = _joined_text(public)
                self.is_deleted = public.is_deleted
                self.is_me = public.id == me
                self.blocked = not self.is_me and await user_service.is_blocked(session, me, public.id)
                if not public.is_deleted:
                    self.clubs_available, self.hosted = await _hosted_clubs(session, public.id)
        except Exception:
            log.exception("profile %s could not be loaded", target)
            self.failed = True
        finally:
            self.loading = False

    @rx.event
    async def toggle_block(self):
        if self.block_busy or self.is_me or not self.profile_id:
            return
        self.block_busy = True
        yield
        auth = await self.get_state(AuthState)
        try:
            me = await auth.require_user_id()
            if me is None:
                yield auth.login_redirect()
                return
            async with session_scope() as session:
                user = await user_service.get_or_raise(session, user_id=me)
                if self.blocked:
                    await user_service.do_unblock(session, user=user, target_id=self.profile_id)
                else:
                    await user_service.do_block(session, user=user, target_id=self.profile_id)
            self.blocked = not self.blocked
            yield rx.toast.success(
                here("profile.blocked" if self.blocked else "profile.unblocked", nickname=self.nickname)
            )
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("block toggle failed")
            yield rx.toast.error(here("form.generic_error"))
        finally:
            self.block_busy = False
