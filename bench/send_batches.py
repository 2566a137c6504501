"""CPU of the chat's group commit per message, by batch size: ``chat_sending.send_messages`` called
directly on PostgreSQL + Redis (no server, no sockets of clients), so the figure is this process's
CPU time, which a busy machine changes far less than it changes latency. For an A/B of the send
path on a shared machine; ``--app-root`` runs another checkout's code on the same schema.

Data: a database and Redis index of the run's own (``bench.realtime_chat.Stores``), ``--users``
users in 1:1 rooms (``bench._realtime_clients.DbWorker.seed``). Each size sends ``--messages``
messages in batches of that size, round robin over the users. The first pass also creates the
notifications of recipients who are away (once per room) and is not reported; the second is.

    .venv/bin/python -m bench send_batches
    .venv/bin/python -m bench send_batches --sizes 1,16,64 --app-root /tmp/older-checkout
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent


async def _measure(args: argparse.Namespace) -> dict[int, float]:
    from bench._realtime_clients import DbWorker
    from tests.factories import cheap_hash
    from withus.db import session_scope
    from withus.services import chat_sending, hooks
    from withus.services.chat_sending import SendRequest

    hooks.install()
    worker = DbWorker()
    users = (await worker.seed(args.users, cheap_hash("bench-password-42")))["users"]
    sizes = [int(s) for s in args.sizes.split(",")]
    n = 0
    per_message: dict[int, float] = {}
    try:
        for rep in range(2):
            for size in sizes:
                started = time.process_time()
                for _ in range(args.messages // size):
                    requests = []
                    for _ in range(size):
                        user = users[n % len(users)]
                        n += 1
                        requests.append(SendRequest(user["id"], user["room"], f"bench {n}", f"c{n}"))
                    async with session_scope() as db:
                        outcomes = await chat_sending.send_messages(db, requests)
                    if not all(isinstance(o, tuple) for o in outcomes):
                        raise RuntimeError(f"a send was refused: {outcomes[:2]}")
                ms = 1000 * (time.process_time() - started) / (args.messages // size * size)
                if rep:
                    per_message[size] = ms
                    print(f"   batch {size:3d}: {ms:.3f} ms of CPU per message", flush=True)
    finally:
        await worker.close()
    return per_message


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.send_batches", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=1024, help="messages per batch size and pass")
    parser.add_argument("--sizes", default="1,4,16,64", help="batch sizes, the first is the baseline")
    parser.add_argument("--app-root", default="", help="run another checkout's code (an A/B)")
    return parser


def run_args(args: argparse.Namespace) -> list[Result]:
    from bench.realtime_chat import Stores

    print(f"   load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    root = Path(args.app_root).resolve() if args.app_root else ROOT
    stores = Stores()
    stores.create()
    data = tempfile.mkdtemp(prefix="withus-bench-batches-")
    env = {
        "ENV": "development",
        "DATABASE_URL": stores.database_url,
        "REDIS_URL": stores.redis_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "DATA_DIR": data,
    }
    try:
        subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], env={**os.environ, **env}, cwd=ROOT, check=True)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), json.dumps(vars(args))],
            env={**os.environ, **env, "PYTHONPATH": str(root)},
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        )
        print("\n".join(line for line in done.stdout.splitlines() if not line.startswith("RESULT ")))
        found: dict[str, Any] = json.loads(next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))[7:])
    finally:
        stores.drop()
    print(f"   load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    per = {int(k): v for k, v in found.items()}
    first = min(per)
    return [
        Result(
            name=f"group commit CPU per message, batches of {size}",
            value=per[size],
            unit="ms",
            baseline_name=f"batches of {first}",
            baseline=per[first],
            target="—",
            met=None,
        )
        for size in sorted(per)
        if size != first
    ]


def run(argv: list[str] | None = None) -> list[Result]:
    return run_args(arguments().parse_args(argv or []))


if __name__ == "__main__":  # the measuring child: the code of --app-root (its cwd), this file's loop
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    print("RESULT " + json.dumps(asyncio.run(_measure(argparse.Namespace(**json.loads(sys.argv[1]))))))
