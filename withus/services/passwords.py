"""Password rules and hashing.

* 8–128 characters (counted as Unicode code points), every character
  significant. bcrypt only reads the first 72 *bytes*, and a Korean character
  is 3 bytes in UTF-8, so the password is pre-hashed: ``base64(SHA-256(utf8))``
  (44 ASCII bytes) is what bcrypt sees. The stored string is tagged
  ``bcrypt-sha256$<bcrypt hash>`` so the scheme can change later.
  Base64 matters: a raw digest may contain NUL bytes, which bcrypt refuses.
* The most common passwords (``withus/wordlists/common_passwords.txt``, compared
  case-insensitively) are refused, as is the user's own login name or email.
* bcrypt runs on a small dedicated thread pool, never on the event loop; the
  pool is bounded (CPU count − 1) and its threads run at a lower CPU priority,
  so a burst of logins cannot take the CPU away from the event loop serving
  other requests (see ``bench/login_load.py``).
* Logins for unknown accounts call :func:`dummy_verify`, which costs the same
  as a real check, so timing does not tell whether an account exists.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import resources

import bcrypt

from withus.errors import ValidationFailed
from withus.i18n import Msg

MIN_LENGTH = 8
MAX_LENGTH = 128
BCRYPT_ROUNDS = 12
SCHEME = "bcrypt-sha256$"

BCRYPT_NICE = 10


def _lower_priority() -> None:
    """Run bcrypt threads at a lower CPU priority (Linux: per-thread nice), so the event
    loop thread wins the CPU whenever both are ready; elsewhere this is a no-op."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BCRYPT_NICE)


_executor = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="bcrypt", initializer=_lower_priority
)
# A cost-12 hash of a random secret nobody kept: checking against it costs what a real check costs,
# from the very first login of the process on.
DUMMY_HASH = "bcrypt-sha256$$2b$12$ehl.Sj5FZYX9I/Ru1Zllme.BvV39mCvSYwvifutZnH6hdP7aHJ7vm"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("withus.wordlists").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def check_password(
    password: str,
    *,
    field: str = "password",
    username: str | None = None,
    email: str | None = None,
) -> None:
    """Raise :class:`ValidationFailed` (with ``field``) when ``password`` breaks a rule."""
    if not isinstance(password, str):
        raise ValidationFailed.field(field, Msg("validation.password_required"))
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.field(field, Msg("validation.password_short", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.field(field, Msg("validation.password_long", max=MAX_LENGTH))
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        raise ValidationFailed.field(field, Msg("validation.password_control"))
    lowered = password.lower()
    if is_common(password):
        raise ValidationFailed.field(field, Msg("validation.password_common"))
    if username and lowered == username.lower():
        raise ValidationFailed.field(field, Msg("validation.password_is_username"))
    if email and (lowered == email.lower() or lowered == email.lower().split("@", 1)[0]):
        raise ValidationFailed.field(field, Msg("validation.password_is_email"))


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password_sync(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """Blocking; use :func:`hash_password` from async code. (Tests use it with few rounds.)"""
    return SCHEME + bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password_sync(password: str, stored: str) -> bool:
    if not stored.startswith(SCHEME):
        return False  # unusable hash (deleted account) or an unknown scheme
    try:
        return bcrypt.checkpw(_prehash(password), stored[len(SCHEME) :].encode("ascii"))
    except ValueError:
        return False


async def hash_password(password: str) -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, hash_password_sync, password)


async def verify_password(password: str, stored: str) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, verify_password_sync, password, stored)


async def dummy_verify(password: str) -> None:
    """Spend the time of a real check against a hash nobody has (unknown accounts)."""
    await verify_password(password, DUMMY_HASH)


UNUSABLE_HASH = "!"
"""Stored for deleted accounts: no password verifies against it."""
