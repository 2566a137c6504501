"""Metrics across the worker processes of one server (prometheus-client's multiprocess mode)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.ops.metrics_helpers import value

ROOT = Path(__file__).resolve().parents[2]


def _start(code: str, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gauges_add_up_over_live_processes_and_counters_over_all(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DATA_DIR": str(tmp_path / "data")}
    holder = _start(
        """
        import sys, time
        from withus.observability import metrics
        metrics.connection_opened("stomp"); metrics.connection_opened("stomp")
        print("ready", flush=True)
        time.sleep(60)
        """,
        env,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        # A worker that is killed cannot clean up after itself; its connections are gone with it.
        _run(
            """
            import os
            from withus.observability import metrics
            metrics.connection_opened("stomp")
            metrics.messages_stored(5)
            os._exit(0)
            """,
            env,
        )
        text = _run(
            """
            from withus.observability import metrics
            print(metrics.render()[0].decode())
            """,
            env,
        )
        assert value(text, "withus_open_connections", kind="stomp") == 2
        assert value(text, "withus_connections_total", kind="stomp") == 3
        assert value(text, "withus_chat_messages_stored_total") == 5
    finally:
        holder.kill()
        holder.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[str]:
    """``uvicorn api:build_server --factory --workers 2`` on the embedded stack, as the benchmarks run it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "REDIS_URL", "DATABASE_URL")}
    env.update(DATA_DIR=str(tmp_path / "data"), ENV="development", ACCESS_LOG="false")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api:build_server", "--factory", "--workers", "2", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health/live", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def test_every_worker_is_counted_whichever_answers_the_scrape(two_workers: str, tmp_path: Path) -> None:
    route = "/api/health/ready"
    count = "withus_http_request_duration_seconds_count"
    before = [value(httpx.get(f"{two_workers}/metrics").text, count, route=route)]
    for _ in range(40):
        with httpx.Client() as fresh:  # a new connection each time: the workers take turns accepting
            assert fresh.get(f"{two_workers}{route}").status_code == 200
    scrapes = []
    for _ in range(6):
        with httpx.Client() as fresh:
            text = fresh.get(f"{two_workers}/metrics").text
        scrapes.append(value(text, count, route=route))
    assert before == [0]
    assert scrapes == [40] * 6
    folder = tmp_path / "data" / "metrics"
    workers = {p.name for p in folder.glob("ppid-*/histogram_*.db")}
    assert len(workers) >= 2, workers


def test_a_command_keeps_its_metrics_in_memory_and_leaves_no_folder(tmp_path: Path) -> None:
    """``python -m withus.cli migrate`` is not a server: no ``ppid-`` folder of files nobody reads."""
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "DATABASE_URL")}
    env.update({"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{tmp_path / 'withus.db'}"})
    done = subprocess.run(
        [sys.executable, "-m", "withus.cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "withus.db").exists()
    assert not (tmp_path / "data" / "metrics").exists() or not any((tmp_path / "data" / "metrics").iterdir())
