"""SIGTERM handling of one process, in a child process of its own: withUs's steps run first (live
connections told and drained), then the server's own handler; a watchdog ends a process that
would not stop."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, os, signal, sys, time
from withus.realtime import shutdown

events = []

async def main(stop_after_signal):
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def server_handler():  # what granian registers: stop accepting, then exit
        events.append("server")
        if stop_after_signal:
            done.set()

    loop.add_signal_handler(signal.SIGTERM, server_handler)
    assert shutdown.install_signal_handlers(drain_timeout=3.0, hard_limit=float(sys.argv[2]))
    assert shutdown.install_signal_handlers()  # a second lifespan changes nothing

    async def connection():
        closed = asyncio.Event()
        with shutdown.track(), shutdown.when_shutting_down(closed.set):
            await closed.wait()
            events.append("told")
            await asyncio.sleep(0.3)  # says goodbye
            events.append("released")

    task = asyncio.create_task(connection())
    await asyncio.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGTERM)  # granian's supervisor forwards one more
    await asyncio.wait_for(done.wait(), 30)
    await task
    print(",".join(events), flush=True)

asyncio.run(main(sys.argv[1] == "stops"))
"""


def _run(mode: str, hard_limit: float) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(hard_limit)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    return done, time.monotonic() - started


def test_live_connections_are_told_and_released_before_the_servers_handler_runs_once() -> None:
    done, _ = _run("stops", 9.5)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "told,released,server"


def test_a_process_that_does_not_stop_is_ended_by_the_watchdog() -> None:
    done, took = _run("hangs", 2.0)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # never got to the end: ended from outside the loop
    assert "exiting now" in done.stderr
    assert took < 30
