"""Finding people by nickname (``GET /api/users?q=``; the invite dialog and a new chat).

Rules:

- ``q`` is 2..20 characters after trimming (422 otherwise); a nickname matches when it contains
  ``q``, case-insensitive (so one that starts with it matches too). Prefix matches come first, by
  nickname, then the rest, oldest account first; pages follow with an opaque cursor.
- Deleted accounts, the searcher, and people who blocked me or whom I blocked are left out.
- On PostgreSQL (every pattern rendered into the statement, so that the planner knows how selective
  it is, as the club search does): the prefix matches are a range of the btree
  ``ix_users_nickname_c`` on ``lower(nickname) COLLATE "C"`` (migration 0017), in its order. The
  other matches are read from ``user_nickname_pairs`` (migration 0018, kept by
  :mod:`withus.services.people_pairs`, read by :mod:`withus.services.people_search_pairs`): the
  accounts holding the word's pairs of letters after their first, in id order, each joined to its
  row for the rules. Two or three letters: one range of its primary key, or two merged. Four and
  more: each pair's range counted up to a cap, the rarest read (each entry probed in the second
  rarest); when every pair is common, past the rarest's counted entries the pg_trgm GIN index
  ``ix_users_nickname_trgm`` (migration 0012) goes on: a probe of a bounded number of matches,
  then, when it is full, a walk of the primary key over the range it bounds. No statement reads
  more than a bounded number of rows however common the word. Nicknames sort by their
  bytes (code points: 가나다 order for Hangul) on both databases. ``bench/people_search.py``
  measures it at 1,000,000 users.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, or_, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import ValidationFailed
from withus.i18n import Msg
from withus.models.block import UserBlock
from withus.models.user import User, UserPublic
from withus.services import people_search_pairs as pairs
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


def _blocked_ids(viewer_id: int) -> Any:
    """Who I blocked and who blocked me: one hashed list (not a probe per candidate row)."""
    mine = select(col(UserBlock.blocked_id)).where(col(UserBlock.blocker_id) == viewer_id)
    theirs = select(col(UserBlock.blocker_id)).where(col(UserBlock.blocked_id) == viewer_id)
    return union_all(mine, theirs)


PAIR_LETTERS = 3
"""Words this short are read from ``user_nickname_pairs`` (PostgreSQL): two letters are one pair,
three are two, whose ranges a merge join intersects in id order. A longer word has two trigrams or
more, which the trigram index intersects, so its probe is short (a whole nickname: under a
millisecond). Three-letter words took that probe too; one inside 0.25 % of 1M nicknames needed a
walk, a full probe and a walk of ~6,000 ids more, the slowest search left (``bench people_search``)."""

PROBE_PER_ROW = 80
"""How many matches the probe reads at most per row of the page (PostgreSQL, four letters and
more): 1,680 for a page of 21, each a heap visit (about six times a walked row, measured at 1M
users, ``bench people_search``). A word with more is finished by a walk up to
the probed match that ends the page: the page's share of the matches, under 12,500 ids at 1M users
(``N / 80``) however the rows lie on disk. Both ways then cost about the same at the worst."""


def _rules(viewer_id: int) -> list[Any]:
    """Who is never found: deleted accounts, the searcher, people blocked either way."""
    return [
        col(User.deleted_at).is_(None),
        col(User.id) != bindparam("viewer", value=viewer_id, type_=Integer()),
        col(User.id).not_in(_blocked_ids(viewer_id)),
    ]


def _prefix(text: str, *, postgres: bool) -> Any:
    """``lower(nickname) LIKE 'q%'`` (``COLLATE "C"`` on PostgreSQL: the btree ``ix_users_nickname_c``)."""
    name = func.lower(col(User.nickname))
    ordered = name.collate("C") if postgres else name
    pattern = bindparam("people_prefix", value=f"{_escaped(text)}%", type_=String(), literal_execute=True)
    return ordered.like(pattern, escape="\\")


async def _starting(
    session: AsyncSession, *, viewer_id: int, text: str, after: tuple[str, int] | None, limit: int, postgres: bool
) -> list[User]:
    """Rank 0: the nicknames starting with ``text``, by nickname then id. On PostgreSQL the order is
    the bytes' (``COLLATE "C"``, as on SQLite): the btree ``ix_users_nickname_c`` then serves the
    prefix as a range in that order, and the planner may walk it for a common word instead of
    sorting every match."""
    name = func.lower(col(User.nickname))
    ordered = name.collate("C") if postgres else name
    stmt = select(User).where(*_rules(viewer_id), _prefix(text, postgres=postgres))
    if after is not None:
        after_name, after_id = after
        stmt = stmt.where(or_(ordered > after_name, and_(ordered == after_name, col(User.id) > after_id)))
    stmt = stmt.order_by(ordered, col(User.id)).limit(limit)
    return list((await session.exec(stmt)).all())


async def _walk(
    session: AsyncSession, where: list[Any], lowered: str, *, above: int | None, upto: int, limit: int
) -> list[User]:
    """The inside matches among the ids ``above < id <= upto``, by id: a range of the primary key,
    each row filtered by :func:`~withus.services.people_search_pairs.elsewhere` (which no index
    serves, so the range is the plan)."""
    found = [*where, pairs.elsewhere(lowered), col(User.id) <= upto]
    if above is not None:
        found.append(col(User.id) > above)
    stmt = select(User).where(*found).order_by(col(User.id)).limit(limit)
    return list((await session.exec(stmt)).all())


async def _probed(
    session: AsyncSession, rules: list[Any], text: str, *, after_id: int | None, limit: int
) -> list[User]:
    """A long word's inside matches after ``after_id`` through the trigram index, by id, in at most
    two statements, neither of which reads more than a bounded number of rows however common the
    word (reading and sorting every match took 0.2-0.8 s for a pair inside 2.5 % of 1M nicknames):

    1. the probe: at most :data:`PROBE_PER_ROW` matches per row through the trigram index, read in
       no order, their ids sorted in the statement. Fewer found: they are all the matches;
    2. otherwise a walk up to the probed match that would end the page (at least the page's rows lie
       at or below it). The heap is read in disk order, which is about id order, so that range is
       about the page's own; were the rows in no order, the probe would be a sample of the matches
       and the range about ``limit / probe`` of the table.
    """
    lowered = text.lower()
    pattern = bindparam("people_pattern", value=f"%{_escaped(text)}%", type_=String(), literal_execute=True)
    inside = func.lower(col(User.nickname)).like(pattern, escape="\\")
    size = PROBE_PER_ROW * limit
    found = [*rules, inside, pairs.elsewhere(lowered)] + ([col(User.id) > after_id] if after_id is not None else [])
    # the probed ids only (the window and the sort carry no rows), then the page's rows by id
    probed = select(col(User.id).label("id")).where(*found).limit(size).subquery("probed")
    ranked = (
        select(probed.c.id, func.count().over().label("probed")).order_by(probed.c.id).limit(limit).subquery("ranked")
    )
    page = select(User, ranked.c.probed).join(ranked, col(User.id) == ranked.c.id).order_by(col(User.id))
    rows = (await session.exec(page)).all()
    users: list[User] = [u for u, _ in rows]
    bound = users[-1].id if rows and rows[0][1] >= size else None
    if bound is not None:
        users = await _walk(session, rules, lowered, above=after_id, upto=bound, limit=limit)
    return users


async def _long_inside(
    session: AsyncSession, rules: list[Any], text: str, *, after_id: int | None, limit: int
) -> list[User]:
    """A word of four letters or more (PostgreSQL): its pairs counted up to
    :data:`~withus.services.people_search_pairs.COUNT_CAP` each, then the rarest pair's range read
    (:func:`~withus.services.people_search_pairs.rarest_range`). A range under the cap holds every
    candidate; otherwise it covers the ids up to its last counted entry, and a page not full there
    goes on from that id with the trigram probe (:func:`_probed`): a word that rare among its
    rarest pair's accounts (a whole nickname) is what the trigram index intersects best."""
    lowered = text.lower()
    ranked = pairs.rarest(await pairs.count_pairs(session, pairs.pairs_of(lowered), after_id=after_id))
    if ranked[0].entries == 0:  # a pair held by no one after the cursor: no match
        return []
    upto = ranked[0].last if ranked[0].entries >= pairs.COUNT_CAP else None
    users = await pairs.rarest_range(session, rules, lowered, ranked, after_id=after_id, upto=upto, limit=limit)
    if upto is None or len(users) >= limit:
        return users
    return users + await _probed(session, rules, text, after_id=upto, limit=limit - len(users))


