"""Membership of clubs: join, request and withdraw, approve and decline, invite and
answer, leave, remove and ban, roles and the host transfer.

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

from sqlalchemy import ColumnElement, case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, Forbidden, NotFound, ValidationFailed
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    JOIN_MESSAGE_MAX,
    BanPublic,
    Club,
    ClubBan,
    ClubMember,
    Invitation,
    InvitationPublic,
    JoinRequest,
    JoinRequestPublic,
    MemberPublic,
)
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import notifications as notification_service
from withus.services import pagination, rate_limit
from withus.services.clubs import TOO_FAST

JOIN_RATE = (30, 3600)  # join attempts per user per hour
INVITE_RATE = (100, 3600)  # invitations sent per user per hour
ROLE_LABELS = {"host": "모임장", "moderator": "운영진", "member": "멤버"}


def _club_full() -> Conflict:
    return Conflict("모임 정원이 가득 찼습니다.", code="club_full")


def _already_member() -> Conflict:
    return Conflict("이미 모임 멤버입니다.", code="already_member")


def _banned() -> Forbidden:
    return Forbidden("이 모임에 가입할 수 없습니다.", code="banned")


def _member_not_found() -> NotFound:
    return NotFound("모임 멤버를 찾을 수 없습니다.", code="member_not_found")


def _is_full(club: Club) -> bool:
    return club.capacity is not None and club.member_count >= club.capacity


async def _get_user_or_raise(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("사용자를 찾을 수 없습니다.", code="user_not_found")
    return user


async def _pending_invitations(session: AsyncSession, *, club_id: int, user_id: int) -> Sequence[Invitation]:
    stmt = select(Invitation).where(
        Invitation.club_id == club_id, Invitation.user_id == user_id, Invitation.status == "pending"
    )
    return (await session.exec(stmt)).all()


async def _close_pending(
    session: AsyncSession, *, club_id: int, user_id: int, request_status: str, invitation_status: str
) -> None:
    """Settle the user's pending request and invitations for this club."""
    now = utcnow()
    jr = await session.get(JoinRequest, (club_id, user_id))
    if jr is not None and jr.status == "pending":
        jr.status = request_status
        jr.decided_at = now
        session.add(jr)
    for inv in await _pending_invitations(session, club_id=club_id, user_id=user_id):
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
    await _close_pending(
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


async def _member_view(session: AsyncSession, member: ClubMember) -> MemberPublic:
    user = await session.get(User, member.user_id)
    assert user is not None
    return MemberPublic(user=UserSummary.of(user), role=member.role, joined_at=as_utc(member.joined_at))  # type: ignore[arg-type]


# ---------------------------------------------------------------- join, leave


async def do_join(session: AsyncSession, *, club_id: int, user: User, message: str = "") -> str:
    """Join an open club (``member``) or ask to join an approval club (``pending``)."""
    assert user.id is not None
    await rate_limit.hit("club_join", str(user.id), limit=JOIN_RATE[0], window=JOIN_RATE[1], detail=TOO_FAST)
    message = (message or "").strip()
    if len(message) > JOIN_MESSAGE_MAX:
        raise ValidationFailed.field("message", f"가입 메시지는 {JOIN_MESSAGE_MAX}자 이하로 입력해 주세요.")
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    if await club_service.is_banned(session, club_id=club.id, user_id=user.id):
        raise _banned()
    if await club_service.get_role(session, club_id=club.id, user_id=user.id) is not None:
        raise _already_member()
    if await _pending_invitations(session, club_id=club.id, user_id=user.id):
        if _is_full(club):
            raise _club_full()
        await add_member(session, club=club, user_id=user.id)
        return "member"
    jr = await session.get(JoinRequest, (club.id, user.id))
    if jr is not None and jr.status == "pending":
        raise Conflict("이미 가입을 요청했습니다. 승인을 기다려 주세요.", code="request_pending")
    if club.join_policy == "invite":
        raise Forbidden("초대를 받아야 가입할 수 있는 모임입니다.", code="invite_only")
    if not club_service.in_window(club):
        raise Conflict("지금은 모집 기간이 아닙니다.", code="not_recruiting")
    if _is_full(club):
        raise _club_full()
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
            title=f"[{club.name}] 가입 요청",
            body=f"{user.nickname}님이 가입을 요청했습니다." + (f" “{message}”" if message else ""),
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
        raise NotFound("대기 중인 가입 요청이 없습니다.", code="request_not_found")
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
        raise Forbidden("모임 멤버가 아닙니다.", code="not_a_member")
    if member.role == "host":
        raise Conflict("모임장은 다른 멤버에게 모임장을 넘긴 뒤 나갈 수 있습니다.", code="host_must_transfer")
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
        raise NotFound("가입 요청을 찾을 수 없습니다.", code="request_not_found")
    if jr.status != "pending":
        raise Conflict("이미 처리되었거나 철회된 요청입니다.", code="request_not_pending")
    return jr


async def do_approve_request(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> MemberPublic:
    """Host or moderator: the requester becomes a member (capacity checked)."""
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_staff(session, club=club, user=actor)
    jr = await _pending_request_or_raise(session, club_id=club.id, user_id=user_id)
    if _is_full(club):
        raise _club_full()
    jr.decided_by_id = actor.id
    member = await add_member(session, club=club, user_id=user_id)
    await notification_service.notify(
        session,
        user_id=user_id,
        type="join_approved",
        title=f"[{club.name}] 가입 승인",
        body=f"'{club.name}' 모임 가입이 승인되었습니다.",
        link=f"/clubs/{club.id}",
        data={"club_id": club.id},
    )
    return await _member_view(session, member)


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
        title=f"[{club.name}] 가입 거절",
        body=f"'{club.name}' 모임 가입 요청이 거절되었습니다.",
        link=f"/clubs/{club.id}",
        data={"club_id": club.id},
    )


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
        club=club_service.card(club),
        user=UserSummary.of(invitee),
        inviter=UserSummary.of(inviter) if inviter is not None else None,
        status=inv.status,  # type: ignore[arg-type]
        created_at=as_utc(inv.created_at),
    )


