"""Meetups in the browser: a host creates a weekly event from the club's 일정 tab; two members
answer in two windows, the second lands on the waitlist; the first steps back and the second's
page shows 참석 without a reload. The second window is phone-sized. Screenshots of the club's
일정 tab and of an event page for the README."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import E2E_PASSWORD, ROOT, Server, create_user, screenshot

_SEED = """
import asyncio, json, sys
from withus.db import sessionmaker
from withus.models.user import User
from tests.club_factories import add_member, make_club

async def main():
    host_id, member_ids = json.loads(sys.argv[1])
    async with sessionmaker()() as session:
        host = await session.get(User, host_id)
        club_id = await make_club(session, host=host, name="토요 풋살 모임")
        for uid in member_ids:
            await add_member(session, club_id=club_id, user=await session.get(User, uid))
    print(club_id)

asyncio.run(main())
"""


def _club(server: Server, host_id: int, member_ids: list[int]) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _SEED, json.dumps([host_id, member_ids])],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
    )
    return int(out.stdout.decode().strip().splitlines()[-1])


def _window(browser: Browser, server: Server, username: str, *, width: int = 1280, height: int = 900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR", base_url=server.url)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    r = pg.request.post("/api/auth/login?cookie=true", data={"login": username, "password": E2E_PASSWORD})
    assert r.status == 200, r.text()
    return pg


def _badge(pg: Page) -> object:
    return pg.get_by_test_id("rsvp").locator(".rt-Badge")


@pytest.mark.timeout(900)  # the first test of a run also waits for the production build
def test_weekly_event_rsvp_waitlist_and_live_promotion(browser: Browser, server: Server) -> None:
    host_id = create_user(server, "evhost", nickname="모임장")
    a_id = create_user(server, "evmem1", nickname="첫째")
    b_id = create_user(server, "evmem2", nickname="둘째")
    club_id = _club(server, host_id, [a_id, b_id])

    host = _window(browser, server, "evhost")
    host.goto(f"/clubs/{club_id}")
    host.get_by_role("tab", name="일정").click()
    host.get_by_role("button", name="새 일정").click()
    day = (datetime.now(ZoneInfo("Asia/Seoul")) + timedelta(days=2)).date().isoformat()
    dialog = host.get_by_role("dialog")
    dialog.get_by_label("제목").fill("토요일 풋살")
    dialog.get_by_label("설명").fill("잠실에서 만나요")
    dialog.get_by_label("날짜", exact=True).fill(day)
    dialog.get_by_label("시작 시각").fill("19:00")
    dialog.get_by_label("끝나는 시각").fill("21:00")
    dialog.get_by_label("장소").fill("잠실 풋살장")
    dialog.get_by_label("지도 링크").fill("https://map.example/jamsil")
    dialog.get_by_label("정원 (비우면 제한 없음)").fill("1")
    dialog.get_by_label("반복", exact=True).select_option("weekly")
    dialog.get_by_label("반복 횟수").fill("4")
    dialog.get_by_role("button", name="만들기").click()
    host.wait_for_url("**/events/*")
    event_path = "/" + host.url.split("/", 3)[3]
    expect(host.get_by_role("heading", name="토요일 풋살")).to_be_visible()
    expect(host.get_by_role("link", name="지도 보기")).to_have_attribute("href", "https://map.example/jamsil")

    first = _window(browser, server, "evmem1")
    second = _window(browser, server, "evmem2", width=390, height=844)  # a phone
    first.goto(event_path)
    second.goto(event_path)
    expect(first.get_by_test_id("rsvp")).to_have_attribute("data-live", "true")
    expect(second.get_by_test_id("rsvp")).to_have_attribute("data-live", "true")

    first.get_by_test_id("rsvp-going").click()
    expect(_badge(first)).to_have_text("참석")  # type: ignore[arg-type]
    second.get_by_test_id("rsvp-going").click()
    expect(_badge(second)).to_have_text("대기 1번")  # type: ignore[arg-type]
    expect(second.get_by_test_id("waitlist").get_by_test_id("attendee")).to_have_text(["1.둘째"])

    # The first steps back: the second's open page shows 참석, without a reload.
    first.get_by_test_id("rsvp-not-going").click()
    expect(_badge(first)).to_have_text("불참")  # type: ignore[arg-type]
    expect(_badge(second)).to_have_text("참석")  # type: ignore[arg-type]
    expect(second.get_by_test_id("going-list").get_by_test_id("attendee")).to_have_text(["1.둘째"])
    width = second.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the event page is {width}px wide on a 390px phone"
    screenshot(second, "event-phone")

    host.reload()
    expect(host.get_by_test_id("going-list").get_by_test_id("attendee")).to_have_text(["1.둘째"])
    screenshot(host, "event")
    host.goto(f"/clubs/{club_id}")
    host.get_by_role("tab", name="일정").click()
    rows = host.get_by_test_id("events-tab").get_by_test_id("event-row")
    expect(rows).to_have_count(4)
    screenshot(host, "club-events")

    # My events and the home page's 다가오는 일정.
    second.goto("/me/events")
    expect(second.get_by_test_id("event-row")).to_have_count(1)
    second.goto("/")
    expect(second.get_by_test_id("home-events").get_by_test_id("event-row").first).to_contain_text("토요일 풋살")
    for pg in (host, first, second):
        pg.context.close()


def test_calendar_feed_address_in_settings(browser: Browser, server: Server) -> None:
    create_user(server, "evfeed", nickname="구독자")
    pg = _window(browser, server, "evfeed")
    pg.goto("/settings")
    card = pg.get_by_test_id("calendar-feed")
    card.get_by_role("button", name="새 주소").click()
    url_box = card.locator("#calendar-feed-url")
    expect(url_box).to_be_visible()
    first_url = url_box.input_value()
    assert "/api/calendar/" in first_url and first_url.endswith(".ics")
    assert pg.request.get(first_url).status == 200
    card.get_by_role("button", name="새 주소").click()
    expect(url_box).not_to_have_value(first_url)
    assert pg.request.get(first_url).status == 404
    assert pg.request.get(url_box.input_value()).status == 200
    pg.context.close()


@pytest.mark.timeout(900)  # alone, it is the first test of its run (the production build)
def test_edit_time_capacity_deadline_of_following_and_cancel_this(browser: Browser, server: Server) -> None:
    """The host makes a weekly series until a date, edits the second occurrence's time, capacity
    and deadline for it and the later ones, then cancels only the third."""
    host_id = create_user(server, "evedit", nickname="편집장")
    club_id = _club(server, host_id, [])
    host = _window(browser, server, "evedit", width=375, height=812)  # a phone
    host.goto(f"/clubs/{club_id}")
    host.get_by_role("tab", name="일정").click()
    host.get_by_role("button", name="새 일정").click()
    start = datetime.now(ZoneInfo("Asia/Seoul")).date() + timedelta(days=3)
    dialog = host.get_by_role("dialog")
    dialog.get_by_label("제목").fill("수요 보드게임")
    dialog.get_by_label("날짜", exact=True).fill(start.isoformat())
    dialog.get_by_label("시작 시각").fill("19:00")
    dialog.get_by_label("끝나는 시각").fill("21:00")
    dialog.get_by_label("정원 (비우면 제한 없음)").fill("5")
    dialog.get_by_label("반복", exact=True).select_option("weekly")
    dialog.get_by_label("반복 종료일").fill((start + timedelta(days=15)).isoformat())  # three weeks
    dialog.get_by_role("button", name="만들기").click()
    host.wait_for_url("**/events/*")

    host.goto(f"/clubs/{club_id}")
    host.get_by_role("tab", name="일정").click()
    rows = host.get_by_test_id("events-tab").get_by_test_id("event-row")
    expect(rows).to_have_count(3)
    hrefs = [rows.nth(i).get_attribute("href") for i in range(3)]

    host.goto(str(hrefs[1]))
    host.get_by_role("button", name="일정 수정").click()
    dialog = host.get_by_role("dialog")
    expect(dialog.get_by_label("시작 시각")).to_have_value("19:00")
    dialog.get_by_label("시작 시각").fill("20:00")
    dialog.get_by_label("끝나는 시각").fill("22:30")
    dialog.get_by_label("정원 (비우면 제한 없음)").fill("8")
    dialog.get_by_label("참석 마감 날짜").fill((start + timedelta(days=7)).isoformat())
    dialog.get_by_label("참석 마감 시각").fill("18:00")
    dialog.get_by_test_id("edit-scope").get_by_text("이 일정과 이후 일정 모두").click()
    dialog.get_by_role("button", name="저장").click()
    expect(host.get_by_role("dialog")).to_have_count(0)
    details = host.locator("body")
    expect(details).to_contain_text("20:00")
    expect(details).to_contain_text("22:30")
    expect(details).to_contain_text("0/8")
    expect(details).to_contain_text("18:00")
    width = host.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the event page is {width}px wide on a 375px phone"

    host.goto(str(hrefs[2]))  # a later one moved with it, deadline kept as far before its start
    expect(host.locator("body")).to_contain_text("20:00")
    expect(host.locator("body")).to_contain_text("0/8")
    host.get_by_role("button", name="일정 취소").click()
    alert = host.get_by_role("alertdialog")
    alert.get_by_test_id("cancel-scope").get_by_text("이 일정만").click()
    alert.get_by_role("button", name="일정 취소").click()
    expect(host.locator("body").get_by_text("취소됨", exact=True)).to_be_visible()

    host.goto(str(hrefs[0]))  # the first one was not touched
    expect(host.locator("body")).to_contain_text("19:00")
    expect(host.locator("body")).to_contain_text("0/5")
    host.goto(str(hrefs[1]))
    expect(host.locator("body").get_by_text("취소됨", exact=True)).to_have_count(0)
    host.context.close()


_SEED_EVENTS = """
import asyncio, json, sys
from datetime import UTC, datetime, timedelta
from withus.db import sessionmaker
from withus.models.event import Event