async def _inside(
    session: AsyncSession,
    *,
    viewer_id: int,
    text: str,
    after_id: int | None,
    limit: int,
    postgres: bool,
) -> list[User]:
    """Rank 1: the nicknames containing ``text`` elsewhere than at the start, by id (account age).

    On SQLite one statement. On PostgreSQL from the pairs table: a word of up to
    :data:`PAIR_LETTERS` letters its ranges merged
    (:func:`~withus.services.people_search_pairs.short_inside`), a longer one by its rarest pairs,
    then perhaps the trigram probe (:func:`_long_inside`). No statement reads more than a bounded
    number of rows however common the word."""
    lowered = text.lower()
    rules = _rules(viewer_id)
    if not postgres:
        pattern = bindparam("people_pattern", value=f"%{_escaped(text)}%", type_=String(), literal_execute=True)
        where = [*rules, func.lower(col(User.nickname)).like(pattern, escape="\\"), ~_prefix(text, postgres=False)]
        if after_id is not None:
            where.append(col(User.id) > after_id)
        stmt = select(User).where(*where).order_by(col(User.id)).limit(limit)
        return list((await session.exec(stmt)).all())
    if len(lowered) <= PAIR_LETTERS:
        return await pairs.short_inside(session, rules, lowered, after_id=after_id, limit=limit)
    return await _long_inside(session, rules, text, after_id=after_id, limit=limit)


async def search_people(
    session: AsyncSession,
    *,
    viewer_id: int,
    q: Any,
    limit: int | None = None,
    cursor: str | None = None,
) -> tuple[list[UserPublic], str | None]:
    """People whose nickname contains ``q``: ``(items, next_cursor)``; those starting with it first.

    Three statements at most (the prefix matches, then the rest: a probe and perhaps a walk), each
    bounded on PostgreSQL however common the word: one ``ORDER BY rank, nickname`` had to sort every
    match."""
    text = check_query(q)
    n = clamp_limit(limit, default=PAGE)
    after: tuple[int, str, int] | None = None
    if cursor is not None:
        after_rank, after_name, after_id = decode_cursor(cursor, int, str, int)
        after = (int(after_rank), str(after_name), int(after_id))
    postgres = session.get_bind().dialect.name == "postgresql"
    users: list[User] = []
    if after is None or after[0] == 0:
        users += await _starting(
            session,
            viewer_id=viewer_id,
            text=text,
            after=(after[1], after[2]) if after is not None else None,
            limit=n + 1,
            postgres=postgres,
        )
    if len(users) <= n:
        users += await _inside(
            session,
            viewer_id=viewer_id,
            text=text,
            after_id=after[2] if after is not None and after[0] == 1 else None,
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
