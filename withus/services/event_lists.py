"""The event lists every page asks for — a club's events and mine — each read in ONE prebuilt
statement of plain rows (``withus.db.fetch_rows``: compiled once, straight from asyncpg in a read
on PostgreSQL; no ORM objects): the event's columns, the club's name, the reader's role in the
club, the reader's answer and waitlist position, and the creator's public columns. A club's list
also reads the club's visibility and the reader's account in the same statement (as the board
does), so a page with rows needs no other round trip.

Keyset pagination on ``(starts_at, id)``: upcoming first (ascending from ``from``, default now);
the club page's past events newest first (``past=True``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal_column, tuple_
from sqlalchemy import select as sa_select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.models.base import as_utc, utcnow
from withus.models.club import Club, ClubMember
from withus.models.event import Event, EventRsvp
from withus.models.event_schemas import EventPage, EventPublic, korean
from withus.models.user import User, UserSummary
from withus.services import clubs as club_service
from withus.services import event_access, pagination, rsvp, tokens
from withus.services import users as user_service

_events = Event.__table__  # type: ignore[attr-defined]
_clubs = Club.__table__  # type: ignore[attr-defined]
_members = ClubMember.__table__  # type: ignore[attr-defined]
_users = User.__table__  # type: ignore[attr-defined]
_rsvps = EventRsvp.__table__  # type: ignore[attr-defined]
_mine = _rsvps.alias("mine")
_waiting = _rsvps.alias("waiting")

_EVENT = (
    "id", "club_id", "series_id", "title", "description", "starts_at", "ends_at", "location", "map_url",
    "capacity", "rsvp_deadline", "status", "going_count", "waitlist_count",
)  # fmt: skip
_N = len(_EVENT)
_STARTS, _ID = _EVENT.index("starts_at"), _EVENT.index("id")
# Constants written into the SQL, not bound: fetch_rows runs a statement on asyncpg only when
# every value is a parameter of the call.
_WAITLISTED: Any = literal_column("'waitlisted'")
_ATTENDING = [literal_column("'going'"), _WAITLISTED]


def _columns(*, reader: bool) -> list[Any]:
    """Every list's columns: the event's, the club's name, the creator, then the reader's role,
    answer and waitlist position (NULL without a reader)."""
    columns: list[Any] = [_events.c[name] for name in _EVENT]
    columns += [_clubs.c.name, _users.c.id, _users.c.nickname, _users.c.avatar_path, _users.c.deleted_at]
    if not reader:
        return [*columns, literal_column("NULL"), literal_column("NULL"), literal_column("NULL")]
    position = (
        sa_select(func.count())
        .select_from(_waiting)
        .where(_waiting.c.event_id == _events.c.id, _waiting.c.status == _WAITLISTED, _waiting.c.seq <= _mine.c.seq)
        .scalar_subquery()
    )
    return [*columns, _members.c.role, _mine.c.status, position]


def _from(stmt: Select[Any], *, reader: bool) -> Select[Any]:
    stmt = stmt.join(_clubs, _clubs.c.id == _events.c.club_id).outerjoin(_users, _users.c.id == _events.c.created_by_id)
    if reader:
        stmt = stmt.outerjoin(
            _members, and_(_members.c.club_id == _events.c.club_id, _members.c.user_id == bindparam("reader"))
        ).outerjoin(_mine, and_(_mine.c.event_id == _events.c.id, _mine.c.user_id == bindparam("reader")))
    return stmt


@cache
def _club_statement(*, reader: bool, past: bool, to: bool, cursor: bool) -> Select[Any]:
    """A club's page, with the club's visibility and the reader's account after the list's columns
    (parameters ``club_id``, ``at`` (from, or to for past), ``until``, ``after_at``/``after_id``,
    ``limit``, ``reader``)."""
    visibility, role = club_service.read_access_columns(reader=reader)
    caller: list[Any] = [literal_column("NULL"), literal_column("NULL")]
    if reader:
        caller = list(user_service.caller_columns())
    stmt = _from(sa_select(*_columns(reader=reader), visibility, role, *caller), reader=reader).where(
        _events.c.club_id == bindparam("club_id")
    )
    key = tuple_(_events.c.starts_at, _events.c.id)
    after = tuple_(
        bindparam("after_at", type_=_events.c.starts_at.type), bindparam("after_id", type_=_events.c.id.type)
    )
    if past:
        stmt = stmt.where(_events.c.starts_at < bindparam("at", type_=_events.c.starts_at.type))
        if cursor:
            stmt = stmt.where(key < after)
        stmt = stmt.order_by(_events.c.starts_at.desc(), _events.c.id.desc())
    else:
        stmt = stmt.where(_events.c.starts_at >= bindparam("at", type_=_events.c.starts_at.type))
        if to:
            stmt = stmt.where(_events.c.starts_at < bindparam("until", type_=_events.c.starts_at.type))
        if cursor:
            stmt = stmt.where(key > after)
        stmt = stmt.order_by(_events.c.starts_at, _events.c.id)
    return stmt.limit(bindparam("limit"))


def _view(row: Sequence[Any], now: datetime) -> EventPublic:
    (eid, club_id, series_id, title, description, starts_at, ends_at, location, map_url, capacity, deadline,
     status, going, waiting) = row[:_N]  # fmt: skip
    club_name, uid, nickname, avatar_path, deleted_at, role, mine, position = row[_N : _N + 8]
    return EventPublic(
        id=eid,
        club_id=club_id,
        club_name=club_name,
        series_id=series_id,
        title=title,
        description=description,
        starts_at=korean(starts_at),
        ends_at=korean(ends_at),
        location=location,
        map_url=map_url,
        capacity=capacity,
        rsvp_deadline=korean(deadline) if deadline is not None else None,
        status=status,
        going_count=going,
        waitlist_count=waiting,
        my_rsvp=mine,
        waitlist_position=int(position) if mine == "waitlisted" and position is not None else None,
        created_by=UserSummary.of_columns(uid, nickname, avatar_path, deleted_at) if uid is not None else None,
        rsvp_open=rsvp.open_for(status, starts_at, deadline, now=now),
        can_manage=event_access.may_manage(role),
    )


def _page(rows: Sequence[Any], limit: int) -> EventPage:
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = pagination.encode_cursor(as_utc(last[_STARTS]), last[_ID])
    now = utcnow()
    return EventPage(items=[_view(r, now) for r in rows], next_cursor=next_cursor)


async def list_club_events(
    session: AsyncSession,
    club_id: int,
    *,
    user: user_service.Caller | None = None,
    reader_id: int | None = None,
    from_: datetime | None = None,
    to: datetime | None = None,
    past: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
) -> EventPage:
    """Upcoming first from ``from_`` (default now) up to ``to``; ``past``: before ``to`` (default
    now), newest first. Cancelled events are listed (``status: cancelled``). Reading follows the
    club's visibility. The reader is ``user`` (an account already loaded) or ``reader_id`` (the
    user id of a verified token: the statement reads the account; one gone or deleted → 401
    ``token_revoked``)."""
    uid = user.id if user is not None else reader_id
    limit = pagination.clamp_limit(limit)
    now = utcnow()
    params: dict[str, Any] = {"club_id": club_id, "limit": limit + 1}
    if uid is not None:
        params["reader"] = uid
    if past:
        params["at"] = to or now
    else:
        params["at"] = from_ or now
        if to is not None:
            params["until"] = to
    if cursor:
        params["after_at"], params["after_id"] = pagination.decode_cursor(cursor, datetime, int)
    stmt = _club_statement(reader=uid is not None, past=past, to=not past and to is not None, cursor=bool(cursor))
    rows = await fetch_rows(session, stmt, params)
    caller: user_service.Caller | None = user
    if rows:  # the right to read came with the rows; nothing is shown before it is checked
        visibility, role, caller_admin, caller_deleted = rows[0][-4:]
        if caller is None and uid is not None:
            caller = user_service.reader_of(uid, caller_admin, caller_deleted)
        club_service.read_access_of(club_id=club_id, visibility=visibility, role=role, user=caller)
    else:  # an empty page, or no right to read: the club alone says which
        if caller is None and uid is not None:
            account = await user_service.get_caller(session, user_id=uid)
            if account is None or account.deleted_at is not None:
                raise tokens.token_revoked()
            caller = user_service.reader_of(uid, account.is_admin, account.deleted_at)
        await club_service.read_access(session, club_id=club_id, user=caller)
    return _page(rows, limit)


@cache
def _mine_statement(*, cursor: bool) -> Select[Any]:
    """The reader's events, with the reader's account after the list's columns (parameters
    ``reader``, ``now``, ``after_at``/``after_id``, ``limit``). The reader's answers drive the join
    (a few hundred rows at most, by the ``(user_id, status)`` index), each event by primary key;
    the page is cut first, and only its rows look up their creator, the reader's role and the
    waitlist position. One prebuilt statement, so that :func:`withus.db.fetch_rows` runs it on
    asyncpg."""
    page_stmt = (
        sa_select(
            *[_events.c[name] for name in _EVENT],
            _events.c.created_by_id,
            _clubs.c.name.label("club_name"),
            _mine.c.status.label("my_status"),
            _mine.c.seq.label("my_seq"),
        )
        .select_from(_mine)
        .join(_events, _events.c.id == _mine.c.event_id)
        .join(_clubs, _clubs.c.id == _events.c.club_id)
        .where(
            _mine.c.user_id == bindparam("reader"),
            _mine.c.status.in_(_ATTENDING),
            _events.c.ends_at > bindparam("now", type_=_events.c.ends_at.type),
            _clubs.c.closed_at.is_(None),
        )
    )
    if cursor:
        page_stmt = page_stmt.where(
            tuple_(_events.c.starts_at, _events.c.id)
            > tuple_(
                bindparam("after_at", type_=_events.c.starts_at.type), bindparam("after_id", type_=_events.c.id.type)
            )
        )
    page = page_stmt.order_by(_events.c.starts_at, _events.c.id).limit(bindparam("limit")).subquery("page")
    position = (
        sa_select(func.count())
        .select_from(_waiting)
        .where(_waiting.c.event_id == page.c.id, _waiting.c.status == _WAITLISTED, _waiting.c.seq <= page.c.my_seq)
        .scalar_subquery()
    )
    return (
        sa_select(
            *[page.c[name] for name in _EVENT],
            page.c.club_name,
            _users.c.id,
            _users.c.nickname,
            _users.c.avatar_path,
            _users.c.deleted_at,
            _members.c.role,
            page.c.my_status,
            position,
            *user_service.caller_columns(),
        )
        .select_from(page)
        .outerjoin(_users, _users.c.id == page.c.created_by_id)
        .outerjoin(_members, and_(_members.c.club_id == page.c.club_id, _members.c.user_id == bindparam("reader")))
        .order_by(page.c.starts_at, page.c.id)
    )


async def list_my_events(
    session: AsyncSession,
    *,
    user: user_service.Caller | None = None,
    reader_id: int | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> EventPage:
    """Events I am going to or waitlisted for that have not ended, upcoming first (cancelled ones
    included, so that I see they are off), in open clubs (leaving a club drops my places in its
    events that have not started). The reader is ``user`` (an account already loaded) or
    ``reader_id`` (a verified token's user id: the statement reads the account; one gone or
    deleted → 401 ``token_revoked``)."""
    uid = user.id if user is not None else reader_id
    if uid is None:
        raise tokens.token_revoked()
    limit = pagination.clamp_limit(limit)
    params: dict[str, Any] = {"reader": uid, "now": utcnow(), "limit": limit + 1}
    if cursor:
        params["after_at"], params["after_id"] = pagination.decode_cursor(cursor, datetime, int)
    rows = await fetch_rows(session, _mine_statement(cursor=bool(cursor)), params)
    if user is None:
        if rows:
            user_service.reader_of(uid, *rows[0][-2:])
        else:
            account = await user_service.get_caller(session, user_id=uid)
            if account is None or account.deleted_at is not None:
                raise tokens.token_revoked()
    return _page(rows, limit)


@cache
def _upcoming_statement() -> Select[Any]:
    return (
        _from(sa_select(*_columns(reader=True)), reader=True)
        .where(
            _members.c.user_id == bindparam("reader"),
            _events.c.starts_at >= bindparam("now", type_=_events.c.starts_at.type),
            _events.c.status == literal_column("'scheduled'"),
            _clubs.c.closed_at.is_(None),
        )
        .order_by(_events.c.starts_at, _events.c.id)
        .limit(bindparam("limit"))
    )


async def upcoming_in_my_clubs(session: AsyncSession, *, user: User, limit: int = 5) -> list[EventPublic]:
    """The next scheduled events of the clubs I am a member of (the home page's 다가오는 일정)."""
    rows = await fetch_rows(session, _upcoming_statement(), {"reader": user.id, "now": utcnow(), "limit": limit})
    return _page(rows, limit).items
