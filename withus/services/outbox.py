"""The mail outbox: how every part of the site sends mail.

Usage (the one call other services make)::

    from withus.services import outbox

    await outbox.enqueue(
        session,                      # the caller's transaction: the mail exists iff it commits
        to="minsu@example.com",
        template="club_invitation",   # a name registered in withus.services.mail_templates
        context={"club_name": "...", "link": "/clubs/3"},
        user_id=7,                    # the recipient's account, if any (None for sign-up mails)
        locale="ko",                  # "en" writes the mail in English
        unsubscribe_type=None,        # a notification type: an optional mail, with RFC 8058 headers
    )

The row holds the rendered mail (subject, text, HTML, headers) and a ``Message-ID`` fixed
at enqueue time, so every attempt sends the same message. Nothing is sent in the request:
:mod:`withus.services.mail_worker` sends due rows, retrying with backoff while the server is
down or answers 4xx, and gives up after a day. Once the enqueuing transaction commits, the
worker of this process is woken at once; workers of other processes poll every second.

Hook points for metrics: :func:`depth` (pending rows and the age of the oldest) and the
counters of :mod:`withus.services.mail_worker` (``mail_worker.counters``, ``on_event``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.models.base import as_utc, utcnow
from withus.models.mail import PENDING, MailOutbox
from withus.services import mail_templates, unsubscribe
from withus.services.mail import new_message_id

_wakeups: set[asyncio.Event] = set()


def register_wakeup(event: asyncio.Event) -> None:
    """A worker of this process asks to be woken when a mail is committed here."""
    _wakeups.add(event)


def unregister_wakeup(event: asyncio.Event) -> None:
    _wakeups.discard(event)


def _wake() -> None:
    for event in list(_wakeups):
        event.set()


async def enqueue(
    session: AsyncSession,
    *,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    user_id: int | None = None,
    locale: str = "ko",
    unsubscribe_type: str | None = None,
) -> MailOutbox:
    """Write one mail into the caller's transaction; it is sent once that transaction commits."""
    headers: dict[str, str] = {}
    unsubscribe_url = None
    if unsubscribe_type is not None and user_id is not None:
        unsubscribe_url = unsubscribe.page_url(user_id, unsubscribe_type)
        headers["List-Unsubscribe"] = f"<{unsubscribe.post_url(user_id, unsubscribe_type)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    rendered = mail_templates.render(template, context or {}, locale=locale, unsubscribe_url=unsubscribe_url)
    row = MailOutbox(
        message_id=new_message_id(),
        to_address=to,
        user_id=user_id,
        template=template,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        headers=headers,
        secret=rendered.secret,
        status=PENDING,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    await session.flush()

    async def _after() -> None:
        _wake()

    after_commit(session, _after)
    return row


@dataclass(frozen=True)
class Depth:
    pending: int
    oldest_pending_at: datetime | None

    def oldest_age_seconds(self, now: datetime | None = None) -> float:
        if self.oldest_pending_at is None:
            return 0.0
        return max(0.0, ((now or utcnow()) - self.oldest_pending_at).total_seconds())


async def depth(session: AsyncSession) -> Depth:
    """How many mails wait to be sent, and since when the oldest waits (for metrics)."""
    stmt = select(func.count(), func.min(col(MailOutbox.created_at))).where(col(MailOutbox.status) == PENDING)
    count, oldest = (await session.exec(stmt)).one()
    return Depth(pending=int(count), oldest_pending_at=as_utc(oldest) if oldest is not None else None)
