"""Reports and the review queue. Every rule lives in ``withus.services.reports``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, SessionDep
from withus.models.report import ReportCreate, ReportPage, ReportPublic, ReportReview
from withus.services import reports as report_service

router = APIRouter(tags=["reports"])


@router.post("/reports", response_model=ReportPublic, status_code=status.HTTP_201_CREATED, summary="Report")
async def create_report(body: ReportCreate, session: SessionDep, user: CurrentUser) -> ReportPublic:
    """Report a user, club, post, comment or chat message you can see (404 ``target_not_found`` otherwise),
    once per target (409 ``already_reported``), with a reason of 1–500 characters. A report hides nothing
    by itself. 429 past 20 reports an hour."""
    return await report_service.do_create_report(session, user=user, data=body)


@router.get("/reports", response_model=ReportPage, summary="The review queue")
async def list_reports(
    session: SessionDep,
    user: CurrentUser,
    status: Literal["open", "hidden", "dismissed"] = "open",
    limit: Annotated[int | None, Query(description="page size (default 20, at most 100)")] = None,
    cursor: str | None = None,
) -> ReportPage:
    """The reports the caller reviews, newest first: everything for site administrators; reports of posts,
    comments and club chat messages of the clubs the caller hosts or moderates; an empty list for others."""
    return await report_service.list_reports(session, user=user, status=status, limit=limit, cursor=cursor)


@router.post("/reports/{report_id}/hide", response_model=ReportReview, summary="Hide the reported target")
async def hide(report_id: int, session: SessionDep, user: CurrentUser) -> ReportReview:
    """Hides a post or comment from everyone but the club's staff and administrators, and closes every open
    report of that target as ``hidden``. Users, clubs and chat messages: administrators only
    (403 ``admin_only``); for users and clubs the decision is recorded. 404 for reports you do not review;
    409 ``already_decided``."""
    return await report_service.do_decide(session, report_id=report_id, user=user, decision="hide")


@router.post("/reports/{report_id}/dismiss", response_model=ReportReview, summary="Dismiss a report")
async def dismiss(report_id: int, session: SessionDep, user: CurrentUser) -> ReportReview:
    """Closes every open report of that target as ``dismissed``; nothing else changes."""
    return await report_service.do_decide(session, report_id=report_id, user=user, decision="dismiss")
