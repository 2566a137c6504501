"""Sending a photo from /chat/[room_id] (the rules: :mod:`withus.services.chat_attachments`).

The photo button picks one file; it goes up at once through Reflex's upload and the same service
as ``POST /api/chat/rooms/{id}/attachments``. The message comes back to this view, and every other,
over the room's feed like any message; a refused one (not an image, too large, too many) is a toast.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from withus.db import session_scope
from withus.errors import DomainError
from withus.i18n.reader import here
from withus.services import chat_attachments, images
from withus.state.chat_room import ChatRoomState
from withus.state.common import generic_error
from withus.state.handlers import acting_user, needs_login

log = logging.getLogger(__name__)

IMAGE_UPLOAD_ID = "chat-image"


class ChatImageState(ChatRoomState):
    """Whether a photo is on its way."""

    sending_image: bool = False

    @rx.event
    @needs_login
    async def send_image(self, files: list[rx.UploadFile]) -> Any:
        if not files or self.sending_image:
            return
        room = await self.get_state(ChatRoomState)
        room_id = room._room_id
        if not room_id or room.gone:
            return
        self.sending_image = True
        yield
        try:
            content = await files[0].read(images.MAX_BYTES + 1)
            if len(content) > images.MAX_BYTES:
                raise images.too_large()
            async with session_scope() as session:
                user = await acting_user(session)
                await chat_attachments.do_send_image(session, user=user, room_id=room_id, content=content)
        except DomainError:
            raise  # needs_login shows it as a toast, in the reader's language
        except Exception:
            log.exception("chat image failed")
            yield rx.toast.error(generic_error())
        finally:
            self.sending_image = False
        yield rx.clear_selected_files(IMAGE_UPLOAD_ID)

    @rx.event
    def image_rejected(self, _rejected: list[dict[str, Any]]) -> Any:
        """The browser refused the file before sending (type or size)."""
        return rx.toast.error(here("chat.photo_rejected"))
