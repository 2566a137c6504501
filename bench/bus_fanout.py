"""Redis work per chat message as subscriber processes are added: channel subscriptions (the bus
now) against one pattern subscription to everything per process (the bus before), same run.

Set-up: a Redis index claimed as the test suite does (flushed at start and end). ``--rooms`` 1:1
rooms of two users each (the shape of ``bench.realtime_chat``); each user is one listener on the
process's bus hub with two channels, its room and its login session's revocation channel, as a
STOMP connection subscribed to its room is. The users are split over N subscriber processes
(N = 1, 2, 4, 8), disjoint, a room's two users in the same process. Each process runs the real
``withus.realtime.bus`` hub on ``RedisKV`` (``--mode channels``) or, as the baseline, the previous
design: one ``PSUBSCRIBE`` to every channel family, dispatched by a dict lookup (``patterns``).

Load: the main process publishes ``--rate`` chat messages per second for ``--duration`` seconds,
round robin over the rooms, each as the app publishes a stored message: on the room's channel and
on each participant's user channel (three publishes, one pipeline per 10 ms tick), the JSON of a
real message. Nobody in the benchmark listens to the user channels (the STOMP clients subscribe to
their room only), so in the pattern design every process receives all three and needs at most one.

Figures per N and design: Redis CPU per chat message (the ``redis-server`` process's CPU time over
the window / messages, less its CPU over an idle window just before: the server is shared with
whatever else runs on the machine, and on a busy machine the figure stays noisy), the calls of
``PUBLISH`` and their microseconds from ``INFO commandstats`` (the fan-out happens inside the
command), and per process the messages
received from Redis and the received-but-unneeded ones (no listener of that channel). Every
listener's messages are counted too: every chat message must reach both users of its room.

    .venv/bin/python -m bench.bus_fanout
    .venv/bin/python -m bench.bus_fanout --processes 1,2 --rate 100 --duration 3   # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import sys
import time
from typing import Any

import psutil

from bench.results import Result

REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
FLAT_BOUND = 1.5  # Redis CPU per message with 8 processes / with 1: "flat"


# ---------------------------------------------------------------- a subscriber process


class PatternHub:
    """The bus as it was: one pattern subscription per process to every channel family."""

    def __init__(self, kv: Any) -> None:
        self.kv = kv
        self.by_channel: dict[str, set[Any]] = {}
        self.received = 0
        self.unneeded = 0
        self.sub: Any = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        from withus.realtime.bus import PATTERNS

        self.sub = await self.kv.subscribe(patterns=PATTERNS)
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for channel, data in self.sub:
            self.received += 1
            group = self.by_channel.get(channel)
            if not group:
                self.unneeded += 1
                continue
            for queue in group:
                queue.put_nowait((channel, data))

    def listen(self, *channels: str) -> asyncio.Queue[tuple[str, str]]:
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        for channel in channels:
            self.by_channel.setdefault(channel, set()).add(queue)
        return queue

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task
        if self.sub is not None:
            await self.sub.close()


async def _subscriber(conn: Any, redis_url: str, mode: str, users: list[tuple[int, int]]) -> None:
    from withus.kv import set_kv
    from withus.kv.redis_kv import RedisKV
    from withus.realtime.bus import get_hub, room_channel, session_revoked_channel, stop_hub

    kv = RedisKV(redis_url)
    set_kv(kv)
    counted = {"delivered": 0}
    readers: list[asyncio.Task[None]] = []
    pattern_hub: PatternHub | None = None

    async def consume(get: Any) -> None:
        while True:
            await get()
            counted["delivered"] += 1

    if mode == "channels":
        hub = get_hub()
        for user_id, room_id in users:
            listener = await hub.listen(room_channel(room_id), session_revoked_channel(f"bench-{user_id}"), wait=False)
            readers.append(asyncio.create_task(consume(listener.get)))
        assert await hub.wait_ready(timeout=30)

        def counts() -> dict[str, int]:
            return {"received": hub.received, "unneeded": hub.unneeded, **counted}
    else:
        pattern_hub = PatternHub(kv)
        await pattern_hub.start()
        for user_id, room_id in users:
            queue = pattern_hub.listen(room_channel(room_id), session_revoked_channel(f"bench-{user_id}"))
            readers.append(asyncio.create_task(consume(queue.get)))
        await asyncio.sleep(0.2)  # the PSUBSCRIBE is on its way before "ready"
        ph = pattern_hub

        def counts() -> dict[str, int]:
            return {"received": ph.received, "unneeded": ph.unneeded, **counted}

    conn.send({"ok": True, "pid": os.getpid()})
    while True:
        if not await asyncio.to_thread(conn.poll, 600):
            break
        command = conn.recv()
        if command == "counts":
            conn.send(counts())
        else:
            break
    for task in readers:
        task.cancel()
    if pattern_hub is not None:
        await pattern_hub.stop()
    await stop_hub()
    await kv.close()
    conn.send({"ok": True})


def subscriber_main(conn: Any, redis_url: str, mode: str, users: list[tuple[int, int]]) -> None:
    asyncio.run(_subscriber(conn, redis_url, mode, users))


# ---------------------------------------------------------------- the run


def _redis_processes() -> list[psutil.Process]:
    port = REDIS_BASE_URL.rsplit(":", 1)[-1].split("/")[0]
    out = []
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if (p.info["name"] or "").startswith("redis-server") and f":{port}" in " ".join(p.info["cmdline"] or []):
                out.append(p)
    return out


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system
    return total


def _publish_stats(client: Any) -> tuple[int, int]:
    stats = client.info("commandstats").get("cmdstat_publish", {})
    return int(stats.get("calls", 0)), int(stats.get("usec", 0))


def _message(room_id: int, seq: int, sender: int) -> str:
    """The JSON the app publishes for a stored message (its shape and size)."""
    return json.dumps(
        {
            "event": "message",
            "message": {
                "id": room_id * 100_000 + seq,
                "room_id": room_id,
                "seq": seq,
                "sender": {"id": sender, "nickname": f"벤치{sender}", "avatar_url": None},
                "body": "벤치 메시지 " * 4,
                "client_msg_id": f"{sender}-{seq}",
                "created_at": "2026-12-03T12:00:00.000000Z",
                "hidden": False,
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def measure(args: argparse.Namespace, redis_url: str, prefix: str, mode: str, n: int) -> dict[str, Any]:
    import redis

    rooms = args.rooms
    users = [(2 * k + 1 + side, k + 1) for k in range(rooms) for side in (0, 1)]  # (user id, room id)
    size = -(-len(users) // n)
    size += size % 2
    parts = [users[i * size : (i + 1) * size] for i in range(n)]
    ctx = mp.get_context("spawn")
    procs = []
    for part in parts:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=subscriber_main, args=(child, redis_url, mode, part), daemon=True)
        proc.start()
        procs.append((proc, parent))
    client = redis.Redis.from_url(redis_url)
    try:
        for _, parent in procs:
            if not parent.poll(120):
                raise RuntimeError("a subscriber process did not start")
            parent.recv()
        redis_procs = _redis_processes()

        def counts() -> list[dict[str, int]]:
            for _, parent in procs:
                parent.send("counts")
            return [parent.recv() for _, parent in procs]

        # Redis serves others too: its CPU over an idle window as long as the measurement, just before,
        # is taken off (what the others did meanwhile, at the rate they did it then)
        idle0, i0 = _cpu(redis_procs), time.monotonic()
        time.sleep(min(args.duration, 5.0))
        background = (_cpu(redis_procs) - idle0) / (time.monotonic() - i0)
        before = counts()
        cpu0, (calls0, usec0) = _cpu(redis_procs), _publish_stats(client)
        t0 = time.monotonic()
        tick = 0.01
        sent = 0
        seq = 0
        i = 0
        while True:
            now = time.monotonic()
            if now - t0 >= args.duration:
                break
            batch = int(args.rate * (now - t0)) + 1 - sent  # on schedule, whatever the last tick took
            if batch > 0:
                pipe = client.pipeline(transaction=False)
                for _ in range(batch):
                    room = i % rooms + 1
                    i += 1
                    seq += 1
                    a, b = 2 * room - 1, 2 * room
                    data = _message(room, seq, a)
                    pipe.publish(f"{prefix}chat:room:{room}", data)
                    pipe.publish(f"{prefix}chat:user:{a}", data)
                    pipe.publish(f"{prefix}chat:user:{b}", data)
                pipe.execute()
                sent += batch
            next_tick = t0 + (round((now - t0) / tick) + 1) * tick
            time.sleep(max(0.0, next_tick - time.monotonic()))
        wall = time.monotonic() - t0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # every delivery in (or 10 s passed)
            time.sleep(0.2)
            after = counts()
            if sum(a["delivered"] - b["delivered"] for a, b in zip(after, before, strict=True)) >= 2 * sent:
                break
        cpu1, (calls1, usec1) = _cpu(redis_procs), _publish_stats(client)
        busy = max(0.0, cpu1 - cpu0 - background * (time.monotonic() - t0))
        after = counts()
    finally:
        for _proc, parent in procs:
            with contextlib.suppress(Exception):
                parent.send("stop")
        for proc, _ in procs:
            proc.join(timeout=20)
            if proc.is_alive():
                proc.terminate()
        client.close()
    received = [a["received"] - b["received"] for a, b in zip(after, before, strict=True)]
    unneeded = [a["unneeded"] - b["unneeded"] for a, b in zip(after, before, strict=True)]
    delivered = sum(a["delivered"] - b["delivered"] for a, b in zip(after, before, strict=True))
    return {
        "mode": mode,
        "n": n,
        "sent": sent,
        "rate": sent / wall,
        "delivered": delivered,
        "redis_cpu_us": 1e6 * busy / max(1, sent),
        "background": background,
        "publish_calls": calls1 - calls0,
        "publish_us": (usec1 - usec0) / max(1, sent),
        "received_per_process": sum(received) / n,
        "unneeded_per_process": sum(unneeded) / n,
        "unneeded_per_message": sum(unneeded) / n / max(1, sent),
    }


def run(argv: list[str] | None = None) -> list[Result]:
    return run_args(arguments().parse_args(argv or []))


def run_args(args: argparse.Namespace) -> list[Result]:
    from bench.realtime_chat import Stores

    counts = [int(x) for x in args.processes.split(",")]
    stores = Stores()
    stores.redis_index = stores._claim_redis_index()
    stores._flush()
    prefix = f"db{stores.redis_index}:"
    print(
        f"   load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.rooms} rooms, "
        f"{2 * args.rooms} users, {args.rate:g} chat messages/s x 3 publishes for {args.duration:g} s; "
        "Redis is shared with whatever else runs here"
    )
    runs: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        for n in counts:
            for mode in ("channels", "patterns"):
                r = measure(args, stores.redis_url, prefix, mode, n)
                runs[(mode, n)] = r
                print(
                    f"   {mode:8s} x{n}: {r['sent']} messages ({r['rate']:.0f}/s), delivered {r['delivered']}/"
                    f"{2 * r['sent']}; Redis CPU {r['redis_cpu_us']:.1f} µs/message (others' load "
                    f"{100 * r['background']:.0f}% of a core taken off), PUBLISH "
                    f"{r['publish_us']:.1f} µs/message; per process received {r['received_per_process']:.0f}, "
                    f"unneeded {r['unneeded_per_process']:.0f}",
                    flush=True,
                )
    finally:
        stores.drop()
    results: list[Result] = []
    for n in counts:
        new, old = runs[("channels", n)], runs[("patterns", n)]
        ok = new["delivered"] >= 2 * new["sent"]
        results += [
            Result(
                f"Redis CPU per chat message, {n} subscriber process{'es' if n > 1 else ''} (bus_fanout)",
                new["redis_cpu_us"],
                "µs",
                "one pattern subscription per process",
                old["redis_cpu_us"],
                "—",
                None,
            ),
            Result(
                f"Redis PUBLISH time per chat message (commandstats), {n} process{'es' if n > 1 else ''}",
                new["publish_us"],
                "µs",
                "one pattern subscription per process",
                old["publish_us"],
                "—",
                None,
            ),
            Result(
                f"received-but-unneeded messages per process per chat message, {n} process{'es' if n > 1 else ''}",
                new["unneeded_per_message"],
                "",
                "one pattern subscription per process",
                old["unneeded_per_message"],
                "flat in processes (0)",
                ok and new["unneeded_per_message"] < 0.01,
            ),
        ]
    if len(counts) > 1:
        lo, hi = min(counts), max(counts)
        grow_new = runs[("channels", hi)]["redis_cpu_us"] / max(1e-9, runs[("channels", lo)]["redis_cpu_us"])
        grow_old = runs[("patterns", hi)]["redis_cpu_us"] / max(1e-9, runs[("patterns", lo)]["redis_cpu_us"])
        results.append(
            Result(
                f"Redis CPU per chat message, {hi} processes / {lo} (bus_fanout)",
                grow_new,
                "×",
                "the same with one pattern subscription per process",
                grow_old,
                f"flat (≤ {FLAT_BOUND:g}×)",
                grow_new <= FLAT_BOUND,
            )
        )
    return results


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.bus_fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", default="1,2,4,8", help="subscriber process counts")
    parser.add_argument("--rooms", type=int, default=500)
    parser.add_argument("--rate", type=float, default=500.0, help="chat messages per second (3 publishes each)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of publishing per measurement")
    return parser


def main() -> int:
    from bench.results import table

    results = run(sys.argv[1:])
    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
