"""Blocking people: who blocked whom, and the conditions other queries use to leave them out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import InvalidInput, NotFound
from withus.models.block import UserBlock
from withus.models.user import User


async def _target(session: AsyncSession, target_id: int) -> None:
    """The account to block exists (the same 404 as ``users.get_or_raise``, which imports this module)."""
    if await session.get(User, target_id) is None:
        raise NotFound(code="user_not_found")


async def do_block(session: AsyncSession, *, user: User, target_id: int) -> None:
    """Block ``target_id`` (idempotent)."""
    if target_id == user.id:
        raise InvalidInput(code="cannot_block_self")
    await _target(session, target_id)
    assert user.id is not None
    if await session.get(UserBlock, (user.id, target_id)) is not None:
        return
    try:
        async with session.begin_nested():
            session.add(UserBlock(blocker_id=user.id, blocked_id=target_id))
    except IntegrityError:  # a concurrent identical block won: already blocked is the goal
        pass


async def do_unblock(session: AsyncSession, *, user: User, target_id: int) -> None:
    """Unblock ``target_id`` (idempotent)."""
    if target_id == user.id:
        raise InvalidInput(code="cannot_block_self")
    await _target(session, target_id)
    await session.exec(
        delete(UserBlock).where(col(UserBlock.blocker_id) == user.id, col(UserBlock.blocked_id) == target_id)
    )


async def is_blocked(session: AsyncSession, blocker_id: int, blocked_id: int) -> bool:
    """Whether ``blocker_id`` has blocked ``blocked_id``."""
    return await session.get(UserBlock, (blocker_id, blocked_id)) is not None


def blocked_either_way(a: Any, b: Any) -> ColumnElement[bool]:
    """The condition on ``user_blocks`` that either of ``a`` and ``b`` (ids or bound parameters)
    blocked the other."""
    return or_(
        (col(UserBlock.blocker_id) == a) & (col(UserBlock.blocked_id) == b),
        (col(UserBlock.blocker_id) == b) & (col(UserBlock.blocked_id) == a),
    )


async def blocked_between(session: AsyncSession, a: int, b: int) -> bool:
    """Whether either of the two has blocked the other."""
    query = select(UserBlock.blocker_id).where(blocked_either_way(a, b))
    return (await session.exec(query)).first() is not None


async def blocked_ids(session: AsyncSession, blocker_id: int) -> set[int]:
    """Ids of the users ``blocker_id`` has blocked."""
    result = await session.exec(select(UserBlock.blocked_id).where(col(UserBlock.blocker_id) == blocker_id))
    return set(result.all())


async def list_blocked(
    session: AsyncSession, *, user: User, limit: int = 20, after_id: int | None = None
) -> list[User]:
    """The users ``user`` has blocked, by id (for the settings page)."""
    query = (
        select(User)
        .join(UserBlock, col(UserBlock.blocked_id) == col(User.id))
        .where(col(UserBlock.blocker_id) == user.id)
        .order_by(col(User.id))
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(col(User.id) > after_id)
    return list((await session.exec(query)).all())
