"""Finding people by nickname (``GET /api/users?q=``; the invite dialog and a new chat).

Rules:

- ``q`` is 2..20 characters after trimming (422 otherwise); a nickname matches when it contains
  ``q``, case-insensitive (so one that starts with it matches too). Prefix matches come first, by
  nickname, then the rest, oldest account first; pages follow with an opaque cursor.
- Deleted accounts, the searcher, and people who blocked me or whom I blocked are left out.
- On PostgreSQL (every pattern rendered into the statement, so that the planner knows how selective
  it is, as the club search does): the prefix matches are a range of the btree
  ``ix_users_nickname_c`` on ``lower(nickname) COLLATE "C"`` (migration 0017), in its order; the
  others come from the pg_trgm GIN index ``ix_users_nickname_trgm`` (migration 0012) for three
  letters and more, from ``ix_users_nickname_pairs`` (0017: the same with a mark after every
  letter, so that its trigrams are letter pairs) for two; for a common word the planner may walk
  the btree in order instead. Nicknames sort by their bytes (code points: 가나다 order for Hangul)
  on both databases. ``bench/people_search.py`` measures it at 1,000,000 users.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, literal_column, or_, union_all
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


PAIR_MARK = "\ua66e"  # ꙮ: a letter no nickname is expected to hold (a false hit is only checked again)
"""Written after every character in ``ix_users_nickname_pairs`` (migration 0017): each trigram of
that text is a PAIR of the nickname's characters, so a two-letter query has an index too (pg_trgm
has none for fewer than three)."""


def pairs_expression(name: Any) -> Any:
    """``regexp_replace(lower(nickname), '(.)', '\\1ꙮ', 'g')``: the expression of the pairs index."""
    # constants in the statement, not parameters: the planner matches the index's expression
    return func.regexp_replace(
        name, literal_column("'(.)'"), literal_column(f"'\\1{PAIR_MARK}'"), literal_column("'g'")
    )


def _blocked_ids(viewer_id: int) -> Any:
    """Who I blocked and who blocked me: one hashed list (not a probe per candidate row)."""
    mine = select(col(UserBlock.blocked_id)).where(col(UserBlock.blocker_id) == viewer_id)
    theirs = select(col(UserBlock.blocker_id)).where(col(UserBlock.blocked_id) == viewer_id)
    return union_all(mine, theirs)


async def _part(
    session: AsyncSession,
    *,
    viewer_id: int,
    text: str,
    rank: int,
    after: tuple[str, int] | None,
    limit: int,
    postgres: bool,
) -> list[User]:
    """One rank of the answer: the nicknames starting with ``text`` (rank 0, by nickname then id),
    or those containing it elsewhere (rank 1, by id). On PostgreSQL the order is the bytes' (``COLLATE
    "C"``, as on SQLite): the btree ``ix_users_nickname_c`` then serves the prefix as a range in
    that order, and the planner may walk it for a common word instead of sorting every match."""
    name = func.lower(col(User.nickname))
    ordered = name.collate("C") if postgres else name
    escaped = _escaped(text)
    prefix = ordered.like(
        bindparam("people_prefix", value=f"{escaped}%", type_=String(), literal_execute=True), escape="\\"
    )
    stmt = select(User).where(
        col(User.deleted_at).is_(None),
        col(User.id) != bindparam("viewer", value=viewer_id, type_=Integer()),
        col(User.id).not_in(_blocked_ids(viewer_id)),
    )
    if rank == 0:
        stmt = stmt.where(prefix)
    else:
        inside = name.like(
            bindparam("people_pattern", value=f"%{escaped}%", type_=String(), literal_execute=True), escape="\\"
        )
        stmt = stmt.where(inside, ~prefix)
        if postgres and len(text) < 3:
            pairs = "".join(ch + PAIR_MARK for ch in text.lower())
            pairs_like = bindparam("people_pairs", value=f"%{_escaped(pairs)}%", type_=String(), literal_execute=True)
            stmt = stmt.where(pairs_expression(name).like(pairs_like, escape="\\"))
    if rank == 0:
        if after is not None:
            after_name, after_id = after
            stmt = stmt.where(or_(ordered > after_name, and_(ordered == after_name, col(User.id) > after_id)))
        stmt = stmt.order_by(ordered, col(User.id))
    else:
        # The rest by account age: a common pair inside nicknames matches tens of thousands of
        # people at 1M users, and sorting them all by nickname for a page of 20 took 0.2-0.9 s
        # (bench people_search); by id the planner walks the primary key and stops at the page.
        if after is not None:
            stmt = stmt.where(col(User.id) > after[1])
        stmt = stmt.order_by(col(User.id))
    stmt = stmt.limit(limit)
    return list((await session.exec(stmt)).all())


async def search_people(
    session: AsyncSession, *, viewer_id: int, q: Any, limit: int | None = None, cursor: str | None = None
) -> tuple[list[UserPublic], str | None]:
    """People whose nickname contains ``q``: ``(items, next_cursor)``; those starting with it first.

    Two statements at most (the prefix matches, then the rest), each an index range or walk on
    PostgreSQL however common the word: one ``ORDER BY rank, nickname`` had to sort every match."""
    text = check_query(q)
    n = clamp_limit(limit, default=PAGE)
    after: tuple[int, str, int] | None = None
    if cursor is not None:
        after_rank, after_name, after_id = decode_cursor(cursor, int, str, int)
        after = (int(after_rank), str(after_name), int(after_id))
    postgres = session.get_bind().dialect.name == "postgresql"
    users: list[User] = []
    if after is None or after[0] == 0:
        users += await _part(
            session,
            viewer_id=viewer_id,
            text=text,
            rank=0,
            after=(after[1], after[2]) if after is not None else None,
            limit=n + 1,
            postgres=postgres,
        )
    if len(users) <= n:
        users += await _part(
            session,
            viewer_id=viewer_id,
            text=text,
            rank=1,
            after=(after[1], after[2]) if after is not None and after[0] == 1 else None,
            limit=n + 1 - len(users),
            postgres=postgres,
        )
    more = len(users) > n
    users = users[:n]
    next_cursor = None
    if more:
        last = users[-1]
        lowered = last.nickname.lower()
        next_cursor = encode_cursor(0 if lowered.startswith(text.lower()) else 1, lowered, last.id)
    return [UserPublic.of(u) for u in users], next_cursor
