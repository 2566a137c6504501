"""Login under load must not stall the rest of the server.

Starts the API (``api.build_server`` under uvicorn, embedded stack in a temporary
data folder) on a free port of 127.0.0.1, creates users, then measures the p99
latency of ``GET /api/health``:

1. idle, and
2. while 50 clients log in continuously (each login is a bcrypt check at cost 12).

Target: loaded p99 < 3 × idle p99. bcrypt runs on a bounded thread pool
(CPU count − 1 threads, see ``withus.services.passwords``) so the event loop
keeps a core. The login clients run in a separate process so that their own
work does not distort the probe's timings.

    .venv/bin/python -m bench.login_load [--clients 50] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.results import Result

PASSWORD = "bench-password-42"
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SMTP_HOST", "DATABASE_URL")}
    env.update(
        ENV="development",
        DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite:///{data_dir / 'withus.db'}",
        PORT=str(port),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _seed(env: dict[str, str], n: int) -> list[str]:
    """Migrate the empty database and insert ``n`` users sharing one real (cost 12) hash."""
    subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env=env, cwd=ROOT, check=True)
    from sqlalchemy import create_engine, text

    from withus.services.passwords import hash_password_sync

    password_hash = hash_password_sync(PASSWORD)
    names = [f"bench_{i:03d}" for i in range(n)]
    engine = create_engine(env["DATABASE_URL"])
    with engine.begin() as conn:
        for name in names:
            conn.execute(
                text(
                    "INSERT INTO users (username, nickname, email, password_hash, introduction, tags, is_admin,"
                    " created_at) VALUES (:u, :n, :e, :h, '', '[]', false, CURRENT_TIMESTAMP)"
                ),
                {"u": name, "n": f"벤치{name[-3:]}", "e": f"{name}@example.com", "h": password_hash},
            )
    engine.dispose()
    return names


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "api:build_server",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    # No access log, as uvicorn's own is off: one line per request would flood the benchmark's output.
    return subprocess.Popen(cmd, env={"ACCESS_LOG": "false", **env}, cwd=ROOT)


async def _wait_ready(base: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


async def _probe(base: str, *, count: int | None = None, duration: float | None = None) -> list[float]:
    """Sequential GET /api/health, 10 ms apart; latencies in milliseconds."""
    samples: list[float] = []
    deadline = time.monotonic() + (duration or 0)
    async with httpx.AsyncClient(base_url=base) as client:
        while (count is not None and len(samples) < count) or (duration is not None and time.monotonic() < deadline):
            start = time.perf_counter()
            r = await client.get("/api/health")
            samples.append((time.perf_counter() - start) * 1000)
            if r.status_code != 200:
                raise RuntimeError(f"health answered {r.status_code}")
            await asyncio.sleep(0.01)
    return samples


def _login_worker(base: str, names: list[str], duration: float, out: mp.Queue) -> None:  # type: ignore[type-arg]
    async def client_loop(client: httpx.AsyncClient, name: str, deadline: float, counts: list[int]) -> None:
        while time.monotonic() < deadline:
            r = await client.post("/api/auth/login", json={"login": name, "password": PASSWORD})
            counts[0 if r.status_code == 200 else 1] += 1

    async def main() -> tuple[int, int, float]:
        counts = [0, 0]
        limits = httpx.Limits(max_connections=len(names) + 5)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            start = time.monotonic()
            deadline = start + duration
            await asyncio.gather(*(client_loop(client, n, deadline, counts) for n in names))
            return counts[0], counts[1], time.monotonic() - start

    out.put(asyncio.run(main()))


def _bcrypt_rate() -> float:
    """Cost-12 bcrypt checks per second on one core of this machine, right now."""
    from withus.services.passwords import hash_password_sync, verify_password_sync

    stored = hash_password_sync(PASSWORD)
    start = time.perf_counter()
    for _ in range(3):
        verify_password_sync(PASSWORD, stored)
    return 3 / (time.perf_counter() - start)


def run(clients: int = 50, duration: float = 15.0, idle_requests: int = 500) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="withus-bench-") as tmp:
        port = _free_port()
        env = _env(Path(tmp), port)
        names = _seed(env, clients)
        base = f"http://127.0.0.1:{port}"
        server = _start_server(env, port)
        try:
            asyncio.run(_wait_ready(base))
            asyncio.run(_probe(base, count=50))  # warm-up
            idle = asyncio.run(_probe(base, count=idle_requests))

            ctx = mp.get_context("spawn")
            queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            worker = ctx.Process(target=_login_worker, args=(base, names, duration, queue))
            worker.start()
            time.sleep(1.0)  # let every client get its first login in flight
            loaded = asyncio.run(_probe(base, duration=duration - 2.0))
            ok, failed, elapsed = queue.get(timeout=duration + 180)
            worker.join()
        finally:
            server.terminate()
            server.wait(timeout=20)
    bcrypt_rate = _bcrypt_rate()
    idle_p99, loaded_p99 = _p99(idle), _p99(loaded)
    ratio = loaded_p99 / idle_p99 if idle_p99 else float("inf")
    logins_per_s = ok / elapsed
    print(f"GET /api/health p99 idle:   {idle_p99:.1f} ms  (median {statistics.median(idle):.1f} ms, n={len(idle)})")
    print(
        f"GET /api/health p99 loaded: {loaded_p99:.1f} ms  (median {statistics.median(loaded):.1f} ms, n={len(loaded)})"
    )
    print(f"ratio loaded/idle:          {ratio:.2f}  (target < 3)")
    print(f"logins/s with {clients} clients: {logins_per_s:.1f}  ({ok} ok, {failed} failed in {elapsed:.1f} s)")
    print(f"bcrypt cost-12 checks/s on one core: {bcrypt_rate:.1f}; CPUs: {os.cpu_count()}")
    return [
        Result(
            name=f"health p99 while {clients} clients log in",
            value=loaded_p99,
            unit="ms",
            baseline_name="health p99 idle",
            baseline=idle_p99,
            target="ratio < 3",
            met=ratio < 3 and failed == 0,
        ),
        Result(
            name=f"logins/s ({clients} clients)",
            value=logins_per_s,
            unit="/s",
            baseline_name="bcrypt checks/s on one core",
            baseline=bcrypt_rate,
            target="—",
            met=None,
        ),
    ]


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.login_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--idle-requests", type=int, default=500)
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(clients=args.clients, duration=args.duration, idle_requests=args.idle_requests)


def main(argv: list[str] | None = None) -> int:
    results = run_args(arguments().parse_args(argv))
    from bench.results import table

    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
