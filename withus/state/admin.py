"""/admin/reports — the review queue: administrators see every report, a club's host and
moderators the reports of their clubs' posts, comments and messages (the reports
service decides which)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.errors import DomainError
from withus.i18n.reader import here
from withus.models.report import ReportReview
from withus.services import reports as report_service
from withus.state.common import current_user_id, generic_error, load_user, login_redirect, said
from withus.state.handlers import acting_user, acting_user_id, needs_login
from withus.state.text import ago, full_time

log = logging.getLogger(__name__)

PAGE = 20
MAX_REPORTS = 200
STATUSES = ("open", "hidden", "dismissed")
TARGET_LABELS = {
    "post": "admin.target.post",
    "comment": "admin.target.comment",
    "user": "admin.target.user",
    "club": "admin.target.club",
    "message": "admin.target.message",
}
STATUS_LABELS = {"open": "admin.status.open", "hidden": "admin.status.hidden", "dismissed": "admin.status.dismissed"}


@dataclasses.dataclass
class ReportRow:
    id: int
    target_label: str
    preview: str
    link: str
    reason: str
    reporter: str
    ago: str
    full_time: str
    status: str
    status_label: str
    decided_by: str


def _row(r: ReportReview) -> ReportRow:
    return ReportRow(
        id=r.id,
        target_label=here(TARGET_LABELS[r.target_type]) if r.target_type in TARGET_LABELS else r.target_type,
        preview=r.target_preview or here("admin.deleted_target"),
        link=r.target_link or "",
        reason=r.reason,
        reporter=r.reporter.nickname,
        ago=ago(r.created_at),
        full_time=full_time(r.created_at),
        status=r.status,
        status_label=here(STATUS_LABELS[r.status]) if r.status in STATUS_LABELS else r.status,
        decided_by=r.decided_by.nickname if r.decided_by else "",
    )


class AdminReportsState(rx.State):
    status: str = "open"
    reports: list[ReportRow] = []
    _cursor: str | None = None
    has_more: bool = False
    loading: bool = True
    loading_more: bool = False
    busy: bool = False

    async def _fetch(self, uid: int, *, append: bool) -> None:
        async with read_scope() as session:
            user = await load_user(session, uid)
            if user is None:
                return
            page = await report_service.list_reports(
                session, user=user, status=self.status, limit=PAGE, cursor=self._cursor if append else None
            )
        rows = [_row(r) for r in page.items]
        merged = (self.reports + rows) if append else rows
        self.reports = merged[:MAX_REPORTS]
        self._cursor = page.next_cursor
        self.has_more = page.next_cursor is not None and len(merged) < MAX_REPORTS

    @rx.event
    async def load(self) -> Any:
        self.reset()
        uid = await current_user_id(self)
        if uid is None:
            yield await login_redirect(self)
            return
        try:
            await self._fetch(uid, append=False)
        except DomainError as exc:
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("report queue failed")
            yield rx.toast.error(generic_error())
        self.loading = False

    @rx.event
    @needs_login
    async def set_status(self, status: str | list[str]) -> Any:
        if not isinstance(status, str) or status not in STATUSES:
            return
        uid = acting_user_id()
        self.status = status
        self.loading = True
        yield
        try:
            await self._fetch(uid, append=False)
        finally:
            self.loading = False

    @rx.event
    @needs_login
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        uid = acting_user_id()
        self.loading_more = True
        yield
        try:
            await self._fetch(uid, append=True)
        finally:
            self.loading_more = False

    @needs_login
    async def _decide(self, report_id: int, decision: str) -> Any:
        uid = acting_user_id()
        self.busy = True
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                await report_service.do_decide(session, report_id=report_id, user=user, decision=decision)  # type: ignore[arg-type]
            await self._fetch(uid, append=False)
        except DomainError as exc:
            return rx.toast.error(said(exc.detail))
        finally:
            self.busy = False
        return rx.toast.success(here("admin.hidden_done" if decision == "hide" else "admin.dismissed_done"))

    @rx.event
    async def hide(self, report_id: int) -> Any:
        return await self._decide(report_id, "hide")

    @rx.event
    async def dismiss(self, report_id: int) -> Any:
        return await self._decide(report_id, "dismiss")
