"""Chat rooms: opening a 1:1 room, the club rooms (created with the club, joined with the
membership), hiding a 1:1 room for oneself, and the room list. The rules are drawn in
:mod:`withus.services.chat`, which also says who may enter a room.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, union_all, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, Forbidden, InvalidInput, NotFound
from withus.i18n import Msg
from withus.models.base import as_utc, utcnow
from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom, ClubSummary, MessagePublic, RoomPublic
from withus.models.club import Club, ClubMember
from withus.models.user import User, UserSummary
from withus.services import chat as chat_service
from withus.services import chat_signals, page_live, rate_limit
from withus.services import clubs as club_service
from withus.services import users as user_service
from withus.services.pagination import clamp_limit


def _user_not_found() -> NotFound:
    return NotFound(code="user_not_found")


# ---------------------------------------------------------------- rooms


async def do_open_direct_room(session: AsyncSession, *, user: User, peer_id: int) -> tuple[ChatRoom, bool]:
    """The 1:1 room of ``user`` and ``peer_id``, created if needed: ``(room, created)``.

    Opening a room you had hidden brings it back to your list (its cleared history stays cleared).
    """
    assert user.id is not None
    if peer_id == user.id:
        raise InvalidInput(code="cannot_chat_with_self")
    peer = await session.get(User, peer_id)
    if peer is None or peer.deleted_at is not None:
        raise _user_not_found()
    if await user_service.is_blocked(session, blocker_id=peer_id, blocked_id=user.id):
        raise Forbidden(code="blocked")
    if await user_service.is_blocked(session, blocker_id=user.id, blocked_id=peer_id):
        raise Forbidden(Msg("error.blocked.by_me"), code="blocked")
    low, high = sorted((user.id, peer_id))
    existing = await _direct_room(session, low, high)
    if existing is not None:
        await _unhide(session, room_id=existing.id, user_id=user.id)  # type: ignore[arg-type]
        return existing, False
    await rate_limit.hit(
        "chat_open",
        str(user.id),
        limit=chat_service.OPEN_LIMIT,
        window=chat_service.OPEN_WINDOW,
        detail=Msg("error.rate_limited.chat_open"),
    )
    now = utcnow()
    # Two first messages at once race on the unique pair: the loser finds the winner's room.
    try:
        async with session.begin_nested():
            room = ChatRoom(kind="direct", user_low_id=low, user_high_id=high, created_at=now, last_activity_at=now)
            session.add(room)
            await session.flush()
            assert room.id is not None
            session.add(ChatParticipant(room_id=room.id, user_id=low, joined_at=now))
            session.add(ChatParticipant(room_id=room.id, user_id=high, joined_at=now))
            await session.flush()
    except IntegrityError:
        existing = await _direct_room(session, low, high)
        if existing is None:
            raise
        return existing, False
    return room, True


async def _direct_room(session: AsyncSession, low: int, high: int) -> ChatRoom | None:
    stmt = select(ChatRoom).where(col(ChatRoom.user_low_id) == low, col(ChatRoom.user_high_id) == high)
    return (await session.exec(stmt)).first()


async def _unhide(session: AsyncSession, *, room_id: int, user_id: int) -> None:
    """The room is back in ``user_id``'s list (sending unhides for both: ``chat_sending``)."""
    stmt = (
        update(ChatParticipant)
        .where(
            col(ChatParticipant.room_id) == room_id,
            col(ChatParticipant.user_id) == user_id,
            col(ChatParticipant.hidden_at).is_not(None),
        )
        .values(hidden_at=None)
    )
    await session.exec(stmt)


async def get_or_create_club_room(session: AsyncSession, *, club: Club) -> ChatRoom:
    """The club's room (created, and ``club.chat_room_id`` set, on first need)."""
    assert club.id is not None
    if club.chat_room_id is not None:
        room = await session.get(ChatRoom, club.chat_room_id)
        if room is not None:
            return room
    stmt = select(ChatRoom).where(col(ChatRoom.club_id) == club.id)
    room = (await session.exec(stmt)).first()
    if room is None:
        now = utcnow()
        room = ChatRoom(kind="club", club_id=club.id, created_at=now, last_activity_at=now)
        session.add(room)
        await session.flush()
    club.chat_room_id = room.id
    session.add(club)
    await session.flush()
    return room


async def on_club_created(session: AsyncSession, club: Club) -> None:
    """The club's room, with its host as the first participant (a ``clubs.on_club_created`` hook)."""
    room = await get_or_create_club_room(session, club=club)
    assert room.id is not None
    session.add(ChatParticipant(room_id=room.id, user_id=club.host_id, joined_at=utcnow()))
    await session.flush()


