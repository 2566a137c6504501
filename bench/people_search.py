"""People search stays fast at 1,000,000 users (PostgreSQL): ``GET /api/users?q=``.

Creates a scratch PostgreSQL database beside ``BENCH_PG_URL``'s (as :mod:`bench.club_lists`),
migrates it to 0017 (the pg_trgm index ``ix_users_nickname_trgm`` of migration 0012, the btree and
the pairs index of 0017), seeds users in a few ``INSERT ... SELECT generate_series`` statements —
nicknames like ``행복한고양이4821`` from 40 adjectives x 40 nouns and a number, unique, ~1% deleted
— and a searcher who blocked 200 people and is blocked by 200 more, then migrates to the head and
times it (0018 backfills ``user_nickname_pairs`` from those users, as on a live site), prints the
plans of the searches exactly as the service sends them,
starts the API (uvicorn, one worker) and measures, from one client (sequential requests on one
keep-alive connection), p50/p99 of:

- a two-letter query that starts ~2.5% of the nicknames (``행복``: prefix matches first);
- a two-letter query inside ~2.5% of them (``고양``);
- two letters inside ~0.25% (``른토``) and ~0.12% (``린고``), three inside ~1.1% (``한고양``) and
  ~0.25% (``른토끼``): ranges of ``user_nickname_pairs`` (one pair; two merged), the slowest words
  of the trigram ways that they took before it (a walk, a full probe and the walk it bounds);
- four letters inside ~1.1% (``한고양이``): its pairs counted, then its rarest pair's range (the
  trigram index's full probe and a walk before it, the slowest way then);
- a whole nickname (one match: its first pair is inside no nickname, so the count ends it), no match;

beside the trivial endpoint (``GET /api/clubs/categories``: no database) and ``GET /api/users/me``
(the same login check, one row) in the same run, and how long the migration to 0018 took.
Target (issue 17): p99 <= 30 ms from one client.

    .venv/bin/python -m bench people_search                     # 1,000,000 users
    .venv/bin/python -m bench people_search --users 50000       # quick
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.club_lists import (
    ADMIN_URL,
    _create_database,
    _drop_database,
    _env,
    _pct,
    _plans,
    _postgres_reachable,
    _request_bytes,
    _sequential,
)
from bench.login_load import _free_port, _start_server, _wait_ready
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
P99_TARGET_MS = 30.0
SEARCHER = "bench_searcher"
SEARCHER_PASSWORD = "bench-searcher-password-42"
TRIVIAL = "trivial (categories)"
ME = "GET /api/users/me (login only)"

ADJECTIVES = [
    "행복한", "용감한", "조용한", "빠른", "느긋한", "다정한", "씩씩한", "졸린", "배고픈", "신나는",
    "수줍은", "엉뚱한", "귀여운", "멋진", "차분한", "명랑한", "상냥한", "똑똑한", "부지런한", "게으른",
    "푸른", "붉은", "하얀", "검은", "노란", "작은", "커다란", "날쌘", "포근한", "새침한",
    "든든한", "향기로운", "반짝이는", "달콤한", "새로운", "오래된", "시원한", "따뜻한", "재빠른", "유쾌한",
]  # fmt: skip
NOUNS = [
    "고양이", "강아지", "호랑이", "토끼", "다람쥐", "펭귄", "여우", "곰돌이", "수달", "판다",
    "사자", "기린", "코끼리", "부엉이", "참새", "고래", "돌고래", "거북이", "햄스터", "오리",
    "하늘", "바다", "구름", "별빛", "달님", "햇살", "바람", "나무", "꽃잎", "들판",
    "러너", "여행자", "요리사", "화가", "독서가", "등산객", "기타리스트", "사진가", "탐험가", "산책러",
]  # fmt: skip


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def seed(database_url: str, *, users: int) -> tuple[float, str]:
    """``users`` accounts and the searcher (with blocks both ways); the seconds taken, and one
    nickname for the one-match search."""
    from withus.db import sync_url
    from withus.services.passwords import hash_password_sync

    began = time.perf_counter()
    pw = hash_password_sync(SEARCHER_PASSWORD)
    nickname = (
        f"({_array(ADJECTIVES)})[1 + (g * 7) % {len(ADJECTIVES)}]"
        f" || ({_array(NOUNS)})[1 + ((g / {len(ADJECTIVES)}) * 13 + g) % {len(NOUNS)}]"
        " || g::text"
    )
    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                " locale, created_at, deleted_at)"
                f" SELECT 'u' || g, left({nickname}, 20), 'u' || g || '@example.com', :pw, '', '[]', false, 'ko',"
                " now() - g * interval '1 second', CASE WHEN g % 100 = 0 THEN now() END"
                " FROM generate_series(1, :n) AS g"
            ),
            {"pw": pw, "n": users},
        )
        searcher = conn.execute(
            text(
                "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                " locale, created_at) VALUES (:u, '찾는사람', :e, :pw, '', '[]', false, 'ko', now()) RETURNING id"
            ),
            {"u": SEARCHER, "e": f"{SEARCHER}@example.com", "pw": pw},
        ).scalar_one()
        # 200 people I blocked and 200 who blocked me, among those the common searches match.
        conn.execute(
            text(
                "INSERT INTO user_blocks (blocker_id, blocked_id, created_at)"
                " SELECT :me, id, now() FROM users WHERE nickname LIKE '행복한%' AND id <> :me ORDER BY id LIMIT 200"
            ),
            {"me": searcher},
        )
        conn.execute(
            text(
                "INSERT INTO user_blocks (blocker_id, blocked_id, created_at)"
                " SELECT id, :me, now() FROM users WHERE nickname LIKE '%고양이%' AND id <> :me"
                " ORDER BY id DESC LIMIT 200"
            ),
            {"me": searcher},
        )
        one = conn.execute(
            text("SELECT nickname FROM users WHERE deleted_at IS NULL AND id <> :me ORDER BY id OFFSET :o LIMIT 1"),
            {"me": searcher, "o": users // 2},
        ).scalar_one()
    engine.dispose()
    # VACUUM, not only ANALYZE: the GIN indexes' pending lists (fastupdate) are merged, as autovacuum
    # does on a live site; a search would otherwise read every seeded row's pending entries.
    _vacuum(database_url, "users", "user_blocks")
    return time.perf_counter() - began, str(one)


def _vacuum(database_url: str, *tables: str) -> None:
    from withus.db import sync_url

    vacuum = create_engine(sync_url(database_url), isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        for table in tables:
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    vacuum.dispose()


def _migrate(database_url: str, revision: str) -> float:
    """Alembic's upgrade to ``revision``, as ``withus.cli migrate`` runs it; the seconds taken."""
    from alembic import command
    from alembic.config import Config

    from withus.db import sync_url

    began = time.perf_counter()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = sync_url(database_url)
    command.upgrade(cfg, revision)
    return time.perf_counter() - began


