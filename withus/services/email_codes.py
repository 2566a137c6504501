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
* The mail is sent before answering: aiosmtplib does not block the event loop,
  and when SMTP is configured but fails the user is told at once (503
  ``mail_unavailable``, the code discarded and the cool-down lifted) instead of
  waiting for a mail that will never come. The hourly counters still count.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from html import escape

from email_validator import EmailNotValidError, validate_email
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import InvalidInput, Unavailable, ValidationFailed
from withus.kv import get_kv
from withus.services import mail as mail_service
from withus.services import rate_limit
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
        raise ValidationFailed.field(field, "이메일을 입력해 주세요.")
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationFailed.field(field, "이메일 주소가 너무 깁니다.")
    try:
        result = validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValidationFailed.field(field, "올바른 이메일 주소를 입력해 주세요.") from None
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
    detail = "인증 코드가 올바르지 않습니다."
    if left is not None:
        detail += f" (남은 시도 {left}회)"
    return InvalidInput(detail, code="invalid_code")


def code_expired() -> InvalidInput:
    return InvalidInput(
        "인증 코드가 만료되었거나 더 이상 쓸 수 없습니다. 새 코드를 요청해 주세요.", code="code_expired"
    )


def mail_unavailable() -> Unavailable:
    return Unavailable("메일을 보낼 수 없습니다. 잠시 후 다시 시도해 주세요.", code="mail_unavailable")


def _code_mail(to: str, code: str) -> mail_service.Mail:
    minutes = CODE_TTL // 60
    text = (
        "안녕하세요, withUs입니다.\n\n"
        f"가입 화면에 아래 인증 코드를 입력해 주세요. 코드는 {minutes}분 동안 한 번만 쓸 수 있습니다.\n\n"
        f"    인증 코드: {code}\n\n"
        "본인이 요청하지 않았다면 이 메일을 무시해 주세요. 다른 사람에게 코드를 알려 주지 마세요.\n\n"
        "— withUs (위드어스)\n"
    )
    html = (
        '<div style="font-family:sans-serif;line-height:1.6">'
        "<p>안녕하세요, withUs입니다.</p>"
        f"<p>가입 화면에 아래 인증 코드를 입력해 주세요. 코드는 {minutes}분 동안 한 번만 쓸 수 있습니다.</p>"
        f'<p style="font-size:28px;font-weight:700;letter-spacing:6px">{escape(code)}</p>'
        "<p>본인이 요청하지 않았다면 이 메일을 무시해 주세요. 다른 사람에게 코드를 알려 주지 마세요.</p>"
        "<p>— withUs (위드어스)</p></div>"
    )
    return mail_service.Mail(to=to, subject=f"[withUs] 이메일 인증 코드 {code}", text=text, html=html)


def _taken_mail(to: str) -> mail_service.Mail:
    login_url = f"{(get_settings().public_url or '').rstrip('/')}/login"
    text = (
        "안녕하세요, withUs입니다.\n\n"
        "이 이메일 주소로 가입 인증 코드를 요청하셨지만, 이 주소로는 이미 withUs 계정이 있습니다.\n"
        f"새로 가입하지 않아도 됩니다. 로그인해 주세요: {login_url}\n\n"
        "본인이 요청하지 않았다면 이 메일을 무시해 주세요. 계정에는 아무 변화도 없습니다.\n\n"
        "— withUs (위드어스)\n"
    )
    html = (
        '<div style="font-family:sans-serif;line-height:1.6">'
        "<p>안녕하세요, withUs입니다.</p>"
        "<p>이 이메일 주소로 가입 인증 코드를 요청하셨지만, 이 주소로는 이미 withUs 계정이 있습니다.</p>"
        f'<p>새로 가입하지 않아도 됩니다. <a href="{escape(login_url)}">로그인</a>해 주세요.</p>'
        "<p>본인이 요청하지 않았다면 이 메일을 무시해 주세요. 계정에는 아무 변화도 없습니다.</p>"
        "<p>— withUs (위드어스)</p></div>"
    )
    return mail_service.Mail(to=to, subject="[withUs] 이미 가입된 이메일 주소입니다", text=text, html=html)


async def do_request_code(session: AsyncSession, *, email: str, ip: str) -> int:
    """Mail a sign-up code to ``email`` (or a notice that it is taken); returns the code's lifetime."""
    address = normalize_email(email)
    await rate_limit.hit("ecode-ip", ip, limit=HOURLY_PER_IP, window=HOUR)
    await rate_limit.cooldown(
        "ecode-cool",
        address,
        seconds=RESEND_COOLDOWN,
        detail=f"인증 코드는 {RESEND_COOLDOWN}초에 한 번만 요청할 수 있습니다.",
    )
    await rate_limit.hit("ecode-addr", address, limit=HOURLY_PER_ADDRESS, window=HOUR)

    kv = get_kv()
    taken = await user_service.get_by_email(session, email=address) is not None
    await session.commit()  # read-only: hold no connection or database lock while the mail goes out
    if taken:
        message = _taken_mail(address)
    else:
        code = f"{secrets.randbelow(1_000_000):06d}"
        await kv.set(_code_key(address), _digest(address, code), ttl=CODE_TTL)
        await kv.delete(_tries_key(address))
        message = _code_mail(address, code)
    try:
        await mail_service.send(message)
    except mail_service.MailError:
        if not taken:
            await kv.delete(_code_key(address))
        await rate_limit.clear_cooldown("ecode-cool", address)
        raise mail_unavailable() from None
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
