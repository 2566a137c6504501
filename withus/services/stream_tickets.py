"""Single-use tickets for the SSE notification stream.

A browser ``EventSource`` cannot send an ``Authorization`` header. Besides the
session cookie it may therefore authenticate with a ticket: a random string from
``POST /api/notifications/stream-ticket`` passed as ``?ticket=``. A ticket

- is bound to the login session that asked for it (a revoked session's tickets
  stop working, and the stream it opened ends with the session);
- lives :data:`TICKET_TTL` seconds in the KV store (so any instance accepts it);
- is spent by the first use: the key is taken with GETDEL, which one caller wins.

The store keeps only a hash of the ticket as the key, never the ticket itself.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

from withus.errors import NotAuthenticated
from withus.kv import get_kv
from withus.services import sessions as session_service
from withus.services.tokens import token_revoked

TICKET_TTL = 60


@dataclass(frozen=True)
class Ticket:
    ticket: str
    expires_in: int


@dataclass(frozen=True)
class TicketOwner:
    user_id: int
    session_id: str


def _key(ticket: str) -> str:
    return "sse:ticket:" + hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


def invalid_ticket() -> NotAuthenticated:
    return NotAuthenticated(code="invalid_ticket")


async def create(*, user_id: int, session_id: str) -> Ticket:
    """A new ticket for this user and login session, valid :data:`TICKET_TTL` seconds, once."""
    ticket = secrets.token_urlsafe(32)
    payload = json.dumps({"uid": user_id, "sid": session_id})
    await get_kv().set(_key(ticket), payload, ttl=TICKET_TTL)
    return Ticket(ticket=ticket, expires_in=TICKET_TTL)


async def redeem(ticket: str) -> TicketOwner:
    """Spend a ticket: who it was issued to. 401 ``invalid_ticket`` for an unknown, spent or
    expired ticket; 401 ``token_revoked`` when its login session has ended since."""
    if not ticket or len(ticket) > 200:
        raise invalid_ticket()
    raw = await get_kv().getdel(_key(ticket))
    if raw is None:
        raise invalid_ticket()
    try:
        data = json.loads(raw)
        owner = TicketOwner(user_id=int(data["uid"]), session_id=str(data["sid"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid_ticket() from exc
    if not await session_service.is_alive(owner.session_id):
        raise token_revoked()
    return owner
