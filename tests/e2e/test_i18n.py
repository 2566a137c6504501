"""Korean and English: the first guess from the browser's languages, the header switch, <html lang>."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server


@pytest.fixture
def english_page(browser: object, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US", base_url=server.url)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def test_an_english_browser_gets_english_first_and_can_switch(english_page: Page) -> None:
    page = english_page
    page.goto("/")
    expect(page.get_by_role("link", name="Find clubs")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="한국어로 보기").click()
    expect(page.get_by_role("link", name="모임 찾기")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["withus_locale"] == "ko"
    page.goto("/")  # remembered
    expect(page.get_by_role("link", name="모임 찾기")).to_be_visible()


def test_a_korean_browser_gets_korean_and_can_switch_to_english(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("link", name="모임 찾기")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("link", name="Find clubs")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
