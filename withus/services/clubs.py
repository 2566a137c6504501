"""Clubs: creation, discovery, detail, editing and closing — and the access helpers
every club-scoped feature (board, chat, reports) uses.

Access rules, in one place:

- A closed club (``closed_at`` set) does not exist for anyone: :func:`get_club_or_raise` → 404.
- Reading a club's content (members, board, chat): a public club — anyone; a private
  club — its members only (:func:`check_can_read_club_content`: anonymous → 401,
  others → 403 ``not_a_member``).
- A banned user is not a member (the ban removes the membership).
- Staff = host or moderator (:func:`is_staff`); :func:`check_staff` and :func:`check_host`
  answer 403 ``not_a_member`` to outsiders and 403 ``insufficient_role`` to members.

Hooks for other parts, run inside the creating transaction (wired by :mod:`withus.services.hooks`):

- ``on_club_created``: ``async (session, club) -> None`` after the club and its host
  membership are flushed (the real-time part creates the club's chat room there and
  sets ``club.chat_room_id``).
- ``on_membership_changed``: ``async (session, club, user_id, role | None) -> None``
  after someone joins, leaves, is removed or changes role (``None`` = no longer a member).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, bindparam, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    STAFF_ROLES,
    Club,
    ClubBan,
    ClubCreate,
    ClubMember,
    ClubUpdate,
    Invitation,
    JoinRequest,
    check_window,
)
from withus.models.user import MEDIA_URL_PREFIX, User
from withus.services import images, page_live, rate_limit
from withus.services import users as user_service

OnClubCreated = Callable[[AsyncSession, Club], Awaitable[None]]
OnMembershipChanged = Callable[[AsyncSession, Club, int, str | None], Awaitable[None]]

_clubs = cast(Table, Club.__table__)  # type: ignore[attr-defined]
_members = cast(Table, ClubMember.__table__)  # type: ignore[attr-defined]

on_club_created: list[OnClubCreated] = []
on_membership_changed: list[OnMembershipChanged] = []

CREATE_RATE = (10, 3600)  # clubs per user per hour
TOO_FAST = Msg("error.rate_limited.clubs")


# ---------------------------------------------------------------- access helpers


async def get(session: AsyncSession, *, club_id: int) -> Club | None:
    """The club, or None when it does not exist or is closed."""
    club = await session.get(Club, club_id)
    if club is None or club.closed_at is not None:
        return None
    return club


def club_not_found() -> NotFound:
    return NotFound(code="club_not_found")


@dataclass(frozen=True)
class ReadAccess:
    """What a reader of a club's content needs to know: the club and the reader's role in it."""

    club_id: int
    visibility: str
    role: str | None


@cache
def _read_access_statement(*, reader: bool) -> Select[Any]:
    """:func:`read_access_columns` alone: one row, its visibility NULL for a closed or absent club."""
    return sa_select(*read_access_columns(reader=reader))


async def read_access(session: AsyncSession, *, club_id: int, user: user_service.Caller | None) -> ReadAccess:
    """:func:`get_club_or_raise`, the reader's role and :func:`check_can_read_club_content` in one
    statement and without the ORM (the lists that every page load asks for use it). Site
    administrators read every club."""
    uid = user.id if user is not None else None
    stmt = _read_access_statement(reader=uid is not None)
    ((visibility, member_role),) = await fetch_rows(session, stmt, {"club_id": club_id, "reader": uid})
    return read_access_of(club_id=club_id, visibility=visibility, role=member_role, user=user)


@cache
def read_access_columns(*, reader: bool) -> tuple[Any, Any]:
    """The club's visibility (NULL when it is closed or absent) and the reader's role, as two
    subqueries another statement can select beside its own rows (parameters ``club_id``,
    ``reader``): a list fetches its page and the right to read it in one round trip, then
    decides with :func:`read_access_of`."""
    visibility = (
        sa_select(_clubs.c.visibility)
        .where(_clubs.c.id == bindparam("club_id"), _clubs.c.closed_at.is_(None))
        .scalar_subquery()
    )
    role: Any = literal_column("NULL")
    if reader:
        role = (
            sa_select(_members.c.role)
            .where(_members.c.club_id == bindparam("club_id"), _members.c.user_id == bindparam("reader"))
            .scalar_subquery()
        )
    return visibility, role


def read_access_of(
    *, club_id: int, visibility: str | None, role: str | None, user: user_service.Caller | None
) -> ReadAccess:
    """The reading rule on what :func:`read_access_columns` (or :func:`read_access`) read: 404 for a
    closed or absent club, then :func:`_check_reader` (administrators read every club)."""
    if visibility is None:
        raise club_not_found()
    if not (user is not None and user.is_admin):
        _check_reader(visibility=visibility, role=role, user=user)
    return ReadAccess(club_id=club_id, visibility=visibility, role=role)


async def get_club_or_raise(session: AsyncSession, *, club_id: int) -> Club:
    """The open club with this id; absent or closed → 404."""
    club = await get(session, club_id=club_id)
    if club is None:
        raise club_not_found()
    return club


async def lock_club(session: AsyncSession, *, club_id: int) -> Club:
    """The open club, its row locked for this transaction (PostgreSQL ``FOR UPDATE``;
    SQLite's ``BEGIN IMMEDIATE`` already serializes writers). Membership changes take
    this lock before they count, so capacity holds under concurrent joins."""
    stmt = select(Club).where(Club.id == club_id).with_for_update().execution_options(populate_existing=True)
    club = (await session.exec(stmt)).first()
    if club is None or club.closed_at is not None:
        raise club_not_found()
    page_live.club_changed(session, club.id)  # every change of a club locks it first: its open pages re-read
    return club


async def get_member(session: AsyncSession, *, club_id: int, user_id: int) -> ClubMember | None:
    return await session.get(ClubMember, (club_id, user_id))


async def get_role(session: AsyncSession, *, club_id: int, user_id: int) -> str | None:
    """``host`` | ``moderator`` | ``member``, or None when not a member (banned included)."""
    stmt = select(ClubMember.role).where(ClubMember.club_id == club_id, ClubMember.user_id == user_id)
    return (await session.exec(stmt)).first()


def is_staff(role: str | None) -> bool:
    """Host or moderator."""
    return role in STAFF_ROLES


async def check_can_read_club_content(session: AsyncSession, *, club: Club, user: User | None) -> None:
    """Members, board and chat of a club: public → anyone; private → members only
    (anonymous → 401 ``not_authenticated``, others → 403 ``not_a_member``)."""
    if club.visibility == "public":
        return
    role = None
    if user is not None:
        assert club.id is not None
        assert user.id is not None
        role = await get_role(session, club_id=club.id, user_id=user.id)
    _check_reader(visibility=club.visibility, role=role, user=user)


def _check_reader(*, visibility: str, role: str | None, user: user_service.Caller | None) -> None:
    """The reading rule of :func:`check_can_read_club_content`, once the reader's role is known."""
    if visibility == "public" or role is not None:
        return
    if user is None:
        raise NotAuthenticated(Msg("error.not_authenticated"))
    raise Forbidden(code="not_a_member")


async def check_member(session: AsyncSession, *, club: Club, user: User | None) -> str:
    """The user's role in the club; not a member (or banned) → 403 ``not_a_member``."""
    if user is None:
        raise NotAuthenticated(Msg("error.not_authenticated"))
    assert club.id is not None
    assert user.id is not None
    role = await get_role(session, club_id=club.id, user_id=user.id)
    if role is None:
        raise Forbidden(Msg("error.not_a_member.not_member"), code="not_a_member")
    return role


async def check_staff(session: AsyncSession, *, club: Club, user: User | None) -> str:
    """Host or moderator; a plain member → 403 ``insufficient_role``."""
    role = await check_member(session, club=club, user=user)
    if not is_staff(role):
        raise Forbidden(code="insufficient_role")
    return role


async def check_host(session: AsyncSession, *, club: Club, user: User | None) -> str:
    """The host only; other members → 403 ``insufficient_role``."""
    role = await check_member(session, club=club, user=user)
    if role != "host":
        raise Forbidden(Msg("error.insufficient_role.host"), code="insufficient_role")
    return role


async def is_banned(session: AsyncSession, *, club_id: int, user_id: int) -> bool:
    return await session.get(ClubBan, (club_id, user_id)) is not None


async def staff_user_ids(session: AsyncSession, *, club_id: int) -> list[int]:
    """Host first, then moderators by seniority."""
    stmt = (
        select(ClubMember.user_id, ClubMember.role)
        .where(ClubMember.club_id == club_id, col(ClubMember.role).in_(STAFF_ROLES))
        .order_by(col(ClubMember.joined_at), col(ClubMember.user_id))
    )
    rows = (await session.exec(stmt)).all()
    return [uid for uid, role in rows if role == "host"] + [uid for uid, role in rows if role != "host"]


async def run_membership_hooks(session: AsyncSession, club: Club, user_id: int, role: str | None) -> None:
    for hook in on_membership_changed:
        await hook(session, club, user_id, role)


# ---------------------------------------------------------------- rules of a club


class HasCover(Protocol):
    @property
    def cover_path(self) -> str | None: ...


class RecruitWindow(Protocol):
    @property
    def recruit_from(self) -> datetime | None: ...
    @property
    def recruit_until(self) -> datetime | None: ...


def cover_url(club: HasCover) -> str | None:
    return MEDIA_URL_PREFIX + club.cover_path if club.cover_path else None


def in_window(club: RecruitWindow, *, now: datetime | None = None) -> bool:
    """Inside the recruiting window, when the club has one (joining asks; a card shows it)."""
    now = now or utcnow()
    if club.recruit_from is not None and now < as_utc(club.recruit_from):
        return False
    return not (club.recruit_until is not None and now >= as_utc(club.recruit_until))


# ---------------------------------------------------------------- create, edit, close


async def do_create_club(session: AsyncSession, *, user: User, data: ClubCreate) -> Club:
    """A new club with the creator as its host (one member), then the ``on_club_created`` hooks."""
    assert user.id is not None
    await rate_limit.hit("club_create", str(user.id), limit=CREATE_RATE[0], window=CREATE_RATE[1], detail=TOO_FAST)
    now = utcnow()
    club = Club(
        **data.model_dump(),
        host_id=user.id,
        member_count=1,
        created_at=now,
        updated_at=now,
    )
    session.add(club)
    await session.flush()
    assert club.id is not None
    session.add(ClubMember(club_id=club.id, user_id=user.id, role="host", joined_at=now))
    await session.flush()
    for hook in on_club_created:
        await hook(session, club)
    return club


async def do_update_club(session: AsyncSession, *, club_id: int, user: User, data: ClubUpdate) -> Club:
    """Host or moderator. Capacity may not go below the current member count."""
    club = await lock_club(session, club_id=club_id)
    await check_staff(session, club=club, user=user)
    changes = data.model_dump(exclude_unset=True)
    if "capacity" in changes and changes["capacity"] is not None and changes["capacity"] < club.member_count:
        raise ValidationFailed.field(
            "capacity", Msg("validation.capacity_below_members", count=club.member_count), code="validation_failed"
        )
    recruit_from = changes.get("recruit_from", club.recruit_from)
    recruit_until = changes.get("recruit_until", club.recruit_until)
    try:
        check_window(recruit_from, recruit_until)
    except ValueError as exc:
        field = "recruit_until" if "recruit_until" in changes else "recruit_from"
        raise ValidationFailed.field(field, str(exc)) from None
    for key, value in changes.items():
        setattr(club, key, value)
    club.updated_at = utcnow()
    session.add(club)
    await session.flush()
    return club


async def do_close_club(session: AsyncSession, *, club_id: int, user: User) -> None:
    """Host only: the club is closed and disappears (404) for everyone."""
    club = await lock_club(session, club_id=club_id)
    await check_host(session, club=club, user=user)
    await close(session, club=club)


async def close(session: AsyncSession, *, club: Club) -> None:
    """Close without a permission check (account deletion of a host with nobody left)."""
    now = utcnow()
    club.closed_at = now
    club.updated_at = now
    session.add(club)
    # Pending requests and invitations of a closed club can no longer be answered.
    for jr in (
        await session.exec(select(JoinRequest).where(JoinRequest.club_id == club.id, JoinRequest.status == "pending"))
    ).all():
        jr.status = "declined"
        jr.decided_at = now
        session.add(jr)
    for inv in (
        await session.exec(select(Invitation).where(Invitation.club_id == club.id, Invitation.status == "pending"))
    ).all():
        inv.status = "canceled"
        inv.responded_at = now
        session.add(inv)
    await session.flush()


async def do_set_cover(session: AsyncSession, *, club_id: int, user: User, content: bytes) -> Club:
    """Host or moderator: store a new cover image (checked by content, re-encoded)."""
    club = await lock_club(session, club_id=club_id)
    await check_staff(session, club=club, user=user)
    old = club.cover_path
    club.cover_path = await images.save_image(content, folder="covers", max_side=1600)
    club.updated_at = utcnow()
    session.add(club)
    await session.flush()
    if old:
        images.delete_after_commit(session, old)
    return club
