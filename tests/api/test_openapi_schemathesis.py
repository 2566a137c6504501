"""Schemathesis (an outside tool) over the whole OpenAPI document, with every check on.

The API runs as its own server process (``uvicorn api:build_server --factory``, what the
benchmarks run) on this test's stack; schemathesis's CLI drives it over HTTP, once logged out
and once logged in with a real access token, with ``--checks all``: no 5xx, no status code,
content type, header or body the document does not declare, invalid data refused, valid data
accepted (``tests/api/schemathesis.toml`` names the few rules no schema can state), auth
enforced where it is declared, 405 with a true ``Allow``. Its summary is printed (``-s``) and
the test fails on any failure or error it reports.

Bounded: a few examples per operation (``generation.max-examples``), the stateful phase off.
Logged in, the operations that end the login itself (logout, logout-all) and the endless SSE
stream are left out; logged out they are in. It runs once, on PostgreSQL + Redis (on SQLite
when only the embedded stack is selected).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from pathlib import Path

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import make_club
from tests.conftest import STACK_PARAMS, Stack
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HERE = Path(__file__).parent
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CONFIG = HERE / "schemathesis.toml"
SEED = "12"
# What ends the login the run is using, or never ends.
LOGGED_IN_EXCLUDED = ["/api/auth/logout", "/api/auth/logout-all", "/api/notifications/stream"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _start_server(tmp_path: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = _free_port()
    env = {**os.environ, "MEDIA_DIR": str(tmp_path / "media"), "PYTHONDONTWRITEBYTECODE": "1"}
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "api:build_server",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        env=env,
        stdout=(tmp_path / "server.log").open("wb"),
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(600):
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return server, base
            except httpx.TransportError:
                pass
            if server.returncode is not None:
                break
            await asyncio.sleep(0.2)
    server.kill()
    raise AssertionError(f"the API server did not start: {(tmp_path / 'server.log').read_text()[-2000:]}")


async def _schemathesis(base: str, tmp_path: Path, name: str, extra: list[str]) -> str:
    report = tmp_path / f"{name}.txt"
    args = [
        str(SCHEMATHESIS),
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/api/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        # one worker: with two, hypothesis's lambda descriptions (ast.parse in threads) once failed
        # with "AST constructor recursion depth mismatch", an error of the tools, not of the API
        "--workers",
        "1",
        "--seed",
        SEED,
        "--no-shrink",
        # a hang, not a speed figure: the machine is shared and a login's bcrypt queues under load
        "--max-response-time",
        "25",
        *extra,
    ]
    with report.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=out, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path
        )
        code = await process.wait()
    text = report.read_text()
    print(f"\n---- schemathesis {name}: exit {code}\n" + _summary(text))
    assert code == 0, text[-20000:]
    return text


def _summary(text: str) -> str:
    start = text.find("SUMMARY")
    return text[start:] if start >= 0 else text[-4000:]


def _no_server_errors(server_log: Path) -> None:
    log = server_log.read_text()
    assert "Traceback" not in log, log[-5000:]


async def _run(tmp_path: Path, logged_in: bool, session: AsyncSession, stack: Stack) -> None:
    if stack.name == "embedded" and "pg" in STACK_PARAMS:
        pytest.skip("run once, on the production stack (PostgreSQL + Redis)")
    user = await make_user(session, username="fuzzer", email="fuzzer@example.com")
    other = await make_user(session)
    await make_club(session, host=user)
    await make_club(session, host=other)
    server, base = await _start_server(tmp_path)
    try:
        extra: list[str] = []
        if logged_in:
            async with httpx.AsyncClient(base_url=base) as client:
                r = await client.post("/api/auth/login", json={"login": "fuzzer", "password": DEFAULT_PASSWORD})
                assert r.status_code == 200, r.text
                token = r.json()["access_token"]
            extra = ["-H", f"Authorization: Bearer {token}"]
            for path in LOGGED_IN_EXCLUDED:
                extra += ["--exclude-path", path]
        text = await _schemathesis(base, tmp_path, "logged-in" if logged_in else "logged-out", extra)
        assert re.search(r"Tested: (\d+)", text), text[-3000:]
    finally:
        server.terminate()
        await server.wait()
    _no_server_errors(tmp_path / "server.log")


async def test_schemathesis_logged_out(tmp_path: Path, session: AsyncSession, stack: Stack) -> None:
    await _run(tmp_path, False, session, stack)


async def test_schemathesis_logged_in(tmp_path: Path, session: AsyncSession, stack: Stack) -> None:
    await _run(tmp_path, True, session, stack)
