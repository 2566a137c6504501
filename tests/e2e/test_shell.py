"""The production server starts, answers /api/health and renders the shell in Chromium."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot


def test_health_answers_on_the_single_port(server: Server) -> None:
    r = httpx.get(f"{server.url}/api/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_home_page_renders_in_korean_with_the_header(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("link", name="withUs 홈")).to_be_visible()
    expect(page.get_by_role("link", name="모임 찾기")).to_be_visible()
    expect(page.get_by_role("link", name="내 모임")).to_be_visible()
    expect(page.get_by_role("link", name="채팅")).to_be_visible()
    expect(page.get_by_role("heading", name="함께할 모임을 찾아보세요")).to_be_visible()
    # The self-hosted Korean font is in use (Chromium here has no CJK font of its own).
    assert page.evaluate("document.fonts.check('16px \"Pretendard Variable\"', '모임')")
    screenshot(page, "home")


def test_unknown_address_shows_the_404_page(page: Page) -> None:
    page.goto("/this/does/not/exist")
    expect(page.get_by_text("페이지를 찾을 수 없습니다")).to_be_visible()
    home = page.url.split("/this")[0] + "/"  # read before the click: afterwards the address may have changed
    page.get_by_role("link", name="홈으로 가기").click()
    expect(page).to_have_url(home)


def test_home_fits_a_phone_screen(browser: object, server: Server) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=server.url, is_mobile=True, locale="ko-KR"
    )  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.goto("/")
    expect(pg.get_by_role("heading", name="함께할 모임을 찾아보세요")).to_be_visible()
    overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than a 375px screen"
    screenshot(pg, "home-phone")
    context.close()
