"""Chat: who may enter a room, its messages with a per-room sequence, and read state. Opening,
hiding and listing rooms is :mod:`withus.services.chat_rooms`; storing and delivering a message
:mod:`withus.services.chat_sending`.

Rules:

- **1:1 rooms**: one per pair of users (``user_low_id < user_high_id``, unique). Not
  with yourself (400 ``cannot_chat_with_self``); not when either of the two blocked
  the other (403 ``blocked``); not with a deleted account (404).
- **Club rooms**: one per club, created with the club (``clubs.on_club_created``, see
  :mod:`withus.services.chat_rooms`)
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
    Integer,
    and_,
    bindparam,
    delete,
)
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.errors import NotFound, ValidationFailed
from withus.i18n import Msg
from withus.kv import get_kv
from withus.models.base import utcnow
from withus.models.chat import (
    BODY_MAX,
    CLIENT_MSG_ID_MAX,
    ChatMessage,
    ChatParticipant,
    ChatRoom,
    MessagePublic,
)
from withus.models.chat_mail import ChatMailDue
from withus.models.club import Club, ClubMember
from withus.models.types import text_problem
from withus.models.user import User, UserSummary
from withus.realtime.bus import publish_after_commit, room_channel, user_channel
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
    return NotFound(code="room_not_found")


# ---------------------------------------------------------------- access


@dataclass
class RoomAccess:
    """A room the user may enter, with their participant row (None: a club room they never opened)."""

    room: ChatRoom
    participant: ChatParticipant | None
    club: Club | None = None
    role: str | None = None  # the user's role in a club room's club

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


def peer_of(room: ChatRoom, user_id: int) -> int | None:
    """The other person of a 1:1 room (None for a club room)."""
    if room.kind != "direct":
        return None
    return room.user_high_id if room.user_low_id == user_id else room.user_low_id


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
    return RoomAccess(room, participant, club, role)


async def can_access(session: AsyncSession, *, room_id: int, user_id: int) -> bool:
    try:
        await access_room(session, room_id=room_id, user_id=user_id)
    except NotFound:
        return False
    return True


# ---------------------------------------------------------------- messages


def check_body(body: Any) -> str:
    """The message text, or 422 on ``body``: 1..1000 characters, not only spaces."""
    if not isinstance(body, str):
        raise ValidationFailed.field("body", Msg("validation.message_type"))
    if not body.strip():
        raise ValidationFailed.field("body", Msg("validation.message_required"))
    if text_problem(body) is not None:
        raise ValidationFailed.field("body", Msg("validation.message_chars"))
    if len(body) > BODY_MAX:
        raise ValidationFailed.field("body", Msg("error.message_too_long", max=BODY_MAX), code="message_too_long")
    return body


def check_client_msg_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > CLIENT_MSG_ID_MAX or not value.isprintable():
        raise ValidationFailed.field("client_msg_id", Msg("validation.client_msg_id", max=CLIENT_MSG_ID_MAX))
    return value


def notified_key(user_id: int, room_id: int) -> str:
    """Set when a ``chat_message`` notification for the room went to the user; cleared when they read it."""
    return f"chat:notified:{user_id}:{room_id}"


def forget_notified_after_commit(session: AsyncSession, *, user_id: int, room_id: int) -> None:
    """:func:`forget_notified` once the caller's transaction has committed."""

    async def _run() -> None:
        await get_kv().delete(notified_key(user_id, room_id))

    after_commit(session, _run)


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
        raise ValidationFailed.field("after_seq", Msg("validation.non_negative_int"))
    if before_seq is not None and before_seq < 0:
        raise ValidationFailed.field("before_seq", Msg("validation.non_negative_int"))
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
        raise ValidationFailed.field("seq", Msg("validation.non_negative_int"))
    access = await access_room(session, room_id=room_id, user_id=user.id)
    target = min(seq, access.room.last_seq)
    participant = access.participant
    if participant is None:
        participant = ChatParticipant(room_id=room_id, user_id=user.id, joined_at=utcnow())
    moved = target > participant.last_read_seq
    if moved:
        participant.last_read_seq = target
    session.add(participant)
    await session.flush()
    value = participant.last_read_seq
    unread = max(0, access.room.last_seq - max(value, participant.cleared_seq))
    publish_after_commit(
        session,
        user_channel(user.id),
        {"event": "read", "room_id": room_id, "user_id": user.id, "seq": value, "unread_count": unread},
    )
    peer = peer_of(access.room, user.id)
    if moved and peer is not None:  # 읽음 for the other person of a 1:1 room (withus.services.chat_signals)
        receipt = {"event": "read", "room_id": room_id, "user_id": user.id, "seq": value}
        publish_after_commit(session, room_channel(room_id), receipt)
        publish_after_commit(session, user_channel(peer), receipt)
    forget_notified_after_commit(session, user_id=user.id, room_id=room_id)
    # Read up to the first message an unread-chat mail is about: that mail is no longer due, or
    # (mailed already) the next message that finds them away may mail again (services.mail_chat).
    await session.exec(
        delete(ChatMailDue).where(  # type: ignore[call-overload]
            col(ChatMailDue.room_id) == room_id,
            col(ChatMailDue.user_id) == user.id,
            col(ChatMailDue.first_seq) <= value,
        )
    )
    return value