async def on_membership_changed(session: AsyncSession, club: Club, user_id: int, role: str | None) -> None:
    """A new member starts with the room read up to now (read state only: access is the membership;
    a ``clubs.on_membership_changed`` hook)."""
    room = await get_or_create_club_room(session, club=club)
    assert room.id is not None
    if role is None:
        page_live.rooms_changed(session, user_id=user_id, room_id=room.id)  # an open chat list drops it
        return
    if await session.get(ChatParticipant, (room.id, user_id)) is None:
        session.add(ChatParticipant(room_id=room.id, user_id=user_id, last_read_seq=room.last_seq, joined_at=utcnow()))
        await session.flush()
        page_live.rooms_changed(session, user_id=user_id, room_id=room.id)  # an open chat list shows it


async def club_room_id(session: AsyncSession, *, club: Club) -> int:
    room = await get_or_create_club_room(session, club=club)
    assert room.id is not None
    return room.id


async def do_hide_room(session: AsyncSession, *, user: User, room_id: int) -> None:
    """Leave a 1:1 room for me only: it disappears from my list, its history up to now is cleared for me."""
    assert user.id is not None
    access = await chat_service.access_room(session, room_id=room_id, user_id=user.id)
    if access.room.kind != "direct":
        raise Conflict(code="cannot_hide_club_room")
    participant = access.participant
    assert participant is not None
    participant.hidden_at = utcnow()
    participant.cleared_seq = access.room.last_seq
    participant.last_read_seq = max(participant.last_read_seq, access.room.last_seq)
    session.add(participant)
    await session.flush()
    chat_service.forget_notified_after_commit(session, user_id=user.id, room_id=room_id)


# ---------------------------------------------------------------- room views


async def list_rooms(
    session: AsyncSession, *, user: User, limit: int | None = None, cursor: tuple[datetime, int] | None = None
) -> tuple[list[RoomPublic], tuple[datetime, int] | None]:
    """My rooms, latest activity first, in one query: ``(items, next cursor)``.

    1:1 rooms I have not hidden, and the rooms of the open clubs I belong to.
    """
    assert user.id is not None
    n = clamp_limit(limit)
    rows = await _room_rows(session, user_id=user.id, limit=n + 1, cursor=cursor)
    items = [_room_view(row, user.id) for row in rows[:n]]
    next_cursor = None
    if len(rows) > n:
        last = items[-1]
        next_cursor = (last.last_activity_at, last.id)
    return items, next_cursor


async def room_view(session: AsyncSession, *, user: User, room_id: int) -> RoomPublic:
    """One room as in the list (404 when not mine)."""
    assert user.id is not None
    access = await chat_service.access_room(session, room_id=room_id, user_id=user.id)
    rows = await _room_rows(session, user_id=user.id, limit=1, room_id=room_id)
    if not rows:
        raise chat_service.room_not_found()
    view = _room_view(rows[0], user.id)
    view.peer_last_read_seq = await chat_signals.peer_last_read_seq(session, room=access.room, user_id=user.id)
    return view


def _my_room_ids(user_id: int) -> Any:
    """The rooms I see: my visible 1:1 rooms + the rooms of my open clubs (each side uses an index)."""
    direct_ids = (
        sa_select(col(ChatParticipant.room_id))
        .join(ChatRoom, col(ChatRoom.id) == col(ChatParticipant.room_id))
        .where(
            col(ChatParticipant.user_id) == user_id,
            col(ChatParticipant.hidden_at).is_(None),
            col(ChatRoom.kind) == "direct",
        )
    )
    club_ids = (
        sa_select(col(ChatRoom.id))
        .join(ClubMember, col(ClubMember.club_id) == col(ChatRoom.club_id))
        .join(Club, col(Club.id) == col(ChatRoom.club_id))
        .where(col(ClubMember.user_id) == user_id, col(Club.closed_at).is_(None))
    )
    return union_all(direct_ids, club_ids).subquery("mine")


