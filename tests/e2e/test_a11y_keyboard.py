"""Keyboard and screen-reader details axe cannot judge: the bell's panel walked with the keyboard,
one Tab stop per control, focus rings at >= 3:1, titles that name the page, reduced motion."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.a11y_site import Site
from tests.e2e.conftest import E2E_PASSWORD, Server

# WCAG's relative luminance and contrast ratio of two CSS rgb()/rgba() colours (alpha over white).
CONTRAST_JS = """([a, b]) => {
  const parse = c => { const m = c.match(/[\\d.]+/g).map(Number); const al = m.length > 3 ? m[3] : 1;
    return m.slice(0, 3).map(v => v * al + 255 * (1 - al)); };
  const lum = c => { const [r, g, bl] = parse(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl; };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}"""

# The outline of the focused control and the colour behind it (the first ancestor with a background).
RING_JS = """() => {
  // A text field draws its ring on the Radix wrapper around the <input> (:focus-within).
  let el = document.activeElement;
  for (let up = el, i = 0; up && i < 3; up = up.parentElement, i++) {
    if (getComputedStyle(up).outlineStyle !== 'none') { el = up; break; } }
  const st = getComputedStyle(el);
  let p = el.parentElement, bg = 'rgb(255, 255, 255)';
  while (p) { const c = getComputedStyle(p).backgroundColor;
    if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0')) { bg = c; break; } p = p.parentElement; }
  return {style: st.outlineStyle, width: parseFloat(st.outlineWidth), color: st.outlineColor, bg,
          text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 40)};
}"""


def _window(browser: Browser, server: Server, who: str | None, *, locale: str = "ko-KR", **extra: object) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale=locale, base_url=server.url, **extra)  # type: ignore[arg-type]
    context.set_default_timeout(20_000)
    pg = context.new_page()
    if who is not None:
        r = pg.request.post("/api/auth/login?cookie=true", data={"login": who, "password": E2E_PASSWORD})
        assert r.status == 200, r.text()
        context.add_cookies([{"name": "withus_locale", "value": locale[:2], "url": server.url}])
    return pg


@pytest.fixture
def host_page(browser: Browser, server: Server, site: Site) -> Iterator[Page]:
    pg = _window(browser, server, site.host)
    yield pg
    pg.context.close()


def _focused_inside(pg: Page, selector: str) -> bool:
    return bool(pg.evaluate("s => !!document.activeElement.closest(s)", selector))


@pytest.mark.timeout(900)  # the first test of a run also waits for the production build
def test_the_bell_opens_walks_and_closes_with_the_keyboard(host_page: Page, site: Site) -> None:
    pg = host_page
    pg.goto("/")
    bell = pg.locator("#notification-bell")
    expect(bell).to_have_attribute("data-live", "true")
    expect(pg.locator("#notification-badge")).to_be_visible()  # the member's comment and answer
    bell.focus()
    pg.keyboard.press("Enter")
    menu = pg.locator("#notification-menu")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("role", "dialog")
    items = menu.get_by_test_id("bell-item")
    expect(items.first).to_be_visible()
    # Tab walks the panel's controls: 모두 읽음, every item, 모든 알림 보기.
    reached = set()
    for _ in range(items.count() + 3):
        pg.keyboard.press("Tab")
        index = pg.evaluate(
            "() => [...document.querySelectorAll('#notification-menu [data-testid=bell-item]')]"
            ".indexOf(document.activeElement)"
        )
        if index >= 0:
            reached.add(index)
    assert reached == set(range(items.count())), f"Tab reached items {reached} of {items.count()}"
    pg.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    assert pg.evaluate("document.activeElement.id") == "notification-bell", "focus did not return to the bell"
    # Space opens it too, and Enter on an item follows it.
    pg.keyboard.press("Space")
    expect(menu).to_be_visible()
    while pg.evaluate("document.activeElement.dataset.testid") != "bell-item":
        pg.keyboard.press("Tab")
    pg.keyboard.press("Enter")  # the newest: the chat message, or the comment on the post
    expect(pg).to_have_url(re.compile(rf"/(chat/{site.room_id}|posts/{site.post_id})(#comment-\d+)?$"))


def test_every_control_is_one_tab_stop_and_shows_a_ring_of_3_to_1(host_page: Page, site: Site) -> None:
    pg = host_page
    seen: list[str] = []
    for path in ("/", f"/clubs/{site.club_id}", f"/posts/{site.post_id}", f"/events/{site.event_id}"):
        pg.goto(path)
        expect(pg.locator("#content")).to_be_visible()
        pg.wait_for_function("document.querySelectorAll('.rt-Skeleton').length === 0")
        nested = pg.evaluate(
            "[...document.querySelectorAll('a button, a input, a [tabindex], button a, button button')]"
            ".map(e => e.outerHTML.slice(0, 120))"
        )
        assert not nested, f"{path}: a control inside a control (two Tab stops): {nested}"
        pg.locator("body").focus()
        for _ in range(40):
            pg.keyboard.press("Tab")
            ring = pg.evaluate(RING_JS)
            if pg.evaluate("document.activeElement === document.body"):
                break
            assert ring["style"] != "none" and ring["width"] >= 2, f"{path}: no focus ring on {ring}"
            ratio = pg.evaluate(CONTRAST_JS, [ring["color"], ring["bg"]])
            assert ratio >= 3, f"{path}: focus ring {ring['color']} on {ring['bg']} is {ratio:.2f}:1 ({ring['text']})"
            seen.append(ring["text"])
    assert any(t in ("전체", "게임") for t in seen), "the grey category chips were not among the controls checked"


@pytest.mark.parametrize(("locale", "generic"), [("ko-KR", "모임 — withUs"), ("en-US", "Club — withUs")])
def test_titles_name_the_club_post_and_event(
    browser: Browser, server: Server, site: Site, locale: str, generic: str
) -> None:
    pg = _window(browser, server, site.host, locale=locale)
    pg.goto(f"/clubs/{site.club_id}")
    expect(pg).to_have_title(f"{site.club_name} — {generic}")
    pg.goto(f"/posts/{site.post_id}")
    expect(pg).to_have_title(f"{site.post_title} — " + ("게시글 — withUs" if locale == "ko-KR" else "Post — withUs"))
    pg.goto(f"/events/{site.event_id}")
    expect(pg).to_have_title(f"{site.event_title} — " + ("일정 — withUs" if locale == "ko-KR" else "Event — withUs"))
    pg.context.close()


def test_reduced_motion_turns_off_the_animations(browser: Browser, server: Server, site: Site) -> None:
    longest = {}
    for motion in ("no-preference", "reduce"):
        pg = _window(browser, server, site.host, reduced_motion=motion)
        pg.goto("/")
        pg.locator("#user-menu").click()
        menu = pg.get_by_role("menu")
        expect(menu).to_be_visible()
        # Computed durations are in seconds ("0.16s, 0s" or "1e-05s").
        longest[motion] = menu.evaluate(
            "e => Math.max(...getComputedStyle(e).animationDuration.split(',').map(parseFloat))"
        )
        pg.context.close()
    assert longest["no-preference"] > 0.05, longest  # Radix's menu does animate by default
    assert longest["reduce"] < 0.001, longest
