"""Membership of clubs: joining (join, request and withdraw, approve and decline, leave) and
what every membership change shares (:func:`add_member`, :func:`remove_member`). Invitations are
:mod:`withus.services.invitations`; members, roles, bans, the host transfer and account deletion
:mod:`withus.services.member_roles`.

Every change takes the club row's lock first (:func:`clubs.lock_club`), then
checks and counts, so capacity holds under concurrent joins. ``clubs.member_count``
changes in the same transaction as the ``club_members`` row.

Decisions where the product page is silent:

- An invitation bypasses the join policy and the recruiting window, not the
  capacity or a ban. Calling ``join`` with a pending invitation accepts it.
- Approving a request checks capacity, not the window (the request was made in it).
- A ban removes the membership, declines a pending request and cancels pending
  invitations; staff can also ban someone who is not a member (404 only when the
  user does not exist). Unbanning lets the user join again.
- Nobody removes themselves through ``remove``: that is ``leave`` (409 ``cannot_remove_self``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, Forbidden, NotFound, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    JOIN_MESSAGE_MAX,
    Club,
    ClubMember,
    Invitation,
    JoinRequest,
    JoinRequestPublic,
    MemberPublic,
)
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import notifications as notification_service
from withus.services import rate_limit

JOIN_RATE = (30, 3600)  # join attempts per user per hour
INVITE_RATE = (100, 3600)  # invitations sent per user per hour


def club_full() -> Conflict:
    return Conflict(code="club_full")


def already_member() -> Conflict:
    return Conflict(code="already_member")


def banned() -> Forbidden:
    return Forbidden(code="banned")


def member_not_found() -> NotFound:
    return NotFound(code="member_not_found")


def is_full(club: Club) -> bool:
    return club.capacity is not None and club.member_count >= club.capacity


async def get_user_or_raise(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(code="user_not_found")
    return user


async def pending_invitations(session: AsyncSession, *, club_id: int, user_id: int) -> Sequence[Invitation]:
    stmt = select(Invitation).where(
        Invitation.club_id == club_id, Invitation.user_id == user_id, Invitation.status == "pending"
    )
    return (await session.exec(stmt)).all()


async def close_pending(
    session: AsyncSession, *, club_id: int, user_id: int, request_status: str, invitation_status: str
) -> None:
    """Settle the user's pending request and invitations for this club."""
    now = utcnow()
    jr = await session.get(JoinRequest, (club_id, user_id))
    if jr is not None and jr.status == "pending":
        jr.status = request_status
        jr.decided_at = now
        session.add(jr)
    for inv in await pending_invitations(session, club_id=club_id, user_id=user_id):
        inv.status = invitation_status
        inv.responded_at = now
        session.add(inv)


async def add_member(session: AsyncSession, *, club: Club, user_id: int, role: str = "member") -> ClubMember:
    """Insert the membership and count it (the caller holds the club lock and has checked capacity)."""
    assert club.id is not None
    member = ClubMember(club_id=club.id, user_id=user_id, role=role, joined_at=utcnow())
    session.add(member)
    club.member_count += 1
    session.add(club)
    await close_pending(
        session, club_id=club.id, user_id=user_id, request_status="approved", invitation_status="accepted"
    )
    await session.flush()
    await club_service.run_membership_hooks(session, club, user_id, role)
    return member


async def remove_member(session: AsyncSession, *, club: Club, member: ClubMember) -> None:
    """Delete the membership and uncount it (the caller holds the club lock)."""
    await session.delete(member)
    club.member_count = max(0, club.member_count - 1)
    session.add(club)
    await session.flush()
    await club_service.run_membership_hooks(session, club, member.user_id, None)


async def member_view(session: AsyncSession, member: ClubMember) -> MemberPublic:
    user = await session.get(User, member.user_id)
    assert user is not None
    return MemberPublic(user=UserSummary.of(user), role=member.role, joined_at=as_utc(member.joined_at))  # type: ignore[arg-type]


# ---------------------------------------------------------------- join, leave


