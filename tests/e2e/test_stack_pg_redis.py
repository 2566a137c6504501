"""The same production server on PostgreSQL + Redis: migrations, health, Reflex's
state manager on Redis, and a page that renders and reacts in Chromium."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server


def test_health_reports_postgres_and_redis(pg_server: Server) -> None:
    r = httpx.get(f"{pg_server.url}/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "redis": "ok", "redis_mode": "redis"}


def test_pages_render_with_state_on_redis(browser: Browser, pg_server: Server) -> None:
    context = browser.new_context(base_url=pg_server.url, locale="ko-KR")
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("link", name="withUs 홈")).to_be_visible()
    # The 404 page's link navigates on the client; Reflex's event socket (its state in Redis)
    # must be connected for the router to hydrate, and no connection-error banner may show.
    page.goto("/this/does/not/exist")
    expect(page.get_by_text("페이지를 찾을 수 없습니다")).to_be_visible()
    page.get_by_role("link", name="홈으로 가기").click()
    expect(page).to_have_url(f"{pg_server.url}/")
    expect(page.get_by_role("heading", name="함께할 모임을 찾아보세요")).to_be_visible()
    expect(page.get_by_text("Cannot connect to server")).to_have_count(0)
    context.close()
