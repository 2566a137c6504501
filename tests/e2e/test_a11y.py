"""Every page, checked by axe-core: PRODUCT.md §8 and §13's addresses with real content
(tests/e2e/a11y_site.py), anonymous and logged in, with its dialogs and menus open, at 1280 and
375 px, in Korean and English: no moderate, serious or critical violation.

The same tour takes the README's gallery: one picture a page, language and width
(docs/screenshots/pages/ with ``make screenshots``; a scratch folder otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.a11y_site import Site
from tests.e2e.axe import describe, serious_violations
from tests.e2e.conftest import E2E_PASSWORD, SCREENSHOTS, Server

NESTED_JS = """[...document.querySelectorAll(
  'a button, a input, a select, a textarea, a [tabindex]:not([tabindex="-1"]), button a, button button')]
  .map(e => e.outerHTML.slice(0, 160))"""
WIDTHS = {"desktop": (1280, 860), "phone": (375, 740)}
LOCALES = {"ko": "ko-KR", "en": "en-US"}


@dataclass(frozen=True)
class Case:
    name: str
    path: Callable[[Site], str]
    who: str | None  # None: anonymous; "host" or "member"
    ready: Callable[[Page, Site], Any] = lambda pg, s: pg.locator("main")
    action: Callable[[Page, Site], Any] | None = None  # opens a dialog or a menu
    shot: bool = True


def _text(text: Callable[[Site], str]) -> Callable[[Page, Site], Any]:
    return lambda pg, s: pg.get_by_text(text(s), exact=True).first


def _click(selector: str) -> Callable[[Page, Site], Any]:
    return lambda pg, s: pg.locator(selector).first.click()


def _button(ko: str, en: str) -> Callable[[Page, Site], Any]:
    return lambda pg, s: pg.get_by_role("button", name=ko).or_(pg.get_by_role("button", name=en)).first.click()


def _open_tab_then(tab_ko: str, tab_en: str, button_ko: str, button_en: str) -> Callable[[Page, Site], Any]:
    def run(pg: Page, s: Site) -> None:
        pg.get_by_role("tab", name=tab_ko).or_(pg.get_by_role("tab", name=tab_en)).click()
        _button(button_ko, button_en)(pg, s)

    return run


CLUB = _text(lambda s: s.club_name)
POST = _text(lambda s: s.post_title)
EVENT = _text(lambda s: s.event_title)

CASES = [
    # Anonymous visitors.
    Case("home-guest", lambda s: "/", None, CLUB),
    Case("login", lambda s: "/login", None, lambda pg, s: pg.locator("form input").first),
    Case("signup", lambda s: "/signup", None, lambda pg, s: pg.locator("form input").first),
    Case("forgot-password", lambda s: "/forgot-password", None, lambda pg, s: pg.locator("form input").first),
    Case("reset-password", lambda s: "/reset-password?token=not-a-token", None),
    Case("club-guest", lambda s: f"/clubs/{s.club_id}", None, CLUB),
    Case("post-guest", lambda s: f"/posts/{s.post_id}", None, POST),
    Case("event-guest", lambda s: f"/events/{s.event_id}", None, EVENT),
    # (/users/{id} asks a visitor to log in first: the login page above.)
    Case("not-found", lambda s: "/no/such/page", None),
    # Logged in.
    Case("home", lambda s: "/", "host", CLUB),
    Case("club-new", lambda s: "/clubs/new", "host", lambda pg, s: pg.locator("form input").first),
    Case("club", lambda s: f"/clubs/{s.club_id}", "host", CLUB),
    Case("club-edit", lambda s: f"/clubs/{s.club_id}/edit", "host", lambda pg, s: pg.locator("form input").first),
    Case("club-manage", lambda s: f"/clubs/{s.club_id}/manage", "host", _text(lambda s: "하늘" + s.member[-4:])),
    Case("post", lambda s: f"/posts/{s.post_id}", "host", POST),
    Case("my-clubs", lambda s: "/me/clubs", "host", CLUB),
    Case("my-events", lambda s: "/me/events", "host", EVENT),
    Case("event", lambda s: f"/events/{s.event_id}", "host", EVENT),
    Case("chat-list", lambda s: "/chat", "host", lambda pg, s: pg.locator("#chat-rooms")),
    Case("chat-room", lambda s: f"/chat/{s.room_id}", "host", lambda pg, s: pg.locator("#chat-input")),
    Case("notifications", lambda s: "/notifications", "host", lambda pg, s: pg.locator("#read-all")),
    Case("profile", lambda s: f"/users/{s.host_id}", "member", lambda pg, s: pg.locator("#profile-nickname")),
    Case("settings", lambda s: "/settings", "host", lambda pg, s: pg.locator("#save-profile")),
    Case(
        "settings-notifications",
        lambda s: "/settings/notifications",
        "host",
        lambda pg, s: pg.locator("main input, main button[role=switch], main button[role=checkbox]").first,
    ),
    Case("admin-reports", lambda s: "/admin/reports", "host", _text(lambda s: "테스트 신고입니다.")),
    # Dialogs and menus open.
    Case("bell-open", lambda s: "/", "host", CLUB, _click("#notification-bell"), shot=False),
    Case("account-menu-open", lambda s: "/", "host", CLUB, _click("#user-menu"), shot=False),
    Case("write-dialog", lambda s: f"/clubs/{s.club_id}", "host", CLUB, _button("글쓰기", "Write"), shot=False),
    Case(
        "event-dialog",
        lambda s: f"/clubs/{s.club_id}",
        "host",
        CLUB,
        _open_tab_then("일정", "Events", "새 일정", "New event"),
        shot=False,
    ),
    Case("report-dialog", lambda s: f"/posts/{s.post_id}", "member", POST, _button("신고", "Report"), shot=False),
    Case(
        "delete-account-dialog",
        lambda s: "/settings",
        "host",
        lambda pg, s: pg.locator("#save-profile"),
        _click("#open-delete"),
        shot=False,
    ),
]


@pytest.fixture(scope="module")
def contexts(browser: Browser, server: Server, site: Site) -> Iterator[Callable[[str, str | None], BrowserContext]]:
    """One browser context a language and visitor for the whole tour, logged in once: its cookies and
    HTTP cache carry from page to page as they do for a person browsing. Each case opens a tab of its
    own (a Reflex session of its own)."""
    opened: dict[tuple[str, str | None], BrowserContext] = {}

    def get(locale: str, who: str | None) -> BrowserContext:
        if (locale, who) in opened:
            return opened[locale, who]
        w, h = WIDTHS["desktop"]
        context = browser.new_context(viewport={"width": w, "height": h}, locale=LOCALES[locale], base_url=server.url)
        context.set_default_timeout(20_000)
        opened[locale, who] = context
        if who is not None:
            username = site.host if who == "host" else site.member
            data = {"login": username, "password": E2E_PASSWORD}
            r = context.request.post("/api/auth/login?cookie=true", data=data)
            assert r.status == 200, r.text()
            # The login set the account's language (Korean); this tour wants the one of the case.
            context.add_cookies([{"name": "withus_locale", "value": locale, "url": server.url}])
        return context

    yield get
    for context in opened.values():
        context.close()


@pytest.fixture
def tab(contexts: Callable[[str, str | None], BrowserContext]) -> Iterator[Callable[[str, str | None], Page]]:
    pages: list[Page] = []

    def make(locale: str, who: str | None) -> Page:
        pages.append(contexts(locale, who).new_page())
        return pages[-1]

    yield make
    for pg in pages:
        pg.close()


def settle(pg: Page) -> None:
    """Data in, skeletons gone, fonts loaded, no animation running (a dialog's fade-in would fool contrast)."""
    pg.wait_for_function("document.querySelectorAll('.rt-Skeleton').length === 0")
    pg.evaluate("document.fonts.ready")
    pg.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def _check(pg: Page, case: Case, site: Site, locale: str, width: str) -> list[str]:
    """The page as it is now, at this width: its picture, then axe and the nesting check."""
    if case.action is not None:
        case.action(pg, site)
        expect(pg.locator("[role=dialog], [role=menu], [role=alertdialog]").first).to_be_visible()
        settle(pg)
    if case.shot:
        folder = SCREENSHOTS / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(folder / f"{case.name}-{locale}-{width}.png"))
    label = f"{case.name} {locale} {width}"
    problems = []
    found = serious_violations(pg, label)
    if found:
        problems.append(f"{label}:\n{describe(found)}")
    # One Tab stop per control: nothing focusable inside a link or a button (axe does not check this).
    nested = pg.evaluate(NESTED_JS)
    if nested:
        problems.append(f"{label}: a control inside a control: {nested}")
    if case.action is not None:  # closed again, so that the next width opens it from its own layout
        pg.keyboard.press("Escape")
        expect(pg.locator(":is([role=dialog], [role=menu], [role=alertdialog]):visible")).to_have_count(0)
    return problems


