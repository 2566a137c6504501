"""Meetups at scale (PostgreSQL): a club's upcoming events and ``/api/users/me/events`` with
``--clubs`` clubs holding ``--events`` events (the issue asks 100,000 and 1,000,000), and RSVP
throughput on one event with ``--members`` members answering at once beside a plain INSERT of the
same rows.

Creates a scratch database beside ``BENCH_PG_URL``'s (default
``postgresql://postgres@127.0.0.1:5432/test``), migrates it, seeds clubs
(:mod:`bench.seed_clubs`) and events in bulk SQL (``generate_series``: ten events per club
spread over the coming 200 days, every third one with a capacity, each with its host's answer), and a
reader who is a member
of 50 clubs and going to 100 of their events. It starts the API as a real server (uvicorn, one
worker) and measures, with the same client as :mod:`bench.club_lists`:

- latency from one client (p50/p99, sequential requests on one keep-alive connection) and
  req/s from ``--clients`` concurrent clients, beside the trivial endpoint
  ``GET /api/clubs/categories`` in the same run, for ``GET /api/clubs/{id}/events`` (a club in
  the middle of the id range) and ``GET /api/users/me/events``;
- RSVP throughput: ``--members`` members of one event (capacity half of them) each PUT ``going``
  at once over their own connections; answers per second and p99 of an answer, and the same
  number of rows written by plain ``INSERT INTO event_rsvps`` statements from as many
  connections as the baseline (the cost of the lock, the counters and the rules).

Targets (the issue): p99 ≤ 30 ms from one client, req/s ≥ 0.3× the trivial endpoint.

    .venv/bin/python -m bench events                                    # 100,000 clubs, 1,000,000 events
    .venv/bin/python -m bench.events --clubs 10000 --events 100000      # smaller: a busy shared machine
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import create_engine, text

from bench import seed_clubs
from bench.club_lists import (
    TRIVIAL,
    LoadGenerator,
    _backend_pids,
    _create_database,
    _drop_database,
    _env,
    _pct,
    _postgres_reachable,
    _request_bytes,
    _sequential,
)
from bench.login_load import _free_port, _start_server, _wait_ready
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
READER = "bench_event_reader"
PASSWORD = "bench-event-password-42"
P99_TARGET_MS = 30.0
RPS_RATIO_TARGET = 0.3


def _seed_events(database_url: str, *, events: int, clubs: int) -> tuple[int, float]:
    """``events`` events over the open clubs, and the reader; returns (a middle club's id, seconds)."""
    from withus.db import sync_url
    from withus.services.passwords import hash_password_sync

    per_club = max(1, events // clubs)
    start = time.perf_counter()
    engine = create_engine(sync_url(database_url))
    with engine.begin() as conn:
        # One INSERT ... SELECT per table, every row written once (no UPDATE afterwards, which
        # rewrote all the events and doubled the table at 1,000,000). Each event comes with its
        # host's answer (going, answer number 1, counters to match), so that the answers table has
        # the size and the statistics of a used site; marked reminded, so that the server's
        # reminder sweep does not send thousands of reminders during the measurement.
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        conn.execute(
            text(
                """
                INSERT INTO events (club_id, title, description, starts_at, ends_at, location, capacity,
                                    status, going_count, waitlist_count, rsvp_seq, sequence,
                                    created_by_id, created_at, updated_at)
                SELECT c.id, '정기 모임 ' || k, '',
                       now() + ((c.id * 13 + k * 457) % (200 * 24)) * interval '1 hour',
                       now() + ((c.id * 13 + k * 457) % (200 * 24)) * interval '1 hour' + interval '2 hours',
                       '잠실', CASE WHEN k % 3 = 0 THEN 20 END, 'scheduled', 1, 0, 1, 0,
                       c.host_id, now(), now()
                FROM clubs c CROSS JOIN generate_series(1, :k) k
                WHERE c.closed_at IS NULL
                ORDER BY c.id, k
                """
            ),
            {"k": per_club},
        )
        conn.execute(
            text(
                "INSERT INTO event_rsvps (event_id, user_id, status, seq, answered_at, reminded_at)"
                " SELECT e.id, e.created_by_id, 'going', 1, now(), now() FROM events e ORDER BY e.id"
            )
        )
        reader_id = conn.execute(
            text(
                "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin, created_at)"
                " VALUES (:u, '일정 독자', :e, :h, '', '[]', false, now()) RETURNING id"
            ),
            {"u": READER, "e": f"{READER}@example.com", "h": hash_password_sync(PASSWORD)},
        ).scalar_one()
        club_ids = [
            r[0] for r in conn.execute(text("SELECT id FROM clubs WHERE closed_at IS NULL ORDER BY id LIMIT 50"))
        ]
        for cid in club_ids:
            conn.execute(
                text("INSERT INTO club_members (club_id, user_id, role, joined_at) VALUES (:c, :u, 'member', now())"),
                {"c": cid, "u": reader_id},
            )
        # The reader's hundred answers: the second answer of each event, the counters to match.
        conn.execute(
            text(
                "WITH mine AS (SELECT id FROM events WHERE club_id = ANY(:clubs) ORDER BY id LIMIT 100),"
                " answered AS (INSERT INTO event_rsvps (event_id, user_id, status, seq, answered_at, reminded_at)"
                " SELECT id, :u, 'going', 2, now(), now() FROM mine RETURNING event_id)"
                " UPDATE events SET going_count = 2, rsvp_seq = 2 WHERE id IN (SELECT event_id FROM answered)"
            ),
            {"u": reader_id, "clubs": club_ids},
        )
        middle = conn.execute(
            text(
                "SELECT id FROM clubs WHERE closed_at IS NULL AND visibility = 'public' ORDER BY id OFFSET :o LIMIT 1"
            ),
            {"o": clubs // 2},
        ).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # VACUUM too: as autovacuum would have by then (the visibility map lets PostgreSQL answer
        # from the indexes alone), and what a site that grew over months looks like.
        conn.execute(text("VACUUM (ANALYZE) events, event_rsvps, club_members, users"))
    engine.dispose()
    return int(middle), time.perf_counter() - start


async def _token(base: str, login: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        r = await client.post("/api/auth/login", json={"login": login, "password": PASSWORD})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _rsvp_members(database_url: str, n: int, club_id: int) -> tuple[int, list[str], list[int]]:
    """An event in ``club_id`` (capacity n/2) and ``n`` members who can log in."""
    from withus.db import sync_url
    from withus.services.passwords import hash_password_sync

    engine = create_engine(sync_url(database_url))
    pw = hash_password_sync(PASSWORD, rounds=4)
    with engine.begin() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                text(
                    "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                    " created_at) SELECT 'rsvp_' || g, '답장' || g, 'rsvp_' || g || '@example.com', :h, '', '[]',"
                    " false, now() FROM generate_series(1, :n) g RETURNING id"
                ),
                {"n": n, "h": pw},
            )
        ]
        conn.execute(
            text(
                "INSERT INTO club_members (club_id, user_id, role, joined_at)"
                " SELECT :c, u, 'member', now() FROM unnest(CAST(:ids AS int[])) u"
            ),
            {"c": club_id, "ids": ids},
        )
        event_id = conn.execute(
            text(
                "INSERT INTO events (club_id, title, description, starts_at, ends_at, capacity, status, going_count,"
                " waitlist_count, rsvp_seq, sequence, created_at, updated_at) VALUES (:c, '경쟁 모임', '',"
                " now() + interval '3 days', now() + interval '3 days 2 hours', :cap, 'scheduled', 0, 0, 0, 0,"
                " now(), now()) RETURNING id"
            ),
            {"c": club_id, "cap": max(1, n // 2)},
        ).scalar_one()
    engine.dispose()
    return int(event_id), [f"rsvp_{g}" for g in range(1, n + 1)], ids


async def _rsvp_burst(base: str, event_id: int, logins: list[str]) -> tuple[float, list[float], int]:
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=len(logins))) as c:
        headers = []
        for login in logins:
            r = await c.post("/api/auth/login", json={"login": login, "password": PASSWORD})
            r.raise_for_status()
            headers.append({"Authorization": f"Bearer {r.json()['access_token']}"})
        latencies: list[float] = []
        refused: list[int] = []

        async def one(h: dict[str, str]) -> None:
            t0 = time.perf_counter()
            r = await c.put(f"/api/events/{event_id}/rsvp", json={"response": "going"}, headers=h)
            latencies.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                refused.append(r.status_code)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(h) for h in headers))
        took = time.perf_counter() - t0
        if refused:  # a 503 would be a request that waited longer than the pool timeout for a connection
            print(f"RSVP: {len(refused)} of {len(logins)} answers refused: {sorted(set(refused))}")
        return took, latencies, len(refused)


