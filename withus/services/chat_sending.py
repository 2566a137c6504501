"""Sending chat messages: one (REST, the web UI) or many in one transaction (the STOMP server's
group commit, ``api/stomp/send_queue.py``). The rules are those of :mod:`withus.services.chat`.

Every message is checked on its own, in the order a single send checks it, and gets its own
answer (the message, or the error it would have had alone; the checks are in
:mod:`withus.services.chat_send_checks`):

1. ``body`` and ``client_msg_id`` (422);
2. the sender's rate limit (429; REST and STOMP share it);
3. access to the room (404 ``room_not_found``; a deleted sender: 401 ``account_gone``);
4. a resend: a stored message of the same room, sender and ``client_msg_id`` (or an earlier one
   of the same batch) is returned with ``created=False``; nothing is stored or delivered again;
5. a 1:1 room: neither blocked the other (403 ``blocked``), the peer still exists
   (403 ``user_deleted``).

Then, for the messages that passed, in as many statements as one message needs whatever their
number: the rooms are locked in id order (so two batches never deadlock), each room's ``last_seq``
advanced by its messages (``seq`` stays gapless), the messages inserted, each sender's read mark
set and every hidden mark of their 1:1 rooms cleared. A recipient who is not looking at the room
gets one ``chat_message`` notification per room until they read it. After commit every message
is published on its room's channel and each participant's user channel, in ``seq`` order, in
one round trip to the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.errors import DomainError
from withus.i18n import Msg
from withus.kv import get_kv
from withus.models.base import as_utc, utcnow
from withus.models.chat import NO_ATTACHMENT, AttachmentPublic, MessagePublic
from withus.models.user import User
from withus.observability import metrics
from withus.realtime import presence
from withus.realtime.bus import dumps, room_channel, user_channel
from withus.services import chat as chat_service
from withus.services import chat_send_checks as checks
from withus.services import mail_chat
from withus.services import notifications as notification_service
from withus.services.chat_send_checks import Item
from withus.services.chat_send_checks import Outcome as Outcome  # the request and its answer, used by name from here
from withus.services.chat_send_checks import SendRequest as SendRequest
from withus.services.chat_send_statements import (
    advanced,
    inserted,
    padded,
    read_and_unhidden,
    statements,
    upsert_participant,
)

# ---------------------------------------------------------------- sending


async def do_send_message(
    session: AsyncSession, *, user: User, room_id: int, body: Any, client_msg_id: Any = None
) -> tuple[MessagePublic, bool]:
    """Store one message, then (after commit) deliver it: ``(message, created)``; raises its error."""
    assert user.id is not None
    request = SendRequest(sender_id=user.id, room_id=room_id, body=body, client_msg_id=client_msg_id)
    (outcome,) = await send_messages(session, [request])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


async def send_messages(session: AsyncSession, requests: Sequence[SendRequest]) -> list[Outcome]:
    """Store the messages in the session's transaction and deliver them after commit; one
    outcome per request, in order. Errors of single messages are returned, not raised; an
    error of the database or the store is raised (nothing is stored then)."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    items = checks.validated(requests, outcomes)
    items = await checks.within_rate_limit(items, outcomes)
    if not items:
        return _done(outcomes)
    conn = await session.connection()
    items = await checks.with_access(conn, items, outcomes)
    if not items:
        return _done(outcomes)
    last_seq = {row.id: row.last_seq for row in await conn.execute(statements()["lock"], _rooms_of(items))}
    items = checks.still_there(items, last_seq, outcomes)
    items = await checks.without_resends(conn, items, outcomes)
    items = checks.allowed_in_direct_rooms(items, outcomes)
    if not items:
        return _done(outcomes)

    now = utcnow()
    for item in items:
        if item.first is None:
            last_seq[item.request.room_id] += 1
            item.seq = last_seq[item.request.room_id]
    new = [item for item in items if item.first is None]
    await advanced(conn, {item.request.room_id: last_seq[item.request.room_id] for item in new}, now)
    rows = [
        {
            "room_id": item.request.room_id,
            "seq": item.seq,
            "sender_id": item.request.sender_id,
            "body": item.text,
            "client_msg_id": item.client_id,
            "created_at": now,
            **(item.request.attachment.columns() if item.request.attachment else NO_ATTACHMENT),
        }
        for item in new
    ]
    ids = await inserted(conn, rows)
    await _mark_read(conn, new)

    published: dict[int, MessagePublic] = {}
    for item, message_id in zip(new, ids, strict=True):
        assert item.sender is not None
        public = MessagePublic(
            id=message_id,
            room_id=item.request.room_id,
            seq=item.seq,
            sender=item.sender,
            body=item.text,
            client_msg_id=item.client_id,
            created_at=as_utc(now),
            attachment=AttachmentPublic.of_stored(item.request.attachment),
        )
        published[item.index] = public
        outcomes[item.index] = (public, True)
    for item in items:
        if item.first is not None:
            outcomes[item.index] = (published[item.first.index], False)

    recipients = await _recipients(conn, new)
    await _notify_absent(session, new, published, recipients)
    events: list[tuple[str, str]] = []
    for item in new:
        room_id = item.request.room_id
        data = dumps({"event": "message", "message": published[item.index].model_dump(mode="json")})
        events += [(channel, data) for channel in (room_channel(room_id), *map(user_channel, recipients[room_id]))]

    async def _publish() -> None:
        metrics.messages_stored(len(new))  # committed by now
        await get_kv().publish_many(events)

    after_commit(session, _publish)
    return _done(outcomes)