async def room_marks(session: AsyncSession, *, user_id: int) -> list[tuple[int, int, int]]:
    """``(room_id, last_seq, seen_seq)`` of each of my rooms, ``seen_seq`` being what I read or
    cleared: where the STOMP edge's ``/user/queue/messages`` starts, and what its replay after a
    gap compares with."""
    r = aliased(ChatRoom, name="r")
    p = aliased(ChatParticipant, name="p")
    mine = _my_room_ids(user_id)
    stmt = (
        sa_select(col(r.id), col(r.last_seq), col(p.last_read_seq), col(p.cleared_seq))
        .select_from(r)
        .outerjoin(p, and_(col(p.room_id) == col(r.id), col(p.user_id) == user_id))
        .where(col(r.id).in_(sa_select(mine.c[0])))
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return [(int(i), int(last), max(int(read or 0), int(cleared or 0))) for i, last, read, cleared in rows]


async def unread_total(session: AsyncSession, *, user_id: int) -> int:
    """How many messages of my rooms I have not read (the header's 채팅 badge): the sum of the
    rooms' ``unread_count`` as :func:`list_rooms` gives them, in one query."""
    r = aliased(ChatRoom, name="r")
    p = aliased(ChatParticipant, name="p")
    mine = _my_room_ids(user_id)
    last_read = func.coalesce(col(p.last_read_seq), 0)
    cleared = func.coalesce(col(p.cleared_seq), 0)
    seen = case((last_read > cleared, last_read), else_=cleared)
    unread = case((col(r.last_seq) > seen, col(r.last_seq) - seen), else_=0)
    stmt = (
        sa_select(func.coalesce(func.sum(unread), 0))
        .select_from(r)
        .outerjoin(p, and_(col(p.room_id) == col(r.id), col(p.user_id) == user_id))
        .where(col(r.id).in_(sa_select(mine.c[0])))
    )
    return int((await session.exec(stmt)).one()[0])  # type: ignore[call-overload]


async def _room_rows(
    session: AsyncSession,
    *,
    user_id: int,
    limit: int,
    cursor: tuple[datetime, int] | None = None,
    room_id: int | None = None,
) -> list[Any]:
    r = aliased(ChatRoom, name="r")
    p = aliased(ChatParticipant, name="p")
    peer = aliased(User, name="peer")
    lm = aliased(ChatMessage, name="lm")
    sender = aliased(User, name="sender")
    c = aliased(Club, name="c")

    if room_id is None:
        mine = _my_room_ids(user_id)
        condition: ColumnElement[bool]
        condition = col(r.id).in_(sa_select(mine.c[0]))
    else:
        condition = col(r.id) == room_id

    peer_id = case((col(r.user_low_id) == user_id, col(r.user_high_id)), else_=col(r.user_low_id))
    stmt = (
        sa_select(r, p, peer, lm, sender, c)
        .outerjoin(p, and_(col(p.room_id) == col(r.id), col(p.user_id) == user_id))
        .outerjoin(peer, and_(col(r.kind) == "direct", col(peer.id) == peer_id))
        .outerjoin(lm, and_(col(lm.room_id) == col(r.id), col(lm.seq) == col(r.last_seq)))
        .outerjoin(sender, col(sender.id) == col(lm.sender_id))
        .outerjoin(c, col(c.id) == col(r.club_id))
        .where(condition)
    )
    if cursor is not None:
        at, last_id = cursor
        stmt = stmt.where(
            or_(
                col(r.last_activity_at) < at,
                and_(col(r.last_activity_at) == at, col(r.id) < last_id),
            )
        )
    stmt = stmt.order_by(col(r.last_activity_at).desc(), col(r.id).desc()).limit(limit)
    return list((await session.exec(stmt)).all())  # type: ignore[call-overload]


def _room_view(row: Any, user_id: int) -> RoomPublic:
    room, participant, peer, last, sender, club = row
    cleared = participant.cleared_seq if participant is not None else 0
    last_read = participant.last_read_seq if participant is not None else 0
    last_message = None
    if last is not None and sender is not None and last.seq > cleared:
        last_message = MessagePublic.of(last, UserSummary.of(sender))
    unread = max(0, room.last_seq - max(last_read, cleared))
    if room.kind == "direct":
        peer_summary = UserSummary.of(peer) if peer is not None else None
        title = peer_summary.nickname if peer_summary is not None else ""
        return RoomPublic(
            id=room.id,
            kind="direct",
            title=title,
            peer=peer_summary,
            last_message=last_message,
            unread_count=unread,
            last_seq=room.last_seq,
            last_read_seq=max(last_read, cleared),
            last_activity_at=as_utc(room.last_activity_at),
        )
    club_summary = (
        ClubSummary(id=club.id, name=club.name, cover_url=club_service.cover_url(club)) if club is not None else None
    )
    return RoomPublic(
        id=room.id,
        kind="club",
        title=club_summary.name if club_summary is not None else "",
        club=club_summary,
        last_message=last_message,
        unread_count=unread,
        last_seq=room.last_seq,
        last_read_seq=last_read,
        last_activity_at=as_utc(room.last_activity_at),
    )
