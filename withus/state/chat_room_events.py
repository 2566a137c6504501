"""What a room's feed hears on ``chat:room:{id}``, decoded: new and changed messages, read marks and
typing (the state that applies them is :mod:`withus.state.chat_room`)."""

from __future__ import annotations

import json
import logging
from typing import Any

from withus.models.chat import MessagePublic

log = logging.getLogger(__name__)

LIVE_EVENTS = ("message", "message_updated", "message_deleted")


def room_signal(data: str) -> dict[str, Any] | None:
    """A read mark or typing of the room (:mod:`withus.services.chat_signals`)."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("event") not in ("read", "typing"):
        return None
    if not isinstance(event.get("room_id"), int) or not isinstance(event.get("user_id"), int):
        return None
    if event["event"] == "read" and not isinstance(event.get("seq"), int):
        return None
    return event


def event_message(data: str) -> tuple[str, MessagePublic] | None:
    """A new message (``message``) or a change to one (``message_updated`` / ``message_deleted``)."""
    try:
        event = json.loads(data)
        kind = event.get("event")
        if kind not in LIVE_EVENTS:
            return None
        return kind, MessagePublic.model_validate(event["message"])
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("chat: ignored a payload that is not a message")
        return None
