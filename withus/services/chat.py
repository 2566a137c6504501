"""Chat: 1:1 and club rooms, messages with a per-room sequence, read state, delivery.

Rules:

- **1:1 rooms**: one per pair of users (``user_low_id < user_high_id``, unique). Not
  with yourself (400 ``cannot_chat_with_self``); not when either of the two blocked
  the other (403 ``blocked``); not with a deleted account (404).
- **Club rooms**: one per club, created with the club (``clubs.on_club_created``)
  or on first access for older clubs. Who may enter is the club's membership,
  checked on every access (a closed club's room is gone). Members see the whole
  history of the room, including what was said before they joined.
- A room that is not yours is 404, never 403: its existence is not revealed.
- **Sending** (:mod:`withus.services.chat_sending`): the body is 1..1000 characters (not only
  spaces). The room row is locked (``SELECT ... FOR UPDATE``), its ``last_seq``
  advanced by the messages stored and the messages inserted in the caller's
  transaction (several at once for the STOMP server's group commit); only after
  commit is it published on the room's channel and on each participant's user channel (see :mod:`withus.realtime.bus`).
  A resend with the same ``client_msg_id`` (per room and sender) returns the stored
  message: no second row, no second delivery.
- **Read state**: ``last_read_seq`` per (room, user); the unread count is
  ``last_seq - last_read_seq`` (sending marks your own message read). A new club
  member starts with everything read up to the moment they joined.
- **Hiding a 1:1 room** (DELETE): the room leaves my list and its history up to
  now is cleared *for me* (``cleared_seq``); the other person keeps everything. A
  new message in the room (from either side) brings it back, showing only what
  came after. Opening the room again from the profile (POST) also brings it back.
  A club room cannot be hidden (409 ``cannot_hide_club_room``): leave the club.
- **Rate limits** (429 ``rate_limited``, shared by REST and STOMP): 30 messages per
  10 seconds per user; 30 new 1:1 rooms per hour per user.
- **Notifications**: a ``chat_message`` notification goes to a recipient who is not
  looking at the room (:mod:`withus.realtime.presence`), at most one per room
  until they read it (the KV key ``chat:notified:{user}:{room}`` is set when one is
  sent and cleared when they read the room or open it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    or_,
    union_all,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.errors import Conflict, Forbidden, InvalidInput, NotFound, ValidationFailed
from withus.kv import get_kv
from withus.models.base import as_utc, utcnow
from withus.models.chat import (
    BODY_MAX,
    CLIENT_MSG_ID_MAX,
    ChatMessage,
    ChatParticipant,
    ChatRoom,
    ClubSummary,
    MessagePublic,
    RoomPublic,
)
from withus.models.club import Club, ClubMember
from withus.models.user import User, UserSummary
from withus.realtime.bus import publish_after_commit, user_channel
from withus.services import clubs as club_service
from withus.services import rate_limit
from withus.services import users as user_service
from withus.services.pagination import clamp_limit

log = logging.getLogger(__name__)

MESSAGE_PAGE = 50  # messages a page holds when the caller does not say
NOTIFIED_TTL = 7 * 24 * 3600
NOTIFICATION_PREVIEW = 100
SEND_LIMIT = 30  # messages per user (REST and STOMP together) ...
SEND_WINDOW = 10.0  # ... per this many seconds
OPEN_LIMIT = 30  # new 1:1 rooms per user ...
OPEN_WINDOW = 3600.0  # ... per hour


# ---------------------------------------------------------------- errors


def room_not_found() -> NotFound:
    return NotFound("채팅방을 찾을 수 없습니다.", code="room_not_found")


def _user_not_found() -> NotFound:
    return NotFound("사용자를 찾을 수 없습니다.", code="user_not_found")


# ---------------------------------------------------------------- access


@dataclass
class RoomAccess:
    """A room the user may enter, with their participant row (None: a club room they never opened)."""

    room: ChatRoom
    participant: ChatParticipant | None
    club: Club | None = None

    @property
    def room_id(self) -> int:
        assert self.room.id is not None
        return self.room.id

    @property
    def cleared_seq(self) -> int:
        return self.participant.cleared_seq if self.participant is not None else 0

    @property
    def last_read_seq(self) -> int:
        return self.participant.last_read_seq if self.participant is not None else 0


async def get(session: AsyncSession, *, room_id: int) -> ChatRoom | None:
    return await session.get(ChatRoom, room_id)


@cache
def _room_access_statements() -> tuple[Any, Any]:
    """Built once (building an ORM statement costs about as much as running it): the room with the
    user's participant row, and a club with the user's role. Parameters ``room_id``/``club_id``, ``user_id``."""
    room = (
        select(ChatRoom, ChatParticipant)
        .outerjoin(
            ChatParticipant,
            and_(
                col(ChatParticipant.room_id) == col(ChatRoom.id),
                col(ChatParticipant.user_id) == bindparam("user_id", type_=Integer()),
            ),
        )
        .where(col(ChatRoom.id) == bindparam("room_id", type_=Integer()))
    )
    club = (
        select(Club, ClubMember.role)
        .outerjoin(
            ClubMember,
            and_(
                col(ClubMember.club_id) == col(Club.id),
                col(ClubMember.user_id) == bindparam("user_id", type_=Integer()),
            ),
        )
        .where(col(Club.id) == bindparam("club_id", type_=Integer()))
    )
    return room, club


def may_enter(
    *,
    kind: str,
    user_id: int,
    pair: tuple[int | None, int | None],
    has_participant: bool,
    club_closed_at: datetime | None,
    role: str | None,
) -> bool:
    """Who may enter a room: a 1:1 room, one of the pair (with their participant row); a club
    room, a member (``role``) of the open club."""
    if kind == "direct":
        return user_id in pair and has_participant
    return club_closed_at is None and role is not None


async def access_room(session: AsyncSession, *, room_id: int, user_id: int) -> RoomAccess:
    """The room if ``user_id`` may enter it (:func:`may_enter`); else 404. One statement for the
    room with the user's participant row, one more for a club room's club and role."""
    room_stmt, club_stmt = _room_access_statements()
    row = (await session.exec(room_stmt, params={"room_id": room_id, "user_id": user_id})).first()
    if row is None:
        raise room_not_found()
    room, participant = row
    club: Club | None = None
    role: str | None = None
    if room.kind == "club":
        club_row = (await session.exec(club_stmt, params={"club_id": room.club_id, "user_id": user_id})).first()
        if club_row is None:
            raise room_not_found()
        club, role = club_row
    allowed = may_enter(
        kind=room.kind,
        user_id=user_id,
        pair=(room.user_low_id, room.user_high_id),
        has_participant=participant is not None,
        club_closed_at=club.closed_at if club is not None else None,
        role=role,
    )
    if not allowed:
        raise room_not_found()
    return RoomAccess(room, participant, club)


async def can_access(session: AsyncSession, *, room_id: int, user_id: int) -> bool:
    try:
        await access_room(session, room_id=room_id, user_id=user_id)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------- rooms


async def do_open_direct_room(session: AsyncSession, *, user: User, peer_id: int) -> tuple[ChatRoom, bool]:
    """The 1:1 room of ``user`` and ``peer_id``, created if needed: ``(room, created)``.

    Opening a room you had hidden brings it back to your list (its cleared history stays cleared).
    """
    assert user.id is not None
    if peer_id == user.id:
        raise InvalidInput("자기 자신과는 채팅할 수 없습니다.", code="cannot_chat_with_self")
    peer = await session.get(User, peer_id)
    if peer is None or peer.deleted_at is not None:
        raise _user_not_found()
    if await user_service.is_blocked(session, blocker_id=peer_id, blocked_id=user.id):
        raise Forbidden("이 사용자와는 채팅할 수 없습니다.", code="blocked")
    if await user_service.is_blocked(session, blocker_id=user.id, blocked_id=peer_id):
        raise Forbidden("차단한 사용자와는 채팅할 수 없습니다. 차단을 해제한 뒤 다시 시도해 주세요.", code="blocked")
    low, high = sorted((user.id, peer_id))
    existing = await _direct_room(session, low, high)
    if existing is not None:
        await _unhide(session, room_id=existing.id, user_id=user.id)  # type: ignore[arg-type]
        return existing, False
    await rate_limit.hit(
        "chat_open", str(user.id), limit=OPEN_LIMIT, window=OPEN_WINDOW, detail="새 대화를 너무 많이 열었습니다."
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
    if role is None:
        return
    room = await get_or_create_club_room(session, club=club)
    assert room.id is not None
    if await session.get(ChatParticipant, (room.id, user_id)) is None:
        session.add(ChatParticipant(room_id=room.id, user_id=user_id, last_read_seq=room.last_seq, joined_at=utcnow()))
        await session.flush()


async def club_room_id(session: AsyncSession, *, club: Club) -> int:
    room = await get_or_create_club_room(session, club=club)
    assert room.id is not None
    return room.id


async def do_hide_room(session: AsyncSession, *, user: User, room_id: int) -> None:
    """Leave a 1:1 room for me only: it disappears from my list, its history up to now is cleared for me."""
    assert user.id is not None
    access = await access_room(session, room_id=room_id, user_id=user.id)
    if access.room.kind != "direct":
        raise Conflict("모임 채팅방은 숨길 수 없습니다. 모임을 탈퇴하면 나가집니다.", code="cannot_hide_club_room")
    participant = access.participant
    assert participant is not None
    participant.hidden_at = utcnow()
    participant.cleared_seq = access.room.last_seq
    participant.last_read_seq = max(participant.last_read_seq, access.room.last_seq)
    session.add(participant)
    await session.flush()
    after_commit(session, _forget_notified(user.id, room_id))


# ---------------------------------------------------------------- messages


def check_body(body: Any) -> str:
    """The message text, or 422 on ``body``: 1..1000 characters, not only spaces."""
    if not isinstance(body, str):
        raise ValidationFailed.field("body", "메시지는 문자열이어야 합니다.")
    if not body.strip():
        raise ValidationFailed.field("body", "메시지를 입력해 주세요.")
    if "\x00" in body:
        raise ValidationFailed.field("body", "메시지에 사용할 수 없는 문자가 있습니다.")
    if len(body) > BODY_MAX:
        raise ValidationFailed.field("body", f"메시지는 {BODY_MAX:,}자 이하로 입력해 주세요.", code="message_too_long")
    return body


def check_client_msg_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > CLIENT_MSG_ID_MAX or not value.isprintable():
        raise ValidationFailed.field("client_msg_id", f"client_msg_id는 1~{CLIENT_MSG_ID_MAX}자의 문자열이어야 합니다.")
    return value


def notified_key(user_id: int, room_id: int) -> str:
    """Set when a ``chat_message`` notification for the room went to the user; cleared when they read it."""
    return f"chat:notified:{user_id}:{room_id}"


def _forget_notified(user_id: int, room_id: int) -> Any:
    async def _run() -> None:
        await get_kv().delete(notified_key(user_id, room_id))

    return _run


async def forget_notified(*, user_id: int, room_id: int) -> None:
    """The user looked at the room: the next message that finds them away notifies again."""
    await get_kv().delete(notified_key(user_id, room_id))


def preview(body: str) -> str:
    """A message as a notification shows it."""
    return body if len(body) <= NOTIFICATION_PREVIEW else body[: NOTIFICATION_PREVIEW - 1] + "…"


async def list_messages(
    session: AsyncSession,
    *,
    user: User,
    room_id: int,
    after_seq: int | None = None,
    before_seq: int | None = None,
    limit: int | None = None,
) -> tuple[list[MessagePublic], bool]:
    """Messages ascending by ``seq``: ``(items, has_more)``.

    ``after_seq``: the first ``limit`` after it (catch-up after a reconnect; ``has_more``
    means call again with the last seq). ``before_seq``: the last ``limit`` before it
    (scrolling back). Neither: the latest ``limit``. Both: the range between them.
    """
    assert user.id is not None
    if after_seq is not None and after_seq < 0:
        raise ValidationFailed.field("after_seq", "0 이상의 정수를 입력해 주세요.")
    if before_seq is not None and before_seq < 0:
        raise ValidationFailed.field("before_seq", "0 이상의 정수를 입력해 주세요.")
    n = clamp_limit(limit, default=MESSAGE_PAGE)
    access = await access_room(session, room_id=room_id, user_id=user.id)
    floor = max(access.cleared_seq, after_seq or 0)
    stmt = select(ChatMessage, User).join(User, col(User.id) == col(ChatMessage.sender_id))
    stmt = stmt.where(col(ChatMessage.room_id) == room_id, col(ChatMessage.seq) > floor)
    if before_seq is not None:
        stmt = stmt.where(col(ChatMessage.seq) < before_seq)
    if after_seq is not None:
        stmt = stmt.order_by(col(ChatMessage.seq).asc()).limit(n + 1)
        rows = list((await session.exec(stmt)).all())
        has_more = len(rows) > n
        rows = rows[:n]
    else:
        stmt = stmt.order_by(col(ChatMessage.seq).desc()).limit(n + 1)
        rows = list((await session.exec(stmt)).all())
        has_more = len(rows) > n
        rows = rows[:n][::-1]
    return [MessagePublic.of(m, UserSummary.of(u)) for m, u in rows], has_more


async def messages_after(
    session: AsyncSession, user_id: int, room_id: int, *, after_seq: int, limit: int
) -> tuple[list[MessagePublic], bool] | None:
    """:func:`list_messages` after ``after_seq`` for a reader known by id (the STOMP edge filling a
    gap of a room subscription); None when the account is gone."""
    user = await user_service.get(session, user_id=user_id)
    if user is None:
        return None
    return await list_messages(session, user=user, room_id=room_id, after_seq=after_seq, limit=limit)


async def do_mark_read(session: AsyncSession, *, user: User, room_id: int, seq: int) -> int:
    """Mark the room read up to ``seq`` (clamped to the last message; never goes back). Returns the new value."""
    assert user.id is not None
    if seq < 0:
        raise ValidationFailed.field("seq", "0 이상의 정수를 입력해 주세요.")
    access = await access_room(session, room_id=room_id, user_id=user.id)
    target = min(seq, access.room.last_seq)
    participant = access.participant
    if participant is None:
        participant = ChatParticipant(room_id=room_id, user_id=user.id, joined_at=utcnow())
    if target > participant.last_read_seq:
        participant.last_read_seq = target
    session.add(participant)
    await session.flush()
    value = participant.last_read_seq
    unread = max(0, access.room.last_seq - max(value, participant.cleared_seq))
    publish_after_commit(
        session, user_channel(user.id), {"event": "read", "room_id": room_id, "seq": value, "unread_count": unread}
    )
    after_commit(session, _forget_notified(user.id, room_id))
    return value


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
    await access_room(session, room_id=room_id, user_id=user.id)
    rows = await _room_rows(session, user_id=user.id, limit=1, room_id=room_id)
    if not rows:
        raise room_not_found()
    return _room_view(rows[0], user.id)


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
        # The rooms I see: my visible 1:1 rooms + the rooms of my open clubs (each side uses an index).
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
        mine = union_all(direct_ids, club_ids).subquery("mine")
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
