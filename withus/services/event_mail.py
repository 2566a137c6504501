"""Mail about events (a promotion from the waitlist, a reminder): a row of the mail outbox,
written in the transaction that decided it (:func:`withus.services.outbox.enqueue`), so it
exists exactly when the decision commits and is sent, retried and never doubled by the mail
worker. Whether the user wants it is decided by the caller's notification settings.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.models.user import User
from withus.services import outbox


async def send_after_commit(session: AsyncSession, *, user_id: int, subject: str, body: str, event_id: int) -> None:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None or not user.email:
        return
    await outbox.enqueue(
        session,
        to=user.email,
        template="notice",
        context={"subject": subject, "body": body, "link": f"/events/{event_id}"},
        user_id=user_id,
        locale=getattr(user, "locale", "ko") or "ko",
    )


async def drain(timeout: float = 10.0) -> None:
    """Nothing is under way in the request any more: the mail worker sends the outbox."""
