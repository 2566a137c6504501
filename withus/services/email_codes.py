"""Email verification codes for sign-up.

* A code is 6 digits from :mod:`secrets`, stored only as an HMAC (keyed with
  the server secret) under ``ecode:{sha256(email)}``, for 10 minutes. A new
  request replaces the previous code.
* 5 wrong tries burn the code; after that, or after 10 minutes, the answer is
  ``code_expired`` (ask for a new one). A code is single-use: sign-up takes it
  with GETDEL, which only one request can win.
* Resending: one mail per address per 60 s, 5 per address per hour and 20 per
  client IP per hour (429 with ``Retry-After``).
* A taken address gets a mail saying it already has an account, and no code;
  the API answer is the same either way, so it does not reveal who has an account.
* The mail goes through the outbox (:mod:`withus.services.outbox`): it is written in
  the request's transaction and sent by the mail worker, so while the mail server is
  down the answer is still 202 and the code arrives once it is back (within its
  10 minutes, or the user asks again). ``mail_unavailable`` is no longer answered.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from email_validator import EmailNotValidError, validate_email
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import InvalidInput, ValidationFailed
from withus.i18n import DEFAULT_LOCALE, Msg
from withus.kv import get_kv
from withus.services import outbox, rate_limit
from withus.services import users as user_service
from withus.settings import get_settings

CODE_TTL = 600
MAX_WRONG_TRIES = 5
RESEND_COOLDOWN = 60
HOURLY_PER_ADDRESS = 5
HOURLY_PER_IP = 20
HOUR = 3600
MAX_EMAIL_LENGTH = 254


def normalize_email(email: str, *, field: str = "email") -> str:
    """A syntactically valid address, lower-cased; 422 on ``field`` otherwise."""
    email = (email or "").strip()
    if not email:
        raise ValidationFailed.field(field, Msg("validation.email_required"))
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationFailed.field(field, Msg("validation.email_too_long"))
    try:
        result = validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationFailed.field(field, Msg("validation.email_invalid")) from None
    return result.normalized.lower()


def _id(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _code_key(email: str) -> str:
    return f"ecode:{_id(email)}"


def _tries_key(email: str) -> str:
    return f"ecode:tries:{_id(email)}"


def _digest(email: str, code: str) -> str:
    secret = get_settings().jwt_secret.encode()
    return hmac.new(secret, f"email-code:{email}:{code}".encode(), hashlib.sha256).hexdigest()


def invalid_code(left: int | None = None) -> InvalidInput:
    detail = Msg("error.invalid_code") if left is None else Msg("error.invalid_code.left", left=left)
    return InvalidInput(detail, code="invalid_code")


def code_expired() -> InvalidInput:
    return InvalidInput(code="code_expired")


async def do_request_code(session: AsyncSession, *, email: str, ip: str, locale: str = DEFAULT_LOCALE) -> int:
    """Mail a sign-up code to ``email`` (or a notice that it is taken); returns the code's lifetime.

    The code mail is written in ``locale`` (the page's); the notice in the account's own locale.
    """
    address = normalize_email(email)
    await rate_limit.hit("ecode-ip", ip, limit=HOURLY_PER_IP, window=HOUR)
    await rate_limit.cooldown(
        "ecode-cool",
        address,
        seconds=RESEND_COOLDOWN,
        detail=Msg("error.rate_limited.code_resend", seconds=RESEND_COOLDOWN),
    )
    await rate_limit.hit("ecode-addr", address, limit=HOURLY_PER_ADDRESS, window=HOUR)

    kv = get_kv()
    owner = await user_service.get_by_email(session, email=address)
    if owner is not None:
        await outbox.enqueue(session, to=address, template="signup_taken", locale=owner.locale)
    else:
        code = f"{secrets.randbelow(1_000_000):06d}"
        await kv.set(_code_key(address), _digest(address, code), ttl=CODE_TTL)
        await kv.delete(_tries_key(address))
        context = {"code": code, "minutes": CODE_TTL // 60}
        await outbox.enqueue(session, to=address, template="signup_code", context=context, locale=locale)
    return CODE_TTL


async def check_code(*, email: str, code: str) -> None:
    """Verify ``code`` for ``email`` without spending it; a wrong code counts as a try."""
    kv = get_kv()
    address = email.lower()
    # Count the try before reading the code: a burst of parallel guesses gets no more than
    # MAX_WRONG_TRIES comparisons between them, whatever order they finish in. (Reading first let
    # a guess that read the code before the fifth try burned it count from 1 again afterwards.)
    tries = await kv.incr(_tries_key(address), ttl=CODE_TTL)
    stored = await kv.get(_code_key(address))
    if stored is None:
        raise code_expired()
    if tries > MAX_WRONG_TRIES:
        await kv.delete(_code_key(address), _tries_key(address))
        raise code_expired()
    if hmac.compare_digest(stored, _digest(address, code)):
        await kv.delete(_tries_key(address))  # a right code does not use up a try
        return
    if tries >= MAX_WRONG_TRIES:
        await kv.delete(_code_key(address), _tries_key(address))
        raise invalid_code(0)
    raise invalid_code(MAX_WRONG_TRIES - tries)


async def consume_code(*, email: str, code: str) -> None:
    """Spend the code (single use: one caller wins). Raises ``code_expired`` when it is gone."""
    kv = get_kv()
    address = email.lower()
    stored = await kv.getdel(_code_key(address))
    if stored is None:
        raise code_expired()
    await kv.delete(_tries_key(address))
    if not hmac.compare_digest(stored, _digest(address, code)):
        raise invalid_code()
