"""Mail about events (a promotion from the waitlist, a reminder), sent once the transaction
that decided it has committed, in a task of its own so that the answer does not wait for SMTP.

Delivery is best effort: a failure is logged, never retried, and never undoes the decision
(the notification, stored in the same transaction, is the record). The mail outbox of the
reach issue, when it lands, is where this should go instead.
"""

from __future__ import annotations

import asyncio
import logging

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.models.user import User
from withus.services import mail
from withus.settings import get_settings

log = logging.getLogger(__name__)

_pending: set[asyncio.Task[None]] = set()


async def _deliver(message: mail.Mail) -> None:
    try:
        await mail.send(message)
    except mail.MailError:
        log.warning("event mail to %s not delivered", message.to)


async def send_after_commit(session: AsyncSession, *, user_id: int, subject: str, body: str, event_id: int) -> None:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None or not user.email:
        return
    url = f"{(get_settings().public_url or '').rstrip('/')}/events/{event_id}"
    message = mail.Mail(to=user.email, subject=f"[withUs] {subject}", text=f"{body}\n\n{url}\n")

    async def _start() -> None:
        task = asyncio.create_task(_deliver(message))
        _pending.add(task)
        task.add_done_callback(_pending.discard)

    after_commit(session, _start)


async def drain(timeout: float = 10.0) -> None:
    """Wait for the mails under way (tests, and a graceful shutdown)."""
    if _pending:
        await asyncio.wait(list(_pending), timeout=timeout)
