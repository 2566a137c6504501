"""Seed a PostgreSQL database with many clubs, fast: a handful of ``INSERT ... SELECT
generate_series`` statements (100,000 clubs in a few seconds), then ``ANALYZE``.

Clubs get varied names and descriptions (ten hobby words, so a common keyword
matches ~10%), a unique made-up word in the description (the first ten hex digits of
``md5(g)`` spelled with the letters g–v, see :func:`rare_word`, for a search that matches one
club), all eight categories, the three join policies, 20% private,
~1% closed, capacities, and creation times five minutes apart. Each has its host as
its one member. The database must be migrated first.

Run as a script it then seeds the boards (:mod:`bench.seed_board`: members, 1,000,000
posts and 2,000,000 comments by default; ``--posts 0`` for clubs only).

    .venv/bin/python -m bench.seed_clubs postgresql://postgres@127.0.0.1:5432/withus_bench --clubs 100000
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time

from sqlalchemy import create_engine, text

from withus.db import sync_url

WORDS = ["풋살", "러닝", "보드게임", "롤", "맛집", "독서", "영어 스터디", "제주 여행", "사진", "등산"]
BLURBS = [
    "주말마다 같이 해요. 초보 환영!",
    "퇴근 후 가볍게 모여요.",
    "꾸준히 함께할 분을 찾습니다.",
    "Beginners welcome, we meet every week.",
    "서울 강남권에서 주로 모입니다.",
]
CATEGORIES = ["SPORTS", "DAILY", "GAME", "FOOD", "STUDY", "CULTURE", "TRAVEL", "ETC"]


_SPELLING = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")


def rare_word(g: int) -> str:
    """The made-up word in club ``g``'s description, as the seed SQL spells it. (Until the third
    session it was ``tok`` + the hex digits: every club then shared the trigram ``tok``, and a
    trigram index must read a trigram's whole posting list, so the one-club search cost PostgreSQL
    5 ms for the fixture's sake, not a real rare word's.)"""
    return hashlib.md5(str(g).encode()).hexdigest()[:10].translate(_SPELLING)


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def seed(database_url: str, *, clubs: int = 100_000, hosts: int = 1_000) -> float:
    """Insert ``hosts`` users and ``clubs`` clubs; returns the seconds it took."""
    engine = create_engine(sync_url(database_url))
    if engine.dialect.name != "postgresql":
        raise SystemExit("seed_clubs needs PostgreSQL")
    start = time.perf_counter()
    with engine.begin() as conn:
        first_user = conn.execute(
            text(
                "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin, created_at)"
                " SELECT 'bh_' || g, '벤치' || g, 'bh_' || g || '@example.com', '!', '', '[]', false, now()"
                " FROM generate_series(1, :n) g RETURNING id"
            ),
            {"n": hosts},
        ).first()
        assert first_user is not None
        base_id = int(first_user[0])
        conn.execute(
            text(
                f"""
                INSERT INTO clubs (name, description, category, join_policy, visibility, capacity,
                                   host_id, member_count, created_at, updated_at, closed_at)
                SELECT ({_array(WORDS)})[1 + g % 10] || ' 모임 ' || g,
                       ({_array(BLURBS)})[1 + (g * 7) % 5] || ' '
                       || translate(left(md5(g::text), 10), '0123456789abcdef', 'ghijklmnopqrstuv'),
                       ({_array(CATEGORIES)})[1 + (g / 3) % 8],
                       (ARRAY['open', 'approval', 'invite'])[1 + g % 3],
                       CASE WHEN g % 5 = 0 THEN 'private' ELSE 'public' END,
                       CASE WHEN g % 4 = 0 THEN NULL ELSE 10 + g % 50 END,
                       :base + (g % :hosts),
                       1,
                       timestamptz '2020-01-01 00:00:00+00' + g * interval '5 minutes',
                       timestamptz '2020-01-01 00:00:00+00' + g * interval '5 minutes',
                       CASE WHEN g % 97 = 0 THEN now() END
                FROM generate_series(1, :n) g
                """
            ),
            {"n": clubs, "base": base_id, "hosts": hosts},
        )
        conn.execute(
            text(
                "INSERT INTO club_members (club_id, user_id, role, joined_at)"
                " SELECT id, host_id, 'host', created_at FROM clubs WHERE id NOT IN (SELECT club_id FROM club_members)"
            )
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE users, clubs, club_members"))
    engine.dispose()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.seed_clubs")
    parser.add_argument("database_url")
    parser.add_argument("--clubs", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=1_000)
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts (comments: twice as many); 0: none")
    parser.add_argument("--big-posts", type=int, default=100_000, help="posts of the one big club")
    args = parser.parse_args(argv)
    took = seed(args.database_url, clubs=args.clubs, hosts=args.hosts)
    print(f"seeded {args.clubs:,} clubs and {args.hosts:,} hosts in {took:.1f} s")
    if args.posts:
        from bench import seed_board

        board = seed_board.seed(args.database_url, posts=args.posts, big_posts=min(args.big_posts, args.posts))
        print(board.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
