"""Clubs as people find them: the cards of the club list and the detail view, the categories,
the newest-first list with its keyword search, and my clubs. Access rules and changes to a club
are :mod:`withus.services.clubs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, cast

from sqlalchemy import BindParameter, ColumnElement, Select, String, Table, bindparam, func, literal_column, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.models.base import as_utc, utcnow
from withus.models.club import (
    CATEGORIES,
    CATEGORY_LABELS_KO,
    Club,
    ClubCard,
    ClubMember,
    ClubPublic,
    Invitation,
    JoinRequest,
    MyClub,
)
from withus.models.user import User, UserPublic
from withus.services import clubs as club_service
from withus.services.pagination import clamp_limit, decode_cursor, encode_cursor

QUERY_MAX = 100
_clubs = cast(Table, Club.__table__)  # type: ignore[attr-defined]


class CardRow(NamedTuple):
    """A row of the club list: the columns a card shows, by name (a card is built from one of
    these or from a :class:`Club`)."""

    id: int
    name: str
    category: str
    cover_path: str | None
    member_count: int
    capacity: int | None
    recruit_from: datetime | None
    recruit_until: datetime | None
    closed_at: datetime | None
    join_policy: str
    visibility: str
    created_at: datetime


def is_recruiting(club: Club | CardRow, *, now: datetime | None = None) -> bool:
    """Inside the recruiting window (when there is one) and below capacity (when there is one)."""
    if club.closed_at is not None or not club_service.in_window(club, now=now):
        return False
    return club.capacity is None or club.member_count < club.capacity


def card(club: Club | CardRow, *, now: datetime | None = None) -> ClubCard:
    assert club.id is not None
    return ClubCard(
        id=club.id,
        name=club.name,
        category=club.category,
        category_label=CATEGORY_LABELS_KO.get(club.category, club.category),
        cover_url=club_service.cover_url(club),
        member_count=club.member_count,
        capacity=club.capacity,
        recruiting=is_recruiting(club, now=now),
        join_policy=club.join_policy,
        visibility=club.visibility,
        created_at=as_utc(club.created_at),
    )


async def public_view(session: AsyncSession, *, club: Club, user: User | None) -> ClubPublic:
    """The detail view for this viewer: a private club shows non-members its listed fields only."""
    assert club.id is not None
    role: str | None = None
    request_status: str | None = None
    invitation_id: int | None = None
    if user is not None and user.id is not None:
        role = await club_service.get_role(session, club_id=club.id, user_id=user.id)
        if role is None:
            jr = await session.get(JoinRequest, (club.id, user.id))
            request_status = "pending" if jr is not None and jr.status == "pending" else None
            stmt = select(Invitation.id).where(
                Invitation.club_id == club.id, Invitation.user_id == user.id, Invitation.status == "pending"
            )
            invitation_id = (await session.exec(stmt)).first()
    restricted = club.visibility == "private" and role is None
    host: UserPublic | None = None
    if not restricted:
        host_user = await session.get(User, club.host_id)
        host = UserPublic.of(host_user) if host_user is not None else None
    base = card(club).model_dump()
    return ClubPublic(
        **base,
        description=club.description,
        location=None if restricted else club.location,
        recruit_from=as_utc(club.recruit_from) if club.recruit_from else None,
        recruit_until=as_utc(club.recruit_until) if club.recruit_until else None,
        host=host,
        my_role=role,  # type: ignore[arg-type]
        my_request_status=request_status,  # type: ignore[arg-type]
        my_invitation_id=invitation_id,
        chat_room_id=club.chat_room_id if role is not None else None,
        restricted=restricted,
    )


def categories() -> list[dict[str, str]]:
    return [{"code": code, "label_ko": ko, "label_en": en} for code, ko, en in CATEGORIES]


# ---------------------------------------------------------------- discovery


def _search_condition() -> ColumnElement[bool]:
    # lower(name || ' ' || description) LIKE '%word%': the same expression as the pg_trgm
    # GIN index of migration 0003, with the separator as a literal so the index matches.
    haystack = func.lower(_clubs.c.name.op("||")(literal_column("' '")).op("||")(_clubs.c.description))
    # The pattern is rendered into the statement (safely quoted) rather than bound: with a bound
    # parameter PostgreSQL soon switches to a generic plan that cannot know how selective the
    # pattern is, walks the newest-first index and filters — slow for a rare word at 100,000 clubs.
    pattern: BindParameter[str] = bindparam("club_search", type_=String(), literal_execute=True)
    return haystack.like(pattern, escape="\\")


def _search_pattern(q: str) -> str:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@cache
def _club_list_statement(*, with_category: bool, with_query: bool, with_cursor: bool) -> Select[Any]:
    """The club list statement of one shape, built once (parameters ``limit``, and ``category``,
    ``club_search``, ``after_created``/``after_id`` when the shape has them)."""
    stmt = sa_select(*(_clubs.c[name] for name in CardRow._fields)).where(_clubs.c.closed_at.is_(None))
    if with_category:
        stmt = stmt.where(_clubs.c.category == bindparam("category"))
    if with_query:
        stmt = stmt.where(_search_condition())
    if with_cursor:
        stmt = stmt.where(
            tuple_(_clubs.c.created_at, _clubs.c.id)
            < tuple_(
                bindparam("after_created", type_=_clubs.c.created_at.type),
                bindparam("after_id", type_=_clubs.c.id.type),
            )
        )
    return stmt.order_by(_clubs.c.created_at.desc(), _clubs.c.id.desc()).limit(bindparam("limit"))


async def list_clubs(
    session: AsyncSession,
    *,
    category: str | None = None,
    q: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> tuple[list[ClubCard], str | None]:
    """Open clubs newest first, by keyset on (created_at, id): one statement per page, read as
    plain rows of the columns a card shows (no ORM objects: the home page asks for this the most)."""
    limit = clamp_limit(limit)
    params: dict[str, Any] = {"limit": limit + 1}
    if category:
        params["category"] = category
    q = (q or "").strip()[:QUERY_MAX]
    if q:
        params["club_search"] = _search_pattern(q)
    if cursor:
        params["after_created"], params["after_id"] = decode_cursor(cursor, datetime, int)
    stmt = _club_list_statement(with_category=bool(category), with_query=bool(q), with_cursor=bool(cursor))
    rows = [CardRow._make(row) for row in await fetch_rows(session, stmt, params)]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(as_utc(rows[-1].created_at), rows[-1].id)
    now = utcnow()
    return [card(row, now=now) for row in rows], next_cursor


async def list_my_clubs(
    session: AsyncSession, *, user: User, limit: int | None = None, cursor: str | None = None
) -> tuple[list[MyClub], str | None]:
    """The open clubs I belong to with my role, most recently joined first."""
    assert user.id is not None
    limit = clamp_limit(limit)
    stmt = (
        select(Club, ClubMember)
        .join(ClubMember, col(ClubMember.club_id) == col(Club.id))
        .where(ClubMember.user_id == user.id, col(Club.closed_at).is_(None))
    )
    if cursor:
        joined_at, club_id = decode_cursor(cursor, datetime, int)
        stmt = stmt.where(tuple_(col(ClubMember.joined_at), col(ClubMember.club_id)) < tuple_(joined_at, club_id))
    stmt = stmt.order_by(col(ClubMember.joined_at).desc(), col(ClubMember.club_id).desc()).limit(limit + 1)
    rows = list((await session.exec(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        _, last = rows[-1]
        next_cursor = encode_cursor(as_utc(last.joined_at), last.club_id)
    now = utcnow()
    items = [
        MyClub(**card(club, now=now).model_dump(), my_role=m.role, joined_at=as_utc(m.joined_at))  # type: ignore[arg-type]
        for club, m in rows
    ]
    return items, next_cursor


async def list_hosted_clubs(session: AsyncSession, *, user_id: int) -> Sequence[Club]:
    """Open clubs this user hosts (for a public profile), newest first."""
    stmt = (
        select(Club)
        .where(Club.host_id == user_id, col(Club.closed_at).is_(None))
        .order_by(col(Club.created_at).desc(), col(Club.id).desc())
    )
    return (await session.exec(stmt)).all()
