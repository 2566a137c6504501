"""Notifications: stored in the caller's transaction, published after it commits.

Each notification is published as its JSON (:class:`NotificationPublic`) on the KV
channel ``notify:{user_id}`` once the transaction has committed; the SSE stream and
the STOMP ``/user/queue/notifications`` destination listen there. A transaction that
rolls back publishes nothing.

Title and body are catalogue messages (``Msg``) when the service that notifies passes them so:
they are stored with the row (``message``) beside their Korean text, and every edge renders them
in its reader's language (:meth:`NotificationPublic.of` with a locale; a published payload carries
``message`` until :func:`for_reader` renders it). Rows without one keep showing their stored text.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, insert, literal, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.errors import NotFound
from withus.i18n import DEFAULT_LOCALE
from withus.kv import get_kv
from withus.models.base import utcnow
from withus.models.club import ClubMember
from withus.models.notification import (
    BODY_MAX,
    NOTIFICATION_TYPES,
    TITLE_MAX,
    Notification,
    NotificationPublic,
    clip,
    message_data,
    rendered,
)
from withus.services import notification_settings
from withus.services.pagination import clamp_limit, decode_cursor, encode_cursor

LINK_MAX = 300
__all__ = ["BODY_MAX", "LINK_MAX", "TITLE_MAX", "for_reader", "notify", "notify_club_members"]


def channel(user_id: int) -> str:
    """The KV pub/sub channel of one user's notifications."""
    return f"notify:{user_id}"


def _publish_after_commit(session: AsyncSession, user_id: int, payload: str) -> None:
    async def _publish() -> None:
        await get_kv().publish(channel(user_id), payload)

    after_commit(session, _publish)


_clip = clip


def _payload(public: NotificationPublic, message: dict[str, Any] | None) -> str:
    """What is published: the notification's JSON, with its messages for the edges to render."""
    if message is None:
        return public.model_dump_json()
    return json.dumps({**public.model_dump(mode="json"), "message": message}, ensure_ascii=False)


def for_reader(data: str, locale: str) -> str:
    """A published payload as its reader gets it: title and body in ``locale``, no ``message``."""
    try:
        value = json.loads(data)
    except ValueError:
        return data
    if not isinstance(value, dict) or "message" not in value:
        return data
    message = value.pop("message")
    value["title"], value["body"] = rendered(message, locale, title=value.get("title", ""), body=value.get("body", ""))
    return json.dumps(value, ensure_ascii=False)


async def notify(
    session: AsyncSession,
    *,
    user_id: int,
    type: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
) -> Notification | None:
    """Store a notification for ``user_id`` and publish it once the transaction commits; mail it
    too, as the user's notification settings say (None: they keep this kind out of the site)."""
    if type not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type!r}")
    message = message_data(title, body)
    title, body, link = _clip(title, TITLE_MAX), _clip(body, BODY_MAX), link[:LINK_MAX]
    in_app = await notification_settings.deliver(
        session, user_id=user_id, type_=type, title=title, body=body, link=link
    )
    if not in_app:
        return None
    n = Notification(
        user_id=user_id,
        type=type,
        title=_clip(title, TITLE_MAX),
        body=_clip(body, BODY_MAX),
        link=link[:LINK_MAX],
        data=dict(data or {}),
        message=message,
    )
    session.add(n)
    await session.flush()
    _publish_after_commit(session, user_id, _payload(NotificationPublic.of(n), message))
    return n


