"""Sign-up, login and logout.

* Sign-up validates every field first (all failing fields reported at once),
  then checks the email code without spending it, checks that the identifiers
  are free, inserts the user, and only then spends the code — all inside the
  caller's unit of work, so a failure leaves neither an account nor a spent
  code behind (a code is spent only by a sign-up that is about to commit).
  Two sign-ups racing for the same name are told apart by the unique
  constraints (``*_taken``, 409).
* Login accepts a username or an email. Unknown account and wrong password give
  the same ``invalid_credentials`` answer after the same bcrypt work
  (:func:`passwords.dummy_verify`). Failures are limited per account name
  (10 per 15 min) and per client IP (30 per 15 min); past the limit the answer
  is 429 with ``Retry-After`` whatever the password — also for names that do
  not exist, so the limit reveals nothing either. A success clears the
  account's counter.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import NotAuthenticated
from withus.models.user import User
from withus.observability import metrics
from withus.services import email_codes, passwords, rate_limit
from withus.services import sessions as session_service
from withus.services import users as user_service

LOGIN_FAILURES_PER_ACCOUNT = 10
LOGIN_FAILURES_PER_IP = 30
LOGIN_WINDOW = 15 * 60


def invalid_credentials() -> NotAuthenticated:
    return NotAuthenticated(code="invalid_credentials")


async def do_signup(
    session: AsyncSession,
    *,
    email: str,
    code: str,
    username: str,
    nickname: str,
    password: str,
) -> User:
    """Create an account from a verified email address."""
    address, uname, nick, _ = user_service.collect(
        lambda: email_codes.normalize_email(email),
        lambda: user_service.normalize_username(username),
        lambda: user_service.normalize_nickname(nickname),
        lambda: passwords.check_password(
            password,
            username=(username or "").strip().lower() or None,
            email=(email or "").strip().lower() or None,
        ),
    )
    await email_codes.check_code(email=address, code=code)
    # Hash before touching the database, so no transaction is open during bcrypt.
    password_hash = await passwords.hash_password(password)
    if await user_service.get_by_email(session, email=address) is not None:
        raise user_service.taken("email")
    if await user_service.get_by_username(session, username=uname) is not None:
        raise user_service.taken("username")
    if await user_service.nickname_taken(session, nickname=nick):
        raise user_service.taken("nickname")
    user = User(
        username=uname,
        nickname=nick,
        email=address,
        password_hash=password_hash,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise user_service.taken(user_service.taken_field(exc) or "username") from None
    await email_codes.consume_code(email=address, code=code)
    return user


def _login_ident(login: str) -> str:
    return (login or "").strip().lower()


async def do_login(
    session: AsyncSession, *, login: str, password: str, ip: str, user_agent: str = ""
) -> tuple[User, session_service.TokenPair]:
    """Check the credentials and open a login session.

    Ends ``session``'s (read-only) transaction after looking the account up, before
    the bcrypt check; call it with a session that has no pending changes.
    """
    login = _login_ident(login)
    await rate_limit.check("login-ip", ip, limit=LOGIN_FAILURES_PER_IP, window=LOGIN_WINDOW)
    user = await user_service.get_by_login(session, login=login) if login else None
    # One counter per account whichever name it is reached by; per name for unknown ones.
    ident = f"user:{user.id}" if user is not None else f"name:{login}"
    # End the read transaction before the slow bcrypt check: a login must not hold a pooled
    # connection (PostgreSQL) or the database lock (SQLite) while it waits for a bcrypt thread.
    await session.commit()
    await rate_limit.check("login-acct", ident, limit=LOGIN_FAILURES_PER_ACCOUNT, window=LOGIN_WINDOW)
    if user is None:
        await passwords.dummy_verify(password or "")
        ok = False
    else:
        ok = await passwords.verify_password(password or "", user.password_hash)
    if not ok or user is None:
        await rate_limit.count("login-ip", ip, window=LOGIN_WINDOW)
        await rate_limit.count("login-acct", ident, window=LOGIN_WINDOW)
        metrics.login_failed()
        raise invalid_credentials()
    await rate_limit.reset("login-acct", ident)
    assert user.id is not None
    pair = await session_service.create(user_id=user.id, user_agent=user_agent, ip=ip)
    return user, pair


async def do_logout(*, session_id: str) -> None:
    await session_service.revoke(session_id=session_id)


async def do_logout_all(*, user: User) -> int:
    assert user.id is not None
    return await session_service.revoke_all(user_id=user.id)
