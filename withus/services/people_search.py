"""Finding people by nickname (``GET /api/users?q=``; the invite dialog and a new chat).

Rules:

- ``q`` is 2..20 characters after trimming (422 otherwise); a nickname matches when it contains
  ``q``, case-insensitive (so one that starts with it matches too). Prefix matches come first, by
  nickname, then the rest, oldest account first; pages follow with an opaque cursor.
- Deleted accounts, the searcher, and people who blocked me or whom I blocked are left out.
- On PostgreSQL (every pattern rendered into the statement, so that the planner knows how selective
  it is, as the club search does): the prefix matches are a range of the btree
  ``ix_users_nickname_c`` on ``lower(nickname) COLLATE "C"`` (migration 0017), in its order. The
  other matches of a word of two or three letters are read from ``user_nickname_pairs`` (migration
  0018, kept by :mod:`withus.services.people_pairs`): the accounts holding its pairs of letters
  after their first, in id order (one range of its primary key, or two merged), each joined to its
  row for the rules. A longer word's are read so that no statement reads more than a bounded
  number of rows however common the word (``_inside``): a probe of a bounded number of matches
  through the pg_trgm GIN index ``ix_users_nickname_trgm`` (migration 0012), then, when the probe
  is full, a walk of the primary key over the range the probe bounds. Nicknames sort by their
  bytes (code points: 가나다 order for Hangul) on both databases. ``bench/people_search.py``
  measures it at 1,000,000 users.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, func, or_, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import ValidationFailed
from withus.i18n import Msg
from withus.models.block import UserBlock
from withus.models.user import User, UserPublic
from withus.services.pagination import clamp_limit, decode_cursor, encode_cursor
from withus.services.people_pairs import PAIRS

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


def _caseless(text: str) -> bool:
    """Whether ``lower()`` leaves ``text`` and every match of it as they are: Hangul, ASCII digits and
    signs. ``lower()`` maps each character to one character and never into these, so such a word
    is found at the same place in the nickname as in its ``lower()`` (a third of a walked row's cost)."""
    return all(
        (ch.isascii() and not ch.isalpha())
        or 0xAC00 <= ord(ch) <= 0xD7A3  # syllables
        or 0x1100 <= ord(ch) <= 0x11FF  # jamo
        or 0x3130 <= ord(ch) <= 0x318F  # compatibility jamo
        for ch in text
    )


def _elsewhere(lowered: str) -> Any:
    """``strpos(lower(nickname), q) > 1``: contains the word, not at the start; the same test as the
    LIKE pair, but no index serves it, and no ``lower()`` for a caseless word."""
    name = col(User.nickname) if _caseless(lowered) else func.lower(col(User.nickname))
    return func.strpos(name, lowered) > 1


async def _walk(
    session: AsyncSession, where: list[Any], lowered: str, *, above: int | None, upto: int, limit: int
) -> list[User]:
    """The inside matches among the ids ``above < id <= upto``, by id: a range of the primary key,
    each row filtered by :func:`_elsewhere` (which no index serves, so the range is the plan)."""
    found = [*where, _elsewhere(lowered), col(User.id) <= upto]
    if above is not None:
        found.append(col(User.id) > above)
    stmt = select(User).where(*found).order_by(col(User.id)).limit(limit)
    return list((await session.exec(stmt)).all())


async def _pair_inside(
    session: AsyncSession, where: list[Any], lowered: str, *, after_id: int | None, limit: int
) -> list[User]:
    """A word of two or three letters' inside matches (PostgreSQL), by id: the range ``pair = q,
    user_id > after`` of ``user_nickname_pairs``'s primary key, which is in that order (for three
    letters, the ranges of its two pairs, merged on the id), each entry's account read by its id
    for the rules and :func:`_elsewhere` (which settles a nickname that starts with the word and
    holds it again, or holds the two pairs apart). It stops at the page: about ``limit`` rows read,
    and index entries in the pairs' share of the ids up to the page's last match, however common or
    rare the word; only people left out (blocked, starting with the word) cost more.

    Each account is a LATERAL subquery with ``LIMIT 1``, which the planner cannot merge into the
    join: as a plain join it chose a merge join with the primary key of users, a walk of every id
    up to the page's last match (the trigram ways' cost again: 16,000 rows for ``린고``)."""
    pairs = list(dict.fromkeys(lowered[i : i + 2] for i in range(len(lowered) - 1)))
    ranges = [PAIRS.alias(f"p{n}") for n in range(len(pairs))]
    first = ranges[0]
    found = []
    for n, (table, pair) in enumerate(zip(ranges, pairs, strict=True)):
        found.append(table.c.pair == bindparam(f"people_pair{n}", value=pair, type_=String(), literal_execute=True))
        if after_id is not None:  # on each range: the planner carries no inequality across the join
            found.append(table.c.user_id > after_id)
    account = select(User).where(col(User.id) == first.c.user_id, *where, _elsewhere(lowered)).limit(1).lateral("u")
    joined: Any = first
    for table in ranges[1:]:
        joined = joined.join(table, table.c.user_id == first.c.user_id)
    stmt = (
        select(aliased(User, account))
        .select_from(joined)
        .join(account, true())
        .where(*found)
        .order_by(first.c.user_id)
        .limit(limit)
    )
    return list((await session.exec(stmt)).all())


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

    On SQLite one statement. On PostgreSQL, a word of up to :data:`PAIR_LETTERS` letters is read
    from the pairs table (:func:`_pair_inside`). A longer one takes at most two statements, neither
    of which reads more than a bounded number of rows however common the word (reading and sorting
    every match took 0.2-0.8 s for a pair inside 2.5 % of 1M nicknames):

    1. the probe: at most :data:`PROBE_PER_ROW` matches per row through the trigram index, read in
       no order, their ids sorted in the statement. Fewer found: they are all the matches;
    2. otherwise a walk up to the probed match that would end the page (at least the page's rows lie
       at or below it). The heap is read in disk order, which is about id order, so that range is
       about the page's own; were the rows in no order, the probe would be a sample of the matches
       and the range about ``limit / probe`` of the table.
    """
    name = func.lower(col(User.nickname))
    lowered = text.lower()
    rules = _rules(viewer_id)
    pattern = bindparam("people_pattern", value=f"%{_escaped(text)}%", type_=String(), literal_execute=True)
    inside = name.like(pattern, escape="\\")
    if not postgres:
        where = [*rules, inside, ~_prefix(text, postgres=False)]
        if after_id is not None:
            where.append(col(User.id) > after_id)
        stmt = select(User).where(*where).order_by(col(User.id)).limit(limit)
        return list((await session.exec(stmt)).all())
    if len(lowered) <= PAIR_LETTERS:
        return await _pair_inside(session, rules, lowered, after_id=after_id, limit=limit)
    # four letters and more (lower() never shortens a word)
    size = PROBE_PER_ROW * limit
    found = [*rules, inside, _elsewhere(lowered)] + ([col(User.id) > after_id] if after_id is not None else [])
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
