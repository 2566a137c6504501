"""Real-time parts on PostgreSQL + Redis: STOMP chat latency and throughput, memory per idle
connection, SSE notification latency — each beside a baseline measured in the same run on the
same machine (a raw Starlette WebSocket echo server, or a lighter run of the same path).

Servers: the app as a real server process, ``uvicorn api:build_server --factory`` (the API with
the site's lifespan: dependency check, GC tuning, graceful shutdown) with one worker
(no reload, no supervisor: one process whose CPU and RSS are the figures), and the echo server
below (:func:`build_echo_app`: every WebSocket message sent back as it came) under the same
uvicorn with the same flags, on 127.0.0.1. uvicorn's defaults otherwise (websockets-sansio), except
that permessage-deflate is declined as the site's own server declines it (``reflex run --env prod``
runs granian, which never negotiates compression): ``--server-deflate on`` accepts it when offered.
``--server granian`` runs both under granian instead; with ``--server-workers 2`` that is the site's
``GRANIAN_WORKERS=2`` (two worker processes that deliver to each other through Redis), the item 4
comparison of the real-time issue against ``--server-workers 1`` (``--profile`` then samples every
worker: ``py-spy --subprocesses``).

Data: a PostgreSQL database of the run's own (``withus_t_<pid>_<hex>`` beside ``test``, dropped at
the end; the test suite drops it too if this process was killed) and a Redis index claimed with
the test suite's lock key (flushed at start and end; nothing else is touched). Users are written
straight into the database and logged in with the sessions service (no sign-up, no rate limits).

Load: ``--workers`` load-generator processes (asyncio + ``websockets`` with the project's STOMP
codec; httpx streams for SSE) and a database worker that seeds and publishes notifications
(``bench._realtime_clients``). Clients offer permessage-deflate as browsers do
(``--compression none``: they do not). Latency is measured where the message arrives: a SEND
carries its send time (``time.monotonic()``, one clock for all processes) and its sender in the
body, and the other person of the room measures SEND → MESSAGE (the echo: send → echo, at the
sender). Open loop: frames go out on schedule whatever the server does; a message not received
by 3 s after the run counts as infinitely late.

Phases (defaults = the issue's sizes; about 5 minutes):

1. ``idle``: 5,000 STOMP connections (CONNECT with ``heart-beat:10000,10000``, SUBSCRIBE to
   ``/user/queue/messages`` and ``/user/queue/notifications``; the clients send heart-beats) on
   a freshly started app process after a warm-up burst: RSS growth / connections. Baseline: 5,000
   idle WebSockets on the (restarted) echo server. Again without compression, when it was offered.
2. ``chat``: 1,000 clients in 500 1:1 rooms, both subscribed to their room, SEND round robin.
   First 500 msg/s for 10 s: p50/p99. Then the most messages/s stored and delivered with p99 <=
   250 ms: from there the offered rate doubles until p99 passes 250 ms (or halves until it holds),
   then bisects (geometric) to within 20 % — every step with every client connected and the
   server idle; at most 2.5 msg/s per client, under the product's limit of 30 messages per 10 s
   per user. Then the same, with the same clients, rooms and subscriptions, on each baseline
   (``--peers``): the simplest correct store-then-deliver server (``bench.naive_stomp``: per SEND
   one INSERT, one PUBLISH, no batching: what group commit buys), RabbitMQ's Web-STOMP
   (``bench.rabbitmq_node``: a private node the run starts and stops, with its open-files limit
   raised; SUBSCRIBE and SEND ``/topic/room.N``; it routes and stores nothing), and the echo
   server (the machine's physical limit). Without RabbitMQ installed its rows are skipped with
   one line saying why. The idle phase measures RabbitMQ too.
3. ``sse``: 2,000 streams (``GET /api/notifications/stream`` with bearer tokens, 100 users x 20)
   while ``notifications.notify`` publishes 25 notifications/s round robin over those users (each
   reaches 20 streams), every notify in a transaction of its own: publish (start of the
   transaction) → receive, p50/p99. Baseline: one stream, same publisher.

CPU: every measurement prints the share of the machine (all cores = 100 %) used by the server, the
other server, the load generators, the database worker, this run's PostgreSQL backends, Redis and
everything else (psutil), so a load generator or a neighbour that limits the figure shows.

    .venv/bin/python -m bench realtime_chat
    .venv/bin/python -m bench.realtime_chat --users 100 --idle 500 --sse-users 10   # small, for development
    .venv/bin/python -m bench.realtime_chat --phases idle --server granian
"""

from __future__ import annotations

import argparse
import contextlib
import math
import multiprocessing as mp
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.rabbitmq_node import RabbitNode
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
P99_BOUND_MS = 250.0
MAX_APP_RATE_PER_USER = 2.5  # msg/s: under the chat limit of 30 per 10 s per user
SSE_RATE = 25.0  # notifications/s
MIN_STEP_SAMPLES = 400  # messages measured per step of the search, at least
WARM_IDLE = 200  # connections opened at once (and closed) before the idle-memory baseline


def _rabbit_version() -> str:
    from bench.rabbitmq_node import version

    return version()


# ---------------------------------------------------------------- statistics


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def with_losses(latencies: list[float], sent: int) -> list[float]:
    """Latencies plus one infinite latency per message sent in the window but never received."""
    return latencies + [math.inf] * max(0, sent - len(latencies))


