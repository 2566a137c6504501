"""A photo sent from one window shows up as a thumbnail in the other (no reload) and opens full size."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_realtime import LIVE, Person, api, browser_for, open_room, sign_up, wait_live


@pytest.fixture(scope="module")
def pair(server: Server) -> dict[str, Person]:
    return {"alice": sign_up(server, "photoa", "사진가"), "bob": sign_up(server, "photob", "구경꾼")}


def test_a_photo_reaches_the_other_window_as_a_thumbnail_that_opens_full_size(
    browser: Browser, server: Server, pair: dict[str, Person], tmp_path: Path
) -> None:
    alice, bob = pair["alice"], pair["bob"]
    room_id = open_room(server, alice, bob)
    photo = tmp_path / "바다.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (20, 110, 190)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    a: Page = browser_for(browser, server, alice)
    b: Page = browser_for(browser, server, bob, width=375, height=740)
    try:
        for pg in (a, b):
            pg.goto(f"/chat/{room_id}")
            wait_live(pg, "#chat-messages")
        a.locator('[data-testid="chat-photo"] input[type="file"]').set_input_files(str(photo))

        for pg in (a, b):
            thumb = pg.locator('[data-testid="message"] [data-testid="message-image"] img')
            expect(thumb).to_have_count(1, timeout=LIVE)
            expect(thumb).to_have_attribute("src", re.compile(r"/media/chat/[0-9a-f]{32}-t\.webp$"))
        stored = api(server, bob, "GET", f"/api/chat/rooms/{room_id}/messages").json()["items"]
        assert len(stored) == 1 and stored[0]["body"] == ""
        attachment = stored[0]["attachment"]
        assert (attachment["width"], attachment["height"]) == (1600, 1200)
        assert thumb_src(b) == attachment["thumbnail_url"]

        # On the phone-sized window: the thumbnail fits, a tap opens the full image, Esc closes it.
        box = b.locator('[data-testid="message-image"]').bounding_box()
        assert box is not None and box["width"] <= 375
        b.locator('[data-testid="message-image"]').click()
        full = b.locator('[data-testid="message-image-full"]')
        expect(full).to_be_visible()
        expect(full).to_have_attribute("src", attachment["url"])
        expect(full).to_have_js_property("naturalWidth", 1600)  # the full image loaded, not the thumbnail
        b.keyboard.press("Escape")
        expect(full).to_have_count(0)
        # The chat list's preview says what it is.
        b.goto("/chat")
        expect(b.locator('[data-testid="chat-room"]').first).to_contain_text("사진", timeout=LIVE)
    finally:
        a.context.close()
        b.context.close()


def thumb_src(pg: Page) -> str:
    return str(pg.locator('[data-testid="message-image"] img').first.get_attribute("src"))
