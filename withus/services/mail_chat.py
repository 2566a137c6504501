"""Unread chat by mail: one mail per room after the recipient has been away for a while.

The rule (PRODUCT.md §10, issue 16):

* A message that finds a recipient **away** from its room (no viewer of theirs open on it,
  :mod:`withus.realtime.presence`) and not yet told about the room since they last read it
  writes a :class:`~withus.models.chat_mail.ChatMailDue` row in the message's own transaction,
  due :data:`AWAY` (15 minutes) later — only for recipients whose *unread chat* mail is on.
  Later messages of the same room add nothing: one row per (room, recipient).
* When the row falls due (:func:`sweep`, run by every process's mail worker), the recipient
  gets **one** mail about the room — how many messages wait, the last one's sender and start,
  a link to ``/chat/{room_id}`` — unless by then they read the room (the row goes), are looking
  at it right now (the row waits another :data:`AWAY`), turned the mail off, lost access to the
  room or their account (the row is closed without a mail).
* After the mail no other mail about that room goes out until they read it: reading up to the
  row's first message deletes it (:func:`forget_read`), and the next message that finds them
  away starts again.
* **Exactly once across instances**: the due rows are claimed with ``SELECT … FOR UPDATE SKIP
  LOCKED`` on PostgreSQL (the one worker process on SQLite), and the outbox row is written in
  the transaction that sets ``mailed_at``; the outbox then sends it once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import DateTime, func, literal
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import session_scope
from withus.i18n import t
from withus.models.base import utcnow
from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom
from withus.models.chat_mail import ChatMailDue
from withus.models.club import Club
from withus.models.user import User
from withus.realtime import presence
from withus.services import chat as chat_service
from withus.services import notification_settings, outbox
from withus.settings import get_settings

log = logging.getLogger(__name__)

TYPE = "chat_message"
AWAY = timedelta(minutes=15)
BATCH = 100
PREVIEW = 80


async def schedule(session: AsyncSession, due: Iterable[tuple[int, int, int]]) -> None:
    """In the sending transaction: ``(room_id, user_id, seq)`` of recipients found away; a row for
    each who wants unread-chat mail and has none for the room yet."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for room_id, user_id, seq in due:
        groups[(room_id, seq)].append(user_id)
    if not groups:
        return
    due_at = utcnow() + AWAY
    insert = sqlite_insert if get_settings().is_sqlite else pg_insert
    for (room_id, seq), user_ids in groups.items():
        chosen = sa_select(
            literal(room_id).label("room_id"),
            col(User.id),
            literal(seq).label("first_seq"),
            literal(due_at, type_=DateTime(timezone=True)).label("due_at"),
        ).where(
            col(User.id).in_(user_ids),
            col(User.deleted_at).is_(None),
            notification_settings.wants_email(col(User.id), TYPE),
        )
        stmt = (
            insert(ChatMailDue)
            .from_select(["room_id", "user_id", "first_seq", "due_at"], chosen)
            .on_conflict_do_nothing(index_elements=["room_id", "user_id"])
        )
        await session.exec(stmt)  # type: ignore[call-overload]


# ---------------------------------------------------------------- the sweep


async def _claim(session: AsyncSession, now: datetime, batch: int) -> list[ChatMailDue]:
    stmt = (
        select(ChatMailDue)
        .where(col(ChatMailDue.mailed_at).is_(None), col(ChatMailDue.due_at) <= now)
        .order_by(col(ChatMailDue.due_at))
        .limit(batch)
    )
    if not get_settings().is_sqlite:
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.exec(stmt)).all())


def _room_title(room: ChatRoom, club_name: str | None, peer: str | None, locale: str) -> str:
    if room.kind == "club":
        return t("mail.chat_unread.club_room", locale, club=club_name or "")
    return t("mail.chat_unread.direct_room", locale, nickname=peer or "")


async def _mail_one(session: AsyncSession, row: ChatMailDue, now: datetime) -> str:
    """Mail ``row``'s recipient or close the row; returns what happened (for the log and tests)."""
    room = await session.get(ChatRoom, row.room_id)
    user = await session.get(User, row.user_id)
    if room is None or user is None or user.deleted_at is not None or not user.email:
        await session.delete(row)
        return "gone"
    participant = await session.get(ChatParticipant, (row.room_id, row.user_id))
    seen = max(participant.last_read_seq, participant.cleared_seq) if participant else 0
    if seen >= row.first_seq:
        await session.delete(row)
        return "read"
    row.mailed_at = now  # from here on the row is closed, with a mail or without
    session.add(row)
    if not (await notification_settings.effective(session, row.user_id, TYPE)).email:
        return "off"
    if not await chat_service.can_access(session, room_id=row.room_id, user_id=row.user_id):
        return "no_access"
    unread = (
        col(ChatMessage.room_id) == row.room_id,
        col(ChatMessage.seq) > seen,
        col(ChatMessage.sender_id) != row.user_id,
        col(ChatMessage.deleted_at).is_(None),
        col(ChatMessage.hidden_at).is_(None),
    )
    count = int((await session.exec(select(func.count()).where(*unread))).one())
    if count == 0:
        return "nothing"
    last_row = (
        await session.exec(
            select(ChatMessage, User.nickname)
            .join(User, col(User.id) == col(ChatMessage.sender_id))
            .where(*unread)
            .order_by(col(ChatMessage.seq).desc())
            .limit(1)
        )
    ).first()
    assert last_row is not None
    last, sender = last_row
    club_name = None
    peer = None
    if room.kind == "club" and room.club_id is not None:
        club = await session.get(Club, room.club_id)
        club_name = club.name if club else None
    else:
        peer_id = room.user_high_id if room.user_low_id == row.user_id else room.user_low_id
        peer_user = await session.get(User, peer_id) if peer_id is not None else None
        peer = peer_user.nickname if peer_user else None
    locale = str(getattr(user, "locale", None) or "ko")
    text = last.body if len(last.body) <= PREVIEW else last.body[: PREVIEW - 1] + "…"
    await outbox.enqueue(
        session,
        to=user.email,
        template="chat_unread",
        context={
            "room": _room_title(room, club_name, peer, locale),
            "count": count,
            "sender": sender,
            "preview": text,
            "link": f"/chat/{row.room_id}",
        },
        user_id=row.user_id,
        locale=locale,
        unsubscribe_type=TYPE,
    )
    return "mailed"


async def sweep_once(*, now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """One claim of due rows in a transaction of its own; counts by outcome."""
    now = now or utcnow()
    outcomes: dict[str, int] = defaultdict(int)
    async with session_scope() as session:
        rows = await _claim(session, now, batch)
        if not rows:
            return {}
        looking = await presence.viewing_each([(r.room_id, r.user_id) for r in rows])
        for row, here in zip(rows, looking, strict=True):
            if here:  # they are in the room right now: away time starts again once they leave
                row.due_at = now + AWAY
                session.add(row)
                outcomes["looking"] += 1
                continue
            outcomes[await _mail_one(session, row, now)] += 1
    return dict(outcomes)


async def sweep(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Every due row, batch after batch; returns how many mails were written."""
    mailed = 0
    while True:
        outcomes = await sweep_once(now=now, batch=batch)
        mailed += outcomes.get("mailed", 0)
        if sum(outcomes.values()) < batch:
            if mailed:
                log.info("unread chat mails: %d", mailed)
            return mailed
