"""The lists stay fast at 100,000 clubs, 1,000,000 posts and 2,000,000 comments (PostgreSQL).

Creates a scratch PostgreSQL database beside ``BENCH_PG_URL``'s (default
``postgresql://postgres@127.0.0.1:5432/test``), migrates it, seeds it
(:mod:`bench.seed_clubs`, :mod:`bench.seed_board`: the big club has 100,000 posts),
prints the plans of the list queries exactly as the services send them
(``EXPLAIN ANALYZE``), starts the API as a real server — uvicorn, one worker, on a
free port — and measures every list:

- ``GET /api/clubs``: first page, one category, a page 50,000 clubs deep (keyset
  cursor), and keyword searches matching 10% of the clubs, one club, and none;
- ``GET /api/clubs/{id}/posts`` of the big club: first page and a page 50,000 posts
  deep, anonymous, and the first page as a logged-in member (session, role and
  block list looked up too);

each as p50/p99 from one client (sequential requests on one keep-alive connection)
and requests per second from 32 concurrent clients (keep-alive connections spread
over several load-generator processes), beside the trivial JSON endpoint
``GET /api/clubs/categories`` (static, no database: the app's fixed cost per request,
through the same middleware and router) measured in the same run — and, for
reference, ``GET /api/health`` (one database and one store round trip). The load
generator is a minimal HTTP/1.1 client on asyncio streams (a few µs per request,
unlike httpx), and the CPU time of the server, of its PostgreSQL backends and of the
load generator is reported for each throughput run, per request and in cores
("rest of machine": everything else — other people's work, and backends that the
pool opened and closed inside the window, which the PostgreSQL figure misses).

Targets (the issue): p99 ≤ 30 ms for every list from one client; every list at
≥ 30% of the trivial endpoint's req/s. The scratch database is dropped at the end.

    .venv/bin/python -m bench club_lists
    .venv/bin/python -m bench.club_lists --clubs 10000 --posts 100000 --big-posts 10000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import seed_board, seed_clubs
from bench.login_load import _free_port, _start_server, _wait_ready
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
P99_TARGET_MS = 30.0
RPS_RATIO_TARGET = 0.3
READER = "bench_reader"
READER_PASSWORD = "bench-reader-password-42"
TRIVIAL = "trivial (categories)"


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---------------------------------------------------------------- scratch database


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


def _postgres_reachable() -> bool:
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # any failure means: no PostgreSQL to bench on
        return False


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


@dataclass
class Fixtures:
    big_club_id: int
    clubs_deep_cursor: str
    posts_deep_cursor: str
    rare_token: str


def _fixtures(database_url: str, *, clubs: int, big_club_id: int, big_posts: int) -> Fixtures:
    """Cursors half-way down the club list and the big club's board, a one-club keyword, and a
    member of the big club who can log in (a real cost-12 password hash)."""
    from withus.db import sync_url
    from withus.services.pagination import encode_cursor
    from withus.services.passwords import hash_password_sync

    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        created_at, club_id = conn.execute(
            text(
                "SELECT created_at, id FROM clubs WHERE closed_at IS NULL"
                " ORDER BY created_at DESC, id DESC OFFSET :o LIMIT 1"
            ),
            {"o": clubs // 2},
        ).one()
        kind, post_id = conn.execute(
            text(
                "SELECT kind, id FROM posts WHERE club_id = :c AND deleted_at IS NULL AND hidden_at IS NULL"
                " ORDER BY kind DESC, id DESC OFFSET :o LIMIT 1"
            ),
            {"c": big_club_id, "o": big_posts // 2},
        ).one()
        if conn.execute(text("SELECT 1 FROM users WHERE username = :u"), {"u": READER}).first():
            user_id = None  # a reused database: the reader exists already
        else:
            user_id = conn.execute(
                text(
                    "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                    " created_at) VALUES (:u, '읽는사람', :e, :h, '', '[]', false, now()) RETURNING id"
                ),
                {"u": READER, "e": f"{READER}@example.com", "h": hash_password_sync(READER_PASSWORD)},
            ).scalar_one()
        if user_id is not None:
            conn.execute(
                text("INSERT INTO club_members (club_id, user_id, role, joined_at) VALUES (:c, :u, 'member', now())"),
                {"c": big_club_id, "u": user_id},
            )
            conn.execute(text("UPDATE clubs SET member_count = member_count + 1 WHERE id = :c"), {"c": big_club_id})
    engine.dispose()
    # seed_clubs gives club g a made-up word of its own; the middle club matches alone.
    rare = seed_clubs.rare_word(clubs // 2 + 1)
    return Fixtures(
        big_club_id=big_club_id,
        clubs_deep_cursor=encode_cursor(created_at, club_id),
        posts_deep_cursor=encode_cursor(kind, post_id),
        rare_token=rare,
    )


# ---------------------------------------------------------------- plans


async def _plans(database_url: str, calls: dict[str, Callable[[Any], Awaitable[Any]]]) -> dict[str, list[str]]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of the last statement each service call sends, with its parameters."""
    from sqlalchemy import event

    from withus import db
    from withus.settings import get_settings

    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    await db.dispose_engine()
    engine = db.get_engine()
    sent: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", grab)
    plans: dict[str, list[str]] = {}
    try:
        for name, call in calls.items():
            sent.clear()
            async with db.sessionmaker()() as session:
                await call(session)
            statement, parameters = sent[-1]
            sent.clear()
            async with engine.connect() as conn:
                rows = await conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, parameters)
                plans[name] = [r[0] for r in rows]
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", grab)
        await db.dispose_engine()
    return plans