def profile_top(raw: str, count: int = 15) -> list[str]:
    """The functions of a py-spy ``raw`` (collapsed stacks) profile with the most samples, on their own
    and inclusive of what they call, as lines ``share  function (file)``."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        samples = int(n)
        total += samples
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        own[frames[-1]] = own.get(frames[-1], 0) + samples
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + samples
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples; most on their own:"]
    lines += [f"  {100 * v / total:5.1f}%  {k}" for k, v in sorted(own.items(), key=lambda kv: -kv[1])[:count]]
    lines.append("most including what they call (leaving out the event loop and the server's own frames):")
    skip = ("asyncio/", "uvicorn/", "<module>", "starlette/", "threading.py", "runners.py", "click/", "runpy>")
    ranked = [kv for kv in sorted(inclusive.items(), key=lambda kv: -kv[1]) if not any(s in kv[0] for s in skip)]
    lines += [f"  {100 * v / total:5.1f}%  {k}" for k, v in ranked[:count]]
    return lines


# ---------------------------------------------------------------- private PostgreSQL database and Redis index


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Stores:
    """The run's own database and Redis index (the test suite's naming and lock keys)."""

    database: str = ""
    database_url: str = ""
    redis_base: str = REDIS_BASE_URL.rstrip("/")
    redis_index: int | None = None

    @property
    def redis_url(self) -> str:
        return f"{self.redis_base}/{self.redis_index}"

    def create(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
        self.database = f"withus_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        engine.dispose()
        self.database_url = admin.set(database=self.database, drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.redis_index = self._claim_redis_index()
        self._flush()

    def _claim_redis_index(self) -> int:
        import redis

        client = redis.Redis.from_url(f"{self.redis_base}/0")
        try:
            for index in range(15, 0, -1):
                lock = f"withus:test-db-lock:{index}"
                if client.set(lock, str(os.getpid()), nx=True, ex=3600):
                    return index
                holder = client.get(lock)
                if isinstance(holder, bytes) and not _pid_alive(int(holder.decode())):
                    client.set(lock, str(os.getpid()), ex=3600)
                    return index
        finally:
            client.close()
        raise RuntimeError("no free Redis database index")

    def _flush(self) -> None:
        import redis

        if self.redis_index is None:
            return
        client = redis.Redis.from_url(self.redis_url)
        try:
            client.flushdb()
        finally:
            client.close()

    def drop(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        if self.database:
            admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
            engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with contextlib.suppress(Exception), engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            engine.dispose()
            self.database = ""
        if self.redis_index is not None:
            import redis

            with contextlib.suppress(Exception):
                self._flush()
                client = redis.Redis.from_url(f"{self.redis_base}/0")
                client.delete(f"withus:test-db-lock:{self.redis_index}")
                client.close()
            self.redis_index = None


# ---------------------------------------------------------------- the echo server


def build_echo_app() -> Any:
    """The baseline: a raw Starlette WebSocket endpoint that sends every message back as it came."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def echo(websocket: WebSocket) -> None:
        offered = list(websocket.scope.get("subprotocols") or [])
        await websocket.accept(subprotocol="v12.stomp" if "v12.stomp" in offered else None)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                if message.get("bytes") is not None:
                    await websocket.send_bytes(message["bytes"])
                elif message.get("text") is not None:
                    await websocket.send_text(message["text"])
        except WebSocketDisconnect:
            return

    async def health(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[WebSocketRoute("/ws", echo), Route("/health", health)])


# ---------------------------------------------------------------- server processes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_server_process() -> None:
    """Between fork and exec: the open-files soft limit up to the hard limit (the server inherits it),
    and SIGTERM when the bench dies (Linux), so that no server outlives a killed run."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Server:
    name: str
    target: str  # an ASGI app factory, module:function
    port: int
    env: dict[str, str]
    health: str
    kind: str = "uvicorn"  # or "granian" (worker processes under granian's supervisor)
    workers: int = 1
    deflate: bool = False  # uvicorn only: accept permessage-deflate when a client offers it
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    cwd: Path = ROOT  # the checkout the server runs from (--app-root: an older one, for an A/B of the app)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def command(self) -> list[str]:
        if self.kind == "granian":
            return [
                sys.executable,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--no-access-log",
                self.target,
            ]
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.target,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "3",
            "--ws-per-message-deflate",
            "true" if self.deflate else "false",
            *(["--workers", str(self.workers)] if self.workers > 1 else []),
        ]

    def start(self, log_dir: Path) -> None:
        import httpx

        self.log = log_dir / f"{self.name}.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command(),
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_prepare_server_process,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + self.health, timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become ready")

    def processes(self) -> list[psutil.Process]:
        """The server's processes (uvicorn: one; granian: the supervisor and its worker)."""
        assert self.proc is not None
        try:
            top = psutil.Process(self.proc.pid)
            return [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_kib(self) -> float:
        total = 0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total / 1024

    def cpu_seconds(self) -> float:
        return sum(_cpu_by_pid(self.processes()).values())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


AnyServer = Server | RabbitNode


# ---------------------------------------------------------------- worker processes


class Worker:
    """A child process obeying commands (``bench._realtime_clients``)."""

    def __init__(self, target: Any, *args: Any) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=target, args=(child, *args), daemon=True)
        self.proc.start()
        child.close()

    @property
    def pid(self) -> int:
        assert self.proc.pid is not None
        return self.proc.pid

    def send(self, command: str, **kwargs: Any) -> None:
        self.conn.send((command, kwargs))

    def answer(self, timeout: float = 300.0) -> dict[str, Any]:
        if not self.conn.poll(timeout):
            raise TimeoutError("a worker did not answer in time")
        result: dict[str, Any] = self.conn.recv()
        if not result.get("ok"):
            raise RuntimeError(f"worker failed: {result.get('error')}\n{result.get('trace', '')}")
        return result

    def call(self, command: str, timeout: float = 300.0, **kwargs: Any) -> dict[str, Any]:
        self.send(command, **kwargs)
        return self.answer(timeout)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if self.proc.is_alive():
                self.call("stop", timeout=30)
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(timeout=5)


def call_all(
    workers: list[Worker], command: str, per_worker: list[dict[str, Any]] | None = None, **kwargs: Any
) -> list[dict[str, Any]]:
    """The same command to every worker at once (``per_worker`` adds arguments of each)."""
    for i, w in enumerate(workers):
        w.send(command, **kwargs, **(per_worker[i] if per_worker else {}))
    return [w.answer() for w in workers]


# ---------------------------------------------------------------- CPU accounting


