"""Chat throughput: two instances behind nginx against one instance, on PostgreSQL + Redis.

One throwaway deployment (``deploy.local``: PostgreSQL, Redis, two production instances
with one granian worker each, Debian's nginx) serves two runs of the same load:

1. **one instance**: every client connects straight to instance 1 (instance 2 idles);
2. **two instances behind nginx**: every client connects through nginx (round robin).

The load generator runs in a process of its own: ``pairs`` pairs of users, each pair in
its 1:1 room, both connected over STOMP and subscribed to the room, each sending as fast
as the per-user limit allows (30 messages per 10 s; at most 3 without a RECEIPT). It
measures messages delivered per second and the p99 of send → delivery to the other person.

Alongside, the CPU time of every process is sampled (psutil): the app instances (granian's
supervisor and workers), nginx, Redis, PostgreSQL (every backend), the load generator, and
everything else on the machine — as a share of the machine's cores, so the ceiling of a
small machine is visible.

    .venv/bin/python -m bench.scaleout_chat [--pairs 60] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from bench.results import Result
from deploy.local import LocalDeployment

TARGET = "#6: measured, no target (shows the ceiling)"
PER_USER_RATE = 2.8  # messages/s: under the 30 per 10 s limit of one user
MAX_IN_FLIGHT = 3
STEADY_RATE = 1.5  # messages/s per user in the steady run


# ---------------------------------------------------------------- the load generator (its own process)


@dataclass
class LoadResult:
    delivered: int
    sent: int
    seconds: float
    latencies_ms: list[float]
    errors: list[str]


async def _load(
    url: str, origin: str, users: list[dict[str, Any]], warmup: float, duration: float, rate: float
) -> LoadResult:
    from tests.scaleout.clients import Stomp

    clients: list[Stomp] = []
    for user in users:
        client = Stomp(url, origin=origin, token=user["access_token"])
        await client.connect()
        await client.subscribe(f"/topic/chat/rooms/{user['room']}", "room")
        clients.append(client)
    run_id = secrets.token_hex(3)  # client_msg_ids of an earlier run would be resends: stored once, never delivered
    start = time.monotonic()
    window = (start + warmup, start + warmup + duration)
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    counted = {"delivered": 0, "sent": 0}
    errors: list[str] = []

    async def sender(client: Stomp, user: dict[str, Any]) -> None:
        n = 0
        interval = 1 / rate
        pending: set[str] = set()
        await asyncio.sleep(random.random() * interval)
        while time.monotonic() < window[1]:
            pending -= client.receipts
            if len(pending) >= MAX_IN_FLIGHT:  # closed loop: never more than a few without a RECEIPT
                await client.wait_for(lambda p=pending: len(p - client.receipts) < MAX_IN_FLIGHT, timeout=10)
                continue
            if client.closed.is_set():
                errors.append(f"user {user['id']}: closed {client.errors[-1:]}")
                return
            n += 1
            cid = f"{run_id}-{user['id']}-{n}"
            pending.add(cid)
            sent_at[cid] = time.monotonic()
            if window[0] <= sent_at[cid] < window[1]:
                counted["sent"] += 1
            await client.send_message(user["room"], f"bench {cid}", cid, receipt=cid)
            await asyncio.sleep(interval)

    async def receiver(client: Stomp, user: dict[str, Any]) -> None:
        while time.monotonic() < window[1] + 5:
            await client.wait_for(lambda: bool(client.messages), timeout=1)
            frames, client.messages = client.messages, []
            now = time.monotonic()
            for frame in frames:
                message = json.loads(frame.body)
                if message["sender"]["id"] == user["id"]:
                    continue  # my own message, echoed by the room
                started = sent_at.get(message.get("client_msg_id") or "")
                if started is not None and window[0] <= started < window[1]:
                    counted["delivered"] += 1
                    latencies.append((now - started) * 1000)

    tasks = [asyncio.create_task(sender(c, u)) for c, u in zip(clients, users, strict=True)]
    tasks += [asyncio.create_task(receiver(c, u)) for c, u in zip(clients, users, strict=True)]
    await asyncio.gather(*tasks)
    for client in clients:
        await client.close()
    return LoadResult(counted["delivered"], counted["sent"], duration, latencies, errors)


async def _idle(url: str, origin: str, users: list[dict[str, Any]], count: int, hold: float) -> int:
    """Open ``count`` STOMP connections (each subscribed to its user's messages and room) and
    ``count`` SSE streams, hold them ``hold`` seconds, close them; returns how many were open."""
    from tests.scaleout.clients import Sse, Stomp

    stomps: list[Stomp] = []
    streams: list[Sse] = []
    for i in range(count):
        user = users[i % len(users)]
        client = Stomp(url, origin=origin, token=user["access_token"])
        await client.connect(heart_beat="10000,10000")
        await client.subscribe("/user/queue/messages", "m")
        await client.subscribe(f"/topic/chat/rooms/{user['room']}", "room")
        stomps.append(client)
        stream = Sse(url, user["access_token"])
        stream.start()
        streams.append(stream)
    for stream in streams:
        await stream.wait_for(stream.opened.is_set)
    opened = sum(1 for c in stomps if not c.closed.is_set()) + sum(1 for s in streams if s.opened.is_set())
    await asyncio.sleep(hold)
    for client in stomps:
        await client.close()
    for stream in streams:
        await stream.close()
    return opened


def _idle_process(args: tuple[Any, ...], out: Any) -> None:
    out.put(asyncio.run(_idle(*args)))


def _rss_mb(pid: int) -> float:
    total = 0
    for proc in _tree(pid):
        try:
            total += proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total / 2**20


def _memory_per_connection(
    deployment: LocalDeployment, users: list[dict[str, Any]], count: int
) -> tuple[float, float, int]:
    """RSS of instance 1 before and while holding ``count`` STOMP + ``count`` SSE idle connections."""
    instance = deployment.instance(0)
    time.sleep(3)
    before = _rss_mb(instance.pid)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    hold = 20.0
    proc = ctx.Process(target=_idle_process, args=((instance.url, deployment.url, users, count, hold), out))
    proc.start()
    peak = before
    deadline = time.monotonic() + 240
    while proc.is_alive() and time.monotonic() < deadline:
        peak = max(peak, _rss_mb(instance.pid))
        time.sleep(1)
    opened: int = out.get(timeout=60)
    proc.join(timeout=30)
    return before, peak, opened


def _load_process(args: tuple[Any, ...], out: Any) -> None:
    result = asyncio.run(_load(*args))
    out.put(result)


# ---------------------------------------------------------------- CPU accounting


def _tree(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _postgres_processes(deployment: LocalDeployment) -> list[psutil.Process]:
    """The postmaster (first line of postmaster.pid) and every backend it forked."""
    try:
        pid = int((deployment.postgres.data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    return _tree(pid)


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class CpuMeter:
    """CPU seconds per group of processes between ``start`` and ``stop`` (groups re-listed at each reading)."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups  # name -> callable returning the processes
        self.before: dict[str, float] = {}
        self.machine_before = 0.0
        self.wall = 0.0

    def _read(self) -> dict[str, float]:
        return {name: _cpu(get()) for name, get in self.groups.items()}

    def start(self) -> None:
        self.before = self._read()
        t = psutil.cpu_times()
        self.machine_before = t.user + t.system + t.nice + t.irq + t.softirq
        self.wall = time.monotonic()

    def stop(self) -> dict[str, float]:
        after = self._read()
        t = psutil.cpu_times()
        machine = t.user + t.system + t.nice + t.irq + t.softirq - self.machine_before
        wall = time.monotonic() - self.wall
        cores = psutil.cpu_count() or 1
        shares = {name: 100 * (after[name] - self.before.get(name, 0.0)) / (wall * cores) for name in after}
        shares["everything else"] = max(0.0, 100 * machine / (wall * cores) - sum(shares.values()))
        return shares


# ---------------------------------------------------------------- the two runs


def _p99(samples: list[float]) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _measure(
    deployment: LocalDeployment, url: str, users: list[dict[str, Any]], warmup: float, duration: float, rate: float
) -> tuple[LoadResult, dict[str, float]]:
    time.sleep(11)  # the previous run's per-user rate-limit windows (10 s) are over
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_load_process, args=((url, deployment.url, users, warmup, duration, rate), out))
    proc.start()
    loadgen = psutil.Process(proc.pid)
    meter = CpuMeter(
        {
            "app instances": lambda: [p for i in deployment.instances if i is not None for p in _tree(i.pid)],
            "nginx": lambda: _tree(deployment.nginx.proc.pid) if deployment.nginx.proc else [],
            "Redis": lambda: _tree(deployment.redis.proc.pid) if deployment.redis.proc else [],
            "PostgreSQL": lambda: _postgres_processes(deployment),
            "load generator": lambda: [loadgen],
        }
    )
    time.sleep(warmup * 0.8)  # connections are made first; measure the steady part
    meter.start()
    time.sleep(duration)
    shares = meter.stop()
    result: LoadResult = out.get(timeout=120)
    proc.join(timeout=30)
    return result, shares