# ---------------------------------------------------------------- a lean HTTP/1.1 client


def _request_bytes(path: str, params: dict[str, str], headers: dict[str, str]) -> bytes:
    target = path + ("?" + urlencode(params) if params else "")
    lines = [f"GET {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One request on a keep-alive connection; the status code (the body is read and dropped)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError("response without Content-Length")
    end = lower.find(b"\r\n", at + 2)
    await reader.readexactly(int(lower[at + 17 : end]))
    return status


async def _sequential(port: int, requests: list[bytes], n: int, warmup: int = 20) -> list[float]:
    """Latencies (ms) of ``n`` requests one after the other on one connection, cycling through ``requests``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    samples: list[float] = []
    try:
        for i in range(warmup + n):
            request = requests[i % len(requests)]
            start = time.perf_counter()
            status = await _exchange(reader, writer, request)
            if i >= warmup:
                samples.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise RuntimeError(f"{request.splitlines()[0]!r} answered {status}")
    finally:
        writer.close()
    return samples


async def _load(port: int, requests: list[bytes], conns: int, start: float, end: float) -> tuple[int, int, float]:
    """``conns`` clients, each a keep-alive connection sending the next request when the answer is in.
    Counts the answers completed inside [start, end] (monotonic clock, shared by processes)."""
    ok = bad = 0
    cpu: list[float] = []

    async def client(i: int) -> None:
        nonlocal ok, bad
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < end:
                i += 1
                status = await _exchange(reader, writer, requests[i % len(requests)])
                if start <= time.monotonic() <= end:
                    if status == 200:
                        ok += 1
                    else:
                        bad += 1
        finally:
            writer.close()

    async def meter() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        cpu.append(time.process_time())
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        cpu.append(time.process_time())

    await asyncio.gather(meter(), *(client(i) for i in range(conns)))
    return ok, bad, cpu[1] - cpu[0]


def _load_worker(jobs: mp.Queue, results: mp.Queue) -> None:  # type: ignore[type-arg]
    while (job := jobs.get()) is not None:
        port, requests, conns, start, end = job
        try:
            results.put(asyncio.run(_load(port, requests, conns, start, end)))
        except Exception as exc:  # reported to the parent, which stops the run
            results.put(exc)


@dataclass
class Throughput:
    rps: float
    errors: int
    server_cpu: float  # CPU-seconds per wall second (1.0 = one core)
    pg_cpu: float
    loadgen_cpu: float
    machine_busy: float  # all processes on the machine, in cores

    def line(self) -> str:
        other = max(0.0, self.machine_busy - self.server_cpu - self.pg_cpu - self.loadgen_cpu)
        per = 1000 / self.rps if self.rps else 0.0
        return (
            f"{self.rps:6.0f} req/s | CPU ms per request: server {self.server_cpu * per:.2f},"
            f" PostgreSQL {self.pg_cpu * per:.2f} | cores: server {self.server_cpu:.2f}, PostgreSQL {self.pg_cpu:.2f},"
            f" load generator {self.loadgen_cpu:.2f}, rest of machine {other:.2f}"
        )


def _cpu_seconds(pid: int) -> float | None:
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return None
    return float(times.user + times.system)


class LoadGenerator:
    """``procs`` processes, each driving ``clients / procs`` connections."""

    def __init__(self, procs: int) -> None:
        ctx = mp.get_context("spawn")
        self.jobs: list[mp.Queue] = [ctx.Queue() for _ in range(procs)]  # type: ignore[type-arg]
        self.results: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        self.procs = [ctx.Process(target=_load_worker, args=(q, self.results), daemon=True) for q in self.jobs]
        for p in self.procs:
            p.start()

    def run(
        self,
        port: int,
        requests: list[bytes],
        clients: int,
        warmup: float,
        duration: float,
        watch: Callable[[], list[int]],
    ) -> Throughput:
        import psutil

        start = time.monotonic() + 1.0 + warmup  # 1 s for the workers to pick the job up and connect
        end = start + duration
        share = [clients // len(self.procs) + (i < clients % len(self.procs)) for i in range(len(self.procs))]
        for q, conns in zip(self.jobs, share, strict=True):
            q.put((port, requests, conns, start, end))
        time.sleep(max(0.0, start - time.monotonic()))
        pids = watch()
        before = {pid: t for pid in pids if (t := _cpu_seconds(pid)) is not None}
        machine_before = psutil.cpu_times()
        time.sleep(max(0.0, end - time.monotonic()))
        machine_after = psutil.cpu_times()
        # Backends that the pool opened during the window count whole; those it closed are lost (rare).
        after = {pid: t for pid in {*pids, *watch()} if (t := _cpu_seconds(pid)) is not None}
        spent = {pid: t - before.get(pid, 0.0) for pid, t in after.items()}
        outcomes = [self.results.get(timeout=duration + 60) for _ in self.procs]
        for o in outcomes:
            if isinstance(o, Exception):
                raise o
        server_pid = pids[0]
        busy = sum(machine_after) - sum(machine_before) - (machine_after.idle - machine_before.idle)
        busy -= getattr(machine_after, "iowait", 0.0) - getattr(machine_before, "iowait", 0.0)
        return Throughput(
            rps=sum(o[0] for o in outcomes) / duration,
            errors=sum(o[1] for o in outcomes),
            server_cpu=spent[server_pid] / duration,
            pg_cpu=sum(t for pid, t in spent.items() if pid != server_pid) / duration,
            loadgen_cpu=sum(o[2] for o in outcomes) / duration,
            machine_busy=busy / duration,
        )

    def close(self) -> None:
        for q in self.jobs:
            q.put(None)
        for p in self.procs:
            p.join(timeout=10)


# ---------------------------------------------------------------- the run


@dataclass
class Case:
    name: str
    path: str
    params: dict[str, str] | list[dict[str, str]]  # a list: one after the other, round robin
    member: bool = False  # sent with a member's bearer token
    is_list: bool = True
    items: int | None = 20  # items a page must have (checked once before measuring)

    @property
    def variants(self) -> list[dict[str, str]]:
        return self.params if isinstance(self.params, list) else [self.params]

    def requests(self, headers: dict[str, str]) -> list[bytes]:
        return [_request_bytes(self.path, params, headers) for params in self.variants]


def _cases(f: Fixtures, big_posts: int) -> list[Case]:
    board = f"/api/clubs/{f.big_club_id}/posts"
    deep = f"{big_posts // 2:,}"
    return [
        Case(TRIVIAL, "/api/clubs/categories", {}, is_list=False, items=None),
        Case("health (db + store)", "/api/health", {}, is_list=False, items=None),
        Case("clubs first page", "/api/clubs", {}),
        Case("clubs category", "/api/clubs", {"category": "GAME"}),
        Case("clubs page 50,000 deep", "/api/clubs", {"cursor": f.clubs_deep_cursor}),
        # Each word is in ~10% of the clubs; in turn, as searches by different people would be.
        Case("clubs keyword 10%", "/api/clubs", [{"q": w} for w in seed_clubs.WORDS]),
        Case("clubs keyword 1 club", "/api/clubs", {"q": f.rare_token}, items=1),
        Case("clubs keyword no match", "/api/clubs", {"q": "없는검색어xyz"}, items=0),
        Case("posts big club first page", board, {}),
        Case(f"posts big club page {deep} deep", board, {"cursor": f.posts_deep_cursor}),
        Case("posts big club first page, member", board, {}, member=True),
    ]


async def _login(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        r = await client.post("/api/auth/login", json={"login": READER, "password": READER_PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _check(base: str, case: Case, headers: dict[str, str]) -> str:
    """Each request once through httpx: the answer is what a client expects (status, page size)."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for params in case.variants[1:]:
            r = await client.get(case.path, params=params, headers=headers)
            if r.status_code != 200 or (case.items is not None and len(r.json()["items"]) != case.items):
                raise RuntimeError(f"{case.name} {params}: {r.status_code} {r.text[:300]}")
        r = await client.get(case.path, params=case.variants[0], headers=headers)
    if r.status_code != 200:
        raise RuntimeError(f"{case.name}: {r.status_code} {r.text[:300]}")
    body = r.json()
    if case.items is None:
        return f"{len(r.content)} bytes"
    items = body["items"]
    if len(items) != case.items:
        raise RuntimeError(f"{case.name}: {len(items)} items, expected {case.items}")
    first = items[0]["id"] if items else "-"
    more = "yes" if body["next_cursor"] else "no"
    return f"{len(items)} items from id {first}, next_cursor {more}, {len(r.content):,} bytes"


def _backend_pids(database_url: str) -> list[int]:
    from withus.db import sync_url

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
        ).scalars()
        out = [int(p) for p in pids]
    engine.dispose()
    return out


