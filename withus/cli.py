"""Operator commands: ``python -m withus.cli migrate``, ``admin USERNAME`` and ``mail-worker``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys

# A command is not a server: its metrics stay in memory (withus/observability/multiproc.py) instead
# of a folder of files that no /metrics reads. Set before the services import prometheus-client.
os.environ.setdefault("WITHUS_METRICS_IN_MEMORY", "1")

from withus.services.admin import grant_admin
from withus.services.mail_worker_process import run_worker
from withus.settings import ROOT, SettingsError, get_settings


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    try:
        command.upgrade(cfg, "head")
    except Exception as exc:  # one clear line: the URL or the server is wrong
        raise SystemExit(f"withUs: migrations failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="withus")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("admin", help="make a user a site administrator")
    admin.add_argument("username")
    sub.add_parser("mail-worker", help="send the mail outbox (the server runs one itself; this is a spare)")
    args = parser.parse_args(argv)
    try:
        get_settings()
    except SettingsError as exc:
        raise SystemExit(f"withUs: {exc}") from None
    if args.command == "migrate":
        migrate()
    elif args.command == "admin":
        asyncio.run(grant_admin(username=args.username))
    elif args.command == "mail-worker":
        asyncio.run(_mail_worker())


async def _mail_worker() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("mail worker running", flush=True)
    await run_worker(stop)


if __name__ == "__main__":
    main(sys.argv[1:])
