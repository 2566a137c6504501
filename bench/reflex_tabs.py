"""Reflex event round trip with 1, 50 and 200 connected tabs on one worker, beside a bare Reflex app.

Issue 18, item 5 ("the page side"). The figure is a click on one of the home page's category chips
until the DOM shows the new list, timed inside a real Chromium page: ``performance.now()`` just
before ``element.click()``, and again in the ``MutationObserver`` callback where the clicked chip is
``aria-pressed`` and every club card is of the new category (no skeleton left). The click's first
state delta (the chip selected, the list's skeleton shown) is timed on the way. The chips alternate
between two categories of 24 clubs each (SQLite, the server's own data folder).

A **connected tab** is one ``/_event`` WebSocket hydrated like a page of the same build: the
measuring page is a Chromium page; the other N-1 are protocol clients (``bench/_reflex_clients.py``)
that replay what a Chromium page sent (the CONNECT packet with its ``hydrate_and_load`` event, a
token of their own) and wait for as many state frames as that page received. With ``--think S``
(default 30) each protocol tab also clicks a chip (alternating, the page's own event packets) at
exponentially distributed intervals of mean S seconds: 200 tabs send about 6.6 events/s.

The baseline is ``bench/bare_reflex/``: one page, one ``<button>``, one counter; the same clicks
(until the counter shows the new count), the same protocol tabs (clicking its button), the same
server settings. withUs runs as ``make run`` starts it (``tests.e2e.conftest.start_server``:
``deploy/serve_built.py``, Reflex's production backend serving the built pages), the bare app with
``reflex run --env prod --single-port`` (the same backend after a build of its own), both with
``GRANIAN_WORKERS=1``, for each of ``--stacks``: ``memory`` (the app's default, no Redis), ``redis`` (``REDIS_URL`` at
127.0.0.1:6379/11, as production) and ``redis+oplock`` (the same with ``REFLEX_OPLOCK_ENABLED``).

RSS per connected tab: the server's processes' RSS with N tabs connected, minus with none (after a
first page load has warmed the server up), divided by N; with Redis also Redis's ``used_memory``.

    .venv/bin/python -m bench reflex_tabs                          # the README's table
    .venv/bin/python -m bench reflex_tabs --tabs 1,50 --clicks 50 --stacks redis   # a quick look
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench._reflex_clients import Swarm
from bench._reflex_page import CHIPS, CLUBS_PER_CHIP, capture, click, open_page
from bench.results import Result

ROOT = Path(__file__).resolve().parent.parent
BARE = ROOT / "bench" / "bare_reflex"
REDIS_URL = os.environ.get("BENCH_REFLEX_REDIS_URL", "redis://127.0.0.1:6379/11")
STACKS: dict[str, dict[str, str]] = {
    "memory": {},
    "redis": {"REDIS_URL": REDIS_URL, "REFLEX_OPLOCK_ENABLED": "false"},
    "redis+oplock": {"REDIS_URL": REDIS_URL, "REFLEX_OPLOCK_ENABLED": "true"},
}


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.reflex_tabs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", default="1,50,200", help="connected tabs at each step (comma-separated)")
    parser.add_argument("--clicks", type=int, default=200, help="timed clicks at each step")
    parser.add_argument("--think", type=float, default=30.0, help="mean s between a protocol tab's clicks (0: idle)")
    parser.add_argument(
        "--stacks",
        default="redis",
        help=f"server settings to run: {', '.join(STACKS)} (default redis, as production: each adds ~8 min)",
    )
    return parser


@dataclass
class Step:
    tabs: int
    first: list[float]
    done: list[float]
    arrived: list[float]
    rss_per_tab: float  # bytes
    redis_per_tab: float | None  # bytes
    load: float  # 1-minute load average at the step's start
    background_per_s: float


@dataclass
class Run:
    app: str
    stack: str
    steps: dict[int, Step] = field(default_factory=dict)
    hydrate_ms: list[float] = field(default_factory=list)


def _q(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[round(q * 100) - 1] if len(xs) > 1 else xs[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_bare(env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """``reflex run --env prod --single-port`` in bench/bare_reflex: a build into that folder's own
    .web (a few seconds; under the machine's build lock, as ``deploy.serve_built`` builds withUs),
    then Reflex's production backend serving it."""
    from deploy import serve_built
    from deploy.serve_built import BUILD_LOCK

    port = _free_port()
    drop = ("DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST", "PROMETHEUS_MULTIPROC_DIR")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            **serve_built.tool_env(env),
            **env_extra,
        }
    )
    log = Path(tempfile.mkdtemp(prefix="withus-bare-reflex-")) / "server.log"
    build_lock = BUILD_LOCK.open("a")  # released once the server answers (its build is done)
    fcntl.flock(build_lock, fcntl.LOCK_EX)
    reflex = Path(sys.executable).parent / "reflex"
    ports = ["--frontend-port", str(port), "--backend-port", str(port)]
    proc = subprocess.Popen(
        [str(reflex), "run", "--env", "prod", "--single-port", *ports],
        cwd=BARE,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            build_lock.close()
            raise RuntimeError(f"bare app exited early:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                build_lock.close()
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(1)
    build_lock.close()
    from tests.e2e.conftest import stop_server

    stop_server(proc)
    raise RuntimeError(f"bare app did not start:\n{log.read_text()[-4000:]}")


def _rss(proc: subprocess.Popen[bytes]) -> int:
    import psutil

    root = psutil.Process(proc.pid)
    total = 0
    for p in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):  # a process that ended meanwhile
            total += p.memory_info().rss
    return total


def _redis_used(stack: str) -> int | None:
    if "REDIS_URL" not in STACKS[stack]:
        return None
    import redis

    info: dict[str, Any] = redis.Redis.from_url(REDIS_URL).info("memory")  # type: ignore[assignment]
    return int(info["used_memory"])


def _seed(server: Any) -> None:
    from tests.e2e.conftest import create_user
    from tests.e2e.test_clubs import seed_clubs

    host_id = create_user(server, f"tabshost{random.randrange(10**6)}", nickname="탭호스트")
    host = type("P", (), {"id": host_id})()
    clubs = [
        {"name": f"{code} 모임 {i:02d}", "category": code, "join_policy": "open", "description": "주말마다 같이 해요."}
        for code in CHIPS
        for i in range(CLUBS_PER_CHIP)
    ]
    seed_clubs(server, host, clubs)  # type: ignore[arg-type]


def _measure(browser: Any, app: str, stack: str, args: argparse.Namespace, tabs: list[int]) -> Run:
    from tests.e2e.conftest import start_server, stop_server

    env = {"GRANIAN_WORKERS": "1", **STACKS[stack]}
    if "REDIS_URL" in env:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()  # this benchmark's own db: no state of a run before
    if app == "withus":
        proc, server = start_server(name=f"reflex-tabs-{stack}", env_extra=env)
        _seed(server)
        url = server.url
    else:
        proc, url = _start_bare(env)
    run = Run(app, stack)
    try:
        script = capture(browser, url, app)  # also the server's warm-up
        time.sleep(2)
        rss0, redis0 = _rss(proc), _redis_used(stack)
        page = open_page(browser, url, app)
        swarm = Swarm(script, think=args.think)
        try:
            connected = 1
            for n in tabs:
                swarm.add(n - connected)
                connected = n
                time.sleep(3)
                rss, used = _rss(proc), _redis_used(stack)
                load = os.getloadavg()[0]
                sent0, t0 = swarm.clicks_sent, time.monotonic()
                times = []
                for i in range(args.clicks):
                    times.append(click(page, app, i))
                    page.wait_for_timeout(random.uniform(100, 300))  # not in step with any timer
                bg = (swarm.clicks_sent - sent0) / (time.monotonic() - t0)
                run.steps[n] = Step(
                    n,
                    [t["first"] for t in times],
                    [t["done"] for t in times],
                    [t["arrived"] for t in times],
                    (rss - rss0) / n,
                    None if used is None or redis0 is None else (used - redis0) / n,
                    load,
                    bg,
                )
                p50 = _q(run.steps[n].done, 0.5)
                print(f"   {app} {stack} {n} tabs: p50 {p50:.1f} ms, load {load:.1f}", flush=True)
            run.hydrate_ms = swarm.hydrate_ms
        finally:
            swarm.close()
            page.context.close()
    finally:
        stop_server(proc)
    return run


def _kib(b: float | None) -> str:
    return "—" if b is None else f"{b / 1024:,.0f} KiB"


def _pp(xs: list[float]) -> str:
    return f"{_q(xs, 0.5):.1f} / {_q(xs, 0.99):.1f}"


def _table(app: Run, bare: Run) -> str:
    rows = [
        f"\n{app.stack}: click → DOM updated (ms, p50 / p99; 'at socket': the last state frame reached the page)\n",
        "| tabs | withUs: chip selected | withUs: list at socket | withUs: list updated | bare: at socket "
        "| bare: count updated | ratio p50 / p99 | server RSS per tab: withUs / bare "
        "| Redis per tab: withUs / bare | background events/s | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, a in app.steps.items():
        b = bare.steps[n]
        ratio = f"{_q(a.done, 0.5) / _q(b.done, 0.5):.1f} / {_q(a.done, 0.99) / _q(b.done, 0.99):.1f}"
        rows.append(
            f"| {n} | {_pp(a.first)} | {_pp(a.arrived)} | {_pp(a.done)} | {_pp(b.arrived)} | {_pp(b.done)} | {ratio} "
            f"| {_kib(a.rss_per_tab)} / {_kib(b.rss_per_tab)} | {_kib(a.redis_per_tab)} / {_kib(b.redis_per_tab)} "
            f"| {a.background_per_s:.1f} / {b.background_per_s:.1f} | {a.load:.1f} / {b.load:.1f} |"
        )
    for r in (app, bare):
        if r.hydrate_ms:
            rows.append(
                f"\n{r.app} protocol tabs: connect → hydrated p50 {_q(r.hydrate_ms, 0.5):.0f} ms, "
                f"p99 {_q(r.hydrate_ms, 0.99):.0f} ms ({len(r.hydrate_ms)} tabs, 10 at a time)"
            )
    return "\n".join(rows)


def _results(app: Run, bare: Run) -> list[Result]:
    out: list[Result] = []
    for n, a in app.steps.items():
        b = bare.steps[n]
        for q in (0.5, 0.99):
            out.append(
                Result(
                    f"chip click → list updated p{round(q * 100)}, {n} tabs, {app.stack} (`reflex_tabs`)",
                    _q(a.done, q),
                    "ms",
                    f"bare Reflex button p{round(q * 100)}",
                    _q(b.done, q),
                    "reported",
                    None,
                )
            )
        if n > 1:
            out.append(
                Result(
                    f"server RSS per connected tab, {n} tabs, {app.stack}",
                    a.rss_per_tab / 1024,
                    "KiB",
                    "bare Reflex",
                    b.rss_per_tab / 1024,
                    "reported",
                    None,
                )
            )
    return out


def run_args(args: argparse.Namespace) -> list[Result]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    tabs = sorted({int(t) for t in args.tabs.split(",")})
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]
    unknown = [s for s in stacks if s not in STACKS]
    if unknown or not tabs or tabs[0] < 1 or args.clicks < 1:
        raise SystemExit(f"reflex_tabs: --tabs ≥ 1, --clicks ≥ 1, --stacks among {', '.join(STACKS)}")
    results: list[Result] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for stack in stacks:
            app = _measure(browser, "withus", stack, args, tabs)
            bare = _measure(browser, "bare", stack, args, tabs)
            print(_table(app, bare), flush=True)
            results.extend(_results(app, bare))
        browser.close()
    return results


def run() -> list[Result]:
    return run_args(arguments().parse_args([]))


if __name__ == "__main__":
    run_args(arguments().parse_args())
