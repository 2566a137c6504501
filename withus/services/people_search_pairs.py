"""People search's inside matches read from ``user_nickname_pairs`` (PostgreSQL; the table is kept
by :mod:`withus.services.people_pairs`): every pair of letters of ``lower(nickname)`` from the second
character on, for live accounts. A nickname holding ``q`` *inside* (``strpos(lower(nickname), q) >
1``) holds every pair of ``q`` there, so the accounts holding one of those pairs, in id order (a range
of the table's primary key ``(pair, user_id)``), are a superset of the matches in their order; each
candidate's own row then decides (:func:`elsewhere` and the rules), which settles a nickname that
starts with ``q`` and holds it again, or holds the pairs apart.

- Two or three letters (:func:`short_inside`): the word's one or two ranges, merged on the id.
- Four letters and more (:func:`long_inside`): counting first. A merge of all of a long word's
  ranges reads each to the end of the one that ends first, so for a rare word (a whole nickname)
  every common range is read to its end. Instead each pair's range after the cursor is counted up
  to :data:`COUNT_CAP` entries (index only, bounded), and only the rarest pair's range is read,
  each entry probed in the second-rarest pair's range and then its account checked, stopping at
  the page. A range under the cap is all the candidates; when every pair has the cap or more, the
  rarest range's first :data:`COUNT_CAP` entries cover the ids up to its last one, and the matches
  beyond, if the page is not full there, are the trigram probe's (``people_search``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, bindparam, func, literal, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.models.user import User
from withus.services.people_pairs import PAIRS

COUNT_CAP = 256
"""How many entries of each pair's range (after the cursor) a long word's count reads at most, and
so how many candidates its rarest range gives one statement: at most ``COUNT_CAP`` index entries
per pair (up to 19 pairs: under 5,000, index only) and ``COUNT_CAP`` probes of the second pair. A
common word (the bench's four-letter row, inside 1.1 % of nicknames, its pairs inside about 2.3 %) fills a page of
21 within some 45 entries of its rarest pair; a word rarer than about 21 in ``COUNT_CAP`` of its
rarest pair's accounts goes on with the trigram probe past them."""


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


def elsewhere(lowered: str) -> Any:
    """``strpos(lower(nickname), q) > 1``: contains the word, not at the start; the same test as the
    LIKE pair, but no index serves it, and no ``lower()`` for a caseless word."""
    name = col(User.nickname) if _caseless(lowered) else func.lower(col(User.nickname))
    return func.strpos(name, lowered) > 1


def pairs_of(lowered: str) -> list[str]:
    """The word's pairs of consecutive letters, each once, in the word's order."""
    return list(dict.fromkeys(lowered[i : i + 2] for i in range(len(lowered) - 1)))


def _pair_is(table: Any, name: str, pair: str) -> Any:
    """``pair = 'xy'``, rendered into the statement (the planner sees how common the pair is)."""
    return table.c.pair == bindparam(name, value=pair, type_=String(), literal_execute=True)


def _after(table: Any, after_id: int | None) -> list[Any]:
    return [] if after_id is None else [table.c.user_id > bindparam("people_after", value=after_id, type_=Integer())]


async def short_inside(
    session: AsyncSession, where: list[Any], lowered: str, *, after_id: int | None, limit: int
) -> list[User]:
    """A word of two or three letters' inside matches, by id: the range ``pair = q, user_id > after``
    of ``user_nickname_pairs``'s primary key, which is in that order (for three letters, the ranges
    of its two pairs, merged on the id), each entry's account read by its id for the rules and
    :func:`elsewhere`. It stops at the page: about ``limit`` rows read, and index entries in the
    pairs' share of the ids up to the page's last match, however common or rare the word; only
    people left out (blocked, starting with the word) cost more.

    Each account is a LATERAL subquery with ``LIMIT 1``, which the planner cannot merge into the
    join: as a plain join it chose a merge join with the primary key of users, a walk of every id
    up to the page's last match (the trigram ways' cost again: 16,000 rows for ``린고``)."""
    pairs = pairs_of(lowered)
    ranges = [PAIRS.alias(f"p{n}") for n in range(len(pairs))]
    first = ranges[0]
    found = []
    for n, (table, pair) in enumerate(zip(ranges, pairs, strict=True)):
        found.append(_pair_is(table, f"people_pair{n}", pair))
        found += _after(table, after_id)  # on each range: the planner carries no inequality across the join
    account = select(User).where(col(User.id) == first.c.user_id, *where, elsewhere(lowered)).limit(1).lateral("u")
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


@dataclass(frozen=True)
class Count:
    """One pair's range after the cursor, read up to :data:`COUNT_CAP` entries: how many, and the
    id of the last one read (``None`` when the range is empty)."""

    pair: str
    entries: int
    last: int | None


async def count_pairs(session: AsyncSession, pairs: list[str], *, after_id: int | None) -> list[Count]:
    """Each pair's :class:`Count`, in one statement: per pair an index-only range of at most
    :data:`COUNT_CAP` entries of the primary key (``pair = 'xy' AND user_id > after ORDER BY user_id
    LIMIT cap``), however common the pair."""
    parts = []
    for n, pair in enumerate(pairs):
        table = PAIRS.alias(f"c{n}")
        cap = bindparam("people_cap", value=COUNT_CAP, type_=Integer())
        head = (
            select(table.c.user_id)
            .where(_pair_is(table, f"people_count{n}", pair), *_after(table, after_id))
            .order_by(table.c.user_id)
            .limit(cap)
            .subquery(f"h{n}")
        )
        parts.append(select(literal(n).label("n"), func.count().label("entries"), func.max(head.c.user_id)))
    conn = await session.connection()
    rows = (await conn.execute(union_all(*parts))).all()
    by_n = {int(r[0]): Count(pairs[int(r[0])], int(r[1]), r[2]) for r in rows}
    return [by_n[n] for n in range(len(pairs))]


def rarest(counts: list[Count]) -> list[Count]:
    """The counts, rarest pair first: the fewest entries after the cursor; among pairs at the cap,
    the one whose first :data:`COUNT_CAP` entries reach furthest (the sparsest there)."""
    return sorted(counts, key=lambda c: (c.entries, -(c.last or 0)))


async def rarest_range(
    session: AsyncSession,
    where: list[Any],
    lowered: str,
    ranked: list[Count],
    *,
    after_id: int | None,
    upto: int | None,
    limit: int,
) -> list[User]:
    """The inside matches among the rarest pair's entries ``after < user_id <= upto``, by id, at most
    ``limit``: each entry looked up in the second-rarest pair's primary key (one probe, index only),
    then the account read by its id for the rules and :func:`elsewhere`. Both are ``LATERAL ...
    LIMIT 1`` subqueries, the account's on the probe's id, so the plan is that nested loop in that
    order and stops at the page (a merge join would read the second range to the page's end)."""
    first = PAIRS.alias("p0")
    found = [_pair_is(first, "people_pair0", ranked[0].pair), *_after(first, after_id)]
    if upto is not None:
        found.append(first.c.user_id <= bindparam("people_upto", value=upto, type_=Integer()))
    stmt: Any
    if len(ranked) > 1:
        second = PAIRS.alias("p1")
        probe = (
            select(second.c.user_id)
            .where(_pair_is(second, "people_pair1", ranked[1].pair), second.c.user_id == first.c.user_id)
            .limit(1)
            .lateral("q")
        )
        holder = probe.c.user_id
    else:  # one pair, repeated (ㅋㅋㅋㅋ)
        holder = first.c.user_id
    account = select(User).where(col(User.id) == holder, *where, elsewhere(lowered)).limit(1).lateral("u")
    stmt = select(aliased(User, account)).select_from(first)
    if len(ranked) > 1:
        stmt = stmt.join(probe, true())
    stmt = stmt.join(account, true()).where(*found).order_by(first.c.user_id).limit(limit)
    return list((await session.exec(stmt)).all())
