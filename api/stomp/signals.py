"""Room signals that are not messages, as STOMP frames: read marks and typing
(:mod:`withus.services.chat_signals`). On a room topic and on ``/user/queue/messages`` they come as
``MESSAGE`` frames with ``withus-event:read`` (body ``{"user_id", "seq", "room_id"}``) or
``withus-event:typing`` (body ``{"user_id", "room_id", "nickname"}``); a connection never gets its
own user's typing back."""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

log = logging.getLogger(__name__)

SIGNALS = ("read", "typing")


@functools.lru_cache(maxsize=256)
def signal(data: str) -> tuple[str, int, int, bytes] | None:
    """``(kind, room_id, user_id, body)`` of a read or typing event (None for anything else); decoded
    once per process however many connections receive it."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict) or event.get("event") not in SIGNALS:
        return None
    kind, room_id, user_id = event["event"], event.get("room_id"), event.get("user_id")
    if not isinstance(room_id, int) or not isinstance(user_id, int):
        return None
    body: dict[str, Any] = {"user_id": user_id, "room_id": room_id}
    if kind == "read":
        if not isinstance(event.get("seq"), int):
            return None
        body["seq"] = event["seq"]
    else:
        body["nickname"] = str(event.get("nickname") or "")
    return kind, room_id, user_id, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
