"""The room page's dealings outside its state (:mod:`withus.state.chat_room` applies them): what its
feed hears on ``chat:room:{id}``, decoded (new and changed messages, read marks, typing); reading
messages and marking them read; the composer's typing signal going out."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from withus.db import read_scope, session_scope
from withus.errors import DomainError, NotFound
from withus.models.chat import MessagePublic
from withus.services import chat as chat_service
from withus.services import chat_signals
from withus.state.common import load_user

log = logging.getLogger(__name__)

MESSAGE_PAGE = 50


async def fetch_messages(uid: int, room_id: int, **kwargs: Any) -> tuple[list[MessagePublic], bool]:
    """A page of the room's messages as ``uid`` sees them (404 when the account is gone)."""
    async with read_scope() as session:
        user = await load_user(session, uid)
        if user is None:
            raise NotFound()
        return await chat_service.list_messages(
            session, user=user, room_id=room_id, limit=kwargs.pop("limit", MESSAGE_PAGE), **kwargs
        )


async def mark_read(uid: int, room_id: int, seq: int) -> None:
    """What the open page shows counts as read (a room no longer mine: nothing)."""
    try:
        async with session_scope() as session:
            user = await load_user(session, uid)
            if user is not None:
                await chat_service.do_mark_read(session, user=user, room_id=room_id, seq=seq)
    except DomainError:
        pass


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


def fold_signals(me: int, peer_read_seq: int, signals: list[dict[str, Any]]) -> tuple[int, dict[str, Any] | None]:
    """The other side's read mark after ``signals`` (it never goes back), and its last typing event."""
    typing = None
    for event in signals:
        if event["user_id"] == me:
            continue
        if event["event"] == "read":
            peer_read_seq = max(peer_read_seq, int(event["seq"]))
        else:
            typing = event
    return peer_read_seq, typing


async def say_typing(user_id: int, room_id: int, *, last: float) -> float:
    """Tell the room I am typing, unless this tab did less than ``TYPING_EVERY`` seconds ago (the
    service limits it again across tabs). Returns when it last did. Never fails the page."""
    now = time.time()
    if now - last < chat_signals.TYPING_EVERY:
        return last
    try:
        await chat_signals.do_typing(user_id=user_id, room_id=room_id)
    except DomainError:
        pass
    except Exception:  # a signal, never worth an error on the page
        log.debug("typing signal failed", exc_info=True)
    return now