async def notify_club_members(
    session: AsyncSession,
    *,
    club_id: int,
    type: str,
    title: str,
    body: str = "",
    link: str = "",
    data: dict[str, Any] | None = None,
    exclude_user_id: int | None = None,
) -> int:
    """The same notification to every member of a club (but ``exclude_user_id``), in one
    INSERT ... SELECT whatever the club's size; each is published after commit. Returns how many."""
    if type not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type!r}")
    now = utcnow()
    message = message_data(title, body)
    title, body, link = _clip(title, TITLE_MAX), _clip(body, BODY_MAX), link[:LINK_MAX]
    payload_data = dict(data or {})
    members = sa_select(
        col(ClubMember.user_id),
        literal(type),
        literal(title),
        literal(body),
        literal(link),
        literal(payload_data, Notification.__table__.c.data.type),  # type: ignore[attr-defined]
        literal(now, Notification.__table__.c.created_at.type),  # type: ignore[attr-defined]
        literal(message, Notification.__table__.c.message.type),  # type: ignore[attr-defined]
    ).where(col(ClubMember.club_id) == club_id)
    if exclude_user_id is not None:
        members = members.where(col(ClubMember.user_id) != exclude_user_id)
    await notification_settings.mail_members(
        session,
        member_ids=members.with_only_columns(col(ClubMember.user_id)),
        type_=type,
        title=title,
        body=body,
        link=link,
    )
    members = members.where(notification_settings.wants_in_app(col(ClubMember.user_id), type))
    stmt = (
        insert(Notification)
        .from_select(["user_id", "type", "title", "body", "link", "data", "created_at", "message"], members)
        .returning(col(Notification.id), col(Notification.user_id))
    )
    rows = (await session.exec(stmt)).all()
    for notification_id, user_id in rows:
        public = NotificationPublic(
            id=notification_id,
            type=type,  # type: ignore[arg-type]
            title=title,
            body=body,
            link=link,
            read=False,
            created_at=now,
            data=payload_data,
        )
        _publish_after_commit(session, user_id, _payload(public, message))
    return len(rows)


async def list_notifications(
    session: AsyncSession,
    *,
    user_id: int,
    unread_only: bool = False,
    limit: int | None = None,
    cursor: str | None = None,
    locale: str = DEFAULT_LOCALE,
    exclude_types: tuple[str, ...] = (),
) -> tuple[list[NotificationPublic], str | None]:
    """My notifications, newest first (keyset on id), written for a reader of ``locale``; ``exclude_types``
    left out (the bell's)."""
    limit = clamp_limit(limit)
    stmt = select(Notification).where(Notification.user_id == user_id)
    if exclude_types:
        stmt = stmt.where(col(Notification.type).not_in(exclude_types))
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    if cursor:
        (before_id,) = decode_cursor(cursor, int)
        stmt = stmt.where(col(Notification.id) < before_id)
    stmt = stmt.order_by(col(Notification.id).desc()).limit(limit + 1)
    rows = list((await session.exec(stmt)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return [NotificationPublic.of(n, locale) for n in rows], next_cursor


async def list_since(
    session: AsyncSession, *, user_id: int, after_id: int, limit: int = 500, locale: str = DEFAULT_LOCALE
) -> list[NotificationPublic]:
    """My notifications with an id above ``after_id``, oldest first (replay after a reconnect)."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user_id, col(Notification.id) > after_id)
        .order_by(col(Notification.id))
        .limit(limit)
    )
    return [NotificationPublic.of(n, locale) for n in (await session.exec(stmt)).all()]


async def latest_id(session: AsyncSession, *, user_id: int) -> int:
    """The id of my newest notification (0 for none): where a live feed starts, for its replay."""
    stmt = select(func.max(Notification.id)).where(Notification.user_id == user_id)
    return int((await session.exec(stmt)).one() or 0)


async def count_unread(session: AsyncSession, *, user_id: int, exclude_types: tuple[str, ...] = ()) -> int:
    stmt = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, col(Notification.read_at).is_(None))
    )
    if exclude_types:
        stmt = stmt.where(col(Notification.type).not_in(exclude_types))
    return int((await session.exec(stmt)).one())


async def get_own_or_raise(session: AsyncSession, *, user_id: int, notification_id: int) -> Notification:
    """My notification; someone else's answers 404 as if it did not exist."""
    n = await session.get(Notification, notification_id)
    if n is None or n.user_id != user_id:
        raise NotFound(code="notification_not_found")
    return n


async def do_mark_read(session: AsyncSession, *, user_id: int, notification_id: int) -> None:
    n = await get_own_or_raise(session, user_id=user_id, notification_id=notification_id)
    if n.read_at is None:
        n.read_at = utcnow()
        session.add(n)
        await session.flush()


async def do_mark_all_read(session: AsyncSession, *, user_id: int) -> int:
    stmt = (
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    result = await session.exec(stmt)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def delete(session: AsyncSession, *, user_id: int, notification_id: int) -> None:
    await get_own_or_raise(session, user_id=user_id, notification_id=notification_id)
    await session.exec(
        sa_delete(Notification).where(col(Notification.id) == notification_id, col(Notification.user_id) == user_id)
    )
