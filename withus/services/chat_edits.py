"""Editing and deleting chat messages.

Rules:

- **Edit**: the sender only, within :data:`EDIT_WINDOW` (24 hours) of sending, the same body rules
  as sending (:func:`withus.services.chat.check_body`); not a deleted or hidden message, not an
  image (403 ``image_not_editable``: delete it and send another).
  ``edited_at`` is set (shown as 수정됨).
- **Delete**: the sender, at any time; in a club room also the club's host and moderators
  (``clubs.is_staff``). The text is gone from the database (``body`` emptied, ``deleted_at`` set),
  an image's files from the disk;
  the message keeps its ``id`` and ``seq``, shown as ``{"deleted": true, "body": ""}``. Deleting a
  deleted message changes nothing.
- A message in a room the user may not enter (or cleared for them) is 404 ``message_not_found``.
- Both are published once committed, on the room's channel and each participant's user channel,
  as ``{"event": "message_updated" | "message_deleted", "message": ...}`` (the STOMP edge sends them
  with the ``withus-event`` header, the same ``id`` and ``seq``).

:func:`edit_refusal` and :func:`delete_refusal` are the rules; the UI's ``can_edit`` / ``can_delete``
come from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import DomainError, Forbidden, NotFound
from withus.models.base import as_utc, utcnow
from withus.models.chat import ChatMessage, ChatRoom, MessagePublic
from withus.models.club import ClubMember
from withus.models.user import User, UserSummary
from withus.realtime.bus import publish_after_commit, room_channel, user_channel
from withus.services import chat as chat_service
from withus.services import clubs as club_service
from withus.services import images

EDIT_WINDOW = timedelta(hours=24)

UPDATED = "message_updated"
DELETED = "message_deleted"


def message_not_found() -> NotFound:
    return NotFound(code="message_not_found")


def edit_refusal(
    *,
    sender_id: int,
    created_at: datetime,
    deleted: bool,
    hidden: bool,
    user_id: int,
    now: datetime,
    image: bool = False,
) -> DomainError | None:
    """Why ``user_id`` may not edit this message (None: they may)."""
    if sender_id != user_id:
        return Forbidden(code="not_your_message")
    if deleted or hidden:
        return Forbidden(code="message_gone")
    if image:
        return Forbidden(code="image_not_editable")
    if now - as_utc(created_at) > EDIT_WINDOW:
        return Forbidden(code="edit_window_passed")
    return None


def delete_refusal(*, sender_id: int, user_id: int, room_kind: str, role: str | None) -> DomainError | None:
    """Why ``user_id`` may not delete this message (None: they may)."""
    if sender_id == user_id:
        return None
    if room_kind == "club" and club_service.is_staff(role):
        return None
    return Forbidden(code="not_your_message")


async def _load(
    session: AsyncSession, *, user: User, message_id: int
) -> tuple[ChatMessage, User, chat_service.RoomAccess]:
    assert user.id is not None
    row = (
        await session.exec(
            select(ChatMessage, User)
            .join(User, col(User.id) == col(ChatMessage.sender_id))
            .where(col(ChatMessage.id) == message_id)
        )
    ).first()
    if row is None:
        raise message_not_found()
    message, sender = row
    try:
        access = await chat_service.access_room(session, room_id=message.room_id, user_id=user.id)
    except NotFound:
        raise message_not_found() from None
    if message.seq <= access.cleared_seq:
        raise message_not_found()
    return message, sender, access


async def _recipients(session: AsyncSession, access: chat_service.RoomAccess) -> list[int]:
    room = access.room
    if room.kind == "direct":
        return [u for u in (room.user_low_id, room.user_high_id) if u is not None]
    rows = await session.exec(select(ClubMember.user_id).where(col(ClubMember.club_id) == room.club_id))
    return list(rows.all())


async def _publish(session: AsyncSession, access: chat_service.RoomAccess, event: str, public: MessagePublic) -> None:
    payload = {"event": event, "message": public.model_dump(mode="json")}
    publish_after_commit(session, room_channel(access.room_id), payload)
    for user_id in await _recipients(session, access):
        publish_after_commit(session, user_channel(user_id), payload)


async def do_edit_message(session: AsyncSession, *, user: User, message_id: int, body: object) -> MessagePublic:
    """The sender changes the text within the edit window; published as ``message_updated``."""
    assert user.id is not None
    message, sender, access = await _load(session, user=user, message_id=message_id)
    text = chat_service.check_body(body)
    refusal = edit_refusal(
        sender_id=message.sender_id,
        created_at=message.created_at,
        deleted=message.deleted_at is not None,
        hidden=message.hidden_at is not None,
        user_id=user.id,
        now=utcnow(),
        image=message.attachment_path is not None,
    )
    if refusal is not None:
        raise refusal
    if text != message.body:
        message.body = text
        message.edited_at = utcnow()
        session.add(message)
        await session.flush()
        public = MessagePublic.of(message, UserSummary.of(sender))
        await _publish(session, access, UPDATED, public)
        return public
    return MessagePublic.of(message, UserSummary.of(sender))


async def do_delete_message(session: AsyncSession, *, user: User, message_id: int) -> None:
    """The sender (or a club room's staff) deletes; the text leaves the database; ``message_deleted``."""
    assert user.id is not None
    message, sender, access = await _load(session, user=user, message_id=message_id)
    refusal = delete_refusal(sender_id=message.sender_id, user_id=user.id, room_kind=access.room.kind, role=access.role)
    if refusal is not None:
        raise refusal
    if message.deleted_at is not None:
        return
    message.body = ""
    message.deleted_at = utcnow()
    files = [message.attachment_path, message.attachment_thumb_path]
    message.attachment_path = message.attachment_thumb_path = None
    message.attachment_width = message.attachment_height = None
    session.add(message)
    await session.flush()
    for path in files:
        if path:
            images.delete_after_commit(session, path)  # an image goes with its message
    await _publish(session, access, DELETED, MessagePublic.of(message, UserSummary.of(sender)))


async def publish_hidden(session: AsyncSession, *, message: ChatMessage) -> None:
    """A message moderation just hid (:mod:`withus.services.reports`): published like an edit
    (``message_updated``, empty body, ``hidden: true``) once committed, so open views change in place."""
    room = await session.get(ChatRoom, message.room_id)
    sender = await session.get(User, message.sender_id)
    if room is None or sender is None:
        return
    access = chat_service.RoomAccess(room=room, participant=None)
    await _publish(session, access, UPDATED, MessagePublic.of(message, UserSummary.of(sender)))