def run(
    clubs: int = 100_000,
    posts: int = 1_000_000,
    big_posts: int = 100_000,
    requests: int = 500,
    clients: int = 32,
    procs: int = 2,
    duration: float = 5.0,
    warmup: float = 1.0,
    keep: bool = False,
    reuse: str | None = None,
    only: str | None = None,
) -> list[Result]:
    if not _postgres_reachable():
        print(f"club_lists: skipped, PostgreSQL is not reachable at {make_url(ADMIN_URL).render_as_string()}")
        return []
    began = time.perf_counter()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs: {os.cpu_count()}")
    db_name = reuse or f"withus_bench_clubs_{os.getpid()}"
    keep = keep or reuse is not None
    if reuse:
        database_url = make_url(ADMIN_URL).set(database=reuse).render_as_string(hide_password=False)
    else:
        database_url = _create_database(db_name)
    server = None
    gen = None
    lat: dict[str, list[float]] = {}
    tput: dict[str, Throughput] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="withus-bench-") as tmp:
            port = _free_port()
            env = _env(Path(tmp), port, database_url)
            subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env=env, cwd=ROOT, check=True)
            if reuse:
                big_club_id = seed_board.big_club(database_url)
                print(f"reusing {reuse} (seeded with --clubs {clubs} --big-posts {big_posts}, it is assumed)")
            else:
                took = seed_clubs.seed(database_url, clubs=clubs)
                print(f"seeded {clubs:,} clubs in {took:.1f} s", flush=True)
                board = seed_board.seed(database_url, posts=posts, big_posts=big_posts)
                print(board.summary(), flush=True)
                big_club_id = board.big_club_id
            fx = _fixtures(database_url, clubs=clubs, big_club_id=big_club_id, big_posts=big_posts)
            cases = _cases(fx, big_posts)
            if only:  # development: the trivial baseline and the cases whose name contains ``only``
                cases = [c for c in cases if c.name == TRIVIAL or only in c.name]
            _print_plans(database_url, fx)

            base = f"http://127.0.0.1:{port}"
            server = _start_server(env, port)  # uvicorn, one worker
            asyncio.run(_wait_ready(base))
            print(f"server: uvicorn api:build_server, one worker, pid {server.pid}, port {port}", flush=True)
            for case in cases:
                headers = asyncio.run(_login(base)) if case.member else {}
                print(f"  {case.name}: {asyncio.run(_check(base, case, headers))}")

            print(f"latency, one client, {requests} sequential requests each:", flush=True)
            for case in cases:
                headers = asyncio.run(_login(base)) if case.member else {}
                lat[case.name] = asyncio.run(_sequential(port, case.requests(headers), requests))
                s = lat[case.name]
                print(f"  {case.name:>40}: p50 {_pct(s, 0.5):6.1f} ms   p99 {_pct(s, 0.99):6.1f} ms", flush=True)

            print(f"throughput, {clients} clients over {procs} load-generator processes, {duration:.0f} s each:")
            gen = LoadGenerator(procs)
            asyncio.run(_sequential(port, [_request_bytes("/api/clubs", {}, {})], 50))  # warm the pool
            server_pid = server.pid
            trivial_runs: list[Throughput] = []
            order = [*cases, cases[0]]  # the trivial endpoint again at the end: the machine may have changed
            for case in order:
                headers = asyncio.run(_login(base)) if case.member else {}
                t = gen.run(
                    port,
                    case.requests(headers),
                    clients,
                    warmup,
                    duration,
                    lambda: [server_pid, *_backend_pids(database_url)],
                )
                if t.errors:
                    raise RuntimeError(f"{case.name}: {t.errors} answers were not 200")
                if case.name == TRIVIAL:
                    trivial_runs.append(t)
                tput[case.name] = t
                print(f"  {case.name:>40}: {t.line()}", flush=True)
            trivial_rps = sum(t.rps for t in trivial_runs) / len(trivial_runs)
            print(
                f"  trivial endpoint req/s: {', '.join(f'{t.rps:.0f}' for t in trivial_runs)}"
                f" (first, last) -> baseline {trivial_rps:.0f}"
            )
            if keep:
                print(f"keeping the database {db_name}: --reuse {db_name} measures it again")
    finally:
        if gen is not None:
            gen.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if not keep:
            _drop_database(db_name)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"club_lists took {time.perf_counter() - began:.0f} s")

    results: list[Result] = []
    trivial = lat[TRIVIAL]
    for case in cases:
        if not case.is_list:
            continue
        s = lat[case.name]
        results.append(Result(f"{case.name} p50", _pct(s, 0.5), "ms", "trivial p50", _pct(trivial, 0.5), "—", None))
        p99 = _pct(s, 0.99)
        results.append(
            Result(
                f"{case.name} p99",
                p99,
                "ms",
                "trivial p99",
                _pct(trivial, 0.99),
                f"≤ {P99_TARGET_MS:.0f} ms",
                p99 <= P99_TARGET_MS,
            )
        )
        rps = tput[case.name].rps
        results.append(
            Result(
                f"{case.name} req/s ({clients} clients)",
                rps,
                "/s",
                "trivial req/s",
                trivial_rps,
                f"ratio ≥ {RPS_RATIO_TARGET}",
                rps / trivial_rps >= RPS_RATIO_TARGET,
            )
        )
    return results


