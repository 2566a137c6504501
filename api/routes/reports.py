"""Reports and the review queue. Every rule lives in ``withus.services.reports``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.schemas.board import problems
from api.schemas.clubs import Cursor, Limit
from withus.models.report import ReportCreate, ReportPage, ReportPublic, ReportReview
from withus.models.types import Id
from withus.services import reports as report_service

router = APIRouter(tags=["reports"], route_class=UnitOfWorkRoute)

REPORT_404 = "No such report, or not one you review (`report_not_found`)."
DECIDED_409 = "Already decided (`already_decided`)."


@router.post(
    "/reports",
    response_model=ReportPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Report",
    responses=problems(
        401,
        422,
        429,
        s403="The target is in a private club you are not a member of (`not_a_member`).",
        s404="No such target, or you cannot see it (`target_not_found`, `club_not_found`, `post_not_found`, "
        "`comment_not_found`).",
        s409="You already reported this target (`already_reported`).",
    ),
)
async def create_report(body: ReportCreate, session: SessionDep, user: CurrentUser) -> ReportPublic:
    """Report a user, club, post, comment or chat message you can see, once per target, with a reason of
    1–500 characters. ``club_id`` is the club the target belongs to, found by the server (null for users
    and one-to-one chat messages). A report hides nothing by itself. At most 20 reports an hour."""
    return await report_service.do_create_report(session, user=user, data=body)


@router.get(
    "/reports",
    response_model=ReportPage,
    summary="The review queue",
    responses=problems(401, 422, s400="Bad `cursor` (`invalid_cursor`)."),
)
async def list_reports(
    session: SessionDep,
    user: CurrentUser,
    status: Literal["open", "hidden", "dismissed"] = "open",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> ReportPage:
    """The reports the caller reviews, newest first: every report for site administrators; reports of
    posts, comments and club-room chat messages of the clubs the caller hosts or moderates; an empty list
    for everyone else."""
    return await report_service.list_reports(session, user=user, status=status, limit=limit, cursor=cursor)


@router.post(
    "/reports/{report_id:int}/hide",
    response_model=ReportReview,
    summary="Hide the reported target",
    responses=problems(
        401,
        422,
        s403="Users, clubs and chat messages are decided by site administrators (`admin_only`).",
        s404=REPORT_404,
        s409=DECIDED_409,
    ),
)
async def hide(report_id: Id, session: SessionDep, user: CurrentUser) -> ReportReview:
    """Hides a post or comment from everyone but its club's staff and site administrators (they see it with
    ``hidden: true``), or a chat message (its place stays, its body goes); closes every open report of that
    target as ``hidden``. For users and clubs the decision is recorded and nothing else changes."""
    return await report_service.do_decide(session, report_id=report_id, user=user, decision="hide")


@router.post(
    "/reports/{report_id:int}/dismiss",
    response_model=ReportReview,
    summary="Dismiss a report",
    responses=problems(401, 422, s404=REPORT_404, s409=DECIDED_409),
)
async def dismiss(report_id: Id, session: SessionDep, user: CurrentUser) -> ReportReview:
    """Closes every open report of that target as ``dismissed``; nothing else changes."""
    return await report_service.do_decide(session, report_id=report_id, user=user, decision="dismiss")