async def do_invite(session: AsyncSession, *, club_id: int, actor: User, user_id: int) -> InvitationPublic:
    """Host or moderator invites a user; nobody is added until they accept."""
    await rate_limit.hit("club_invite", str(actor.id), limit=INVITE_RATE[0], window=INVITE_RATE[1], detail=TOO_FAST)
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_staff(session, club=club, user=actor)
    await _get_user_or_raise(session, user_id)
    if await club_service.get_role(session, club_id=club.id, user_id=user_id) is not None:
        raise _already_member()
    if await club_service.is_banned(session, club_id=club.id, user_id=user_id):
        raise Conflict("이 모임에서 차단된 사용자입니다. 차단을 먼저 해제해 주세요.", code="user_banned")
    if await _pending_invitations(session, club_id=club.id, user_id=user_id):
        raise Conflict("이미 초대한 사용자입니다.", code="invitation_pending")
    inv = Invitation(club_id=club.id, user_id=user_id, inviter_id=actor.id)
    session.add(inv)
    await session.flush()
    await notification_service.notify(
        session,
        user_id=user_id,
        type="club_invitation",
        title=f"[{club.name}] 모임 초대",
        body=f"{actor.nickname}님이 '{club.name}' 모임에 초대했습니다.",
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
        raise NotFound("초대를 찾을 수 없습니다.", code="invitation_not_found")
    if inv.status != "pending":
        raise Conflict("이미 응답했거나 취소된 초대입니다.", code="invitation_not_pending")
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
        raise NotFound("초대를 찾을 수 없습니다.", code="invitation_not_found")
    return inv


async def do_accept_invitation(session: AsyncSession, *, invitation_id: int, user: User) -> InvitationPublic:
    """The invitee accepts: they become a member (ban and capacity checked)."""
    assert user.id is not None
    inv = await _my_invitation_or_raise(session, invitation_id=invitation_id, user=user)
    club = await club_service.lock_club(session, club_id=inv.club_id)
    assert club.id is not None
    await session.refresh(inv)
    if inv.status != "pending":
        raise Conflict("이미 응답했거나 취소된 초대입니다.", code="invitation_not_pending")
    if await club_service.is_banned(session, club_id=club.id, user_id=user.id):
        raise _banned()
    if await club_service.get_role(session, club_id=club.id, user_id=user.id) is not None:
        raise _already_member()
    if _is_full(club):
        raise _club_full()
    await add_member(session, club=club, user_id=user.id)
    await session.refresh(inv)
    return await _invitation_view(session, inv, club)


async def do_decline_invitation(session: AsyncSession, *, invitation_id: int, user: User) -> None:
    """The invitee declines."""
    inv = await _my_invitation_or_raise(session, invitation_id=invitation_id, user=user)
    await club_service.lock_club(session, club_id=inv.club_id)
    await session.refresh(inv)
    if inv.status != "pending":
        raise Conflict("이미 응답했거나 취소된 초대입니다.", code="invitation_not_pending")
    inv.status = "declined"
    inv.responded_at = utcnow()
    session.add(inv)
    await session.flush()


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


async def do_change_role(session: AsyncSession, *, club_id: int, actor: User, user_id: int, role: str) -> MemberPublic:
    """Host only: make a member a moderator or back. The host's own role changes only by transfer."""
    if role not in ("moderator", "member"):
        raise ValidationFailed.field("role", "역할은 moderator 또는 member만 정할 수 있습니다.")
    club = await club_service.lock_club(session, club_id=club_id)
    assert club.id is not None
    await club_service.check_host(session, club=club, user=actor)
    member = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if member is None:
        raise _member_not_found()
    if member.role == "host":
        raise Conflict("모임장의 역할은 모임장 넘기기로만 바꿀 수 있습니다.", code="use_transfer")
    if member.role != role:
        member.role = role
        session.add(member)
        await session.flush()
        await club_service.run_membership_hooks(session, club, user_id, role)
        await _notify_role(session, club=club, user_id=user_id, role=role)
    return await _member_view(session, member)


async def _notify_role(session: AsyncSession, *, club: Club, user_id: int, role: str) -> None:
    await notification_service.notify(
        session,
        user_id=user_id,
        type="role_changed",
        title=f"[{club.name}] 역할 변경",
        body=f"'{club.name}' 모임에서 내 역할이 {ROLE_LABELS[role]}(으)로 바뀌었습니다.",
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
        raise Conflict("이미 모임장입니다.", code="already_host")
    target = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if target is None:
        raise _member_not_found()
    await set_host(session, club=club, new_host=target, old_host_id=actor.id, old_host_role="moderator")
    return await _member_view(session, target)


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
        raise Conflict("자신은 내보낼 수 없습니다. 모임 나가기를 이용해 주세요.", code="cannot_remove_self")
    member = await club_service.get_member(session, club_id=club.id, user_id=user_id)
    if member is None:
        if not ban:
            raise _member_not_found()
        await _get_user_or_raise(session, user_id)
    elif member.role == "host" or (member.role == "moderator" and actor_role != "host"):
        raise Forbidden("모임장이나 다른 운영진은 내보낼 수 없습니다.", code="insufficient_role")
    if member is not None:
        await remove_member(session, club=club, member=member)
    if ban and not await club_service.is_banned(session, club_id=club.id, user_id=user_id):
        session.add(ClubBan(club_id=club.id, user_id=user_id, banned_by_id=actor.id))
        await _close_pending(
            session, club_id=club.id, user_id=user_id, request_status="declined", invitation_status="canceled"
        )
        await session.flush()
    if member is not None:
        await notification_service.notify(
            session,
            user_id=user_id,
            type="removed_from_club",
            title=f"[{club.name}] 모임에서 내보내짐",
            body=f"'{club.name}' 모임에서 내보내졌습니다.",
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
        raise NotFound("차단된 사용자가 아닙니다.", code="ban_not_found")
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
            await remove_member(session, club=club, member=member)
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
