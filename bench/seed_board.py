"""Seed the boards of clubs already seeded by :mod:`bench.seed_clubs`: members, posts
and comments, fast — a handful of ``INSERT ... SELECT generate_series`` statements,
then ``VACUUM (ANALYZE)``. PostgreSQL only; the database must be migrated and hold
open clubs.

What it makes (defaults, for 100,000 clubs):

- ``members`` users (``bm_<n>``) who author everything;
- one **big club** — the newest public open club, the first one on the home page —
  with ``big_members`` members (2,000) and ``big_posts`` posts (100,000, every
  ``posts / big_posts``-th post, so its rows are spread over the table as a
  busy club's would be), 5 of them notices;
- every other open club: 3 members, and the remaining posts spread with a skew
  (club rank ``~ u²``: a few hundred clubs hold thousands of posts, most a few or
  none), 1% notices;
- ~1% of posts deleted, ~0.2% hidden (the list filters both);
- ``comment_count`` per post from a repeating pattern of 20 (0–15, mean 2), and
  exactly that many comments per post (a third of them replies to the post's first
  comment), so 1,000,000 posts get exactly 2,000,000 comments and the stored
  counter is right without an UPDATE.

Posts and comments are authored by members of their club. Times increase with ids.

    .venv/bin/python -m bench.seed_board postgresql://postgres@127.0.0.1:5432/withus_bench --posts 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text

from withus.db import sync_url

# comment_count of post g is COMMENT_PATTERN[g % 20]: mean 2, at most 15.
COMMENT_PATTERN = [0, 1, 2, 0, 3, 1, 5, 0, 2, 1, 0, 1, 2, 0, 3, 1, 15, 0, 2, 1]
assert sum(COMMENT_PATTERN) == 2 * len(COMMENT_PATTERN)
TOPICS = ["정기 모임", "번개", "후기", "질문", "장소 추천", "준비물", "회비 정산", "사진 공유", "일정 변경", "자유"]
LINES = [
    "이번 주 토요일 오후 2시에 모여요. 늦으시는 분은 미리 말씀해 주세요.",
    "지난 모임 정말 즐거웠습니다. 다음에는 더 많은 분들이 오시면 좋겠어요!",
    "처음 참여하는데 준비물이 따로 있을까요? 편한 복장이면 되나요?",
    "See you all next week, bring water and a good mood.",
    "장소가 바뀌었습니다. 자세한 위치는 댓글로 남길게요.",
]
REPLIES = ["좋아요!", "저도 참석합니다.", "감사합니다 :)", "혹시 주차 가능한가요?", "다음에 뵈어요~"]
CLUB_MEMBERS = 3  # members (besides the host) of every club but the big one


@dataclass
class BoardSeed:
    big_club_id: int
    posts: int
    comments: int
    members: int
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        return (
            f"seeded {self.posts:,} posts and {self.comments:,} comments ({self.members:,} member users;"
            f" big club {self.big_club_id}) in {sum(self.timings.values()):.1f} s: {steps}"
        )


BIG_CLUB_SQL = (
    "SELECT id FROM clubs WHERE closed_at IS NULL AND visibility = 'public' ORDER BY created_at DESC, id DESC LIMIT 1"
)


def big_club(database_url: str) -> int:
    """The id of the club that :func:`seed` makes big (the newest public open club)."""
    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        club_id = int(conn.execute(text(BIG_CLUB_SQL)).scalar_one())
    engine.dispose()
    return club_id


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def seed(
    database_url: str,
    *,
    posts: int = 1_000_000,
    big_posts: int = 100_000,
    members: int = 10_000,
    big_members: int = 2_000,
) -> BoardSeed:
    """Insert member users, memberships, ``posts`` posts and their comments; returns counts and timings."""
    if not 0 < big_posts <= posts:
        raise ValueError("need 0 < big_posts <= posts")
    if not CLUB_MEMBERS < big_members <= members:
        raise ValueError("need CLUB_MEMBERS < big_members <= members")
    engine = create_engine(sync_url(database_url))
    if engine.dialect.name != "postgresql":
        raise SystemExit("seed_board needs PostgreSQL")
    timings: dict[str, float] = {}
    stride = posts // big_posts  # every stride-th post is the big club's

    def step(name: str, started: float) -> float:
        now = time.perf_counter()
        timings[name] = now - started
        print(f"  seed_board: {name} {timings[name]:.1f} s", flush=True)
        return now

    t = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL work_mem = '64MB'"))
        big = conn.execute(text(BIG_CLUB_SQL)).scalar_one()
        # Open clubs numbered 0.. with the big club first: rank n is what the skew is drawn over.
        conn.execute(
            text(
                "CREATE TEMP TABLE bench_clubs ON COMMIT DROP AS"
                " SELECT (row_number() OVER (ORDER BY id = :big DESC, id) - 1)::int AS n, id"
                " FROM clubs WHERE closed_at IS NULL"
            ),
            {"big": big},
        )
        conn.execute(text("CREATE UNIQUE INDEX ON bench_clubs (n)"))
        conn.execute(text("CREATE UNIQUE INDEX ON bench_clubs (id)"))
        conn.execute(text("ANALYZE bench_clubs"))
        open_clubs = conn.execute(text("SELECT count(*) FROM bench_clubs")).scalar_one()
        if open_clubs < 2:
            raise SystemExit("seed_board needs at least two open clubs")

        first, last = conn.execute(
            text(
                "WITH ins AS ("
                " INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                " created_at)"
                " SELECT 'bm_' || g, '회원' || g, 'bm_' || g || '@example.com', '!', '', '[]', false,"
                " timestamptz '2020-06-01 00:00:00+00' + g * interval '1 minute'"
                " FROM generate_series(0, :m - 1) g RETURNING id)"
                " SELECT min(id), max(id) FROM ins"
            ),
            {"m": members},
        ).one()
        assert last - first + 1 == members, "member user ids are not contiguous"
        # Member k of the pool is user first + k. The big club: members 0..big_members-1;
        # club n >= 1: members (n * 3 + j) % pool, j < 3 — distinct within a club.
        conn.execute(
            text(
                """
                INSERT INTO club_members (club_id, user_id, role, joined_at)
                SELECT :big, :first + k, CASE WHEN k < 5 THEN 'moderator' ELSE 'member' END,
                       timestamptz '2021-01-01 00:00:00+00'
                FROM generate_series(0, :bm - 1) k
                UNION ALL
                SELECT c.id, :first + (c.n * :per + j) % :m, 'member', timestamptz '2021-01-01 00:00:00+00'
                FROM bench_clubs c CROSS JOIN generate_series(0, :per - 1) j
                WHERE c.n > 0
                """
            ),
            {"big": big, "first": first, "bm": big_members, "m": members, "per": CLUB_MEMBERS},
        )
        conn.execute(
            text(
                "UPDATE clubs SET member_count = member_count + CASE WHEN id = :big THEN :bm ELSE :per END,"
                " capacity = CASE WHEN id = :big THEN NULL ELSE capacity END"
                " WHERE id IN (SELECT id FROM bench_clubs)"
            ),
            {"big": big, "bm": big_members, "per": CLUB_MEMBERS},
        )
        t = step("members", t)

        # Post g (1..posts): the big club's when g % stride = 0, else club rank
        # 1 + floor((open - 1) * u^2) with u a fixed hash of g in [0, 1).
        post_first = conn.execute(
            text(
                f"""
                WITH src AS (
                    SELECT g,
                           CASE WHEN g % :stride = 0 AND g / :stride <= :bp THEN 0
                                ELSE 1 + floor((:open - 1) * power(((g::bigint * 2654435761) % 4294967296)
                                                                   / 4294967296.0, 2))::int
                           END AS n
                    FROM generate_series(1, :posts) g
                ), ins AS (
                    INSERT INTO posts (club_id, author_id, kind, title, body, comment_count,
                                       created_at, updated_at, deleted_at, hidden_at)
                    SELECT c.id,
                           CASE WHEN src.n = 0 THEN :first + (g / :stride) % :bm
                                ELSE :first + (src.n * :per + g % :per) % :m END,
                           CASE WHEN src.n = 0 THEN CASE WHEN (g / :stride) % (:bp / 5 + 1) = 1
                                                          THEN 'notice' ELSE 'board' END
                                WHEN g % 100 = 7 THEN 'notice' ELSE 'board' END,
                           ({_array(TOPICS)})[1 + g % 10] || ' — ' || g || '번째 이야기',
                           repeat(({_array(LINES)})[1 + (g * 7) % 5] || E'\\n', 1 + g % 4)
                               || 'ref ' || left(md5(g::text), 12),
                           ({_array([str(c) for c in COMMENT_PATTERN])})[1 + g % 20]::int,
                           timestamptz '2021-01-01 00:00:00+00' + g * interval '30 seconds',
                           CASE WHEN g % 50 = 9 THEN timestamptz '2021-01-01 00:00:00+00'
                                                     + g * interval '30 seconds' + interval '1 hour' END,
                           CASE WHEN g % 97 = 3 THEN timestamptz '2022-01-01 00:00:00+00' END,
                           CASE WHEN g % 499 = 5 THEN timestamptz '2022-01-01 00:00:00+00' END
                    FROM src JOIN bench_clubs c ON c.n = src.n
                    ORDER BY g
                    RETURNING id
                )
                SELECT min(id) FROM ins
                """
            ),
            {
                "stride": stride,
                "bp": big_posts,
                "open": open_clubs,
                "posts": posts,
                "first": first,
                "bm": big_members,
                "per": CLUB_MEMBERS,
                "m": members,
            },
        ).scalar_one()
        t = step("posts", t)

        # Comments with explicit ids: post p's comments are base_p + 1 .. base_p + comment_count,
        # base_p the running total before it; comment k > 1 with k % 3 = 0 replies to base_p + 1.
        comment_base = conn.execute(text("SELECT coalesce(max(id), 0) FROM comments")).scalar_one()
        conn.execute(
            text(
                f"""
                INSERT INTO comments (id, post_id, author_id, parent_id, body, created_at)
                SELECT s.base + k, s.id,
                       CASE WHEN s.n = 0 THEN :first + (s.base + k) % :bm
                            ELSE :first + (s.n * :per + k % :per) % :m END,
                       CASE WHEN k > 1 AND k % 3 = 0 THEN s.base + 1 END,
                       ({_array(REPLIES)})[1 + (s.base + k) % 5],
                       s.created_at + k * interval '10 seconds'
                FROM (
                    SELECT p.id, p.created_at, p.comment_count, c.n,
                           :cbase + sum(p.comment_count) OVER (ORDER BY p.id) - p.comment_count AS base
                    FROM posts p JOIN bench_clubs c ON c.id = p.club_id
                    WHERE p.id >= :post_first
                ) s CROSS JOIN LATERAL generate_series(1, s.comment_count) k
                ORDER BY s.base + k
                """
            ),
            {
                "first": first,
                "bm": big_members,
                "per": CLUB_MEMBERS,
                "m": members,
                "cbase": comment_base,
                "post_first": post_first,
            },
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), (SELECT max(id) FROM comments))"))
        n_posts = conn.execute(text("SELECT count(*) FROM posts WHERE id >= :f"), {"f": post_first}).scalar_one()
        n_comments = conn.execute(text("SELECT count(*) FROM comments WHERE id > :b"), {"b": comment_base}).scalar_one()
        t = step("comments", t)

    # What autovacuum would have done by the time such tables are read: visibility map
    # (index-only scans), hint bits, the dead rows of the clubs UPDATE, and statistics.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) users, clubs, club_members, posts, comments"))
    step("vacuum analyze", t)
    engine.dispose()
    return BoardSeed(big_club_id=big, posts=n_posts, comments=n_comments, members=members, timings=timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.seed_board")
    parser.add_argument("database_url")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-posts", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--big-members", type=int, default=2_000)
    args = parser.parse_args(argv)
    result = seed(
        args.database_url,
        posts=args.posts,
        big_posts=args.big_posts,
        members=args.members,
        big_members=args.big_members,
    )
    print(result.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