@pytest.mark.timeout(900)  # the first test of a run also waits for the production build
@pytest.mark.parametrize("locale", list(LOCALES))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_has_no_serious_axe_violation(
    case: Case, locale: str, site: Site, tab: Callable[[str, str | None], Page]
) -> None:
    """Both widths from one page load: checked at 1280 px, then the window narrowed to 375 px (the
    layout is CSS media queries only, so a narrowed window lays out as a phone's does)."""
    pg = tab(locale, case.who)
    pg.goto(case.path(site))
    expect(case.ready(pg, site)).to_be_visible()
    settle(pg)
    problems: list[str] = []
    for width, (w, h) in WIDTHS.items():
        if case.action is not None and locale == "en" and width == "phone":
            continue  # dialogs: Korean at both widths and English on desktop are enough
        if pg.viewport_size != {"width": w, "height": h}:
            pg.set_viewport_size({"width": w, "height": h})
            pg.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            settle(pg)
        problems += _check(pg, case, site, locale, width)
    assert not problems, "\n".join(problems)


def test_gallery_index_lists_every_picture() -> None:
    """docs/screenshots/pages/README.md: the gallery's table, one row a page (both languages, both widths)."""
    folder = SCREENSHOTS / "pages"
    rows = ["| page | 한국어 desktop | English desktop | 한국어 phone | English phone |", "|---|---|---|---|---|"]
    for case in CASES:
        if not case.shot:
            continue
        cells = [f"![{case.name} {lo} {w}]({case.name}-{lo}-{w}.png)" for w in WIDTHS for lo in LOCALES]
        rows.append(f"| {case.name} | " + " | ".join(cells) + " |")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "README.md").write_text(
        "# Every page, both languages, both widths\n\nTaken by tests/e2e/test_a11y.py (`make screenshots`).\n\n"
        + "\n".join(rows)
        + "\n"
    )
    pictures = {p.name for p in folder.glob("*.png")}
    if not pictures:
        pytest.skip("the tour above did not run in this session")
    expected = {f"{c.name}-{lo}-{w}.png" for c in CASES if c.shot for w in WIDTHS for lo in LOCALES}
    assert not expected - pictures, sorted(expected - pictures)