def _check_answers(database_url: str, event_id: int, members: int) -> None:
    """The burst kept capacity: half going, the rest waitlisted, the counters matching the rows."""
    from withus.db import sync_url

    engine = create_engine(sync_url(database_url))
    with engine.connect() as conn:
        counts = dict(
            conn.execute(
                text("SELECT status, count(*) FROM event_rsvps WHERE event_id = :e GROUP BY status"), {"e": event_id}
            ).all()
        )
        stored = conn.execute(
            text("SELECT going_count, waitlist_count FROM events WHERE id = :e"), {"e": event_id}
        ).one()
    engine.dispose()
    going = max(1, members // 2)
    expected = {"going": going, "waitlisted": members - going}
    if {k: v for k, v in counts.items() if v} != {k: v for k, v in expected.items() if v} or tuple(stored) != (
        going,
        members - going,
    ):
        raise RuntimeError(f"RSVP burst broke capacity: rows {counts}, counters {tuple(stored)}, expected {expected}")
    print(f"RSVP: {going} going and {members - going} waitlisted, counters match", flush=True)


async def _plain_inserts(database_url: str, event_id: int, user_ids: list[int], conns: int) -> float:
    """The same rows by plain INSERTs (one transaction each) from ``conns`` connections."""
    url = database_url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgresql+psycopg://", "postgresql://"
    )
    pool = await asyncpg.create_pool(url, min_size=conns, max_size=conns)
    assert pool is not None
    try:
        await pool.execute("DELETE FROM event_rsvps WHERE event_id = $1", event_id)

        async def one(i: int, uid: int) -> None:
            await pool.execute(
                "INSERT INTO event_rsvps (event_id, user_id, status, seq, answered_at)"
                " VALUES ($1, $2, 'going', $3, now())",
                event_id,
                uid,
                i,
            )

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i, uid) for i, uid in enumerate(user_ids, start=1)))
        return time.perf_counter() - t0
    finally:
        await pool.close()


