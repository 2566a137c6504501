"""Test data: users and their credentials. Import from any test:

    from tests.factories import auth_headers, make_user

    user = await make_user(session)
    r = await client.get("/api/users/me", headers=await auth_headers(user))

``make_user`` commits. The default password's hash is computed once with few
bcrypt rounds (verification reads the cost from the hash, so logging in with
it is fast too); any other password is hashed the same cheap way.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.models.user import User
from withus.services import passwords
from withus.services import sessions as session_service

DEFAULT_PASSWORD = "correct-horse-42"
_TEST_ROUNDS = 4
_counter = itertools.count(1)


@lru_cache(maxsize=64)
def cheap_hash(password: str) -> str:
    """A valid password hash at a low bcrypt cost, cached per password (tests only)."""
    return passwords.hash_password_sync(password, rounds=_TEST_ROUNDS)


async def make_user(
    session: AsyncSession,
    *,
    username: str | None = None,
    nickname: str | None = None,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    is_admin: bool = False,
    introduction: str = "",
    tags: list[str] | None = None,
) -> User:
    """Create and commit a user with unique defaults (``user1``, ``닉네임1``, ``user1@example.com``)."""
    n = next(_counter)
    username = (username or f"user{n}").lower()
    user = User(
        username=username,
        nickname=nickname or f"닉네임{n}",
        email=(email or f"{username}@example.com").lower(),
        password_hash=cheap_hash(password),
        is_admin=is_admin,
        introduction=introduction,
        tags=list(tags or []),
    )
    session.add(user)
    # Commit and do not refresh: with SQLite every transaction takes the write lock
    # (BEGIN IMMEDIATE), so a test session left inside one would block the app's requests.
    await session.commit()
    return user


async def login_pair(user: User, *, user_agent: str = "pytest", ip: str = "203.0.113.7") -> session_service.TokenPair:
    """A real login session for ``user`` (KV store of the current stack)."""
    assert user.id is not None
    return await session_service.create(user_id=user.id, user_agent=user_agent, ip=ip)


async def auth_headers(user: User) -> dict[str, str]:
    """``{"Authorization": "Bearer <access token>"}`` of a new real session of ``user``."""
    pair = await login_pair(user)
    return {"Authorization": f"Bearer {pair.access_token}"}
