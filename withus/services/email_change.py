"""Changing the account's email: the password, then a code mailed to the new address; the old one is told.

* :func:`do_request` checks the password (wrong guesses rate-limited per user, as for other
  sensitive changes), that the new address is valid, not the current one and not taken
  (409 ``email_taken``), then mails a 6-digit code to the new address through the outbox.
  The code is stored only as an HMAC under the user's id (with the new address) for 10
  minutes; a new request replaces it; 5 wrong tries burn it. Requests are limited like sign-up
  codes, per user, per new address and per IP: one per 60 s per user and per address, 5 an
  hour per user and per address, 20 an hour per IP (so nobody floods one inbox with codes
  from many accounts, nor tries many addresses from one place).
* :func:`do_confirm` takes the code of *this* user (another user's code is simply wrong:
  400 ``invalid_code``; gone or burnt: 400 ``code_expired``), checks again that the address
  is free (409 ``email_taken``), changes the email and mails the old address that it changed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import Conflict, ValidationFailed
from withus.i18n import Msg
from withus.kv import get_kv
from withus.models.user import User
from withus.services import email_codes, outbox, rate_limit
from withus.services import users as user_service
from withus.settings import get_settings

CODE_TTL = 600
MAX_WRONG_TRIES = 5
COOLDOWN = 60
HOURLY = 5
HOURLY_PER_IP = 20
HOUR = 3600


def _key(user_id: int) -> str:
    return f"emailchange:{user_id}"


def _tries_key(user_id: int) -> str:
    return f"emailchange:tries:{user_id}"


def _digest(user_id: int, email: str, code: str) -> str:
    secret = get_settings().jwt_secret.encode()
    return hmac.new(secret, f"email-change:{user_id}:{email}:{code}".encode(), hashlib.sha256).hexdigest()


def email_taken() -> Conflict:
    return Conflict(Msg("error.email_in_use"), code="email_taken")


async def do_request(session: AsyncSession, *, user: User, new_email: str, password: str, ip: str | None = None) -> int:
    """Mail a code to ``new_email``; returns the code's lifetime in seconds."""
    assert user.id is not None
    address = email_codes.normalize_email(new_email, field="new_email")
    if address == user.email:
        raise ValidationFailed.field("new_email", Msg("error.same_email"))
    await session.commit()  # no transaction held across bcrypt
    await user_service.check_current_password(user=user, password=password, field="password")
    if await user_service.get_by_email(session, email=address) is not None:
        raise email_taken()
    if ip:
        await rate_limit.hit("echange-ip", ip, limit=HOURLY_PER_IP, window=HOUR)
    resend = Msg("error.email_change_cooldown", seconds=COOLDOWN)
    await rate_limit.cooldown("echange-cool", str(user.id), seconds=COOLDOWN, detail=resend)
    await rate_limit.cooldown("echange-addr-cool", address, seconds=COOLDOWN, detail=resend)
    await rate_limit.hit("echange-hour", str(user.id), limit=HOURLY, window=HOUR)
    await rate_limit.hit("echange-addr", address, limit=HOURLY, window=HOUR)
    code = f"{secrets.randbelow(1_000_000):06d}"
    kv = get_kv()
    payload = json.dumps({"email": address, "digest": _digest(user.id, address, code)})
    await kv.set(_key(user.id), payload, ttl=CODE_TTL)
    await kv.delete(_tries_key(user.id))
    await outbox.enqueue(
        session,
        to=address,
        template="email_change_code",
        context={"code": code, "minutes": CODE_TTL // 60},
        user_id=user.id,
        locale=str(getattr(user, "locale", None) or "ko"),
    )
    return CODE_TTL


async def do_confirm(session: AsyncSession, *, user: User, code: str) -> User:
    """Change the email to the one the code was sent to; the old address gets a mail."""
    assert user.id is not None
    kv = get_kv()
    tries = await kv.incr(_tries_key(user.id), ttl=CODE_TTL)
    stored = await kv.get(_key(user.id))
    if stored is None:
        raise email_codes.code_expired()
    if tries > MAX_WRONG_TRIES:
        await kv.delete(_key(user.id), _tries_key(user.id))
        raise email_codes.code_expired()
    data = json.loads(stored)
    address = str(data["email"])
    if not hmac.compare_digest(str(data["digest"]), _digest(user.id, address, (code or "").strip())):
        if tries >= MAX_WRONG_TRIES:
            await kv.delete(_key(user.id), _tries_key(user.id))
            raise email_codes.invalid_code(0)
        raise email_codes.invalid_code(MAX_WRONG_TRIES - tries)
    if await kv.getdel(_key(user.id)) is None:  # single use: a parallel confirm won
        raise email_codes.code_expired()
    await kv.delete(_tries_key(user.id))
    if await user_service.get_by_email(session, email=address) is not None:
        raise email_taken()
    old = user.email
    user.email = address
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise email_taken() from None
    await outbox.enqueue(
        session,
        to=old,
        template="email_changed",
        context={"new_email": address},
        user_id=user.id,
        locale=str(getattr(user, "locale", None) or "ko"),
    )
    return user