def _profile(
    gen: LoadGenerator, port: int, name: str, req: bytes, clients: int, warmup: float, duration: float, pid: int
) -> None:
    """One more run of ``name`` (its figure not counted) while py-spy samples the server, and the
    functions with the most samples. Apart from the measured runs: py-spy takes CPU of its own."""
    from bench.realtime_chat import profile_top

    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        print("   no py-spy in this environment: no profile")
        return
    with tempfile.TemporaryDirectory(prefix="withus-spy-") as tmp:
        out = Path(tmp) / "profile.raw"
        spying: list[subprocess.Popen[bytes]] = []

        def start_spy() -> list[int]:  # called as the measured window opens (and again as it closes)
            if not spying:
                cmd = [str(spy), "record", "--pid", str(pid), "--duration", str(int(duration)), "--rate", "200"]
                cmd += ["--format", "raw", "--output", str(out), "--nonblocking"]
                spying.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            return [pid]

        t = gen.run(port, [req], clients, warmup, duration, start_spy)
        _, err = spying[0].communicate(timeout=duration + 60)
        print(f"-- profile of {name} (py-spy at 200 samples/s; {t.rps:.0f} req/s under it):")
        if spying[0].returncode != 0 or not out.exists():
            print(f"   py-spy failed: {err.decode(errors='replace').strip()[-500:]}")
            return
        for line in profile_top(out.read_text(errors="replace"), count=25):
            print("   " + line)
        if os.environ.get("BENCH_PROFILE_OUT"):
            Path(os.environ["BENCH_PROFILE_OUT"]).write_text(out.read_text(errors="replace"))