async def do_join(session: AsyncSession, *, club_id: int, user: User, message: str = "") -> str:
    """Join an open club (``member``) or ask to join an approval club (``pending``)."""
    assert user.id is not None
    await rate_limit.hit(
        "club_join", str(user.id), limit=JOIN_RATE[0], window=JOIN_RATE[1], detail=club_service.TOO_FAST
    )
    message = (message or "").strip()
    if len(message) > JOIN_MESSAGE_MAX:
        raise ValidationFailed.field("message", Msg("validation.join_message_length", max=JOIN_MESSAGE_MAX))
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    if await club_service.is_banned(session, club_id=club.id, user_id=user.id):
        raise banned()
    if await club_service.get_role(session, club_id=club.id, user_id=user.id) is not None:
        raise already_member()
    if await pending_invitations(session, club_id=club.id, user_id=user.id):
        if is_full(club):
            raise club_full()
        await add_member(session, club=club, user_id=user.id)
        return "member"
    jr = await session.get(JoinRequest, (club.id, user.id))
    if jr is not None and jr.status == "pending":
        raise Conflict(code="request_pending")
    if club.join_policy == "invite":
        raise Forbidden(code="invite_only")
    if not club_service.in_window(club):
        raise Conflict(code="not_recruiting")
    if is_full(club):
        raise club_full()
    if club.join_policy == "open":
        await add_member(session, club=club, user_id=user.id)
        return "member"
    now = utcnow()
    if jr is None:
        jr = JoinRequest(club_id=club.id, user_id=user.id, message=message, created_at=now)
    else:
        jr.status, jr.message, jr.created_at, jr.decided_at, jr.decided_by_id = "pending", message, now, None, None
    session.add(jr)
    await session.flush()
    for staff_id in await club_service.staff_user_ids(session, club_id=club.id):
        await notification_service.notify(
            session,
            user_id=staff_id,
            type="join_request",
            title=Msg("notification.join_request.title", club=club.name),
            body=(
                Msg("notification.join_request.body_message", nickname=user.nickname, message=message)
                if message
                else Msg("notification.join_request.body", nickname=user.nickname)
            ),
            link=f"/clubs/{club.id}/manage",
            data={"club_id": club.id, "user_id": user.id},
        )
    return "pending"


async def do_withdraw_request(session: AsyncSession, *, club_id: int, user: User) -> None:
    """Withdraw my pending join request; none pending → 404 ``request_not_found``."""
    assert user.id is not None
    club = await club_service.lock_club(session, club_id=club_id)
    jr = await session.get(JoinRequest, (club.id, user.id))
    if jr is None or jr.status != "pending":
        raise NotFound(Msg("error.request_not_found.pending"), code="request_not_found")
    jr.status = "withdrawn"
    jr.decided_at = utcnow()
    session.add(jr)
    await session.flush()


async def do_leave(session: AsyncSession, *, club_id: int, user: User) -> None:
    """Leave a club; the host must transfer the role first (409 ``host_must_transfer``)."""
    assert user.id is not None
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    member = await club_service.get_member(session, club_id=club.id, user_id=user.id)
    if member is None:
        raise Forbidden(Msg("error.not_a_member.not_member"), code="not_a_member")
    if member.role == "host":
        raise Conflict(code="host_must_transfer")
    await remove_member(session, club=club, member=member)


# ---------------------------------------------------------------- requests


async def list_join_requests(session: AsyncSession, *, club_id: int, user: User) -> list[JoinRequestPublic]:
    """Pending requests, oldest first (host, moderator)."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    await club_service.check_staff(session, club=club, user=user)
    stmt = (
        select(JoinRequest, User)
        .join(User, col(User.id) == col(JoinRequest.user_id))
        .where(JoinRequest.club_id == club.id, JoinRequest.status == "pending")
        .order_by(col(JoinRequest.created_at), col(JoinRequest.user_id))
    )
    return [
        JoinRequestPublic(
            user=UserSummary.of(u),
            message=jr.message,
            status=jr.status,  # type: ignore[arg-type]
            created_at=as_utc(jr.created_at),
        )
        for jr, u in (await session.exec(stmt)).all()
    ]


async def _pending_request_or_raise(session: AsyncSession, *, club_id: int, user_id: int) -> JoinRequest:
    jr = await session.get(JoinRequest, (club_id, user_id))
    if jr is None:
        raise NotFound(code="request_not_found")
    if jr.status != "pending":
        raise Conflict(code="request_not_pending")
    return jr


async def do_approve_request(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> MemberPublic:
    """Host or moderator: the requester becomes a member (capacity checked)."""
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_staff(session, club=club, user=actor)
    jr = await _pending_request_or_raise(session, club_id=club.id, user_id=user_id)
    if is_full(club):
        raise club_full()
    jr.decided_by_id = actor.id
    member = await add_member(session, club=club, user_id=user_id)
    await notification_service.notify(
        session,
        user_id=user_id,
        type="join_approved",
        title=Msg("notification.join_approved.title", club=club.name),
        body=Msg("notification.join_approved.body", club=club.name),
        link=f"/clubs/{club.id}",
        data={"club_id": club.id},
    )
    return await member_view(session, member)


async def do_decline_request(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> None:
    """Host or moderator: the request is declined and the requester told."""
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_staff(session, club=club, user=actor)
    jr = await _pending_request_or_raise(session, club_id=club.id, user_id=user_id)
    jr.status = "declined"
    jr.decided_at = utcnow()
    jr.decided_by_id = actor.id
    session.add(jr)
    await session.flush()
    await notification_service.notify(
        session,
        user_id=user_id,
        type="join_declined",
        title=Msg("notification.join_declined.title", club=club.name),
        body=Msg("notification.join_declined.body", club=club.name),
        link=f"/clubs/{club.id}",
        data={"club_id": club.id},
    )
