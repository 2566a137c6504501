"""Users: lookups, identifier rules, profile, avatar, password change, deletion, blocks.

Other domains use this module as ``from withus.services import users as user_service``:

* :func:`get` / :func:`get_or_raise` — a user by id (deleted accounts are
  returned too; their views show "탈퇴한 회원").
* :func:`is_blocked` / :func:`blocked_ids` / :func:`blocked_between` — for
  chat (no messages from someone I blocked) and the board (collapse their content).
* :data:`on_account_deleted` — register ``async def hook(session, user)``; hooks
  run inside the deletion's transaction, before the account is anonymised
  (clubs pass the clubs the user hosts on, or close them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import fetch_rows
from withus.errors import Conflict, FieldError, NotFound, ValidationFailed
from withus.i18n import Msg
from withus.i18n import normalize as normalize_locale
from withus.models.base import utcnow
from withus.models.block import UserBlock
from withus.models.user import DELETED_NICKNAME, User
from withus.services import (
    images,
    passwords,
    people_pairs,  # noqa: F401  (keeps the pairs of every nickname written)
    rate_limit,
    tokens,
)
from withus.services import sessions as session_service
from withus.services.blocks import (  # blocks have their own module; callers reach them from here too
    blocked_between as blocked_between,
)
from withus.services.blocks import (
    blocked_either_way as blocked_either_way,
)
from withus.services.blocks import (
    blocked_ids as blocked_ids,
)
from withus.services.blocks import (
    do_block as do_block,
)
from withus.services.blocks import (
    do_unblock as do_unblock,
)
from withus.services.blocks import (
    is_blocked as is_blocked,
)
from withus.services.blocks import (
    list_blocked as list_blocked,
)

USERNAME_RE = re.compile(r"^[a-z0-9_]{4,20}$")
NICKNAME_MIN, NICKNAME_MAX = 2, 20
INTRODUCTION_MAX = 300
TAGS_MAX, TAG_MAX = 5, 20
AVATAR_SIDE = 512
RESERVED_USERNAMES = frozenset({"admin", "administrator", "root", "system", "withus", "support", "help", "null"})
RESERVED_NICKNAMES = frozenset({DELETED_NICKNAME, "탈퇴한회원", "관리자", "운영자", "withus", "admin"})
_NICKNAME_PUNCT = frozenset("_-. ")
WRONG_PASSWORD_PER_USER = 10
WRONG_PASSWORD_WINDOW = 15 * 60

AccountDeletedHook = Callable[[AsyncSession, User], Awaitable[Any]]
on_account_deleted: list[AccountDeletedHook] = []
"""Hooks run (in order, in the same transaction) when an account is deleted."""


# --- lookups -----------------------------------------------------------------------------------


async def get(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


_users = cast(Table, User.__table__)  # type: ignore[attr-defined]
_user_by_id = sa_select(*_users.c).where(_users.c.id == bindparam("user_id"))


@dataclass(frozen=True)
class Reader:
    """The caller as reading rules see them (:class:`User` has the same two attributes): a list
    whose own statement read these (:func:`caller_columns`) needs no separate fetch of the account."""

    id: int
    is_admin: bool


Caller = User | Reader


@cache
def caller_columns() -> tuple[Any, Any]:
    """The caller's ``is_admin`` (NULL when there is no such account) and ``deleted_at``, as two
    subqueries another statement can select beside its rows (parameter ``reader``)."""
    by_id = _users.c.id == bindparam("reader")
    return (
        sa_select(_users.c.is_admin).where(by_id).scalar_subquery(),
        sa_select(_users.c.deleted_at).where(by_id).scalar_subquery(),
    )


def reader_of(user_id: int, is_admin: bool | None, deleted_at: Any) -> Reader:
    """The caller from :func:`caller_columns`; an account gone or deleted ends the request as
    authentication does for every other call (401 ``token_revoked``)."""
    if is_admin is None or deleted_at is not None:
        raise tokens.token_revoked()
    return Reader(id=user_id, is_admin=is_admin)


async def get_caller(session: AsyncSession, *, user_id: int) -> User | None:
    """:func:`get` for the user a request authenticates as (every logged-in request asks): the row
    read without the ORM's load path (which cost twice the round trip), then put in the session as
    if the ORM had loaded it — persistent, unchanged, in the identity map."""
    if session.identity_map.get(identity_key(User, user_id)) is not None:
        return await session.get(User, user_id)  # already in this session: the ORM knows its state
    rows = await fetch_rows(session, _user_by_id, {"user_id": user_id})
    if not rows:
        return None
    user = User(**dict(zip(_users.c.keys(), rows[0], strict=True)))
    make_transient_to_detached(user)
    session.add(user)
    return user


async def live_account(session: AsyncSession, user_id: int) -> User | None:
    """The account a verified token speaks for, if it exists and is not deleted; None otherwise
    (a connection that authenticates once, as the STOMP edge's CONNECT does, asks this)."""
    user = await get_caller(session, user_id=user_id)
    return user if user is not None and user.deleted_at is None else None


async def get_or_raise(session: AsyncSession, *, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(code="user_not_found")
    return user


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    result = await session.exec(select(User).where(User.email == email.strip().lower()))
    return result.first()


async def get_by_username(session: AsyncSession, *, username: str) -> User | None:
    result = await session.exec(select(User).where(User.username == username.strip().lower()))
    return result.first()


async def get_by_login(session: AsyncSession, *, login: str) -> User | None:
    """By email when ``login`` contains "@", else by username; deleted accounts never match."""
    login = login.strip()
    user = await get_by_email(session, email=login) if "@" in login else await get_by_username(session, username=login)
    return user if user is not None and user.deleted_at is None else None


async def nickname_taken(session: AsyncSession, *, nickname: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.nickname) == nickname.lower())
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return (await session.exec(query)).first() is not None


# --- identifier and profile rules --------------------------------------------------------------


def normalize_username(username: str, *, field: str = "username") -> str:
    """4–20 of a-z, 0-9, _ (case-insensitive: stored lower-cased)."""
    value = (username or "").strip().lower()
    if not USERNAME_RE.fullmatch(value):
        raise ValidationFailed.field(field, Msg("validation.username_format"))
    if value in RESERVED_USERNAMES:
        raise ValidationFailed.field(field, Msg("validation.username_reserved"))
    return value


def normalize_nickname(nickname: str, *, field: str = "nickname") -> str:
    """2–20 characters: letters of any script (Korean included), digits, and _ - . or single spaces inside."""
    value = unicodedata.normalize("NFC", (nickname or "").strip())
    value = re.sub(r"\s+", " ", value)
    if not NICKNAME_MIN <= len(value) <= NICKNAME_MAX:
        raise ValidationFailed.field(field, Msg("validation.nickname_length", min=NICKNAME_MIN, max=NICKNAME_MAX))
    for ch in value:
        if ch in _NICKNAME_PUNCT:
            continue
        if not unicodedata.category(ch).startswith(("L", "N", "M")):
            raise ValidationFailed.field(field, Msg("validation.nickname_chars"))
    if value.lower() in RESERVED_NICKNAMES:
        raise ValidationFailed.field(field, Msg("validation.nickname_reserved"))
    return value


def normalize_introduction(text: str, *, field: str = "introduction") -> str:
    value = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    if len(value) > INTRODUCTION_MAX:
        raise ValidationFailed.field(field, Msg("validation.introduction_length", max=INTRODUCTION_MAX))
    return value


def normalize_tags(tags: list[str], *, field: str = "tags") -> list[str]:
    """At most 5 tags of 1–20 characters, trimmed (a leading # dropped), no duplicates."""
    if len(tags) > TAGS_MAX:
        raise ValidationFailed.field(field, Msg("validation.tags_count", max=TAGS_MAX))
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(tags):
        tag = re.sub(r"\s+", " ", unicodedata.normalize("NFC", (raw or "").strip()).lstrip("#").strip())
        where = f"{field}.{i}"
        if not 1 <= len(tag) <= TAG_MAX:
            raise ValidationFailed.field(where, Msg("validation.tag_length", max=TAG_MAX))
        if any(unicodedata.category(ch) == "Cc" for ch in tag):
            raise ValidationFailed.field(where, Msg("validation.tag_chars"))
        if tag.lower() in seen:
            raise ValidationFailed.field(where, Msg("validation.tag_duplicate"))
        seen.add(tag.lower())
        out.append(tag)
    return out


def collect(*checks: Callable[[], object]) -> list[Any]:
    """Run validators and raise one :class:`ValidationFailed` listing every failing field."""
    results: list[Any] = []
    errors: list[FieldError] = []
    for check in checks:
        try:
            results.append(check())
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            results.append(None)
    if errors:
        raise ValidationFailed(errors[0].message if len(errors) == 1 else None, errors=errors)
    return results


def taken_field(exc: IntegrityError) -> str | None:
    """Which unique identifier an IntegrityError on users is about (race with another sign-up)."""
    text = str(exc.orig or exc).lower()
    for field in ("username", "nickname", "email"):
        if f"users_{field}" in text or f"users.{field}" in text:
            return field
    return None


def taken(field: str) -> Conflict:
    messages = {
        "username": Msg("error.username_taken"),
        "nickname": Msg("error.nickname_taken"),
        "email": Msg("error.email_taken"),
    }
    return Conflict(messages[field], code=f"{field}_taken", errors=[FieldError(field, messages[field])])


# --- profile -----------------------------------------------------------------------------------


async def update(
    session: AsyncSession,
    *,
    user: User,
    nickname: str | None = None,
    introduction: str | None = None,
    tags: list[str] | None = None,
    locale: str | None = None,
) -> User:
    """Change the profile fields that are given (others stay); ``locale`` is ``ko`` or ``en``."""
    new_nickname, new_intro, new_tags = collect(
        lambda: normalize_nickname(nickname) if nickname is not None else None,
        lambda: normalize_introduction(introduction) if introduction is not None else None,
        lambda: normalize_tags(tags) if tags is not None else None,
    )
    if new_nickname is not None and new_nickname != user.nickname:
        if await nickname_taken(session, nickname=new_nickname, except_user_id=user.id):
            raise taken("nickname")
        user.nickname = new_nickname
    if new_intro is not None:
        user.introduction = new_intro
    if new_tags is not None:
        user.tags = new_tags
    if locale is not None:
        user.locale = normalize_locale(locale)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise taken(taken_field(exc) or "nickname") from None
    return user


async def do_set_avatar(session: AsyncSession, *, user: User, content: bytes) -> User:
    """Check, re-encode (WebP, ≤ 512 px, square, no metadata) and store a new avatar."""
    relative = await images.save_image(content, folder="avatars", max_side=AVATAR_SIDE, square=True)
    old = user.avatar_path
    user.avatar_path = relative
    session.add(user)
    await session.flush()
    if old:
        images.delete_after_commit(session, old)
    return user


async def do_remove_avatar(session: AsyncSession, *, user: User) -> User:
    old = user.avatar_path
    if old:
        user.avatar_path = None
        session.add(user)
        await session.flush()
        images.delete_after_commit(session, old)
    return user


async def check_current_password(*, user: User, password: str, field: str) -> None:
    """The account's password, for sensitive changes; wrong guesses are rate-limited per user.

    Call it outside a database transaction: bcrypt waits for a thread of a small pool, and an
    open transaction would hold a pooled connection (PostgreSQL) or the write lock (SQLite)
    all that time.
    """
    ident = str(user.id)
    await rate_limit.check("pw-confirm", ident, limit=WRONG_PASSWORD_PER_USER, window=WRONG_PASSWORD_WINDOW)
    if not await passwords.verify_password(password or "", user.password_hash):
        await rate_limit.count("pw-confirm", ident, window=WRONG_PASSWORD_WINDOW)
        raise ValidationFailed(
            code="wrong_password",
            errors=[FieldError(field, Msg("error.wrong_password"))],
        )


async def do_change_password(
    session: AsyncSession, *, user: User, current_password: str, new_password: str, keep_session_id: str | None
) -> None:
    """Change the password; every other login session of the user ends at once.

    Ends ``session``'s read transaction before the bcrypt work (see :func:`check_current_password`).
    """
    await session.commit()
    await check_current_password(user=user, password=current_password, field="current_password")
    passwords.check_password(new_password, field="new_password", username=user.username, email=user.email)
    user.password_hash = await passwords.hash_password(new_password)
    session.add(user)
    await session.flush()
    assert user.id is not None
    await session_service.revoke_all(user_id=user.id, except_session_id=keep_session_id)


async def do_delete_account(session: AsyncSession, *, user: User, password: str) -> None:
    """Delete the account: hooks first (clubs), then anonymise it and end every session.

    The row stays so that posts, comments and messages keep their author, shown as
    "탈퇴한 회원"; the username and email are freed for a new sign-up. Ends ``session``'s
    read transaction before the bcrypt check.
    """
    await session.commit()
    await check_current_password(user=user, password=password, field="password")
    assert user.id is not None
    for hook in list(on_account_deleted):
        await hook(session, user)
    old_avatar = user.avatar_path
    user.username = f"#d{user.id}"
    user.nickname = f"#탈퇴{user.id}"
    user.email = f"#deleted-{user.id}@withus.invalid"
    user.introduction = ""
    user.tags = []
    user.avatar_path = None
    user.password_hash = passwords.UNUSABLE_HASH
    user.is_admin = False
    user.deleted_at = utcnow()
    session.add(user)
    await session.exec(delete(UserBlock).where(col(UserBlock.blocker_id) == user.id))
    await session.flush()
    if old_avatar:
        images.delete_after_commit(session, old_avatar)
    await session_service.revoke_all(user_id=user.id)
