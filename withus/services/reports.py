"""Reports and the review queue.

Anyone logged in reports a user, a club, a post, a comment or a chat message
they can see, once per target, with a reason. Who reviews:

- site administrators (``users.is_admin``): every report;
- the host and moderators of a club: reports of posts, comments and club-room
  chat messages of that club (the club itself and users: administrators only).

A decision applies to every open report of the same target at once:
``hide`` sets ``hidden_at`` on a post or comment (the club's staff or an
administrator) or on a chat message (administrators only; the message keeps its
``seq`` and is served with an empty body and ``hidden: true``); for users and
clubs it is for administrators only and is recorded without any other effect.
``dismiss`` closes the reports and changes nothing else. No number of reports
hides anything by itself.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, Forbidden, NotFound, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.chat import ChatMessage
from withus.models.club import STAFF_ROLES, Club, ClubMember
from withus.models.comment import Comment
from withus.models.post import Post
from withus.models.report import Report, ReportCreate, ReportPage, ReportPublic, ReportReview
from withus.models.user import User, UserSummary
from withus.services import board_access, chat_edits, pagination, rate_limit
from withus.services import chat as chat_service
from withus.services import clubs as club_service
from withus.services import comments as comment_service
from withus.services import posts as post_service

# What a club's host and moderators review; everything else is for administrators.
CLUB_CONTENT = ("post", "comment", "message")
REPORT_RATE = (20, 3600)
Decision = Literal["hide", "dismiss"]


def _report_not_found() -> NotFound:
    return NotFound(code="report_not_found")


def _target_not_found() -> NotFound:
    return NotFound(code="target_not_found")


def _view(report: Report) -> ReportPublic:
    assert report.id is not None
    return ReportPublic(
        id=report.id,
        target_type=report.target_type,  # type: ignore[arg-type]
        target_id=report.target_id,
        club_id=report.club_id,
        reason=report.reason,
        status=report.status,  # type: ignore[arg-type]
        created_at=as_utc(report.created_at),
        decided_at=as_utc(report.decided_at) if report.decided_at else None,
    )


# ---------------------------------------------------------------- reporting


async def _resolve_target(session: AsyncSession, *, user: User, target_type: str, target_id: int) -> int | None:
    """Checks that the reporter can see the target; returns the club it lives in (or None)."""
    if target_type == "user":
        target = await session.get(User, target_id)
        if target is None or target.deleted_at is not None:
            raise _target_not_found()
        _refuse_own(target.id, user)
        return None
    if target_type == "club":
        club = await club_service.get_club_or_raise(session, club_id=target_id)
        _refuse_own(club.host_id, user)
        return club.id
    if target_type == "post":
        post, _author, _club, _viewer = await board_access.access_post(session, post_id=target_id, user=user)
        _refuse_own(post.author_id, user)
        return post.club_id
    if target_type == "comment":
        comment, post, _club, _viewer = await board_access.access_comment(session, comment_id=target_id, user=user)
        _refuse_own(comment.author_id, user)
        return post.club_id
    return await _resolve_message(session, user=user, message_id=target_id)


def _refuse_own(owner_id: int | None, user: User) -> None:
    """Nobody reports themselves, nor what they wrote or host (422 ``cannot_report_self``)."""
    if owner_id == user.id:
        raise ValidationFailed.field("target_id", code="cannot_report_self")


async def _resolve_message(session: AsyncSession, *, user: User, message_id: int) -> int | None:
    """A chat message the reporter can read (a participant of its room, not cleared from their
    history, not already hidden): its club, or None for a one-to-one room."""
    assert user.id is not None
    message = await session.get(ChatMessage, message_id)
    if message is None or message.hidden_at is not None:
        raise _target_not_found()
    try:
        access = await chat_service.access_room(session, room_id=message.room_id, user_id=user.id)
    except NotFound:
        raise _target_not_found() from None
    if message.seq <= access.cleared_seq:
        raise _target_not_found()
    _refuse_own(message.sender_id, user)
    return access.room.club_id


async def do_create_report(session: AsyncSession, *, user: User, data: ReportCreate) -> ReportPublic:
    """One report per reporter and target (``already_reported`` otherwise)."""
    assert user.id is not None
    club_id = await _resolve_target(session, user=user, target_type=data.target_type, target_id=data.target_id)
    existing = (
        await session.exec(
            select(Report.id).where(
                Report.reporter_id == user.id,
                Report.target_type == data.target_type,
                Report.target_id == data.target_id,
            )
        )
    ).first()
    if existing is not None:
        raise _already_reported()
    await rate_limit.hit(
        "report",
        str(user.id),
        limit=REPORT_RATE[0],
        window=REPORT_RATE[1],
        detail=Msg("error.rate_limited.reports"),
    )
    report = Report(
        reporter_id=user.id,
        target_type=data.target_type,
        target_id=data.target_id,
        club_id=club_id,
        reason=data.reason,
    )
    try:
        async with session.begin_nested():  # the unique constraint settles a double submit
            session.add(report)
    except IntegrityError:
        raise _already_reported() from None
    return _view(report)


def _already_decided() -> Conflict:
    return Conflict(code="already_decided")


def _already_reported() -> Conflict:
    return Conflict(code="already_reported")


# ---------------------------------------------------------------- the queue


def _staff_club_ids(user_id: int) -> Any:
    return select(ClubMember.club_id).where(ClubMember.user_id == user_id, col(ClubMember.role).in_(STAFF_ROLES))


async def list_reports(
    session: AsyncSession, *, user: User, status: str = "open", limit: int | None = None, cursor: str | None = None
) -> ReportPage:
    """The reports the caller reviews, newest first. A fixed number of queries per page."""
    assert user.id is not None
    reporter = aliased(User)
    decider = aliased(User)
    stmt = (
        select(Report, reporter, decider)
        .join(reporter, col(reporter.id) == Report.reporter_id)
        .outerjoin(decider, col(decider.id) == Report.decided_by)
        .where(Report.status == status)
    )
    if not user.is_admin:
        stmt = stmt.where(col(Report.target_type).in_(CLUB_CONTENT), col(Report.club_id).in_(_staff_club_ids(user.id)))
    if cursor:
        (before_id,) = pagination.decode_cursor(cursor, int)
        stmt = stmt.where(col(Report.id) < before_id)
    limit = pagination.clamp_limit(limit)
    rows = list((await session.exec(stmt.order_by(col(Report.id).desc()).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    previews = await _previews(session, [r for r, _, _ in rows])
    items = [_review(r, rep, dec, previews.get((r.target_type, r.target_id))) for r, rep, dec in rows]
    next_cursor = pagination.encode_cursor(rows[-1][0].id) if more and rows else None
    return ReportPage(items=items, next_cursor=next_cursor)


def _review(
    report: Report, reporter: User, decider: User | None, preview: tuple[str, str | None] | None
) -> ReportReview:
    return ReportReview(
        **_view(report).model_dump(),
        reporter=UserSummary.of(reporter),
        decided_by=UserSummary.of(decider) if decider is not None else None,
        target_preview=preview[0] if preview else None,
        target_link=preview[1] if preview else None,
    )


async def _previews(session: AsyncSession, reports: list[Report]) -> dict[tuple[str, int], tuple[str, str | None]]:
    """What each target says, in one query per target type on the page."""
    ids: dict[str, set[int]] = {}
    for r in reports:
        ids.setdefault(r.target_type, set()).add(r.target_id)
    out: dict[tuple[str, int], tuple[str, str | None]] = {}
    if ids.get("post"):
        for p in (await session.exec(select(Post).where(col(Post.id).in_(ids["post"])))).all():
            assert p.id is not None
            out[("post", p.id)] = (p.title, f"/posts/{p.id}")
    if ids.get("comment"):
        for c in (await session.exec(select(Comment).where(col(Comment.id).in_(ids["comment"])))).all():
            assert c.id is not None
            out[("comment", c.id)] = (board_access.excerpt(c.body), f"/posts/{c.post_id}#comment-{c.id}")
    if ids.get("user"):
        for u in (await session.exec(select(User).where(col(User.id).in_(ids["user"])))).all():
            assert u.id is not None
            out[("user", u.id)] = (u.display_nickname, f"/users/{u.id}")
    if ids.get("message"):
        for m in (await session.exec(select(ChatMessage).where(col(ChatMessage.id).in_(ids["message"])))).all():
            assert m.id is not None
            out[("message", m.id)] = (board_access.excerpt(m.body), f"/chat/{m.room_id}")
    if ids.get("club"):
        for club in (await session.exec(select(Club).where(col(Club.id).in_(ids["club"])))).all():
            assert club.id is not None
            out[("club", club.id)] = (club.name, f"/clubs/{club.id}")
    return out


# ---------------------------------------------------------------- decisions


async def _access_report(session: AsyncSession, *, report_id: int, user: User) -> Report:
    """The report, if the caller reviews it (404 otherwise, as if it did not exist)."""
    assert user.id is not None
    report = await session.get(Report, report_id)
    if report is None:
        raise _report_not_found()
    if user.is_admin:
        return report
    if report.target_type not in CLUB_CONTENT or report.club_id is None:
        raise _report_not_found()
    role = await club_service.get_role(session, club_id=report.club_id, user_id=user.id)
    if role is None or not club_service.is_staff(role):
        raise _report_not_found()
    return report


async def do_decide(session: AsyncSession, *, report_id: int, user: User, decision: Decision) -> ReportReview:
    """Hide the target or dismiss; closes every open report of the same target."""
    assert user.id is not None
    report = await _access_report(session, report_id=report_id, user=user)
    if report.status != "open":
        raise _already_decided()
    if decision == "hide":
        await _hide_target(session, report=report, user=user)
    status = "hidden" if decision == "hide" else "dismissed"
    # No lock taken up front: of two decisions racing on one target, the second UPDATE waits for the
    # first's row locks, then finds nothing open and answers 409 (its transaction, hide included, rolls back).
    closed = (
        await session.exec(
            update(Report)  # type: ignore[call-overload]
            .where(
                col(Report.target_type) == report.target_type,
                col(Report.target_id) == report.target_id,
                col(Report.status) == "open",
            )
            .values(status=status, decided_by=user.id, decided_at=utcnow())
            .returning(col(Report.id))
            .execution_options(synchronize_session=False)
        )
    ).all()
    if report.id not in {row[0] for row in closed}:
        raise _already_decided()
    await session.refresh(report)
    reporter = await session.get(User, report.reporter_id)
    assert reporter is not None
    previews = await _previews(session, [report])
    return _review(report, reporter, user, previews.get((report.target_type, report.target_id)))


async def _hide_target(session: AsyncSession, *, report: Report, user: User) -> None:
    if report.target_type == "post":
        await post_service.do_hide_post(session, post_id=report.target_id)
        return
    if report.target_type == "comment":
        await comment_service.do_hide_comment(session, comment_id=report.target_id)
        return
    if not user.is_admin:
        raise Forbidden(code="admin_only")
    if report.target_type == "message":
        await _hide_message(session, message_id=report.target_id)
    # Users and clubs: the decision is recorded on the reports; nothing else changes.


async def _hide_message(session: AsyncSession, *, message_id: int) -> None:
    """The message keeps its place (``seq``) in the room; readers get an empty body and ``hidden: true``."""
    message = await session.get(ChatMessage, message_id)
    if message is not None and message.hidden_at is None:
        message.hidden_at = utcnow()
        session.add(message)
        await session.flush()
        await chat_edits.publish_hidden(session, message=message)
