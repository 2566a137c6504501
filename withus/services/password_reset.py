"""Forgot password: a single-use link by mail, valid 30 minutes, the same answer for every address.

* :func:`do_request` answers the same way whether or not the address has an account (the
  API says 202 either way): an unknown address gets no mail and nothing is stored, a known
  one gets a token of 256 random bits (``secrets.token_urlsafe(32)``) whose SHA-256 alone
  is stored, with a mail holding ``{PUBLIC_URL}/reset-password?token=<token>`` written into
  the same transaction (the mail outbox). Neither path talks to SMTP or hashes a password,
  so they take a similar time. A new request replaces the user's earlier unused tokens.
* Rate limits, like sign-up codes: one request per address per 60 s, 5 per address and 20
  per client IP per hour (429 with ``Retry-After``; the same for a known and an unknown address).
* :func:`do_confirm` checks the new password's rules (422 ``weak_password`` naming
  ``new_password``), spends the token (``invalid_token`` for an unknown, tampered or spent
  one, ``token_expired`` after 30 minutes; both 400, nothing changed), sets the password,
  ends every login session of the user (their open STOMP and SSE connections close, as on
  logout-everywhere) and mails "your password was changed".
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import FieldError, InvalidInput, ValidationFailed
from withus.i18n import Msg
from withus.models.account_tokens import PasswordResetToken
from withus.models.base import as_utc, utcnow
from withus.models.user import User
from withus.services import email_codes, outbox, passwords, rate_limit
from withus.services import sessions as session_service
from withus.services import users as user_service
from withus.settings import get_settings

TOKEN_TTL = 1800
RESEND_COOLDOWN = 60
HOURLY_PER_ADDRESS = 5
HOURLY_PER_IP = 20
HOUR = 3600


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invalid_token() -> InvalidInput:
    return InvalidInput(Msg("error.reset_link_invalid"), code="invalid_token")


def token_expired() -> InvalidInput:
    return InvalidInput(Msg("error.reset_link_expired"), code="token_expired")


def reset_url(token: str) -> str:
    return f"{(get_settings().public_url or '').rstrip('/')}/reset-password?token={token}"


def _locale(user: User) -> str:
    return str(getattr(user, "locale", None) or "ko")


async def do_request(session: AsyncSession, *, email: str, ip: str) -> None:
    """Mail a reset link to ``email`` if it has an account; the same outcome for the caller either way."""
    address = email_codes.normalize_email(email)
    await rate_limit.hit("pwreset-ip", ip, limit=HOURLY_PER_IP, window=HOUR)
    await rate_limit.cooldown(
        "pwreset-cool",
        address,
        seconds=RESEND_COOLDOWN,
        detail=Msg("error.reset_cooldown", seconds=RESEND_COOLDOWN),
    )
    await rate_limit.hit("pwreset-addr", address, limit=HOURLY_PER_ADDRESS, window=HOUR)
    user = await user_service.get_by_email(session, email=address)
    if user is None or user.deleted_at is not None:
        return
    assert user.id is not None
    token = secrets.token_urlsafe(32)
    await session.exec(
        delete(PasswordResetToken).where(
            col(PasswordResetToken.user_id) == user.id, col(PasswordResetToken.used_at).is_(None)
        )
    )
    session.add(
        PasswordResetToken(token_hash=_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(seconds=TOKEN_TTL))
    )
    await session.flush()
    await outbox.enqueue(
        session,
        to=user.email,
        template="password_reset",
        context={"url": reset_url(token), "minutes": TOKEN_TTL // 60, "nickname": user.nickname},
        user_id=user.id,
        locale=_locale(user),
    )


async def check_token(session: AsyncSession, *, token: str) -> PasswordResetToken:
    """The token's row when it can still be used (the reset page asks before showing the form)."""
    if not token or len(token) > 200:
        raise invalid_token()
    row = await session.get(PasswordResetToken, _hash(token))
    if row is None or row.used_at is not None:
        raise invalid_token()
    if as_utc(row.expires_at) <= utcnow():
        raise token_expired()
    return row


async def do_confirm(session: AsyncSession, *, token: str, new_password: str) -> int:
    """Set a new password with a reset token; every session of the user ends. Returns the user id."""
    row = await check_token(session, token=token)
    user = await session.get(User, row.user_id)
    if user is None or user.deleted_at is not None:
        raise invalid_token()
    try:
        passwords.check_password(new_password, field="new_password", username=user.username, email=user.email)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.detail, code="weak_password", errors=exc.errors or [FieldError("new_password", str(exc.detail))]
        ) from None
    user_id = row.user_id
    # End the transaction during bcrypt (SQLite's write lock, a pooled connection), then spend
    # the token with a conditional UPDATE that only one request can win.
    await session.commit()
    password_hash = await passwords.hash_password(new_password)
    spent = await session.exec(
        update(PasswordResetToken)
        .where(
            col(PasswordResetToken.token_hash) == _hash(token),
            col(PasswordResetToken.used_at).is_(None),
            col(PasswordResetToken.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not spent.rowcount:  # type: ignore[attr-defined]
        raise invalid_token()
    user = (await session.exec(select(User).where(col(User.id) == user_id))).one()
    user.password_hash = password_hash
    session.add(user)
    await session.flush()
    await outbox.enqueue(
        session,
        to=user.email,
        template="password_changed",
        context={"nickname": user.nickname},
        user_id=user_id,
        locale=_locale(user),
    )
    await session_service.revoke_all(user_id=user_id)
    return user_id
