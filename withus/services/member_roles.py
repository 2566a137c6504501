"""Members of a club and what staff do with them: the member list, roles, the host transfer,
removal and bans; and what an account deletion does to the clubs of its user (a
``users.on_account_deleted`` hook, wired in :mod:`withus.services.hooks`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, Forbidden, NotFound, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    BanPublic,
    Club,
    ClubBan,
    ClubMember,
    Invitation,
    JoinRequest,
    MemberPublic,
)
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import membership as membership_service
from withus.services import notifications as notification_service
from withus.services import pagination

# ---------------------------------------------------------------- members, roles, bans


def _role_rank() -> ColumnElement[int]:
    return case((col(ClubMember.role) == "host", 0), (col(ClubMember.role) == "moderator", 1), else_=2)


async def list_members(
    session: AsyncSession, *, club_id: int, user: User | None, limit: int | None = None, cursor: str | None = None
) -> tuple[list[MemberPublic], str | None]:
    """Host, then moderators, then members, each by seniority; per the club's visibility."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    await club_service.check_can_read_club_content(session, club=club, user=user)
    limit = pagination.clamp_limit(limit)
    rank = _role_rank()
    stmt = (
        select(ClubMember, User, rank)
        .join(User, col(User.id) == col(ClubMember.user_id))
        .where(ClubMember.club_id == club.id)
    )
    if cursor:
        from datetime import datetime

        from sqlalchemy import tuple_

        c_rank, c_joined, c_user = pagination.decode_cursor(cursor, int, datetime, int)
        stmt = stmt.where(
            tuple_(rank, col(ClubMember.joined_at), col(ClubMember.user_id)) > tuple_(c_rank, c_joined, c_user)
        )
    stmt = stmt.order_by(rank, col(ClubMember.joined_at), col(ClubMember.user_id)).limit(limit + 1)
    rows = list((await session.exec(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last, _, last_rank = rows[-1]
        next_cursor = pagination.encode_cursor(last_rank, as_utc(last.joined_at), last.user_id)
    items = [
        MemberPublic(user=UserSummary.of(u), role=m.role, joined_at=as_utc(m.joined_at))  # type: ignore[arg-type]
        for m, u, _ in rows
    ]
    return items, next_cursor


def may_remove(*, actor_role: str | None, target_role: str, is_self: bool) -> bool:
    """The host removes anyone but themselves; a moderator removes members (the rule
    :func:`do_remove_member` enforces and the manage page shows)."""
    if is_self or target_role == "host":
        return False
    return actor_role == "host" or (actor_role == "moderator" and target_role == "member")


def may_change_role(*, actor_role: str | None, target_role: str) -> bool:
    """The host makes members moderators and back; the host's own role changes only by transfer."""
    return actor_role == "host" and target_role != "host"


async def do_change_role(session: AsyncSession, *, club_id: int, actor: User, user_id: int, role: str) -> MemberPublic:
    """Host only: make a member a moderator or back. The host's own role changes only by transfer."""
    if role not in ("moderator", "member"):
        raise ValidationFailed.field("role", Msg("validation.role"))
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_host(session, club=club, user=actor)
    member = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if member is None:
        raise membership_service.member_not_found()
    if not may_change_role(actor_role="host", target_role=member.role):  # check_host passed
        raise Conflict(code="use_transfer")
    if member.role != role:
        member.role = role
        session.add(member)
        await session.flush()
        await club_service.run_membership_hooks(session, club, user_id, role)
        await _notify_role(session, club=club, user_id=user_id, role=role)
    return await membership_service.member_view(session, member)


async def _notify_role(session: AsyncSession, *, club: Club, user_id: int, role: str) -> None:
    await notification_service.notify(
        session,
        user_id=user_id,
        type="role_changed",
        title=Msg("notification.role_changed.title", club=club.name),
        body=Msg("notification.role_changed.body", club=club.name, role=Msg(f"role.{role}")),
        link=f"/clubs/{club.id}",
        data={"club_id": club.id, "role": role},
    )


async def do_transfer_host(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> MemberPublic:
    """Host only: another member becomes host; the old host becomes a moderator."""
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    assert actor.id is not None
    await club_service.check_host(session, club=club, user=actor)
    if user_id == actor.id:
        raise Conflict(code="already_host")
    target = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if target is None:
        raise membership_service.member_not_found()
    await set_host(session, club=club, new_host=target, old_host_id=actor.id, old_host_role="moderator")
    return await membership_service.member_view(session, target)


async def set_host(
    session: AsyncSession, *, club: Club, new_host: ClubMember, old_host_id: int | None, old_host_role: str | None
) -> None:
    """Make ``new_host`` the host (no permission check; the caller holds the club lock)."""
    assert club.id is not None
    if old_host_id is not None and old_host_role is not None:
        old = await club_service.get_member(session, club_id=club.id, user_id=old_host_id)
        if old is not None:
            old.role = old_host_role
            session.add(old)
    new_host.role = "host"
    club.host_id = new_host.user_id
    club.updated_at = utcnow()
    session.add_all([new_host, club])
    await session.flush()
    if old_host_id is not None and old_host_role is not None:
        await club_service.run_membership_hooks(session, club, old_host_id, old_host_role)
    await club_service.run_membership_hooks(session, club, new_host.user_id, "host")
    await _notify_role(session, club=club, user_id=new_host.user_id, role="host")


async def do_remove_member(
    session: AsyncSession, *, club_id: int, actor: User, user_id: int, ban: bool = False
) -> None:
    """Host or moderator removes (and with ``ban`` bans) a member. A moderator cannot
    remove the host or another moderator; the host can remove anyone but themselves."""
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    assert actor.id is not None
    actor_role = await club_service.check_staff(session, club=club, user=actor)
    if user_id == actor.id:
        raise Conflict(code="cannot_remove_self")
    member = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if member is None:
        if not ban:
            raise membership_service.member_not_found()
        await membership_service.get_user_or_raise(session, user_id)
    elif not may_remove(actor_role=actor_role, target_role=member.role, is_self=False):
        raise Forbidden(Msg("error.insufficient_role.remove_staff"), code="insufficient_role")
    if member is not None:
        await membership_service.remove_member(session, club=club, member=member)
    if ban and not await club_service.is_banned(session, club_id=club.id, user_id=user_id):
        session.add(ClubBan(club_id=club.id, user_id=user_id, banned_by_id=actor.id))
        await membership_service.close_pending(
            session, club_id=club.id, user_id=user_id, request_status="declined", invitation_status="canceled"
        )
        await session.flush()
    if member is not None:
        await notification_service.notify(
            session,
            user_id=user_id,
            type="removed_from_club",
            title=Msg("notification.removed_from_club.title", club=club.name),
            body=Msg("notification.removed_from_club.body", club=club.name),
            link=f"/clubs/{club.id}",
            data={"club_id": club.id, "banned": ban},
        )


async def list_bans(session: AsyncSession, *, club_id: int, user: User) -> list[BanPublic]:
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    await club_service.check_staff(session, club=club, user=user)
    stmt = (
        select(ClubBan, User)
        .join(User, col(User.id) == col(ClubBan.user_id))
        .where(ClubBan.club_id == club.id)
        .order_by(col(ClubBan.created_at).desc())
    )
    return [
        BanPublic(user=UserSummary.of(u), created_at=as_utc(b.created_at)) for b, u in (await session.exec(stmt)).all()
    ]


async def do_unban(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> None:
    club = await club_service.lock_club(session, club_id=club_id)
    await club_service.check_staff(session, club=club, user=actor)
    ban = await session.get(ClubBan, (club.id, user_id))
    if ban is None:
        raise NotFound(code="ban_not_found")
    await session.delete(ban)
    await session.flush()


# ---------------------------------------------------------------- account deletion


async def on_account_deleted(session: AsyncSession, user: User) -> None:
    """Clubs the user hosts pass to the longest-standing moderator, else the longest-standing
    member, else close; then every membership, request and invitation of the user ends (a
    ``users.on_account_deleted`` hook)."""
    assert user.id is not None
    stmt = (
        select(ClubMember.club_id, ClubMember.role)
        .join(Club, col(Club.id) == col(ClubMember.club_id))
        .where(ClubMember.user_id == user.id, col(Club.closed_at).is_(None))
        .order_by(col(ClubMember.club_id))
    )
    for club_id, role in (await session.exec(stmt)).all():
        club = await club_service.lock_club(session, club_id=club_id)
        if role == "host":
            successor = await _successor(session, club_id=club_id, leaving_user_id=user.id)
            if successor is None:
                await club_service.close(session, club=club)
            else:
                await set_host(session, club=club, new_host=successor, old_host_id=None, old_host_role=None)
        member = await club_service.get_member(session, club_id=club_id, user_id=user.id)
        if member is not None:
            await membership_service.remove_member(session, club=club, member=member)
    now = utcnow()
    for jr in (
        await session.exec(select(JoinRequest).where(JoinRequest.user_id == user.id, JoinRequest.status == "pending"))
    ).all():
        jr.status, jr.decided_at = "withdrawn", now
        session.add(jr)
    for inv in (
        await session.exec(select(Invitation).where(Invitation.user_id == user.id, Invitation.status == "pending"))
    ).all():
        inv.status, inv.responded_at = "declined", now
        session.add(inv)
    await session.flush()


async def _successor(session: AsyncSession, *, club_id: int, leaving_user_id: int) -> ClubMember | None:
    """The longest-standing moderator, else the longest-standing member."""
    stmt = (
        select(ClubMember)
        .where(ClubMember.club_id == club_id, ClubMember.user_id != leaving_user_id, ClubMember.role != "host")
        .order_by(
            case((col(ClubMember.role) == "moderator", 0), else_=1), col(ClubMember.joined_at), col(ClubMember.user_id)
        )
        .limit(1)
    )
    return (await session.exec(stmt)).first()
