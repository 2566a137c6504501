"""Finding people by nickname (``GET /api/users?q=``; the invite dialog and a new chat).

Rules:

- ``q`` is 2..20 characters after trimming (422 otherwise); a nickname matches when it contains
  ``q``, case-insensitive (so one that starts with it matches too). Prefix matches come first,
  then the rest, each by nickname; pages follow with an opaque cursor.
- Deleted accounts, the searcher, and people who blocked me or whom I blocked are left out.
- On PostgreSQL ``lower(nickname) LIKE '%q%'`` is served by the pg_trgm GIN index
  ``ix_users_nickname_trgm`` (migration 0012); the pattern is rendered into the statement so
  the planner knows how selective it is (as the club search does).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import ValidationFailed
from withus.i18n import Msg
from withus.models.block import UserBlock
from withus.models.user import User, UserPublic
from withus.services.pagination import clamp_limit, decode_cursor, encode_cursor

Q_MIN = 2
Q_MAX = 20
PAGE = 20


def check_query(q: Any) -> str:
    text = q.strip() if isinstance(q, str) else ""
    if not Q_MIN <= len(text) <= Q_MAX:
        raise ValidationFailed.field("q", Msg("validation.people_query", min=Q_MIN, max=Q_MAX))
    return text


def _escaped(q: str) -> str:
    return q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_people(
    session: AsyncSession, *, viewer_id: int, q: Any, limit: int | None = None, cursor: str | None = None
) -> tuple[list[UserPublic], str | None]:
    """People whose nickname contains ``q``: ``(items, next_cursor)``."""
    text = check_query(q)
    n = clamp_limit(limit, default=PAGE)
    name = func.lower(col(User.nickname))
    rank = case((name.like(bindparam("people_prefix", type_=String(), literal_execute=True), escape="\\"), 0), else_=1)
    blocked = exists().where(
        or_(
            and_(col(UserBlock.blocker_id) == viewer_id, col(UserBlock.blocked_id) == col(User.id)),
            and_(col(UserBlock.blocker_id) == col(User.id), col(UserBlock.blocked_id) == viewer_id),
        )
    )
    stmt = select(User).where(
        name.like(bindparam("people_pattern", type_=String(), literal_execute=True), escape="\\"),
        col(User.deleted_at).is_(None),
        col(User.id) != bindparam("viewer", value=viewer_id, type_=Integer()),
        ~blocked,
    )
    if cursor is not None:
        after_rank, after_name, after_id = decode_cursor(cursor, int, str, int)
        stmt = stmt.where(
            or_(
                rank > after_rank,
                and_(rank == after_rank, or_(name > after_name, and_(name == after_name, col(User.id) > after_id))),
            )
        )
    stmt = stmt.order_by(rank, name, col(User.id)).limit(n + 1)
    escaped = _escaped(text)
    params = {"people_pattern": f"%{escaped}%", "people_prefix": f"{escaped}%"}
    users = list((await session.exec(stmt, params=params)).all())
    more = len(users) > n
    users = users[:n]
    next_cursor = None
    if more:
        last = users[-1]
        lowered = last.nickname.lower()
        next_cursor = encode_cursor(0 if lowered.startswith(text.lower()) else 1, lowered, last.id)
    return [UserPublic.of(u) for u in users], next_cursor
