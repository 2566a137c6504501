"""Two Chromium windows behind nginx, their Reflex event sockets spread over two instances
(Reflex's state in Redis): two people chat live and each sees the other's message."""

from __future__ import annotations

import pytest

from deploy.local import LocalDeployment
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import DEFAULT_PASSWORD
from tests.scaleout.clients import rest
from tests.scaleout.conftest import Seeder

pytestmark = pytest.mark.e2e
LIVE = 20_000  # ms


async def test_two_browsers_behind_nginx_chat_live_across_instances(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    from playwright.async_api import async_playwright, expect

    data = seeder({"users": ["alice", "bob"], "rooms": [["alice", "bob"]]})
    names, room = data["users_by_name"], data["rooms"]["alice:bob"]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {}
            for who in ("alice", "bob"):
                context = await browser.new_context(locale="ko-KR", base_url=deployment.url)
                context.set_default_timeout(LIVE)
                page = await context.new_page()
                r = await page.request.post(
                    "/api/auth/login?cookie=true", data={"login": names[who], "password": DEFAULT_PASSWORD}
                )
                assert r.status == 200, await r.text()
                await page.goto(f"/chat/{room}")
                await expect(page.locator("#chat-messages")).to_have_attribute("data-live", "true", timeout=LIVE)
                pages[who] = page
            a, b = pages["alice"], pages["bob"]

            for sender, receiver, text in ((a, b, "B 창에서 보여요?"), (b, a, "네, A 창으로 왔어요!")):
                box = sender.locator("#chat-input")
                await box.click()
                await box.type(text)
                await box.press("Enter")
                bodies = receiver.locator('[data-testid="message"] [data-testid="message-body"]')
                await expect(bodies.last).to_have_text(text, timeout=LIVE)
            await expect(a.get_by_text("Cannot connect to server")).to_have_count(0)
        finally:
            await browser.close()
    stored = await rest(deployment.url, data["users"]["bob"]["access_token"], "GET", f"/api/chat/rooms/{room}/messages")
    assert [m["body"] for m in stored["items"]] == ["B 창에서 보여요?", "네, A 창으로 왔어요!"]
