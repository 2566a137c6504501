"""`make soak`: minutes of steady chat and page traffic on two instances behind nginx; memory
and open files of every instance must stay flat once warmed up.

The deployment is ``deploy.local`` (throwaway PostgreSQL and Redis, two production
instances, nginx). A load process keeps up, through nginx:

- chat: ``pairs`` pairs of users, each user on a STOMP connection sending about one
  message per second to its 1:1 room (and receiving the other's);
- churn: STOMP connections that connect, subscribe, send one message and disconnect, and
  SSE streams opened and dropped after a few seconds — what leaks if anything does;
- pages: the home page, the chat page, the API's club list, room list and health.

Every ``--every`` seconds the resident memory (RSS) and the open file descriptors of each
instance's process group (granian's supervisor and workers) are sampled. The first
``--warmup`` fraction of the run is warm-up; after it, the last quarter's mean must not
exceed the first quarter's by more than 10 % (RSS) or 10 descriptors (files).

    .venv/bin/python -m bench.soak [--minutes 5] [--every 10] [--pairs 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.results import Result, table
from deploy.local import LocalDeployment

RSS_GROWTH = 0.10
FD_GROWTH = 10


async def _soak_load(url: str, users: list[dict[str, Any]], seconds: float) -> dict[str, int]:
    from tests.scaleout.clients import Sse, Stomp

    stop_at = time.monotonic() + seconds
    counts = {"sent": 0, "received": 0, "pages": 0, "churned": 0, "streams": 0, "errors": 0}

    async def chatter(user: dict[str, Any]) -> None:
        client = Stomp(url, origin=url, token=user["access_token"])
        await client.connect(heart_beat="10000,10000")
        await client.subscribe(f"/topic/chat/rooms/{user['room']}", "room")
        n = 0
        while time.monotonic() < stop_at:
            if client.closed.is_set():
                counts["errors"] += 1
                client = Stomp(url, origin=url, token=user["access_token"])
                await client.connect()
                await client.subscribe(f"/topic/chat/rooms/{user['room']}", "room")
            n += 1
            try:
                await client.send_message(user["room"], f"soak {n}", f"soak-{user['id']}-{n}")
                counts["sent"] += 1
            except Exception:
                counts["errors"] += 1
            counts["received"] += len(client.messages)
            client.messages.clear()
            await asyncio.sleep(0.8 + random.random() * 0.4)
        await client.close()

    async def churner(user: dict[str, Any]) -> None:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            client = Stomp(url, origin=url, token=user["access_token"])
            try:
                await client.connect()
                await client.subscribe(f"/topic/chat/rooms/{user['room']}", "room")
                await client.send_message(user["room"], f"churn {n}", f"churn-{user['id']}-{n}", receipt="r")
                await client.wait_for(lambda c=client: "r" in c.receipts, timeout=10)
                await client.send_frame("DISCONNECT", {"receipt": "bye"})
                await client.wait_for(lambda c=client: "bye" in c.receipts, timeout=10)
                counts["churned"] += 1
            except Exception:
                counts["errors"] += 1
            finally:
                await client.close()
            stream = Sse(url, user["access_token"])
            stream.start()
            await asyncio.sleep(2 + random.random())
            await stream.close()
            counts["streams"] += 1
            await asyncio.sleep(3 + random.random() * 2)

    async def pages(user: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {user['access_token']}"}
        paths = ["/", "/chat", "/api/health", "/api/clubs", "/api/chat/rooms", "/api/notifications/unread-count"]
        async with httpx.AsyncClient(base_url=url, timeout=20) as http:
            while time.monotonic() < stop_at:
                try:
                    r = await http.get(random.choice(paths), headers=headers)
                    counts["pages" if r.status_code < 400 else "errors"] += 1
                except httpx.HTTPError:
                    counts["errors"] += 1
                await asyncio.sleep(0.2)

    tasks = [chatter(u) for u in users]
    tasks += [churner(u) for u in users[:4]]
    tasks += [pages(u) for u in users[:4]]
    await asyncio.gather(*tasks)
    return counts


def _load_process(url: str, users: list[dict[str, Any]], seconds: float, out: Any) -> None:
    out.put(asyncio.run(_soak_load(url, users, seconds)))


def _group(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(pid: int) -> tuple[float, int]:
    rss, fds = 0, 0
    for proc in _group(pid):
        try:
            rss += proc.memory_info().rss
            fds += proc.num_fds()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return rss / 2**20, fds


def _quarters(values: list[float]) -> tuple[float, float]:
    quarter = max(1, len(values) // 4)
    return statistics.fmean(values[:quarter]), statistics.fmean(values[-quarter:])


def run(minutes: float = 5.0, every: float = 10.0, pairs: int = 10, warmup: float = 0.3) -> list[Result]:
    from tests.scaleout import seed

    seconds = minutes * 60
    root = Path(tempfile.mkdtemp(prefix="withus-soak-"))
    deployment = LocalDeployment(root, count=2, workers=1)
    samples: list[list[tuple[float, float, int]]] = [[], []]
    try:
        deployment.start()
        names = [f"soak{i}" for i in range(2 * pairs)]
        rooms = [[names[2 * i], names[2 * i + 1]] for i in range(pairs)]
        data = seed.run(deployment.env(0), {"users": names, "rooms": rooms})
        users = []
        for a, b in rooms:
            room = data["rooms"][f"{a}:{b}"]
            users += [{**data["users"][a], "room": room}, {**data["users"][b], "room": room}]
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        load = ctx.Process(target=_load_process, args=(deployment.url, users, seconds, out))
        load.start()
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            for index in range(deployment.count):
                rss, fds = _sample(deployment.instance(index).pid)
                samples[index].append((time.monotonic() - started, rss, fds))
            line = "  ".join(f"app{i}: {s[-1][1]:.0f} MB {s[-1][2]} fds" for i, s in enumerate(samples))
            print(f"   {time.monotonic() - started:5.0f} s  {line}", flush=True)
            time.sleep(every)
        counts = out.get(timeout=120)
        load.join(timeout=30)
        print(f"   load: {counts}", flush=True)
    finally:
        deployment.stop()
        shutil.rmtree(root, ignore_errors=True)
    results = []
    for index, series in enumerate(samples):
        steady = [s for s in series if s[0] >= warmup * seconds]
        rss_start, rss_end = _quarters([s[1] for s in steady])
        fds_start, fds_end = _quarters([float(s[2]) for s in steady])
        results.append(
            Result(
                name=f"soak {minutes:g} min: RSS of instance {index + 1} (last quarter, mean)",
                value=rss_end,
                unit="MB",
                baseline_name="first quarter after warm-up",
                baseline=rss_start,
                target=f"#6: flat after warm-up (≤ +{RSS_GROWTH:.0%})",
                met=rss_end <= rss_start * (1 + RSS_GROWTH),
            )
        )
        results.append(
            Result(
                name=f"soak {minutes:g} min: open files of instance {index + 1} (last quarter, mean)",
                value=fds_end,
                unit="fds",
                baseline_name="first quarter after warm-up",
                baseline=fds_start,
                target=f"#6: flat after warm-up (≤ +{FD_GROWTH})",
                met=fds_end <= fds_start + FD_GROWTH,
            )
        )
    return results


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--pairs", type=int, default=10)
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(minutes=args.minutes, every=args.every, pairs=args.pairs)


def main(argv: list[str] | None = None) -> int:
    results = run_args(arguments().parse_args(argv))
    print()
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