def run(
    pairs: int = 60, duration: float = 20.0, warmup: float = 8.0, steady_users: int = 16, idle_connections: int = 500
) -> list[Result]:
    """Saturation (every user as fast as allowed) for msg/s and the CPU shares; then a steady load
    both set-ups carry (``steady_users`` at 1.5 msg/s each) for the p99 that a user feels."""
    from tests.scaleout import seed

    root = Path(tempfile.mkdtemp(prefix="withus-bench-scaleout-"))
    deployment = LocalDeployment(root, count=2, workers=1)
    try:
        deployment.start()
        names = [f"b{i}" for i in range(2 * pairs)]
        rooms = [[names[2 * i], names[2 * i + 1]] for i in range(pairs)]
        data = seed.run(deployment.env(0), {"users": names, "rooms": rooms})
        users = []
        for a, b in rooms:
            room = data["rooms"][f"{a}:{b}"]
            users.append({**data["users"][a], "room": room})
            users.append({**data["users"][b], "room": room})
        single, spread = deployment.instance(0).url, deployment.url
        one, one_cpu = _measure(deployment, single, users, warmup, duration, PER_USER_RATE)
        two, two_cpu = _measure(deployment, spread, users, warmup, duration, PER_USER_RATE)
        calm = users[:steady_users]
        one_calm, _ = _measure(deployment, single, calm, warmup / 2, duration, STEADY_RATE)
        two_calm, _ = _measure(deployment, spread, calm, warmup / 2, duration, STEADY_RATE)
        rss_before, rss_held, opened = _memory_per_connection(deployment, users, idle_connections)
    finally:
        deployment.stop()
        shutil.rmtree(root, ignore_errors=True)
    runs = (("one instance", one), ("two instances", two), ("one, steady", one_calm), ("two, steady", two_calm))
    for label, result in runs:
        print(
            f"   {label}: sent {result.sent}, delivered {result.delivered} in {result.seconds:.0f} s, "
            f"p99 {_p99(result.latencies_ms):.0f} ms, errors {len(result.errors)} {result.errors[:2]}"
        )
    offered = 2 * pairs * PER_USER_RATE
    results = [
        Result(
            name=f"chat msg/s delivered, 2 instances behind nginx ({2 * pairs} users, {offered:.0f}/s offered)",
            value=two.delivered / two.seconds,
            unit="msg/s",
            baseline_name="1 instance",
            baseline=one.delivered / one.seconds,
            target=TARGET,
            met=None,
        ),
        Result(
            name="chat p99 send→delivery at saturation, 2 instances behind nginx",
            value=_p99(two.latencies_ms),
            unit="ms",
            baseline_name="1 instance",
            baseline=_p99(one.latencies_ms),
            target=TARGET,
            met=None,
        ),
        Result(
            name=f"chat p99 send→delivery at a steady {steady_users * STEADY_RATE:.0f} msg/s, 2 instances behind nginx",
            value=_p99(two_calm.latencies_ms),
            unit="ms",
            baseline_name="1 instance",
            baseline=_p99(one_calm.latencies_ms),
            target=TARGET,
            met=None,
        ),
    ]
    print(
        f"   idle connections: {opened} open, instance RSS {rss_before:.0f} -> {rss_held:.0f} MB, "
        f"{(rss_held - rss_before) * 1024 / max(1, opened):.0f} KB per connection"
    )
    results.append(
        Result(
            name=f"RSS of one instance holding {idle_connections} STOMP + {idle_connections} SSE idle connections",
            value=rss_held,
            unit="MB",
            baseline_name="before",
            baseline=rss_before,
            target=TARGET,
            met=None,
        )
    )
    cores = psutil.cpu_count() or 1
    for part in ("app instances", "PostgreSQL", "Redis", "nginx"):
        results.append(
            Result(
                name=f"CPU per delivered message: {part}, 2 instances behind nginx",
                value=10 * two_cpu[part] * cores * duration / max(1, two.delivered),
                unit="ms",
                baseline_name="1 instance",
                baseline=10 * one_cpu[part] * cores * duration / max(1, one.delivered),
                target=TARGET,
                met=None,
            )
        )
    for part in two_cpu:
        results.append(
            Result(
                name=f"CPU share: {part}, 2 instances behind nginx",
                value=two_cpu[part],
                unit="% of 2 cores" if (psutil.cpu_count() or 1) == 2 else f"% of {psutil.cpu_count()} cores",
                baseline_name="1 instance",
                baseline=one_cpu.get(part, 0.0),
                target=TARGET,
                met=None,
            )
        )
    return results


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.scaleout_chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--duration", type=float, default=20.0)
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(pairs=args.pairs, duration=args.duration)


def main(argv: list[str] | None = None) -> int:
    from bench.results import table

    print(table(run_args(arguments().parse_args(argv))))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