def _pairs_size(database_url: str) -> str:
    from withus.db import sync_url

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        size = "pg_size_pretty(pg_total_relation_size('user_nickname_pairs'))"
        rows, size = conn.execute(text(f"SELECT count(*), {size} FROM user_nickname_pairs")).one()
    engine.dispose()
    return f"{rows:,} rows, {size} with its primary key"


@dataclass
class Case:
    name: str
    params: dict[str, str]
    auth: bool = True


def _cases(one: str) -> list[Case]:
    return [
        Case(TRIVIAL, {}, auth=False),
        Case(ME, {}),
        Case("2 letters, prefix of ~2.5%", {"q": "행복"}),
        Case("2 letters, inside ~2.5%", {"q": "고양"}),
        Case("3 letters, inside (한고양)", {"q": "한고양"}),
        Case("3 letters, inside ~0.25% (른토끼)", {"q": "른토끼"}),
        Case("4 letters, inside ~1.1% (한고양이)", {"q": "한고양이"}),
        Case("2 letters, inside ~0.25% (른토)", {"q": "른토"}),
        Case("2 letters, inside ~0.12% (린고)", {"q": "린고"}),
        Case("a whole nickname (1 match)", {"q": one}),
        Case("no match", {"q": "없는닉네임xyz"}),
    ]


def _path(case: Case) -> str:
    return {TRIVIAL: "/api/clubs/categories", ME: "/api/users/me"}.get(case.name, "/api/users")


