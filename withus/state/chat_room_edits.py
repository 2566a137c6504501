"""Editing and deleting messages on /chat/[room_id] (the feed itself is :mod:`withus.state.chat_room`).

수정 opens the message's text in place (Enter saves, Esc or 취소 closes); 삭제 asks once. Both go
through :mod:`withus.services.chat_edits` (the rules: my message, 24 hours to edit; staff delete in a
club room), and come back to every open view, this one too, over the room's feed
(``message_updated`` / ``message_deleted``), which replaces the message in place.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.db import session_scope
from withus.services import chat_edits
from withus.state.chat_room import ChatRoomState
from withus.state.handlers import acting_user, needs_login


class ChatEditState(ChatRoomState):
    """Which message is being edited or is about to be deleted."""

    editing_id: int = 0
    deleting_id: int = 0
    saving: bool = False

    @rx.event
    def clear(self) -> None:
        self.editing_id, self.deleting_id, self.saving = 0, 0, False

    @rx.event
    def start_edit(self, message_id: int) -> Any:
        self.editing_id = int(message_id)
        return rx.set_focus("chat-edit-input")

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = 0

    @rx.event
    @needs_login
    async def save_edit(self, form: dict[str, Any]) -> Any:
        """The new text; a refused one (empty, too long, too late, gone) keeps the editor open, with the
        service's reason as a toast."""
        body = str(form.get("body") or "")
        message_id = self.editing_id
        if not message_id or self.saving:
            return None
        self.saving = True
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                await chat_edits.do_edit_message(session, user=user, message_id=message_id, body=body)
        finally:
            self.saving = False
        self.editing_id = 0
        return None

    @rx.event
    def ask_delete(self, message_id: int) -> None:
        self.deleting_id = int(message_id)

    @rx.event
    def cancel_delete(self) -> None:
        self.deleting_id = 0

    @rx.event
    def delete_dialog(self, is_open: bool) -> None:
        if not is_open:
            self.deleting_id = 0

    @rx.event
    @needs_login
    async def confirm_delete(self) -> Any:
        """The text leaves the database; every open view shows 삭제된 메시지입니다 in its place."""
        message_id, self.deleting_id = self.deleting_id, 0
        if not message_id:
            return None
        async with session_scope() as session:
            user = await acting_user(session)
            await chat_edits.do_delete_message(session, user=user, message_id=message_id)
        return None
