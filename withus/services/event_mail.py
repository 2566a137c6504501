"""Mail about events (a promotion from the waitlist, a reminder, a cancellation).

The notification that reports it mails it: :func:`withus.services.notifications.notify`
applies the recipient's notification settings (``event_promoted``, ``event_reminder`` and
``event_cancelled`` are mailed by default) and writes the mail into the outbox in the same
transaction. :func:`send_after_commit` stays for its callers and adds nothing, so that a
mail is never sent twice or against the user's settings.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession


async def send_after_commit(session: AsyncSession, *, user_id: int, subject: str, body: str, event_id: int) -> None:
    """Nothing more to do: the notification of the same change mailed it (see the module docstring)."""


async def drain(timeout: float = 10.0) -> None:
    """Nothing is under way in the request: the mail worker sends the outbox."""