def _done(outcomes: list[Outcome | None]) -> list[Outcome]:
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _rooms_of(items: list[Item]) -> dict[str, Any]:
    return {"room_ids": padded(sorted({item.request.room_id for item in items}))}


async def _mark_read(conn: Any, new: list[Item]) -> None:
    """Each sender has read up to their last message; a 1:1 room comes back for whoever hid it."""
    last: dict[tuple[int, int], Item] = {}
    for item in new:
        last[(item.request.room_id, item.request.sender_id)] = item  # in seq order: the last one wins
    existing = [i for i in last.values() if i.row.has_participant]
    missing = [i for i in last.values() if not i.row.has_participant]
    if existing:
        await read_and_unhidden(conn, [(i.request.room_id, i.request.sender_id, i.seq) for i in existing])
    if missing:
        now = utcnow()
        await conn.execute(
            upsert_participant(conn.dialect.name),
            [
                {"room_id": i.request.room_id, "user_id": i.request.sender_id, "last_read_seq": i.seq, "joined_at": now}
                for i in missing
            ],
        )


async def _recipients(conn: Any, new: list[Item]) -> dict[int, list[int]]:
    """Who receives each room's messages: the pair, or the club's current members."""
    recipients: dict[int, list[int]] = {}
    clubs: dict[int, list[int]] = {}
    for item in new:
        row = item.row
        if row.kind == "direct":
            recipients[row.room_id] = [row.user_low_id, row.user_high_id]
        else:
            clubs.setdefault(row.club_id, []).append(row.room_id)
    if clubs:
        members: dict[int, list[int]] = {club_id: [] for club_id in clubs}
        for row in await conn.execute(statements()["members"], {"club_ids": padded(sorted(clubs))}):
            members[row.club_id].append(row.user_id)
        for club_id, room_ids in clubs.items():
            for room_id in room_ids:
                recipients[room_id] = members[club_id]
    return recipients


async def _notify_absent(
    session: AsyncSession, new: list[Item], published: dict[int, MessagePublic], recipients: dict[int, list[int]]
) -> None:
    """A ``chat_message`` notification to each recipient away from the room, once per room until read."""
    first_for: dict[tuple[int, int], Item] = {}  # (room, recipient) -> the first message that could notify
    for item in new:
        room_id = item.request.room_id
        for uid in recipients[room_id]:
            if uid != item.request.sender_id:
                first_for.setdefault((room_id, uid), item)
    if not first_for:
        return
    pairs = list(first_for)
    kv = get_kv()
    # one round trip: notified already (the flag), and present in the room (presence)
    found = await kv.exists_each(
        [chat_service.notified_key(uid, room_id) for room_id, uid in pairs] + presence.viewing_keys(pairs)
    )
    notified: list[tuple[int, int]] = []
    mail_due: list[tuple[int, int, int]] = []
    for (room_id, uid), flagged, looking in zip(pairs, found[: len(pairs)], found[len(pairs) :], strict=True):
        if flagged or looking:
            continue
        item = first_for[(room_id, uid)]
        mail_due.append((room_id, uid, item.seq))
        message = published[item.index]
        await notification_service.notify(
            session,
            user_id=uid,
            type="chat_message",
            title=_notification_title(item),
            body=chat_service.preview(message.body) if message.attachment is None else Msg("chat.photo"),
            link=f"/chat/{room_id}",
            data={"room_id": room_id, "message_id": message.id, "seq": message.seq, "sender_id": message.sender.id},
        )
        notified.append((room_id, uid))
    await mail_chat.schedule(session, mail_due)  # one mail per room later, if they stay away
    if notified:

        async def _remember() -> None:
            for room_id, uid in notified:
                await kv.set(chat_service.notified_key(uid, room_id), "1", ttl=chat_service.NOTIFIED_TTL)

        after_commit(session, _remember)


def _notification_title(item: Item) -> str:
    assert item.sender is not None
    if item.row.kind == "direct":
        return Msg("notification.chat_message.title_direct", nickname=item.sender.nickname)
    club = item.row.club_name or Msg("chat.club_fallback")
    return Msg("notification.chat_message.title_club", club=club, nickname=item.sender.nickname)
