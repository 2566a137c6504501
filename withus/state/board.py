"""/posts/[id] — a post and its comments (the view rows are ``withus.state.board_views``).

Every permission is the board service's: the page shows the buttons the service
says apply (``can_edit``, ``can_delete``) and still reports its refusals.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.db import read_scope, session_scope
from withus.errors import DomainError, Forbidden, NotAuthenticated, NotFound
from withus.i18n.reader import here
from withus.models.comment import CommentCreate, CommentUpdate
from withus.models.post import PostUpdate
from withus.models.report import ReportCreate
from withus.services import clubs as club_service
from withus.services import comments as comment_service
from withus.services import page_live
from withus.services import posts as post_service
from withus.services import reports as report_service
from withus.services.pagination import MAX_LIMIT
from withus.state import live as tasks
from withus.state.auth import AuthState
from withus.state.board_views import CommentView, PostView, comment_view, post_view
from withus.state.common import (
    current_user_id,
    first_message,
    generic_error,
    load_user,
    path_id,
    said,
    validation_messages,
)
from withus.state.handlers import acting_user, needs_login

log = logging.getLogger(__name__)

COMMENT_PAGE = 50
# Cap of top-level comments the page holds (each with its replies).
MAX_COMMENTS = 300
COMMENT_INPUT_ID = "comment-body"
REPLY_INPUT_ID = "reply-body"


class PostState(rx.State):
    """The post page."""

    post: PostView = PostView()
    club_name: str = ""
    my_role: str = ""
    loading: bool = True
    problem: str = ""  # "", "not_found", "members_only", "login"
    post_revealed: bool = False

    comments: list[CommentView] = []
    _comments_cursor: str | None = None
    has_more_comments: bool = False
    comments_loading: bool = False
    revealed: list[int] = []

    editing_post: bool = False
    post_saving: bool = False
    post_errors: dict[str, str] = {}

    comment_sending: bool = False
    comment_error: str = ""
    reply_thread: int = 0  # the top-level comment the reply form sits under
    reply_to: int = 0  # the comment answered (a reply to a reply joins its thread)
    reply_to_nickname: str = ""
    reply_error: str = ""
    editing_comment: int = 0
    edit_error: str = ""

    report_open: bool = False
    report_target_type: str = ""
    report_target_id: int = 0
    report_error: str = ""
    report_sending: bool = False

    live: bool = False  # the page listens for changes of the post (data-live on the comments)
    _gen: int = 0
    _sid: str = ""

    @rx.var
    def is_member(self) -> bool:
        return self.my_role != ""

    @rx.var
    def club_href(self) -> str:
        return f"/clubs/{self.post.club_id}"

    # ------------------------------------------------------------ loading

    async def _load_comments(self, session: Any, user: Any, *, append: bool, limit: int = COMMENT_PAGE) -> None:
        page = await comment_service.list_comments(
            session,
            post_id=self.post.id,
            user=user,
            limit=limit,
            cursor=self._comments_cursor if append else None,
        )
        items = [comment_view(c) for c in page.items]
        merged = (self.comments + items) if append else items
        self.comments = merged[:MAX_COMMENTS]
        self._comments_cursor = page.next_cursor
        self.has_more_comments = page.next_cursor is not None and len(merged) < MAX_COMMENTS

    async def _reload(self) -> None:
        post_id = path_id(self, 1)
        self.problem = ""
        if post_id is None:
            self.problem = "not_found"
            return
        uid = await current_user_id(self)
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                public = await post_service.get_post(session, post_id=post_id, user=user)
                self.post = post_view(public)
                club = await club_service.get(session, club_id=public.club_id)
                self.club_name = club.name if club else ""
                role = None
                if user is not None and user.id is not None:
                    role = await club_service.get_role(session, club_id=public.club_id, user_id=user.id)
                self.my_role = role or ""
                await self._load_comments(session, user, append=False)
        except NotAuthenticated:
            self.problem = "login"
        except Forbidden:
            self.problem = "members_only"
        except NotFound:
            self.problem = "not_found"

    @rx.event
    async def load(self) -> Any:
        gen = self._gen + 1
        self.reset()
        self._gen = gen
        self.loading = True
        yield
        try:
            await self._reload()
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("post page failed")
            self.problem = "not_found"
            yield rx.toast.error(generic_error())
        self.loading = False
        if not self.problem and self.post.id:
            auth = await self.get_state(AuthState)
            self._sid = tasks.session_id_of(auth._cookie_token())
            yield PostState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        """Comments, replies, counts and a hidden post or comment change in place (``post:{id}``)."""
        async with self:
            post_id = self.post.id

        async def reload() -> None:
            try:
                await self._refresh_comments()
            except DomainError:  # deleted, hidden, or no longer readable by me: say so as a load would
                await self._reload()

        await tasks.follow_page(self, kind="post", channel=page_live.post_channel(post_id), reload=reload)

    @rx.event
    async def load_more_comments(self) -> Any:
        if not self.has_more_comments or self.comments_loading:
            return
        self.comments_loading = True
        yield
        uid = await current_user_id(self)
        try:
            async with read_scope() as session:
                user = await load_user(session, uid)
                await self._load_comments(session, user, append=True)
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        self.comments_loading = False

    async def _refresh_comments(self) -> None:
        uid = await current_user_id(self)
        async with read_scope() as session:
            user = await load_user(session, uid)
            public = await post_service.get_post(session, post_id=self.post.id, user=user)
            self.post = post_view(public)
            # as many threads as the page shows now (more 더 보기 pages do not fold back), up to a page's most
            shown = min(MAX_LIMIT, max(COMMENT_PAGE, len(self.comments)))
            await self._load_comments(session, user, append=False, limit=shown)

    # ------------------------------------------------------------ blocked authors

    @rx.event
    def reveal_post(self) -> None:
        self.post_revealed = not self.post_revealed

    @rx.event
    def toggle_reveal(self, comment_id: int) -> None:
        if comment_id in self.revealed:
            self.revealed = [i for i in self.revealed if i != comment_id]
        else:
            self.revealed = [*self.revealed, comment_id]

    # ------------------------------------------------------------ the post

    @rx.event
    def start_edit_post(self) -> None:
        self.editing_post = True
        self.post_errors = {}

    @rx.event
    def cancel_edit_post(self) -> None:
        self.editing_post = False
        self.post_errors = {}

    @rx.event
    @needs_login
    async def save_post(self, form_data: dict[str, Any]) -> Any:
        try:
            data = PostUpdate(title=str(form_data.get("title", "")), body=str(form_data.get("body", "")))
        except ValidationError as exc:
            self.post_errors = validation_messages(exc)
            return
        self.post_saving = True
        self.post_errors = {}
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                public = await post_service.do_update_post(session, post_id=self.post.id, user=user, data=data)
            self.post = post_view(public)
            self.editing_post = False
            yield rx.toast.success(here("board.post_edited"))
        finally:
            self.post_saving = False

    @rx.event
    @needs_login
    async def delete_post(self) -> Any:
        club_id = self.post.club_id
        async with session_scope() as session:
            user = await acting_user(session)
            await post_service.do_delete_post(session, post_id=self.post.id, user=user)
        return [rx.toast.success(here("board.post_deleted")), rx.redirect(f"/clubs/{club_id}")]

    # ------------------------------------------------------------ comments

    @rx.event
    async def add_comment(self, form_data: dict[str, Any]) -> Any:
        async for event in self._create_comment(str(form_data.get("body", "")), parent_id=None):
            yield event

    @rx.event
    async def add_reply(self, form_data: dict[str, Any]) -> Any:
        async for event in self._create_comment(str(form_data.get("body", "")), parent_id=self.reply_to or None):
            yield event

    @needs_login
    async def _create_comment(self, body: str, *, parent_id: int | None) -> Any:
        reply = parent_id is not None
        try:
            data = CommentCreate(body=body, parent_id=parent_id)
        except ValidationError as exc:
            if reply:
                self.reply_error = first_message(exc)
            else:
                self.comment_error = first_message(exc)
            return
        self.comment_sending = True
        self.comment_error = ""
        self.reply_error = ""
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                await comment_service.do_create_comment(session, post_id=self.post.id, user=user, data=data)
            await self._refresh_comments()
            if reply:
                self.reply_thread = 0
                self.reply_to = 0
            else:
                yield rx.set_value(COMMENT_INPUT_ID, "")
        except DomainError as exc:
            if reply:
                self.reply_error = said(exc.detail)
            else:
                self.comment_error = said(exc.detail)
            yield rx.toast.error(said(exc.detail))
        finally:
            self.comment_sending = False

    @rx.event
    def start_reply(self, thread_id: int, comment_id: int, nickname: str) -> Any:
        self.reply_thread = thread_id
        self.reply_to = comment_id
        self.reply_to_nickname = nickname
        self.reply_error = ""
        self.editing_comment = 0
        return rx.set_focus(REPLY_INPUT_ID)

    @rx.event
    def cancel_reply(self) -> None:
        self.reply_thread = 0
        self.reply_to = 0
        self.reply_error = ""

    @rx.event
    def start_edit_comment(self, comment_id: int) -> None:
        self.editing_comment = comment_id
        self.edit_error = ""
        self.reply_thread = 0
        self.reply_to = 0

    @rx.event
    def cancel_edit_comment(self) -> None:
        self.editing_comment = 0
        self.edit_error = ""

    @rx.event
    @needs_login
    async def save_comment(self, form_data: dict[str, Any]) -> Any:
        try:
            data = CommentUpdate(body=str(form_data.get("body", "")))
        except ValidationError as exc:
            self.edit_error = first_message(exc)
            return
        self.comment_sending = True
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                await comment_service.do_update_comment(session, comment_id=self.editing_comment, user=user, data=data)
            self.editing_comment = 0
            await self._refresh_comments()
        except DomainError as exc:
            self.edit_error = said(exc.detail)
        finally:
            self.comment_sending = False

    @rx.event
    @needs_login
    async def delete_comment(self, comment_id: int) -> Any:
        async with session_scope() as session:
            user = await acting_user(session)
            await comment_service.do_delete_comment(session, comment_id=comment_id, user=user)
        await self._refresh_comments()
        return rx.toast.success(here("board.comment_deleted"))

    # ------------------------------------------------------------ reports

    @rx.event
    @needs_login
    async def open_report(self, target_type: str, target_id: int) -> Any:
        self.report_target_type = target_type
        self.report_target_id = target_id
        self.report_error = ""
        self.report_open = True
        return None

    @rx.event
    def set_report_open(self, value: bool) -> None:
        self.report_open = value

    @rx.event
    @needs_login
    async def send_report(self, form_data: dict[str, Any]) -> Any:
        try:
            data = ReportCreate(
                target_type=self.report_target_type,  # type: ignore[arg-type]
                target_id=self.report_target_id,
                reason=str(form_data.get("reason", "")),
            )
        except ValidationError as exc:
            self.report_error = first_message(exc)
            return
        self.report_sending = True
        self.report_error = ""
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                await report_service.do_create_report(session, user=user, data=data)
            self.report_open = False
            yield rx.toast.success(here("board.reported"))
        except DomainError as exc:
            self.report_error = said(exc.detail)
        finally:
            self.report_sending = False
