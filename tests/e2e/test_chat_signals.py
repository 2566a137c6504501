"""Two windows on one 1:1 room: 읽음 under my message once the other person has it open, and
"…님이 입력 중" while they type, gone after a few seconds of silence or when their message comes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_realtime import LIVE, Person, browser_for, messages, open_room, sign_up, type_and_send, wait_live


@pytest.fixture(scope="module")
def pair(server: Server) -> dict[str, Person]:
    return {"alice": sign_up(server, "reada", "읽기"), "bob": sign_up(server, "readb", "쓰기")}


def test_read_receipt_and_typing_between_two_windows(browser: Browser, server: Server, pair: dict[str, Person]) -> None:
    alice, bob = pair["alice"], pair["bob"]
    room_id = open_room(server, alice, bob)
    a: Page = browser_for(browser, server, alice)
    b: Page | None = None
    try:
        a.goto(f"/chat/{room_id}")
        wait_live(a, "#chat-messages")
        type_and_send(a, "보셨나요?")
        expect(messages(a)).to_have_count(1, timeout=LIVE)
        expect(a.locator('[data-testid="message-read"]')).to_have_count(0)

        b = browser_for(browser, server, bob, width=375, height=740)
        b.goto(f"/chat/{room_id}")
        wait_live(b, "#chat-messages")
        # Bob's open room read it: 읽음 under Alice's message, in her window, no reload.
        read = a.locator('[data-testid="message"]').last.locator('[data-testid="message-read"]')
        expect(read).to_have_text("읽음", timeout=LIVE)
        expect(b.locator('[data-testid="message-read"]')).to_have_count(0)  # not under the other's message

        # Bob types and stops: Alice sees it, then it goes by itself.
        b.locator("#chat-input").click()
        b.locator("#chat-input").type("잠깐만")
        expect(a.locator("#chat-typing")).to_have_text(f"{bob.nickname}님이 입력 중…", timeout=LIVE)
        expect(b.locator("#chat-typing")).to_have_count(0)  # never one's own
        expect(a.locator("#chat-typing")).to_have_count(0, timeout=LIVE)

        # He types again and sends: the indicator leaves with his message's arrival.
        b.locator("#chat-input").type("요")
        expect(a.locator("#chat-typing")).to_be_visible(timeout=LIVE)
        b.locator("#chat-input").press("Enter")
        expect(messages(a).last).to_have_text("잠깐만요", timeout=LIVE)
        expect(a.locator("#chat-typing")).to_have_count(0)

        # Alice answers while Bob's window is open: 읽음 moves to her newest message.
        type_and_send(a, "네")
        expect(messages(a)).to_have_count(3, timeout=LIVE)
        expect(a.locator('[data-testid="message-read"]')).to_have_count(1, timeout=LIVE)
        expect(a.locator('[data-testid="message"]').last.locator('[data-testid="message-read"]')).to_have_count(
            1, timeout=LIVE
        )
    finally:
        a.context.close()
        if b is not None:
            b.context.close()
