"""Club discovery stays fast at 100,000 clubs (PostgreSQL).

Creates a scratch PostgreSQL database beside ``BENCH_PG_URL``'s (default
``postgresql://postgres@127.0.0.1:5432/test``), migrates it, seeds 100,000 clubs
(:mod:`bench.seed_clubs`), starts the API under uvicorn on a free port, then
measures, against ``GET /api/health`` (one database round trip) in the same run:

- sequential latency p50/p99 of ``GET /api/clubs``: the first page, one category,
  a page 50,000 clubs deep (keyset cursor), and keyword searches that match 10% of
  the clubs, one club, and none (the pg_trgm GIN index of migration 0003);
- requests per second with 16 concurrent clients, first page vs health.

The scratch database is dropped at the end.

    .venv/bin/python -m bench.club_lists [--clubs 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import seed_clubs
from bench.login_load import _free_port, _start_server, _wait_ready
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(make_url(ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def _create_database(name: str) -> str:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _env(data_dir: Path, port: int, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_HOST")}
    env.update(
        ENV="development",
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        PORT=str(port),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _deep_cursor(database_url: str, offset: int) -> str:
    from withus.db import sync_url
    from withus.services.clubs import encode_cursor

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT created_at, id FROM clubs WHERE closed_at IS NULL"
                " ORDER BY created_at DESC, id DESC OFFSET :o LIMIT 1"
            ),
            {"o": offset},
        ).one()
    engine.dispose()
    return encode_cursor(row[0], row[1])


def _explain(database_url: str, pattern: str) -> list[str]:
    from withus.db import sync_url

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM clubs WHERE closed_at IS NULL"
                " AND lower(name || ' ' || description) LIKE :p ORDER BY created_at DESC, id DESC LIMIT 21"
            ),
            {"p": pattern},
        ).all()
    engine.dispose()
    return [r[0] for r in rows]


async def _latency(base: str, path: str, params: dict[str, str], n: int) -> list[float]:
    samples: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(10):  # warm-up
            await client.get(path, params=params)
        for _ in range(n):
            start = time.perf_counter()
            r = await client.get(path, params=params)
            samples.append((time.perf_counter() - start) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"{path} {params} answered {r.status_code}: {r.text[:200]}")
    return samples


async def _throughput(base: str, path: str, params: dict[str, str], clients: int, duration: float) -> float:
    count = 0
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        deadline = time.monotonic() + duration

        async def loop() -> None:
            nonlocal count
            while time.monotonic() < deadline:
                r = await client.get(path, params=params)
                if r.status_code == 200:
                    count += 1

        start = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(clients)))
        return count / (time.monotonic() - start)


def _postgres_reachable() -> bool:
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure means: no PostgreSQL to bench on
        return False


def run(clubs: int = 100_000, requests: int = 300, clients: int = 16, duration: float = 8.0) -> list[Result]:
    if not _postgres_reachable():
        print(f"club_lists: skipped, PostgreSQL is not reachable at {make_url(ADMIN_URL).render_as_string()}")
        return []
    db_name = f"withus_bench_clubs_{os.getpid()}"
    database_url = _create_database(db_name)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="withus-bench-") as tmp:
            port = _free_port()
            env = _env(Path(tmp), port, database_url)
            subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env=env, cwd=ROOT, check=True)
            took = seed_clubs.seed(database_url, clubs=clubs)
            print(f"seeded {clubs:,} clubs in {took:.1f} s", flush=True)
            rare = "tok" + hashlib.md5(str(clubs // 2 + 1).encode()).hexdigest()[:10]
            deep = _deep_cursor(database_url, clubs // 2)
            print("plan of a one-club keyword search:")
            for line in _explain(database_url, f"%{rare}%"):
                print("   ", line)
            base = f"http://127.0.0.1:{port}"
            server = _start_server(env, port)
            asyncio.run(_wait_ready(base))
            cases = {
                "health": ("/api/health", {}),
                "first page": ("/api/clubs", {}),
                "category": ("/api/clubs", {"category": "GAME"}),
                "page 50,000 deep": ("/api/clubs", {"cursor": deep}),
                "search 10% (풋살)": ("/api/clubs", {"q": "풋살"}),
                "search 1 club": ("/api/clubs", {"q": rare}),
                "search no match": ("/api/clubs", {"q": "없는검색어xyz"}),
            }
            lat = {name: asyncio.run(_latency(base, p, q, requests)) for name, (p, q) in cases.items()}
            rps_health = asyncio.run(_throughput(base, "/api/health", {}, clients, duration))
            rps_list = asyncio.run(_throughput(base, "/api/clubs", {}, clients, duration))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        _drop_database(db_name)

    for name, samples in lat.items():
        print(f"{name:>20}: p50 {_pct(samples, 0.5):6.1f} ms   p99 {_pct(samples, 0.99):6.1f} ms   (n={len(samples)})")
    print(f"req/s with {clients} clients: health {rps_health:.0f}, first page {rps_list:.0f}")
    print(f"CPUs: {os.cpu_count()}; median health {statistics.median(lat['health']):.1f} ms")
    health_p99 = _pct(lat["health"], 0.99)
    results = []
    for name, samples in lat.items():
        if name == "health":
            continue
        p99 = _pct(samples, 0.99)
        results.append(
            Result(
                name=f"clubs {name} p99 ({clubs:,} clubs)",
                value=p99,
                unit="ms",
                baseline_name="health p99",
                baseline=health_p99,
                target="ratio < 5",
                met=p99 / health_p99 < 5 if health_p99 else None,
            )
        )
    results.append(
        Result(
            name=f"clubs first page req/s ({clients} clients)",
            value=rps_list,
            unit="/s",
            baseline_name="health req/s",
            baseline=rps_health,
            target="ratio > 0.3",
            met=rps_list / rps_health > 0.3 if rps_health else None,
        )
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.club_lists")
    parser.add_argument("--clubs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args(argv)
    results = run(clubs=args.clubs, requests=args.requests, clients=args.clients, duration=args.duration)
    from bench.results import table

    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
