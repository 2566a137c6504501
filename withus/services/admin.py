"""Site administration from the command line: ``python -m withus.cli admin USERNAME``."""

from __future__ import annotations

from withus.db import dispose_engine, session_scope
from withus.services import users as user_service


async def grant_admin(*, username: str) -> None:
    """Make ``username`` a site administrator (idempotent); exits with one line when absent."""
    try:
        async with session_scope() as session:
            user = await user_service.get_by_username(session, username=username)
            if user is None or user.deleted_at is not None:
                raise SystemExit(f"withUs: no user named {username!r}")
            already = user.is_admin
            user.is_admin = True
            session.add(user)
        print(f"withUs: {user.username} {'is already' if already else 'is now'} a site administrator")
    finally:
        await dispose_engine()