def _cpu_by_pid(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
    return out


def _by_name(prefix: str, needle: str | None = None) -> list[psutil.Process]:
    out = []
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            if (p.info["name"] or "").startswith(prefix) and (
                needle is None or needle in " ".join(p.info["cmdline"] or [])
            ):
                out.append(p)
    return out


@dataclass
class CpuMeter:
    """Shares of the whole machine (100 % = every core busy) between ``start`` and ``stop``."""

    groups: dict[str, Any]
    before: dict[str, dict[int, float]] = field(default_factory=dict)
    machine: float = 0.0
    wall: float = 0.0

    def start(self) -> None:
        self.before = {name: _cpu_by_pid(get()) for name, get in self.groups.items()}
        t = psutil.cpu_times()
        self.machine = t.user + t.system + t.nice + t.irq + t.softirq
        self.wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        """Per process: CPU now minus CPU at start (0 for a process started since; one that ended is lost)."""
        after = {name: _cpu_by_pid(get()) for name, get in self.groups.items()}
        t = psutil.cpu_times()
        machine = t.user + t.system + t.nice + t.irq + t.softirq - self.machine
        scale = 100 / ((time.monotonic() - self.wall) * (psutil.cpu_count() or 1))
        shares = {
            name: sum(max(0.0, v - self.before[name].get(pid, 0.0)) for pid, v in procs.items()) * scale
            for name, procs in after.items()
        }
        shares["everything else"] = max(0.0, machine * scale - sum(shares.values()))
        return shares


def _fmt_worst(answers: list[dict[str, Any]], begin: float) -> str:
    """The slowest deliveries, as ``latency ms @ seconds into the run`` (are they bunched?)."""
    worst = sorted((tuple(w) for a in answers for w in a.get("worst", [])), reverse=True)[:8]
    return ", ".join(f"{lat:.0f} ms @ {t0 - begin:.1f} s" for lat, t0 in worst) or "—"


def _fmt_shares(shares: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f}%" for k, v in shares.items())


# ---------------------------------------------------------------- phases


@dataclass
class Step:
    rate: float
    sent: int
    delivered: int
    duration: float
    p50: float
    p99: float
    late_ms: float
    errors: list[str]
    failed: int  # connections that ended with an error (an ERROR frame, say)
    cpu: dict[str, float]

    @property
    def delivered_per_s(self) -> float:
        return self.delivered / self.duration


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.root = Path(tempfile.mkdtemp(prefix="withus-bench-rt-"))
        self.stores = Stores()
        self.app: Server | None = None
        self.echo: Server | None = None
        self.naive: Server | None = None  # the simplest store-then-deliver server (bench.naive_stomp)
        self.rabbit: RabbitNode | None = None  # a private RabbitMQ node with Web-STOMP (bench.rabbitmq_node)
        self.rabbit_skipped: str | None = None
        self.db: Worker | None = None
        self.gens: list[Worker] = []
        self.users: list[dict[str, Any]] = []

    @property
    def compression(self) -> str | None:
        return None if self.args.compression == "none" else "deflate"

    # -- set-up and tear-down

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("SMTP_HOST", "ALLOWED_ORIGINS")}
        env.update(
            ENV="development",
            DATA_DIR=str(self.root / "data"),
            DATABASE_URL=self.stores.database_url,
            REDIS_URL=self.stores.redis_url,
            JWT_SECRET=self.jwt_secret,
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def setup(self) -> None:
        from bench._realtime_clients import dbworker_main, loadgen_main, raise_nofile

        raise_nofile()
        self.jwt_secret = secrets.token_urlsafe(48)
        self.stores.create()
        env = self.env()
        subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env=env, cwd=ROOT, check=True, timeout=120)
        self.db = Worker(dbworker_main, env)
        self.gens = [Worker(loadgen_main) for _ in range(self.args.workers)]
        from tests.factories import cheap_hash

        seeded = self.db.call("seed", n_users=self.args.users, password_hash=cheap_hash("bench-password-42"))
        self.users = seeded["users"]
        print(f"   seeded {len(self.users)} users, {len(self.users) // 2} rooms in {seeded['seconds']:.1f} s")
        app_port, echo_port = _free_port(), _free_port()
        kind = self.args.server
        workers = self.args.server_workers
        app_env = {"ACCESS_LOG": "false", **env, "PORT": str(app_port)}  # uvicorn's access log is off too
        deflate = self.args.server_deflate == "on"
        self.app = Server("app", "api:build_server", app_port, app_env, "/api/health", kind, workers, deflate)
        self.echo = Server(
            "echo", "bench.realtime_chat:build_echo_app", echo_port, env, "/health", kind, workers, deflate
        )
        if self.args.app_root:
            self.app.cwd = Path(self.args.app_root).resolve()
        self.app.start(self.root)
        self.echo.start(self.root)
        peers = set(self.args.peers.split(",")) if self.args.peers else set()
        if "naive" in peers:
            self.naive = Server(
                "naive", "bench.naive_stomp:build_app", _free_port(), app_env, "/health", kind, workers, deflate
            )
        if "rabbitmq" in peers:
            from bench import rabbitmq_node

            self.rabbit_skipped = rabbitmq_node.available()
            if self.rabbit_skipped is None:
                self.rabbit = rabbitmq_node.RabbitNode(self.root, compress=deflate, prepare=_prepare_server_process)
            else:
                print(f"   RabbitMQ baseline skipped: {self.rabbit_skipped}")

    def servers(self) -> list[Server | RabbitNode]:
        return [s for s in (self.app, self.echo, self.naive, self.rabbit) if s is not None]

    def teardown(self) -> None:
        for s in self.servers():
            if s.log is not None and s.log.exists():
                text = s.log.read_text(errors="replace").strip()
                if text:
                    print(f"   {s.name} server log (last lines):\n" + "\n".join(text.splitlines()[-15:]))
        for w in [*self.gens, *([self.db] if self.db else [])]:
            w.stop()
        for s in self.servers():
            s.stop()
        self.stores.drop()
        shutil.rmtree(self.root, ignore_errors=True)

    def meter(self, server: Server | RabbitNode) -> CpuMeter:
        assert server.proc is not None
        assert self.db is not None
        others = [x for x in self.servers() if x is not server and x.proc]
        gens = [w.pid for w in self.gens]
        db = self.db.pid
        database = self.stores.database  # this run's backends only (others' tests use the same server)
        return CpuMeter(
            {
                "server": server.processes,
                "other server": lambda: [p for x in others for p in x.processes()],
                "load generators": lambda: [psutil.Process(p) for p in gens],
                "db worker": lambda: [psutil.Process(db)],
                "PostgreSQL": lambda: _by_name("postgres", database),
                "Redis": lambda: _by_name("redis-server", ":" + REDIS_BASE_URL.rsplit(":", 1)[-1]),
            }
        )

    def split(self, items: list[Any]) -> list[list[Any]]:
        """Items over the load generators in contiguous slices (so a room's two users share a process)."""
        n = len(self.gens)
        size = -(-len(items) // n)
        size += size % 2
        return [items[i * size : (i + 1) * size] for i in range(n)]

    # -- 1. memory per idle connection

    def idle_memory(
        self, server: AnyServer, mode: str, count: int, compression: str | None
    ) -> tuple[float, int, dict[str, float]]:
        """KiB of RSS per idle connection held by ``server``, how many were open, CPU while holding.

        The server is restarted first (a fresh process: memory freed by earlier phases would be
        reused by the new connections and hide their cost), then warmed up with a burst of
        ``WARM_IDLE`` connections opened at once and closed (lazy imports, the bus hub, the
        database and Redis pools at their full size), so the growth measured is the connections'.
        Opened in two batches (a fifth, then the rest) to print the marginal cost too."""
        server.stop()
        server.start(self.root)
        users = (self.users * (count // len(self.users) + 1))[:count]  # several connections per user
        common = {
            "url": server.ws_url,
            "mode": mode,
            "heart_beat": "10000,10000",
            "subscribe": "queues",
            "compression": compression,
        }
        warm = self.split(users[:WARM_IDLE])
        call_all(self.gens, "stomp_open", [{"users": part} for part in warm], concurrency=WARM_IDLE, **common)
        call_all(self.gens, "stomp_close")
        time.sleep(1.5)
        before = server.rss_kib()
        cpu_before = server.cpu_seconds()
        first = count // 5
        answers = call_all(self.gens, "stomp_open", [{"users": p} for p in self.split(users[:first])], **common)
        opened_first = sum(int(r["opened"]) for r in answers)
        time.sleep(0.5)
        middle = server.rss_kib()
        answers += call_all(self.gens, "stomp_open", [{"users": p} for p in self.split(users[first:])], **common)
        opened = sum(int(r["opened"]) for r in answers)
        took = sum(r["seconds"] for r in answers) / len(self.gens)
        cpu_open = server.cpu_seconds() - cpu_before
        meter = self.meter(server)
        time.sleep(1.0)
        meter.start()
        time.sleep(self.args.hold)
        cpu = meter.stop()
        after = server.rss_kib()
        call_all(self.gens, "stomp_close")
        per = (after - before) / max(1, opened)
        marginal = (after - middle) / max(1, opened - opened_first)
        print(
            f"   {server.name}, {'permessage-deflate' if compression else 'no compression'}: "
            f"{opened}/{count} idle connections (opened in {took:.0f} s, "
            f"server CPU {1000 * cpu_open / max(1, opened):.1f} ms each), "
            f"RSS {before / 1024:.0f} -> {middle / 1024:.0f} ({opened_first}) -> {after / 1024:.0f} MiB: "
            f"{per:.1f} KiB each, {marginal:.1f} KiB each beyond the first {opened_first}; "
            f"CPU while holding: {_fmt_shares(cpu)}"
        )
        return per, opened, cpu

    # -- 2. and 3. chat at a rate; stepping the rate up

    def open_chat(self, server: AnyServer, mode: str) -> int:
        results = call_all(
            self.gens,
            "stomp_open",
            [{"users": part} for part in self.split(self.users)],
            url=server.ws_url,
            mode=mode,
            heart_beat="0,0",
            subscribe="room",
            compression=self.compression,
        )
        opened = sum(int(r["opened"]) for r in results)
        errors = [e for r in results for e in r["errors"]]
        print(
            f"   {server.name}: {opened}/{len(self.users)} clients connected"
            f"{' and subscribed' if mode != 'echo' else ''} in {max(r['seconds'] for r in results):.1f} s"
            + (f"; errors: {errors[:3]}" if errors else "")
        )
        return opened

    def step(self, server: AnyServer, rate: float, warmup: float, duration: float) -> Step:
        meter = self.meter(server)
        per_worker = rate / len(self.gens)
        for w in self.gens:
            w.send("load", rate=per_worker, warmup=warmup, duration=duration)
        time.sleep(0.1 + warmup)
        meter.start()
        time.sleep(duration)
        cpu = meter.stop()
        answers = [w.answer() for w in self.gens]
        sent = sum(a["sent"] for a in answers)
        latencies = [x for a in answers for x in a["latencies"]]
        full = with_losses(latencies, sent)
        # the other person of the room receives each message; the echo comes back to the sender
        s = Step(
            rate=rate,
            sent=sent,
            delivered=min(len(latencies), sent),
            duration=duration,
            p50=percentile(full, 0.50),
            p99=percentile(full, 0.99),
            late_ms=max(a["late_ms"] for a in answers),
            errors=[e for a in answers for e in a["errors"]],
            failed=sum(int(a["failed"]) for a in answers),
            cpu=cpu,
        )
        print(
            f"   {server.name} @ {rate:,.0f}/s: sent {sent}, delivered {s.delivered} ({s.delivered_per_s:,.0f}/s), "
            f"p50 {s.p50:.1f} ms, p99 {s.p99:.1f} ms, sender late by up to {s.late_ms:.0f} ms; {_fmt_shares(cpu)}"
            + (f"; {s.failed} connections ended with an error: {s.errors[:2]}" if s.failed else "")
        )
        return s

    def quiesce(self, server: AnyServer, limit: float = 20.0) -> None:
        """Wait until the server has worked off what a step left queued (its CPU falls back), at most ``limit`` s."""
        deadline = time.monotonic() + limit
        last = server.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = server.cpu_seconds()
            if now - last < 0.5 * 0.25:  # under a quarter of one core
                return
            last = now

    def search(
        self, server: AnyServer, known: Step | None, start: float, ceiling: float
    ) -> tuple[Step | None, list[Step]]:
        """The best delivered rate with p99 <= the bound: from ``known`` (a step already measured) or
        ``start``, double the offered rate until p99 passes the bound (or halve until it holds), then
        bisect geometrically until the two rates are within 20 %. Every step starts with every client
        connected (those an overload closed are opened again) and the server idle."""
        a = self.args
        lo = known if known is not None and known.p99 <= P99_BOUND_MS else None
        hi = known if known is not None and lo is None else None
        steps: list[Step] = []
        for _ in range(a.max_steps):
            if lo is not None and hi is not None:
                if hi.rate / lo.rate <= 1.2:
                    break
                rate = math.sqrt(lo.rate * hi.rate)
            elif lo is not None:
                rate = min(lo.rate * 2, ceiling)
                if rate <= lo.rate:
                    break
            elif hi is not None:
                rate = hi.rate / 2
                if rate < a.min_rate:
                    break
            else:
                rate = start
            self.reopen()
            self.quiesce(server)
            # at least MIN_STEP_SAMPLES messages (up to 15 s), so that one stall is not the whole p99
            duration = max(a.step_duration, min(15.0, MIN_STEP_SAMPLES / rate))
            s = self.step(server, round(rate), warmup=a.step_warmup, duration=duration)
            steps.append(s)
            if s.p99 <= P99_BOUND_MS:
                lo = s if lo is None or s.delivered_per_s > lo.delivered_per_s else lo
            else:
                hi = s
        return lo, steps

    def reopen(self) -> None:
        answers = call_all(self.gens, "stomp_reopen")
        reopened = sum(int(r["reopened"]) for r in answers)
        failed = sum(int(r["failed"]) for r in answers)
        if reopened or failed:
            print(f"   {reopened} closed connections opened again" + (f", {failed} failed" if failed else ""))

    # -- 4. SSE

    def sse(
        self, streams_per_user: int, users: list[dict[str, Any]], count: int
    ) -> tuple[list[float], dict[str, float], int]:
        assert self.app is not None
        assert self.db is not None
        entries = [{"id": u["id"], "token": u["token"]} for u in users for _ in range(streams_per_user)]
        cpu_before = self.app.cpu_seconds()
        results = call_all(self.gens, "sse_open", [{"users": part} for part in self.split(entries)], url=self.app.url)
        cpu_open = self.app.cpu_seconds() - cpu_before
        opened = sum(int(r["opened"]) for r in results)
        errors = [e for r in results for e in r["errors"]]
        print(
            f"   {opened}/{len(entries)} SSE streams open in {max(r['seconds'] for r in results):.1f} s "
            f"(server CPU {1000 * cpu_open / max(1, len(entries)):.1f} ms per stream opened)"
            + (f"; {sum(r['failed'] for r in results)} failed: {errors[:3]}" if errors else "")
        )
        time.sleep(1.0)
        begin = time.monotonic()
        call_all(self.gens, "sse_window", begin=begin, end=begin + 3600)
        meter = self.meter(self.app)
        meter.start()
        user_ids = [u["id"] for u in users]
        published = self.db.call("publish", user_ids=user_ids, rate=SSE_RATE, count=count)
        cpu = meter.stop()
        per_user: dict[int, int] = {}
        for i in range(count):
            per_user[user_ids[i % len(user_ids)]] = per_user.get(user_ids[i % len(user_ids)], 0) + 1
        answers = call_all(self.gens, "sse_collect", published=per_user)
        latencies = [x for a in answers for x in a["latencies"]]
        expected = sum(int(a["expected"]) for a in answers)
        call_all(self.gens, "sse_close")
        full = with_losses(latencies, expected)
        print(
            f"   published {published['published']} in {published['seconds']:.1f} s "
            f"(commit p50 {published['commit_p50_ms']:.1f} ms, publisher late by up to {published['late_ms']:.0f} ms), "
            f"received {len(latencies)}/{expected}: "
            f"p50 {percentile(full, 0.5):.1f} ms, p99 {percentile(full, 0.99):.1f} ms"
            f"; {_fmt_shares(cpu)}"
        )
        print(f"   slowest: {_fmt_worst(answers, begin)}")
        return full, cpu, opened

    # -- a profile of the app under chat load (py-spy)

    def profile(self, rate: float) -> None:
        """Open the chat clients on the app, run ``rate`` msg/s while py-spy samples the server process,
        and print the functions with the most samples: on their own (self) and with what they call."""
        assert self.app is not None
        assert self.app.proc is not None
        a = self.args
        spy = Path(sys.executable).parent / "py-spy"
        if not spy.exists():
            print("   no py-spy in this environment (pip install py-spy): no profile")
            return
        print(f"-- profile: the app at {rate:g} msg/s, py-spy at 100 samples/s")
        self.open_chat(self.app, "stomp")
        time.sleep(2)
        self.quiesce(self.app)
        duration = max(5.0, self.args.duration)
        out = self.root / "profile.raw"
        for w in self.gens:
            w.send("load", rate=rate / len(self.gens), warmup=1.0, duration=duration)
        time.sleep(1.1)
        done = subprocess.run(
            [
                str(spy),
                "record",
                "--pid",
                str(self.app.proc.pid),
                "--duration",
                str(int(duration)),
                "--rate",
                "100",
                "--format",
                "raw",
                "--output",
                str(out),
                "--nonblocking",
                # granian's supervisor (and uvicorn's, with --workers) runs no Python of the app: its workers do
                *(["--subprocesses"] if a.server == "granian" or a.server_workers > 1 else []),
            ],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        )
        answers = [w.answer() for w in self.gens]
        call_all(self.gens, "stomp_close")
        sent = sum(a["sent"] for a in answers)
        latencies = with_losses([x for a in answers for x in a["latencies"]], sent)
        print(f"   sent {sent}: p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms")
        if done.returncode != 0 or not out.exists():
            print(f"   py-spy failed: {done.stderr.strip()[-500:]}")
            return
        if self.args.profile_out:
            shutil.copyfile(out, self.args.profile_out)
        for line in profile_top(out.read_text(errors="replace")):
            print("   " + line)

    # -- CPU per message: a figure a busy machine changes less than latency (for an A/B with --app-root)

    def cost(self, rate: float) -> list[Result]:
        """CPU milliseconds per message of the server (every message sent, from the start of the load until
        the server is idle again, less what it spends idle with the same clients), PostgreSQL and Redis
        (per message delivered in the window) at ``rate``."""
        assert self.app is not None
        print(f"-- cost: CPU per delivered message at {rate:g} msg/s for {self.args.duration:g} s")
        self.open_chat(self.app, "stomp")
        time.sleep(2)
        self.quiesce(self.app)
        # the connections' own cost (timers, heart-beats) while nothing is sent, taken off below
        idle_from, idle_wall = self.app.cpu_seconds(), time.monotonic()
        time.sleep(self.args.duration)
        idle_rate = (self.app.cpu_seconds() - idle_from) / (time.monotonic() - idle_wall)
        before, wall = self.app.cpu_seconds(), time.monotonic()
        s = self.step(self.app, rate, warmup=1.0, duration=self.args.duration)
        # what is still queued is this load's work too: wait until the server is back to its idle
        # rate (not quiesce's fixed quarter core, which a server starved by a busy machine never reaches)
        deadline = time.monotonic() + 60.0
        last = self.app.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = self.app.cpu_seconds()
            if now - last <= 1.5 * idle_rate + 0.01:
                break
            last = now
        spent = self.app.cpu_seconds() - before - idle_rate * (time.monotonic() - wall)
        server_ms = 1000 * spent / max(1, s.sent)
        print(f"   server idle with the clients connected: {1000 * idle_rate:.0f} ms of CPU per second")
        call_all(self.gens, "stomp_close")
        cores = psutil.cpu_count() or 1
        per = {k: v / 100 * cores * s.duration * 1000 / max(1, s.delivered) for k, v in s.cpu.items()}
        per["server"] = server_ms  # from before the warm-up until the server is idle again, less idle, per message sent
        print("   CPU ms per message: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()))
        return [
            Result(
                name=f"server CPU per delivered message at {rate:g} msg/s",
                value=per.get("server", 0.0),
                unit="ms",
                baseline_name="PostgreSQL",
                baseline=per.get("PostgreSQL", 0.0),
                target="—",
                met=None,
            )
        ]

    # -- 2. and 3. for the app and each baseline, the same clients and rooms

    def chat_run(self, server: AnyServer, mode: str, rate: float, ceiling: float) -> tuple[Step, Step | None]:
        """Open every client on ``server``, measure at ``rate``, then search the best rate within the bound."""
        a = self.args
        self.open_chat(server, mode)
        time.sleep(3)  # the server settles after 1,000 connections (collections of what they allocated)
        self.quiesce(server)
        fixed = self.step(server, rate, warmup=3.0, duration=a.duration)
        best, _ = self.search(server, fixed, rate, ceiling)
        call_all(self.gens, "stomp_close")
        return fixed, best

    def chat_phase(self, n: int, rooms: int, rate: float, unit: str) -> list[Result]:
        """withUs, then the simplest store-then-deliver server, then RabbitMQ, then the echo server:
        each with the same clients, rooms and subscriptions, the others idle (or stopped)."""
        assert self.app is not None
        assert self.echo is not None
        limited = MAX_APP_RATE_PER_USER * n  # the product's limit per user, for both store-then-deliver servers
        runs: dict[str, tuple[Step, Step | None]] = {}
        print(f"   app at {rate:g} msg/s, then the search from there")
        runs["app"] = self.chat_run(self.app, "stomp", rate, limited)
        # An overloaded server keeps working off frames it had read after the clients left:
        # start it afresh so that it does not take CPU from the baselines' runs.
        self.app.stop()
        if self.naive is not None:
            print("-- the same with the simplest store-then-deliver server (one INSERT, one PUBLISH per SEND)")
            self.naive.start(self.root)
            runs["naive"] = self.chat_run(self.naive, "stomp", rate, limited)
            self.naive.stop()
        if self.rabbit is not None:
            print(f"-- the same with RabbitMQ {_rabbit_version()} Web-STOMP (a private node, /topic/room.N)")
            self.rabbit.start(self.root)
            print(f"   its open-files limit: {self.rabbit.open_files_limit()}")
            runs["rabbitmq"] = self.chat_run(self.rabbit, "rabbitmq", rate, float("inf"))
            self.rabbit.stop()
        elif self.rabbit_skipped:
            print(f"-- RabbitMQ baseline skipped: {self.rabbit_skipped}")
        print("-- the same with the echo server (the machine's physical limit)")
        runs["echo"] = self.chat_run(self.echo, "echo", rate, float("inf"))
        self.app.start(self.root)  # for the phases after this one

        def best_rate(name: str) -> float:
            best = runs[name][1]
            return best.delivered_per_s if best else 0.0

        def offered(name: str) -> str:
            best = runs[name][1]
            return f"offered {best.rate if best else 0:,.0f}/s"

        app_fixed, _ = runs["app"]
        app_best = best_rate("app")
        echo_fixed, _ = runs["echo"]
        results: list[Result] = []
        p99_name = f"STOMP SEND→MESSAGE p99, {n:,} clients / {rooms} rooms at {rate:g} msg/s"
        p50_name = f"STOMP SEND→MESSAGE p50, {n:,} clients at {rate:g} msg/s"
        best_name = f"most msg/s stored + delivered, p99 ≤ {P99_BOUND_MS:.0f} ms ({offered('app')})"
        if "rabbitmq" in runs:
            rabbit_fixed, _ = runs["rabbitmq"]
            rabbit_best = best_rate("rabbitmq")
            results += [
                Result(
                    p99_name,
                    app_fixed.p99,
                    "ms",
                    "RabbitMQ p99, same rate",
                    rabbit_fixed.p99,
                    "p99 ≤ 30 ms",
                    app_fixed.p99 <= 30,
                ),
                Result(p50_name, app_fixed.p50, "ms", "RabbitMQ p50, same rate", rabbit_fixed.p50, "—", None),
                Result(
                    best_name,
                    app_best,
                    "msg/s",
                    f"RabbitMQ, routes and stores nothing ({offered('rabbitmq')})",
                    rabbit_best,
                    "≥ 3,000 msg/s and ≥ 0.3× RabbitMQ",
                    app_best >= 3000 and rabbit_best > 0 and app_best >= 0.3 * rabbit_best,
                ),
            ]
        else:
            results += [
                Result(
                    p99_name,
                    app_fixed.p99,
                    "ms",
                    "echo p99, same rate",
                    echo_fixed.p99,
                    "p99 ≤ 30 ms",
                    app_fixed.p99 <= 30,
                ),
                Result(p50_name, app_fixed.p50, "ms", "echo p50, same rate", echo_fixed.p50, "—", None),
                Result(
                    best_name,
                    app_best,
                    "msg/s",
                    "no RabbitMQ here: ≥ 3,000 msg/s alone",
                    3000.0,
                    "≥ 3,000 msg/s (and ≥ 0.3× RabbitMQ, not measured)",
                    app_best >= 3000,
                ),
            ]
        if "naive" in runs:
            naive_fixed, _ = runs["naive"]
            results += [
                Result(
                    f"{best_name}: what group commit buys",
                    app_best,
                    "msg/s",
                    f"simplest store-then-deliver, one INSERT + one PUBLISH per SEND ({offered('naive')})",
                    best_rate("naive"),
                    "—",
                    None,
                ),
                Result(
                    f"{p99_name}: the same",
                    app_fixed.p99,
                    "ms",
                    "simplest store-then-deliver p99",
                    naive_fixed.p99,
                    "—",
                    None,
                ),
            ]
        results += [
            Result(
                f"{best_name}: the machine's limit",
                app_best,
                "msg/s",
                f"echo server ({offered('echo')})",
                best_rate("echo"),
                "— (the physical limit)",
                None,
            ),
            Result(
                f"{p99_name}: the machine's limit",
                app_fixed.p99,
                "ms",
                "echo p99, same rate",
                echo_fixed.p99,
                "—",
                None,
            ),
            Result(
                f"msg/s delivered (within the run + 3 s) at {rate:g} msg/s offered",
                app_fixed.delivered_per_s,
                "msg/s",
                "echo, same rate",
                echo_fixed.delivered_per_s,
                "—",
                None,
            ),
        ]
        baseline = "rabbitmq" if "rabbitmq" in runs else "echo"
        label = "RabbitMQ run" if baseline == "rabbitmq" else "echo run"
        for part in ("server", "load generators", "PostgreSQL", "Redis", "everything else"):
            results.append(
                Result(
                    f"CPU share at {rate:g} msg/s: {part}",
                    app_fixed.cpu.get(part, 0.0),
                    unit,
                    label,
                    runs[baseline][0].cpu.get(part, 0.0),
                    "—",
                    None,
                )
            )
        app_best_step, base_best_step = runs["app"][1], runs[baseline][1]
        if app_best_step and base_best_step:
            for part in ("server", "load generators"):
                results.append(
                    Result(
                        f"CPU share at the best rate within {P99_BOUND_MS:.0f} ms: {part}",
                        app_best_step.cpu.get(part, 0.0),
                        unit,
                        f"{label} at its best rate",
                        base_best_step.cpu.get(part, 0.0),
                        "—",
                        None,
                    )
                )
        return results

    # -- everything

    def run(self) -> list[Result]:
        a = self.args
        phases = set(a.phases.split(","))
        assert self.app is not None
        assert self.echo is not None
        t_start = time.monotonic()
        loadavg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"   load average before: {loadavg}; cores: {psutil.cpu_count()}; "
            f"server: {a.server}, {a.server_workers} worker(s); "
            f"clients offer permessage-deflate: {'yes' if self.compression else 'no'}"
        )
        results: list[Result] = []
        unit = f"% of {psutil.cpu_count()} cores"
        n, rooms, rate = len(self.users), len(self.users) // 2, a.rate

        if "idle" in phases:  # first: a fresh server process (after a small warm-up), RSS not yet grown by load
            print(f"-- {a.idle} idle connections")
            app_per, app_open, app_idle_cpu = self.idle_memory(self.app, "stomp", a.idle, self.compression)
            echo_per, _, _ = self.idle_memory(self.echo, "echo", a.idle, self.compression)
            rabbit_idle: tuple[float, int, dict[str, float]] | None = None
            if self.rabbit is not None:
                rabbit_idle = self.idle_memory(self.rabbit, "rabbitmq", a.idle, self.compression)
                self.rabbit.stop()
            if not self.compression:
                deflate = "no compression"
            elif a.server_deflate == "on":
                deflate = "permessage-deflate"
            else:
                deflate = "clients offer permessage-deflate, the server declines as the site's does"
            name = f"RSS per idle STOMP connection ({app_open:,} held, heart-beat 10000,10000, {deflate})"
            if rabbit_idle is not None:
                results.append(
                    Result(
                        name=name,
                        value=app_per,
                        unit="KiB",
                        baseline_name=f"RabbitMQ Web-STOMP, per idle connection ({rabbit_idle[1]:,} held)",
                        baseline=rabbit_idle[0],
                        target="≤ 64 KiB",
                        met=app_per <= 64,
                    )
                )
            results.append(
                Result(
                    name=name,
                    value=app_per,
                    unit="KiB",
                    baseline_name="echo server, per idle WebSocket",
                    baseline=echo_per,
                    target="≤ 64 KiB",
                    met=app_per <= 64,
                ),
            )
            if self.compression and a.idle_plain:  # what a client that does not offer compression costs
                plain_per, plain_open, _ = self.idle_memory(self.app, "stomp", a.idle, None)
                echo_plain, _, _ = self.idle_memory(self.echo, "echo", a.idle, None)
                results.append(
                    Result(
                        name=f"RSS per idle STOMP connection ({plain_open:,} held, no compression negotiated)",
                        value=plain_per,
                        unit="KiB",
                        baseline_name="echo server, same",
                        baseline=echo_plain,
                        target="≤ 64 KiB",
                        met=plain_per <= 64,
                    )
                )
            results.append(
                Result(
                    name=f"CPU share while holding {app_open:,} idle STOMP connections: server",
                    value=app_idle_cpu.get("server", 0.0),
                    unit=unit,
                    baseline_name="load generators",
                    baseline=app_idle_cpu.get("load generators", 0.0),
                    target="—",
                    met=None,
                )
            )
        if "chat" in phases:
            print(
                f"-- chat: {n} clients in {rooms} rooms at {rate:g} msg/s, "
                f"then the best rate with p99 <= {P99_BOUND_MS:.0f} ms; the same for each baseline"
            )
            results += self.chat_phase(n, rooms, rate, unit)

        if "cost" in phases:
            results += self.cost(rate)
        if a.profile:
            self.profile(a.profile)
        if "sse" in phases:
            print(f"-- SSE: {a.sse_users} users x {a.sse_streams} streams")
            sse_users = self.users[: a.sse_users]
            one, _, _ = self.sse(1, sse_users[:1], count=max(20, int(SSE_RATE * 2)))
            many, sse_cpu, sse_open = self.sse(a.sse_streams, sse_users, count=int(SSE_RATE * a.sse_duration))
            p99 = percentile(many, 0.99)
            results += [
                Result(
                    name=f"SSE publish→receive p99, {sse_open:,} streams ({a.sse_users} users × {a.sse_streams}), "
                    f"{SSE_RATE:g} notifications/s",
                    value=p99,
                    unit="ms",
                    baseline_name="1 stream",
                    baseline=percentile(one, 0.99),
                    target="p99 ≤ 200 ms",
                    met=p99 <= 200,
                ),
                Result(
                    name=f"SSE publish→receive p50, {sse_open:,} streams",
                    value=percentile(many, 0.5),
                    unit="ms",
                    baseline_name="1 stream",
                    baseline=percentile(one, 0.5),
                    target="—",
                    met=None,
                ),
                Result(
                    name=f"CPU share with {sse_open:,} SSE streams at {SSE_RATE:g} notifications/s: server",
                    value=sse_cpu.get("server", 0.0),
                    unit=unit,
                    baseline_name="load generators",
                    baseline=sse_cpu.get("load generators", 0.0),
                    target="—",
                    met=None,
                ),
            ]

        loadavg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"   total {time.monotonic() - t_start:.0f} s; load average after: {loadavg}")
        return results


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.realtime_chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000, help="chat clients (two per room)")
    parser.add_argument("--rate", type=float, default=500.0, help="msg/s in total for the latency figure")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured at --rate")
    parser.add_argument("--step-duration", type=float, default=5.0)
    parser.add_argument("--step-warmup", type=float, default=1.5)
    parser.add_argument("--idle", type=int, default=5000, help="idle STOMP connections")
    parser.add_argument("--hold", type=float, default=3.0, help="seconds the idle connections are held and measured")
    parser.add_argument("--sse-users", type=int, default=100)
    parser.add_argument("--sse-streams", type=int, default=20, help="streams per SSE user")
    parser.add_argument("--sse-duration", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="load-generator processes")
    parser.add_argument("--max-steps", type=int, default=7, help="steps of the search for the best rate")
    parser.add_argument("--min-rate", type=float, default=10.0)
    parser.add_argument(
        "--no-idle-plain",
        dest="idle_plain",
        action="store_false",
        help="skip the idle connections without compression (measured besides when clients offer it)",
    )
    parser.add_argument(
        "--server",
        choices=("uvicorn", "granian"),
        default="uvicorn",
        help="the ASGI server of both the app and the echo server",
    )
    parser.add_argument(
        "--server-workers",
        type=int,
        default=1,
        help="worker processes of the app and of the echo server alike (more than one: the app's workers "
        "deliver to each other through Redis, as instances behind nginx do)",
    )
    parser.add_argument(
        "--server-deflate",
        choices=("off", "on"),
        default="off",
        help="uvicorn: accept permessage-deflate when clients offer it (the site's granian never does)",
    )
    parser.add_argument(
        "--phases",
        default="chat,sse,idle",
        help="any of chat,sse,idle,cost (cost: CPU per delivered message at --rate, for an A/B with --app-root)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=0.0,
        help="msg/s: also profile the app with py-spy at this rate (its top functions are printed); 0: no profile",
    )
    parser.add_argument("--profile-out", default="", help="also keep the profile's raw py-spy stacks in this file")
    parser.add_argument(
        "--app-root",
        default="",
        help="run the app from this checkout instead (an older commit, for an A/B on the same schema and load: "
        "the schema is this checkout's migrations, a superset of an older one's)",
    )
    parser.add_argument(
        "--peers",
        default="naive,rabbitmq",
        help="baselines besides the echo server: naive (the simplest store-then-deliver server, bench.naive_stomp), "
        "rabbitmq (a private RabbitMQ node with Web-STOMP, bench.rabbitmq_node); '' for none",
    )
    parser.add_argument(
        "--compression",
        choices=("deflate", "none"),
        default="deflate",
        help="whether the clients offer permessage-deflate (browsers do)",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return arguments().parse_args(argv)


def run(argv: list[str] | None = None) -> list[Result]:
    return run_args(parse_args(argv or []))


def run_args(args: argparse.Namespace) -> list[Result]:
    args.users -= args.users % 2
    bench = Bench(args)
    try:
        bench.setup()
        return bench.run()
    finally:
        bench.teardown()


def main(argv: list[str] | None = None) -> int:
    from bench.results import table

    results = run(sys.argv[1:] if argv is None else argv)
    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
