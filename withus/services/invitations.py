"""Invitations to a club: staff invite, the invited accept or decline, staff cancel. An
invitation bypasses the join policy and the recruiting window, not the capacity or a ban (the
rules are drawn in :mod:`withus.services.membership`).
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, NotFound
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    Club,
    Invitation,
    InvitationPublic,
)
from withus.models.user import User, UserSummary
from withus.services import club_listing, rate_limit
from withus.services import clubs as club_service
from withus.services import membership as membership_service
from withus.services import notifications as notification_service

# ---------------------------------------------------------------- invitations


async def _invitation_view(session: AsyncSession, inv: Invitation, club: Club | None = None) -> InvitationPublic:
    assert inv.id is not None
    club = club or await session.get(Club, inv.club_id)
    invitee = await session.get(User, inv.user_id)
    inviter = await session.get(User, inv.inviter_id) if inv.inviter_id is not None else None
    assert club is not None
    assert invitee is not None
    return InvitationPublic(
        id=inv.id,
        club=club_listing.card(club),
        user=UserSummary.of(invitee),
        inviter=UserSummary.of(inviter) if inviter is not None else None,
        status=inv.status,  # type: ignore[arg-type]
        created_at=as_utc(inv.created_at),
    )


async def do_invite(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> InvitationPublic:
    """Host or moderator invites a user; nobody is added until they accept."""
    await rate_limit.hit(
        "club_invite",
        str(actor.id),
        limit=membership_service.INVITE_RATE[0],
        window=membership_service.INVITE_RATE[1],
        detail=club_service.TOO_FAST,
    )
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_staff(session, club=club, user=actor)
    await membership_service.get_user_or_raise(session, user_id)
    if await club_service.get_role(session, club_id=club.id, user_id=user_id) is not None:
        raise membership_service.already_member()
    if await club_service.is_banned(session, club_id=club.id, user_id=user_id):
        raise Conflict(code="user_banned")
    if await membership_service.pending_invitations(session, club_id=club.id, user_id=user_id):
        raise Conflict(code="invitation_pending")
    inv = Invitation(club_id=club.id, user_id=user_id, inviter_id=actor.id)
    session.add(inv)
    await session.flush()
    await notification_service.notify(
        session,
        user_id=user_id,
        type="club_invitation",
        title=Msg("notification.club_invitation.title", club=club.name),
        body=Msg("notification.club_invitation.body", inviter=actor.nickname, club=club.name),
        link=f"/clubs/{club.id}",
        data={"club_id": club.id, "invitation_id": inv.id, "inviter_id": actor.id},
    )
    return await _invitation_view(session, inv, club)


async def list_club_invitations(session: AsyncSession, *, club_id: int, user: User) -> list[InvitationPublic]:
    """Pending invitations of a club, newest first (host, moderator)."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    await club_service.check_staff(session, club=club, user=user)
    stmt = (
        select(Invitation)
        .where(Invitation.club_id == club.id, Invitation.status == "pending")
        .order_by(col(Invitation.id).desc())
    )
    return [await _invitation_view(session, inv, club) for inv in (await session.exec(stmt)).all()]


async def do_cancel_invitation(session: AsyncSession, *, club_id: int, actor: User, invitation_id: int) -> None:
    """Host or moderator withdraws a pending invitation."""
    club = await club_service.lock_club(session, club_id=club_id)
    await club_service.check_staff(session, club=club, user=actor)
    inv = await session.get(Invitation, invitation_id)
    if inv is None or inv.club_id != club.id:
        raise NotFound(code="invitation_not_found")
    if inv.status != "pending":
        raise Conflict(code="invitation_not_pending")
    inv.status = "canceled"
    inv.responded_at = utcnow()
    session.add(inv)
    await session.flush()


async def list_my_invitations(session: AsyncSession, *, user: User) -> list[InvitationPublic]:
    """Pending invitations to me from open clubs, newest first."""
    stmt = (
        select(Invitation, Club)
        .join(Club, col(Club.id) == col(Invitation.club_id))
        .where(Invitation.user_id == user.id, Invitation.status == "pending", col(Club.closed_at).is_(None))
        .order_by(col(Invitation.id).desc())
    )
    return [await _invitation_view(session, inv, club) for inv, club in (await session.exec(stmt)).all()]


async def _my_invitation_or_raise(session: AsyncSession, *, invitation_id: int, user: User) -> Invitation:
    inv = await session.get(Invitation, invitation_id)
    if inv is None or inv.user_id != user.id or await club_service.get(session, club_id=inv.club_id) is None:
        raise NotFound(code="invitation_not_found")
    return inv


async def do_accept_invitation(session: AsyncSession, *, invitation_id: int, user: User) -> InvitationPublic:
    """The invitee accepts: they become a member (ban and capacity checked)."""
    assert user.id is not None
    inv = await _my_invitation_or_raise(session, invitation_id=invitation_id, user=user)
    club = await club_service.lock_club(session, club_id=inv.club_id)
    assert club.id is not None
    await session.refresh(inv)
    if inv.status != "pending":
        raise Conflict(code="invitation_not_pending")
    if await club_service.is_banned(session, club_id=club.id, user_id=user.id):
        raise membership_service.banned()
    if await club_service.get_role(session, club_id=club.id, user_id=user.id) is not None:
        raise membership_service.already_member()
    if membership_service.is_full(club):
        raise membership_service.club_full()
    await membership_service.add_member(session, club=club, user_id=user.id)
    await session.refresh(inv)
    return await _invitation_view(session, inv, club)


async def do_decline_invitation(session: AsyncSession, *, invitation_id: int, user: User) -> None:
    """The invitee declines."""
    inv = await _my_invitation_or_raise(session, invitation_id=invitation_id, user=user)
    await club_service.lock_club(session, club_id=inv.club_id)
    await session.refresh(inv)
    if inv.status != "pending":
        raise Conflict(code="invitation_not_pending")
    inv.status = "declined"
    inv.responded_at = utcnow()
    session.add(inv)
    await session.flush()