async def _login(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/api/auth/login", json={"login": SEARCHER, "password": SEARCHER_PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _check(base: str, case: Case, headers: dict[str, str]) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.get(_path(case), params=case.params, headers=headers if case.auth else {})
    if r.status_code != 200:
        raise RuntimeError(f"{case.name}: {r.status_code} {r.text[:300]}")
    if case.name in (TRIVIAL, ME):
        return f"{len(r.content)} bytes"
    body = r.json()
    names = [u["nickname"] for u in body["items"]]
    return f"{len(names)} people ({', '.join(names[:3])}…), next_cursor {'yes' if body['next_cursor'] else 'no'}"


def _print_plans(database_url: str, searcher_id: int, cases: list[Case]) -> None:
    from withus.services import people_search

    calls: dict[str, Any] = {
        c.name: (lambda s, q=c.params["q"]: people_search.search_people(s, viewer_id=searcher_id, q=q))
        for c in cases
        if c.name not in (TRIVIAL, ME)
    }
    for name, lines in asyncio.run(_plans(database_url, calls)).items():
        print(f"plan: {name}")
        for line in lines:
            print("   ", line)


def _searcher_id(database_url: str) -> int:
    from withus.db import sync_url

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        value = conn.execute(text("SELECT id FROM users WHERE username = :u"), {"u": SEARCHER}).scalar_one()
    engine.dispose()
    return int(value)


def run(users: int = 1_000_000, requests: int = 500, keep: bool = False) -> list[Result]:
    if not _postgres_reachable():
        print(f"people_search: skipped, PostgreSQL is not reachable at {make_url(ADMIN_URL).render_as_string()}")
        return []
    began = time.perf_counter()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs: {os.cpu_count()}")
    db_name = f"withus_bench_people_{os.getpid()}"
    database_url = _create_database(db_name)
    server = None
    lat: dict[str, list[float]] = {}
    migrated = 0.0
    try:
        with tempfile.TemporaryDirectory(prefix="withus-bench-") as tmp:
            port = _free_port()
            env = _env(Path(tmp), port, database_url)
            _migrate(database_url, "0017")
            took, one = seed(database_url, users=users)
            print(f"seeded {users:,} users in {took:.1f} s", flush=True)
            migrated = _migrate(database_url, "head")
            print(
                f"migrated to the head in {migrated:.1f} s (0018: user_nickname_pairs backfilled,"
                f" {_pairs_size(database_url)})",
                flush=True,
            )
            # as autovacuum would soon: the visibility map lets the pairs' range be read from the index alone
            _vacuum(database_url, "user_nickname_pairs")
            cases = _cases(one)
            _print_plans(database_url, _searcher_id(database_url), cases)
            base = f"http://127.0.0.1:{port}"
            server = _start_server(env, port)
            asyncio.run(_wait_ready(base))
            print(f"server: uvicorn api:build_server, one worker, pid {server.pid}, port {port}", flush=True)
            headers = asyncio.run(_login(base))
            for case in cases:
                print(f"  {case.name}: {asyncio.run(_check(base, case, headers))}")
            print(f"latency, one client, {requests} sequential requests each:", flush=True)
            for case in cases:
                request = _request_bytes(_path(case), case.params, headers if case.auth else {})
                lat[case.name] = s = asyncio.run(_sequential(port, [request], requests))
                print(f"  {case.name:>32}: p50 {_pct(s, 0.5):6.1f} ms   p99 {_pct(s, 0.99):6.1f} ms", flush=True)
            if keep:
                print(f"keeping the database {db_name}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if not keep:
            _drop_database(db_name)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"people_search took {time.perf_counter() - began:.0f} s")
    trivial = lat[TRIVIAL]
    results: list[Result] = [
        Result(f"people migration to 0018 at {users:,} users", migrated, "s", "—", 0.0, "reported", None),
    ]
    for case in cases[1:]:
        s = lat[case.name]
        p99 = _pct(s, 0.99)
        search = case.name != ME  # the login-only request is a second baseline: no target of its own
        results.append(
            Result(f"people {case.name} p50", _pct(s, 0.5), "ms", "trivial p50", _pct(trivial, 0.5), "—", None)
        )
        results.append(
            Result(
                f"people {case.name} p99",
                p99,
                "ms",
                "trivial p99",
                _pct(trivial, 0.99),
                f"≤ {P99_TARGET_MS:.0f} ms" if search else "—",
                p99 <= P99_TARGET_MS if search else None,
            )
        )
    return results


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.people_search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(users=args.users, requests=args.requests, keep=args.keep)


def main(argv: list[str] | None = None) -> int:
    results = run_args(arguments().parse_args(argv))
    from bench.results import table

    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
