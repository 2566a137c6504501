"""Mail outbox: mails/s that one worker hands to a local aiosmtpd, beside aiosmtplib sending the
same mails directly in a loop (one connection, no database: messages built before the clock
starts, and again rendering and building each one in the loop as the worker must); and the time
from commit to the mail in the SMTP server's hands (p50/p99), at idle and at a steady 50 mails/s.

Runs on a throwaway SQLite database by default (the embedded stack); ``--database-url
postgresql://...`` runs it on PostgreSQL (an empty database of its own: it is migrated).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.results import Result


class _Counting:
    """Records when each Message-ID arrived (monotonic clock of this process)."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content: bytes = envelope.content  # type: ignore[attr-defined]
        now = time.monotonic()
        for line in content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                with self.lock:
                    self.arrived[line.split(b":", 1)[1].strip().decode()] = now
                break
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(database_url: str | None, port: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="withus-bench-mail-"))
    os.environ["DATA_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{tmp / 'withus.db'}"
    os.environ["SMTP_HOST"] = "127.0.0.1"
    os.environ["SMTP_PORT"] = str(port)
    os.environ["SMTP_STARTTLS"] = "false"
    os.environ.pop("REDIS_URL", None)
    from alembic import command
    from alembic.config import Config

    from withus.db import sync_url
    from withus.settings import ROOT, get_settings

    get_settings.cache_clear()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = sync_url(os.environ["DATABASE_URL"])
    command.upgrade(cfg, "head")


async def _enqueue_one(i: int) -> tuple[str, float]:
    from withus.db import session_scope
    from withus.services import outbox

    async with session_scope() as session:
        row = await outbox.enqueue(session, to=f"bench{i}@example.com", template="signup_taken")
    return row.message_id, time.monotonic()


async def _wait_all(inbox: _Counting, ids: list[str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while any(i not in inbox.arrived for i in ids):
        if time.monotonic() > deadline:
            raise RuntimeError("mails did not arrive")
        await asyncio.sleep(0.005)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _main(mails: int, latency_mails: int, rate: float, database_url: str | None) -> list[Result]:
    import aiosmtplib

    from withus.services.mail import Mail, build_message
    from withus.services.mail_worker import MailWorker, Timing

    inbox = _Counting()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _setup(database_url, port)
    try:
        # Baseline: aiosmtplib sending the same mails in a loop over one connection.
        direct = [
            build_message(Mail(to=f"direct{i}@example.com", subject="[withUs] bench", text="x" * 400, html="<p>x</p>"))
            for i in range(mails)
        ]
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        t0 = time.monotonic()
        for message in direct:
            await client.send_message(message)
        direct_rate = mails / (time.monotonic() - t0)
        # The same loop rendering and building each mail as the worker does (its work minus the outbox).
        from withus.services import mail_templates

        t0 = time.monotonic()
        for i in range(mails):
            r = mail_templates.render("signup_taken", {}, locale="ko")
            await client.send_message(
                build_message(Mail(to=f"built{i}@example.com", subject=r.subject, text=r.text, html=r.html))
            )
        built_rate = mails / (time.monotonic() - t0)
        await client.quit()

        # One worker sending the same number of committed outbox rows.
        ids = [(await _enqueue_one(i))[0] for i in range(mails)]
        worker = MailWorker(Timing(poll=0.05))
        t0 = time.monotonic()
        task = asyncio.ensure_future(worker.run())
        await _wait_all(inbox, ids)
        worker_rate = mails / (time.monotonic() - t0)

        # Commit -> in the server's hands, at idle (one mail at a time) and at a steady rate.
        idle: list[float] = []
        for i in range(latency_mails):
            mid, committed = await _enqueue_one(10_000 + i)
            await _wait_all(inbox, [mid])
            idle.append((inbox.arrived[mid] - committed) * 1000)
            await asyncio.sleep(0.02)
        loaded: list[tuple[str, float]] = []
        start = time.monotonic()
        for i in range(int(rate * 10)):  # ten seconds
            due = start + i / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            loaded.append(await _enqueue_one(20_000 + i))
        await _wait_all(inbox, [m for m, _ in loaded])
        busy = [(inbox.arrived[m] - c) * 1000 for m, c in loaded]
        worker.stop()
        await task
    finally:
        controller.stop()
    stack = "PostgreSQL" if database_url else "SQLite"
    print(
        f"direct {direct_rate:.0f}/s, direct building each {built_rate:.0f}/s, worker {worker_rate:.0f}/s;"
        f" idle p50 {statistics.median(idle):.1f} ms"
    )
    return [
        Result(
            f"outbox mails/s, one worker ({stack})",
            worker_rate,
            "/s",
            "aiosmtplib direct loop",
            direct_rate,
            "reported",
            None,
        ),
        Result(
            f"outbox mails/s, one worker ({stack}), against a loop that builds each mail",
            worker_rate,
            "/s",
            "aiosmtplib loop rendering and building each mail",
            built_rate,
            "reported",
            None,
        ),
        Result(f"commit→SMTP p50, idle ({stack})", _pct(idle, 0.5), "ms", "—", 1.0, "reported", None),
        Result(f"commit→SMTP p99, idle ({stack})", _pct(idle, 0.99), "ms", "—", 1.0, "reported", None),
        Result(f"commit→SMTP p50 at {rate:.0f} mails/s ({stack})", _pct(busy, 0.5), "ms", "—", 1.0, "reported", None),
        Result(f"commit→SMTP p99 at {rate:.0f} mails/s ({stack})", _pct(busy, 0.99), "ms", "—", 1.0, "reported", None),
    ]


def run(
    mails: int = 1000, latency_mails: int = 200, rate: float = 50.0, database_url: str | None = None
) -> list[Result]:
    return asyncio.run(_main(mails, latency_mails, rate, database_url))


def arguments() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench.mail_outbox", description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--mails", type=int, default=1000, help="mails for the throughput figures")
    p.add_argument("--latency-mails", type=int, default=200, help="mails sent one at a time for the idle latency")
    p.add_argument("--rate", type=float, default=50.0, help="mails per second for the loaded latency (10 s)")
    p.add_argument("--database-url", default=None, help="postgresql://... (default: a throwaway SQLite file)")
    return p


def run_args(args: argparse.Namespace) -> list[Result]:
    return run(mails=args.mails, latency_mails=args.latency_mails, rate=args.rate, database_url=args.database_url)
