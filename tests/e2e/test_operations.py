"""The site as `make run` serves it (`reflex run --env prod`, granian): /metrics counts the pages'
event sockets and every worker, and the log has an access line per /api request."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.ops.metrics_helpers import value


def _scrape(server: Server) -> str:
    r = httpx.get(f"{server.url}/metrics", timeout=10)  # from 127.0.0.1: a TRUSTED_PROXIES address
    assert r.status_code == 200
    return r.text


def test_an_open_page_is_an_open_reflex_socket(page: Page, server: Server) -> None:
    page.goto("/")
    expect(page.get_by_role("link", name="withUs 홈")).to_be_visible()
    deadline = time.monotonic() + 15
    while value(_scrape(server), "withus_open_connections", kind="reflex") < 1 and time.monotonic() < deadline:
        time.sleep(0.2)  # the socket opens after the page's script runs
    text = _scrape(server)
    assert value(text, "withus_open_connections", kind="reflex") >= 1
    assert value(text, "withus_http_request_duration_seconds_count", route="site") >= 1
    # The folder of this server's workers, under its own DATA_DIR (rxconfig.py set it up); the
    # migrate command run before the server left none of its own.
    folders = list((server.data_dir / "metrics").iterdir())
    assert len(folders) == 1 and any(folders[0].glob("counter_*.db"))


def test_the_log_has_an_access_line_per_api_request(server: Server) -> None:
    assert httpx.get(f"{server.url}/api/clubs/categories", headers={"X-Request-ID": "e2e-log-1"}).status_code == 200
    deadline = time.monotonic() + 10
    while "request_id=e2e-log-1" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    (line,) = [line for line in server.log.read_text().splitlines() if "request_id=e2e-log-1" in line]
    assert "withus.access GET /api/clubs/categories 200" in line and "route=/api/clubs/categories" in line
