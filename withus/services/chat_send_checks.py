"""The checks of a chat send, one batch at a time (:func:`withus.services.chat_sending.send_messages`),
in the order a single send makes them; each request that fails one gets its own error in
``outcomes`` and goes no further: body and ``client_msg_id``, the sender's rate limit, access to
the room, the room still there under its lock, resends, and the 1:1 rules (blocked, peer deleted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from withus.errors import DomainError, Forbidden, NotAuthenticated
from withus.i18n import Msg
from withus.models.chat import ChatMessage, MessagePublic, StoredImage
from withus.models.user import UserSummary
from withus.services import chat as chat_service
from withus.services import rate_limit
from withus.services.chat_send_statements import padded, statements


@dataclass(frozen=True, slots=True)
class SendRequest:
    sender_id: int
    room_id: int
    body: Any
    client_msg_id: Any = None
    attachment: StoredImage | None = None  # an image message (withus.services.chat_attachments): body ""


Outcome = tuple[MessagePublic, bool] | DomainError
"""``(message, created)``, or the error this message alone would have had."""


def account_gone() -> NotAuthenticated:
    return NotAuthenticated(code="account_gone")


@dataclass(slots=True)
class Item:
    """One request on its way through the checks."""

    index: int
    request: SendRequest
    text: str = ""
    client_id: str | None = None
    row: Any = None  # the access row: room, sender, participant, peer, club
    sender: UserSummary | None = None
    seq: int = 0
    first: Item | None = None  # the earlier request of the same batch this one resends


def validated(requests: Sequence[SendRequest], outcomes: list[Outcome | None]) -> list[Item]:
    items = []
    for index, request in enumerate(requests):
        try:
            text = "" if request.attachment is not None else chat_service.check_body(request.body)
            client_id = chat_service.check_client_msg_id(request.client_msg_id)
        except DomainError as exc:
            outcomes[index] = exc
            continue
        items.append(Item(index, request, text, client_id))
    return items


async def within_rate_limit(items: list[Item], outcomes: list[Outcome | None]) -> list[Item]:
    if not items:
        return items
    refusals = await rate_limit.hit_each(
        "chat_send",
        [str(item.request.sender_id) for item in items],
        limit=chat_service.SEND_LIMIT,
        window=chat_service.SEND_WINDOW,
        detail=Msg("error.rate_limited.chat_send"),
    )
    passed = []
    for item, refusal in zip(items, refusals, strict=True):
        if refusal is not None:
            outcomes[item.index] = refusal
        else:
            passed.append(item)
    return passed


async def with_access(conn: Any, items: list[Item], outcomes: list[Outcome | None]) -> list[Item]:
    """Step 3: the room exists and the sender may enter it (:func:`chat.may_enter`)."""
    pairs = sorted({(item.request.room_id, item.request.sender_id) for item in items})
    params = {
        "pairs": padded(pairs),
        "room_ids": padded(sorted({p[0] for p in pairs}), like=len(pairs)),
        "sender_ids": padded(sorted({p[1] for p in pairs}), like=len(pairs)),
    }
    rows = {(row.room_id, row.sender_id): row for row in await conn.execute(statements()["access"], params)}
    passed = []
    for item in items:
        row = rows.get((item.request.room_id, item.request.sender_id))
        if row is None:
            outcomes[item.index] = chat_service.room_not_found()
        elif row.sender_deleted_at is not None:
            outcomes[item.index] = account_gone()
        elif not chat_service.may_enter(
            kind=row.kind,
            user_id=row.sender_id,
            pair=(row.user_low_id, row.user_high_id),
            has_participant=bool(row.has_participant),
            club_closed_at=row.club_closed_at,
            role=row.role,
        ):
            outcomes[item.index] = chat_service.room_not_found()
        else:
            item.row = row
            item.sender = UserSummary.of_columns(row.sender_id, row.nickname, row.avatar_path, None)
            passed.append(item)
    return passed


def still_there(items: list[Item], locked: dict[int, int], outcomes: list[Outcome | None]) -> list[Item]:
    """A room deleted since the access check (its club's deletion) is gone for its messages."""
    passed = []
    for item in items:
        if item.request.room_id in locked:
            passed.append(item)
        else:
            outcomes[item.index] = chat_service.room_not_found()
    return passed


async def without_resends(conn: Any, items: list[Item], outcomes: list[Outcome | None]) -> list[Item]:
    """Step 4, under the room locks (every committed message of the rooms is visible)."""
    keys = sorted({(i.request.room_id, i.request.sender_id, i.client_id) for i in items if i.client_id is not None})
    if not keys:
        return items
    stored = {
        (r.room_id, r.sender_id, r.client_msg_id): r
        for r in await conn.execute(statements()["resent"], {"keys": padded(keys)})
    }
    earlier: dict[tuple[int, int, str], Item] = {}
    passed = []
    for item in items:
        if item.client_id is None:
            passed.append(item)
            continue
        key = (item.request.room_id, item.request.sender_id, item.client_id)
        row = stored.get(key)
        if row is not None:
            assert item.sender is not None
            # The row has the message's columns by name: the view a stored message always gets.
            outcomes[item.index] = (MessagePublic.of(cast(ChatMessage, row), item.sender), False)
        elif key in earlier:
            item.first = earlier[key]
            passed.append(item)
        else:
            earlier[key] = item
            passed.append(item)
    return passed


def allowed_in_direct_rooms(items: list[Item], outcomes: list[Outcome | None]) -> list[Item]:
    """Step 5. (A resend of this batch follows its first request: it passed, or the error is its own.)"""
    passed = []
    refused: set[int] = set()
    for item in items:
        row = item.row
        if item.first is not None:
            if item.first.index in refused:
                outcomes[item.index] = outcomes[item.first.index]
                refused.add(item.index)
            else:
                passed.append(item)
        elif row.kind == "direct" and row.blocked:
            outcomes[item.index] = Forbidden(code="blocked")
            refused.add(item.index)
        elif row.kind == "direct" and (row.peer_id is None or row.peer_deleted_at is not None):
            outcomes[item.index] = Forbidden(code="user_deleted")
            refused.add(item.index)
        else:
            passed.append(item)
    return passed