def run(
    clubs: int = 100_000,
    events: int = 1_000_000,
    members: int = 200,
    requests: int = 300,
    clients: int = 32,
    procs: int = 2,
    keep: bool = False,
    duration: float = 5.0,
    warmup: float = 1.0,
    profile: tuple[str, ...] = (),
) -> list[Result]:
    if not _postgres_reachable():
        print("events: skipped, PostgreSQL is not reachable")
        return []
    began = time.perf_counter()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs: {os.cpu_count()}")
    db_name = f"withus_bench_events_{os.getpid()}"
    database_url = _create_database(db_name)
    server = None
    gen = None
    lat: dict[str, list[float]] = {}
    rps: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="withus-bench-") as tmp:
            port = _free_port()
            env = _env(Path(tmp), port, database_url)
            subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env=env, cwd=ROOT, check=True)
            took = seed_clubs.seed(database_url, clubs=clubs)
            print(f"seeded {clubs:,} clubs in {took:.1f} s", flush=True)
            middle, took = _seed_events(database_url, events=events, clubs=clubs)
            print(f"seeded ~{events:,} events in {took:.1f} s (club {middle} in the middle)", flush=True)
            base = f"http://127.0.0.1:{port}"
            server = _start_server(env, port)
            asyncio.run(_wait_ready(base))
            reader = asyncio.run(_token(base, READER))
            cases = {
                TRIVIAL: _request_bytes("/api/clubs/categories", {}, {}),
                "club upcoming events": _request_bytes(f"/api/clubs/{middle}/events", {}, {}),
                "my events": _request_bytes("/api/users/me/events", {}, reader),
            }
            with httpx.Client(base_url=base, timeout=30) as c:
                n_club = len(c.get(f"/api/clubs/{middle}/events").json()["items"])
                n_mine = len(c.get("/api/users/me/events", headers=reader).json()["items"])
            print(f"  club upcoming events: {n_club} items; my events: {n_mine} items")
            print(f"latency, one client, {requests} sequential requests each:", flush=True)
            for name, req in cases.items():
                lat[name] = asyncio.run(_sequential(port, [req], requests))
                s = lat[name]
                print(f"  {name:>24}: p50 {_pct(s, 0.5):6.1f} ms   p99 {_pct(s, 0.99):6.1f} ms", flush=True)
            print(f"throughput, {clients} clients over {procs} processes, {duration:.0f} s each:")
            gen = LoadGenerator(procs)
            asyncio.run(_sequential(port, [cases[TRIVIAL]], 50))  # warm the pool
            server_pid = server.pid
            # A first short run whose figure is dropped: the load generator's first run here measured 0 req/s.
            gen.run(port, [cases[TRIVIAL]], clients, warmup, 1.0, lambda: [server_pid])
            trivial_runs: list[float] = []
            for name, req in [*cases.items(), (TRIVIAL, cases[TRIVIAL])]:  # the trivial one again at the end
                t = gen.run(port, [req], clients, warmup, duration, lambda: [server_pid, *_backend_pids(database_url)])
                if t.errors:
                    raise RuntimeError(f"{name}: {t.errors} answers were not 200")
                if name == TRIVIAL:
                    trivial_runs.append(t.rps)
                rps[name] = t.rps
                print(f"  {name:>24}: {t.line()}", flush=True)
            rps[TRIVIAL] = sum(trivial_runs) / len(trivial_runs)
            print(f"  trivial req/s: {', '.join(f'{r:.0f}' for r in trivial_runs)} (first, last)")
            for name in profile:
                _profile(gen, port, name, cases[name], clients, warmup, duration, server_pid)
            event_id, logins, ids = _rsvp_members(database_url, members, middle)
            took_rsvp, rsvp_lat, refused = asyncio.run(_rsvp_burst(base, event_id, logins))
            _check_answers(database_url, event_id, members)
            took_plain = asyncio.run(_plain_inserts(database_url, event_id, ids, min(members, 30)))
            print(
                f"RSVP: {members} members at once: {members / took_rsvp:.0f} answers/s,"
                f" p99 {_pct(rsvp_lat, 0.99):.0f} ms;"
                f" plain INSERT of the same rows: {members / took_plain:.0f} rows/s"
            )
    finally:
        if gen is not None:
            gen.close()
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if keep:
            print(f"keeping the database {db_name}")
        else:
            _drop_database(db_name)
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"events took {time.perf_counter() - began:.0f} s")
    out: list[Result] = []
    for name in ("club upcoming events", "my events"):
        p99 = _pct(lat[name], 0.99)
        out.append(Result(f"{name} p99", p99, "ms", "trivial p99", _pct(lat[TRIVIAL], 0.99), "≤ 30 ms", p99 <= 30))
        ratio_ok = rps[name] / rps[TRIVIAL] >= RPS_RATIO_TARGET
        out.append(Result(f"{name} req/s", rps[name], "/s", "trivial req/s", rps[TRIVIAL], "ratio ≥ 0.3", ratio_ok))
    out.append(
        Result("RSVP answers/s", members / took_rsvp, "/s", "plain INSERT rows/s", members / took_plain, "—", None)
    )
    out.append(Result("RSVP p99", _pct(rsvp_lat, 0.99), "ms", "—", 0.0, "—", None))
    out.append(Result("RSVP answers refused", refused, "", "—", 0.0, "= 0", refused == 0))
    return out


def arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.events", description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--clubs", type=int, default=100_000)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--members", type=int, default=200, help="members answering one event at once")
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--duration", type=float, default=5.0)
    p.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    p.add_argument(
        "--profile",
        action="append",
        default=[],
        choices=[TRIVIAL, "club upcoming events", "my events"],
        help="after the measured runs, one more of this case under py-spy; prints its top functions (repeatable)",
    )
    return p


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(
        clubs=args.clubs,
        events=args.events,
        members=args.members,
        requests=args.requests,
        clients=args.clients,
        duration=args.duration,
        keep=args.keep,
        profile=tuple(args.profile),
    )


def main(argv: list[str] | None = None) -> int:
    results = run_args(arguments().parse_args(argv))
    for r in results:
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
