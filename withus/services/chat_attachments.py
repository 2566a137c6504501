"""Images in chat: ``POST /api/chat/rooms/{id}/attachments`` and the room page's photo button.

- Checked by content exactly like avatars (:mod:`withus.services.images`: PNG, JPEG or WebP up to
  5 MB and 4096×4096, decoded with bounds, re-encoded to WebP, EXIF and other metadata dropped; the
  EXIF orientation is applied first, so a phone photo stands the right way up).
- Stored twice under ``MEDIA_DIR/chat/`` with one random name: the image at most
  :data:`FULL_SIDE` px a side and a thumbnail at most :data:`THUMB_SIDE` px (what the room shows;
  a click opens the full one). The names are 128-bit random, as avatars' are: whoever has the
  address can load the file (the room's members get it in the message).
- The message is an ordinary message of the room (the next ``seq``, live to every open view and
  STOMP client, the same rate limit as sending) with ``body: ""`` and ``attachment``. Uploads are
  also limited to :data:`UPLOAD_LIMIT` per :data:`UPLOAD_WINDOW` seconds per user, counted before
  decoding, and the room is checked first, so nobody outside it makes the server decode anything.
- Deleting the message (:mod:`withus.services.chat_edits`) removes both files.
"""

from __future__ import annotations

import asyncio
import secrets

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import read_scope
from withus.errors import DomainError
from withus.i18n import Msg
from withus.models.chat import MessagePublic, StoredImage
from withus.models.user import User
from withus.services import chat as chat_service
from withus.services import chat_sending, images, rate_limit

FOLDER = "chat"
FULL_SIDE = 2048
THUMB_SIDE = 480
UPLOAD_LIMIT = 20
UPLOAD_WINDOW = 60.0


async def store_image(content: bytes) -> StoredImage:
    """Check and re-encode an upload; write the image and its thumbnail."""
    full = await images.reencode(content, max_side=FULL_SIDE, square=False)
    thumb = await images.reencode(full, max_side=THUMB_SIDE, square=False)
    width, height = images.webp_size(full)
    name = secrets.token_hex(16)
    stored = StoredImage(path=f"{FOLDER}/{name}.webp", thumb_path=f"{FOLDER}/{name}-t.webp", width=width, height=height)
    await images.store_bytes(full, relative=stored.path)
    await images.store_bytes(thumb, relative=stored.thumb_path)
    return stored


def remove_files(paths: list[str | None]) -> None:
    for path in paths:
        if path:
            images.delete_file(path)


async def do_send_image(
    session: AsyncSession, *, user: User, room_id: int, content: bytes, client_msg_id: object = None
) -> tuple[MessagePublic, bool]:
    """Store an image message in ``room_id``: ``(message, created)``; a resend of a stored
    ``client_msg_id`` returns the stored message (and keeps no second file)."""
    assert user.id is not None
    async with read_scope() as check:  # 404 before any decoding
        await chat_service.access_room(check, room_id=room_id, user_id=user.id)
    chat_service.check_client_msg_id(client_msg_id)
    await rate_limit.hit(
        "chat_image",
        str(user.id),
        limit=UPLOAD_LIMIT,
        window=UPLOAD_WINDOW,
        detail=Msg("error.rate_limited.chat_image"),
    )
    stored = await store_image(content)
    request = chat_sending.SendRequest(user.id, room_id, "", client_msg_id, attachment=stored)
    try:
        (outcome,) = await chat_sending.send_messages(session, [request])
    except BaseException:
        await asyncio.to_thread(remove_files, [stored.path, stored.thumb_path])
        raise
    if isinstance(outcome, DomainError) or not outcome[1]:
        await asyncio.to_thread(remove_files, [stored.path, stored.thumb_path])
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome
