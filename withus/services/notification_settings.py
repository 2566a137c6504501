"""Notification settings: per kind of notification, in the site and by mail, on or off.

**The registry** (:data:`KINDS`) is the one list of kinds: its label, its defaults, and
whether a mail goes out the moment the notification is made (``mail_now``) or later
(``chat_message``: once per room after a while away). A new kind joins by adding a
:class:`Kind` entry (the meetups' ``event_*`` kinds are here); a test checks that the
registry and the stored notification types are the same set.

Defaults (PRODUCT.md §10): everything in the site; by mail invitations, approvals and
refusals, removal and role changes, waitlist promotions, reminders, cancellations and
unread chat; not comments, replies, notices, join requests or event changes. A user's
row exists only for a kind they changed.

**Enforcement** lives here and is called from :mod:`withus.services.notifications`:
:func:`deliver` decides for one recipient (in the site off: nothing stored, nothing
published; by mail on: a mail through the outbox, with the RFC 8058 unsubscribe headers),
and :func:`member_filters` gives the conditions for a club-wide notification. The settings
page and the API read and write through :func:`list_settings` and :func:`do_update`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import ValidationFailed
from withus.i18n import Msg, localize
from withus.models.notification_setting import NotificationSetting
from withus.models.user import User
from withus.services import outbox


@dataclass(frozen=True)
class Kind:
    type: str  # its names are the catalogue's notification.<type>.setting / .badge
    in_app: bool = True
    email: bool = False
    mail_now: bool = True
    """False: no mail when the notification is made (unread chat is mailed later, per room)."""


KINDS: dict[str, Kind] = {
    k.type: k
    for k in (
        Kind("club_invitation", email=True),
        Kind("join_request"),
        Kind("join_approved", email=True),
        Kind("join_declined", email=True),
        Kind("comment"),
        Kind("reply"),
        Kind("notice"),
        Kind("chat_message", email=True, mail_now=False),
        Kind("role_changed", email=True),
        Kind("removed_from_club", email=True),
        Kind("event_created"),
        Kind("event_updated"),
        Kind("event_cancelled", email=True),
        Kind("event_promoted", email=True),
        Kind("event_reminder", email=True),
    )
}


@dataclass(frozen=True)
class Setting:
    type: str
    in_app: bool
    email: bool


def _kind(type_: str) -> Kind:
    return KINDS.get(type_) or Kind(type_)


async def _rows(session: AsyncSession, user_id: int) -> dict[str, NotificationSetting]:
    stmt = select(NotificationSetting).where(col(NotificationSetting.user_id) == user_id)
    return {row.type: row for row in (await session.exec(stmt)).all()}


async def list_settings(session: AsyncSession, user_id: int) -> list[Setting]:
    """One item per kind, in the registry's order: the user's choice or the default."""
    rows = await _rows(session, user_id)
    out = []
    for kind in KINDS.values():
        row = rows.get(kind.type)
        out.append(Setting(kind.type, row.in_app if row else kind.in_app, row.email if row else kind.email))
    return out


async def effective(session: AsyncSession, user_id: int, type_: str) -> Setting:
    row = await session.get(NotificationSetting, (user_id, type_))
    kind = _kind(type_)
    return Setting(type_, row.in_app if row else kind.in_app, row.email if row else kind.email)


async def do_update(session: AsyncSession, user_id: int, changes: list[Setting]) -> list[Setting]:
    """Set some kinds (a subset may be given); unknown kinds are refused (422 naming them)."""
    unknown = sorted({c.type for c in changes} - KINDS.keys())
    if unknown:
        raise ValidationFailed.field("items", Msg("validation.notification_kind", kinds=", ".join(unknown)))
    rows = await _rows(session, user_id)
    for change in changes:
        row = rows.get(change.type) or NotificationSetting(user_id=user_id, type=change.type, in_app=True, email=True)
        row.in_app, row.email = change.in_app, change.email
        session.add(row)
        rows[change.type] = row
    await session.flush()
    return await list_settings(session, user_id)


async def do_turn_off_email(session: AsyncSession, user_id: int, type_: str) -> None:
    """One-click unsubscribe: mail of this kind off for this user (in the site unchanged)."""
    current = await effective(session, user_id, type_)
    if type_ in KINDS:
        await do_update(session, user_id, [Setting(type_, current.in_app, False)])


async def deliver(session: AsyncSession, *, user_id: int, type_: str, title: str, body: str, link: str) -> bool:
    """Apply the recipient's settings to one notification: mail it when they want mail of this
    kind now; returns whether it is to be stored and pushed in the site."""
    setting = await effective(session, user_id, type_)
    if setting.email and _kind(type_).mail_now:
        await _mail(session, user_id=user_id, type_=type_, title=title, body=body, link=link)
    return setting.in_app


async def _mail(session: AsyncSession, *, user_id: int, type_: str, title: str, body: str, link: str) -> None:
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None or not user.email:
        return
    locale = str(getattr(user, "locale", None) or "ko")
    # a notification's title and body are catalogue messages: the mail is in the recipient's language
    subject, text = str(localize(title, locale)), str(localize(body, locale))
    await outbox.enqueue(
        session,
        to=user.email,
        template="notice",
        context={"subject": subject, "body": text, "link": link or "/notifications"},
        user_id=user_id,
        locale=locale,
        unsubscribe_type=type_,
    )


def _choice(user_id: Any, type_: str, column: Any, value: bool) -> ColumnElement[bool]:
    return exists().where(
        and_(
            col(NotificationSetting.user_id) == user_id,
            col(NotificationSetting.type) == type_,
            column == value,
        )
    )


def wants_in_app(user_id: Any, type_: str) -> ColumnElement[bool]:
    """SQL: the user (a column) keeps this kind in the site."""
    kind = _kind(type_)
    if kind.in_app:
        return not_(_choice(user_id, type_, col(NotificationSetting.in_app), False))
    return _choice(user_id, type_, col(NotificationSetting.in_app), True)


def wants_email(user_id: Any, type_: str) -> ColumnElement[bool]:
    """SQL: the user (a column) wants mail of this kind."""
    kind = _kind(type_)
    if kind.email:
        return not_(_choice(user_id, type_, col(NotificationSetting.email), False))
    return _choice(user_id, type_, col(NotificationSetting.email), True)


async def mail_members(session: AsyncSession, *, member_ids: Any, type_: str, title: str, body: str, link: str) -> int:
    """Mail a club-wide notification to those of ``member_ids`` (a subquery of user ids) who want it."""
    if not _kind(type_).mail_now:
        return 0
    stmt = select(col(User.id)).where(
        col(User.id).in_(member_ids), col(User.deleted_at).is_(None), wants_email(col(User.id), type_)
    )
    ids = [uid for uid in (await session.exec(stmt)).all() if uid is not None]
    for uid in ids:
        await _mail(session, user_id=uid, type_=type_, title=title, body=body, link=link)
    return len(ids)
