"""Browser tests: the production server started as ``make run`` starts it
(``deploy/serve_built.py``: Reflex's production backend with the built pages on one port, in its
own process group, with its own data folder), driven by Debian's Chromium through Playwright.
Every server of the run serves one build of the pages (``tests/built_pages.py``).

Reflex's AppHarness runs the backend inside the test process, where it would
share settings, the engine and the event loop with the other tests; a separate
process is also what users run.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from deploy import serve_built
from tests import built_pages

ROOT = Path(__file__).resolve().parents[2]
# `make screenshots` (UPDATE_SCREENSHOTS=1) refreshes the README's pictures; a plain
# test run takes them too, into a scratch folder, so the work tree stays clean.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    # a folder of this run's own: two runs at once must not see each other's pictures
    else Path(tempfile.gettempdir()) / f"withus-screenshots-{os.getpid()}"
)


def _drop_old_screenshot_folders() -> None:
    """The scratch folders of earlier runs whose process is gone (kept until then, to look at)."""
    for folder in Path(tempfile.gettempdir()).glob("withus-screenshots-*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)


if os.environ.get("UPDATE_SCREENSHOTS") != "1":
    _drop_old_screenshot_folders()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# Assertions wait as long as actions (the page fixture's 15 s), not Playwright's 5 s: on a loaded
# machine a page's first Reflex event can take longer than 5 s to come back.
expect.set_options(timeout=15_000)


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]
    log: Path

    def outbox(self) -> list[Path]:
        box = self.data_dir / "outbox"
        return sorted(box.glob("*.eml")) if box.exists() else []


def start_server(
    *, env_extra: dict[str, str] | None = None, name: str = "app"
) -> tuple[subprocess.Popen[bytes], Server]:
    """The production server on its own loopback address and the run's port, on the run's one
    build of the pages (``tests/built_pages.py``; the first start builds it)."""
    host, port = built_pages.next_host(), built_pages.PORT
    url = f"http://{host}:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix=f"withus-e2e-{name}-"))
    env = {
        k: v
        for k, v in os.environ.items()
        # PROMETHEUS_MULTIPROC_DIR: the test process's own, once it has imported the metrics;
        # the server must pick a folder of its own under its DATA_DIR.
        if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST", "ENV", "PYTEST_CURRENT_TEST", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        {
            "DATA_DIR": str(data_dir),
            "PORT": str(port),
            "PUBLIC_URL": url,  # mail links and the allowed origins
            **serve_built.tool_env(env),
        }
    )
    env.update(env_extra or {})
    log = data_dir / "server.log"
    python = Path(sys.executable)
    subprocess.run([python, "-m", "withus.cli", "migrate"], cwd=ROOT, env=env, check=True)
    serve_built.build(env, built_pages.API_URL, log=log)
    proc = subprocess.Popen(
        serve_built.command(host, port),
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-4000:]}")
        try:
            healthy = httpx.get(f"{url}/api/health", timeout=2).status_code == 200
            if healthy and httpx.get(url, timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    else:
        stop_server(proc)
        raise RuntimeError(f"server did not start:\n{log.read_text()[-4000:]}")
    # Server.env is for the one-shot scripts the tests run beside the server (seeding, `withus.cli
    # admin`): like withus.cli, they keep their metrics in memory, not in the server's folder.
    helpers_env = {**env, "WITHUS_METRICS_IN_MEMORY": "1"}
    return proc, Server(url=url, data_dir=data_dir, env=helpers_env, log=log)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    proc, srv = start_server()
    try:
        yield srv
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def pg_server(server: Server) -> Iterator[Server]:
    """The same pages on PostgreSQL + Redis with two workers, one for the whole run, beside
    ``server`` on a loopback address of its own."""
    from tests.conftest import STACK_PARAMS, pg_urls

    if "pg" not in STACK_PARAMS:
        pytest.skip("WITHUS_TEST_STACKS has no pg")
    database_url, redis_url = pg_urls()
    proc, srv = start_server(
        name="pg",
        env_extra={"DATABASE_URL": database_url, "REDIS_URL": redis_url, "GRANIAN_WORKERS": "2"},
    )
    try:
        yield srv
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: Server) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ko-KR", base_url=server.url)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(scope="session")
def site(server: Server, tmp_path_factory: pytest.TempPathFactory) -> object:
    """tests/e2e/a11y_site.py's content, built once for the axe tour and the keyboard tests: both only
    look at it (opening the bell or a page marks nothing read that the other counts on)."""
    from tests.e2e.a11y_site import build_site

    return build_site(server, tmp_path_factory.mktemp("a11y"))


def screenshot(page: object, name: str) -> Path:
    """Saves a screenshot (for the README with UPDATE_SCREENSHOTS=1), after fonts have loaded."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready")  # type: ignore[attr-defined]
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)


# --- accounts: users, mail codes and login for browser tests -----------------------------------

E2E_PASSWORD = "e2e-Passw0rd!"


def create_user(
    server: Server,
    username: str,
    *,
    password: str = E2E_PASSWORD,
    nickname: str | None = None,
    email: str | None = None,
    introduction: str = "",
    tags: list[str] | None = None,
) -> int:
    """A user written straight into the server's database (no mail, no rate limit); returns its id.

    Sign-up itself is covered by tests/e2e/test_accounts.py; other tests start from here.
    """
    code = (
        "import asyncio, json, sys\n"
        "from withus.db import sessionmaker\n"
        "from tests.factories import make_user\n"
        "async def main():\n"
        "    a = json.loads(sys.argv[1])\n"
        "    async with sessionmaker()() as s:\n"
        "        u = await make_user(s, **a)\n"
        "        print(u.id)\n"
        "asyncio.run(main())\n"
    )
    # Each call is a new process: the factory's counter would repeat its default nickname.
    args = {"username": username, "password": password, "nickname": nickname or username, "email": email}
    args.update({"introduction": introduction, "tags": tags or []})
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)], cwd=ROOT, env=server.env, check=True, capture_output=True
    )
    return int(out.stdout.decode().strip().splitlines()[-1])


def read_code(server: Server, address: str, *, after: int = 0, timeout: float = 15.0) -> str:
    """The 6-digit code of the newest verification mail to ``address`` in the outbox.

    ``after``: how many outbox files existed before the request (``len(server.outbox())``).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in reversed(server.outbox()[after:]):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(msg["To"]).strip().lower() != address.lower():
                continue
            body = msg.get_body(preferencelist=("plain",))
            text = f"{msg['Subject']}\n{body.get_content() if body else ''}"
            found = re.search(r"\b(\d{6})\b", text)
            if found:
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no verification mail to {address} in {server.data_dir / 'outbox'}")


def login(page: object, username: str, password: str = E2E_PASSWORD, *, next_path: str = "/") -> None:
    """Logs in through the /login form and waits for the full page load that follows."""
    from playwright.sync_api import expect

    pg: Any = page
    pg.goto("/login" + (f"?next={next_path}" if next_path != "/" else ""))
    pg.get_by_label("아이디 또는 이메일").fill(username)
    pg.get_by_label("비밀번호").fill(password)
    pg.get_by_role("button", name="로그인").click()
    expect(pg.get_by_role("button", name="내 계정 메뉴")).to_be_visible(timeout=15_000)