async def main():
    club_id, n = json.loads(sys.argv[1])
    start = datetime.now(UTC) + timedelta(days=1)
    async with sessionmaker()() as session:
        for i in range(n):
            at = start + timedelta(days=i)
            ends = at + timedelta(hours=1)
            session.add(Event(club_id=club_id, title=f"저녁 산책 {i + 1}", starts_at=at, ends_at=ends))
        await session.commit()

asyncio.run(main())
"""


def test_club_events_tab_loads_more(browser: Browser, server: Server) -> None:
    """More upcoming events than a page (a weekly series alone has up to 52): 더 보기 loads the rest."""
    host_id = create_user(server, "evmore", nickname="산책왕")
    club_id = _club(server, host_id, [])
    subprocess.run(
        [sys.executable, "-c", _SEED_EVENTS, json.dumps([club_id, 23])], cwd=ROOT, env=server.env, check=True
    )
    pg = _window(browser, server, "evmore")
    pg.goto(f"/clubs/{club_id}")
    pg.get_by_role("tab", name="일정").click()
    tab = pg.get_by_test_id("events-tab")
    expect(tab.get_by_test_id("event-row")).to_have_count(20)
    tab.get_by_test_id("more-upcoming").click()
    expect(tab.get_by_test_id("event-row")).to_have_count(23)
    expect(tab.get_by_test_id("event-row").last).to_contain_text("저녁 산책 23")
    expect(tab.get_by_test_id("more-upcoming")).to_have_count(0)
    pg.context.close()