def _print_plans(database_url: str, fx: Fixtures) -> None:
    from withus.services import club_listing
    from withus.services import posts as post_service

    calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "clubs first page": lambda s: club_listing.list_clubs(s),
        "clubs category": lambda s: club_listing.list_clubs(s, category="GAME"),
        "clubs page 50,000 deep": lambda s: club_listing.list_clubs(s, cursor=fx.clubs_deep_cursor),
        "clubs keyword 10%": lambda s: club_listing.list_clubs(s, q="풋살"),
        "clubs keyword 1 club": lambda s: club_listing.list_clubs(s, q=fx.rare_token),
        "posts big club first page": lambda s: post_service.list_posts(s, club_id=fx.big_club_id, user=None),
        "posts big club deep page": lambda s: post_service.list_posts(
            s, club_id=fx.big_club_id, user=None, cursor=fx.posts_deep_cursor
        ),
    }
    for name, lines in asyncio.run(_plans(database_url, calls)).items():
        print(f"plan: {name}")
        for line in lines:
            print("   ", line)


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.club_lists", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clubs", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-posts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure a database kept by --keep, without seeding")
    parser.add_argument("--only", metavar="TEXT", help="only the cases whose name contains TEXT (and the baseline)")
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(
        clubs=args.clubs,
        posts=args.posts,
        big_posts=args.big_posts,
        requests=args.requests,
        clients=args.clients,
        procs=args.procs,
        duration=args.duration,
        keep=args.keep,
        reuse=args.reuse,
        only=args.only,
    )


def main(argv: list[str] | None = None) -> int:
    results = run_args(arguments().parse_args(argv))
    from bench.results import table

    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
