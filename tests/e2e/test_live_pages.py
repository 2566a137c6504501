"""No stale page: two windows side by side, one changes something, the other shows it without a
reload — a post's comments and replies and their count, a comment hidden by a moderator, the
manage page's join requests, an applicant's club page (가입 신청 중 → member, the count), the chat
list gaining a club's room. Each page says it listens with ``data-live="true"``."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_realtime import LIVE, Person, api, browser_for, sign_up, wait_live


@pytest.fixture(scope="module")
def trio(server: Server) -> dict[str, Person]:
    return {
        "host": sign_up(server, "livehost", "모임장"),
        "reader": sign_up(server, "livereader", "독자"),
        "applicant": sign_up(server, "liveapp", "신청자"),
    }


def _club(server: Server, host: Person, *, policy: str = "open") -> dict[str, object]:
    body = {
        "name": f"라이브 모임 {secrets.token_hex(2)}",
        "description": "새로 고침 없이",
        "category": "ETC",
        "join_policy": policy,
        "visibility": "public",
    }
    r = api(server, host, "POST", "/api/clubs", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _join(server: Server, person: Person, club_id: object, **body: object) -> str:
    r = api(server, person, "POST", f"/api/clubs/{club_id}/join", json=body)
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


def _comments(pg: Page) -> object:
    return pg.locator('[data-testid="comment"]')


def test_comments_replies_their_count_and_a_hidden_comment_change_an_open_post(
    browser: Browser, server: Server, trio: dict[str, Person]
) -> None:
    host, reader = trio["host"], trio["reader"]
    club = _club(server, host)
    _join(server, reader, club["id"])
    post = api(server, host, "POST", f"/api/clubs/{club['id']}/posts", json={"title": "토요일 공지", "body": "모여요"})
    assert post.status_code == 201, post.text
    post_id = post.json()["id"]
    a: Page = browser_for(browser, server, host)
    b: Page = browser_for(browser, server, reader)
    try:
        a.goto(f"/posts/{post_id}")
        b.goto(f"/posts/{post_id}")
        wait_live(a, '[data-testid="comments"]')
        wait_live(b, '[data-testid="comments"]')
        expect(a.locator('[data-testid="comment-count"]')).to_contain_text("0")

        # B comments in B's window: A's count and list follow.
        b.locator("#comment-body").fill("저도 갈게요")
        b.get_by_role("button", name="댓글 등록").click()
        expect(_comments(b)).to_have_count(1, timeout=LIVE)
        expect(_comments(a)).to_have_count(1, timeout=LIVE)
        expect(_comments(a).first).to_contain_text("저도 갈게요")
        expect(a.locator('[data-testid="comment-count"]')).to_contain_text("1")

        # A reply (over the API, as another client would): the thread grows in B's window.
        comment_id = api(server, reader, "GET", f"/api/posts/{post_id}/comments").json()["items"][0]["id"]
        r = api(
            server, host, "POST", f"/api/posts/{post_id}/comments", json={"body": "환영해요", "parent_id": comment_id}
        )
        assert r.status_code == 201, r.text
        expect(b.locator('[data-testid="reply"]')).to_have_count(1, timeout=LIVE)
        expect(b.locator('[data-testid="reply"]').first).to_contain_text("환영해요")
        expect(b.locator('[data-testid="comment-count"]')).to_contain_text("2")

        # The host hides the reply after a report: it leaves B's open page.
        report = api(
            server,
            reader,
            "POST",
            "/api/reports",
            json={"target_type": "comment", "target_id": r.json()["id"], "reason": "광고"},
        )
        assert report.status_code == 201, report.text
        hide = api(server, host, "POST", f"/api/reports/{report.json()['id']}/hide")
        assert hide.status_code == 200, hide.text
        expect(b.get_by_text("환영해요")).to_have_count(0, timeout=LIVE)
        expect(b.locator('[data-testid="comment-count"]')).to_contain_text("1")
    finally:
        a.context.close()
        b.context.close()


def test_a_join_request_reaches_the_open_manage_page_and_its_approval_the_applicants_page(
    browser: Browser, server: Server, trio: dict[str, Person]
) -> None:
    host, applicant = trio["host"], trio["applicant"]
    club = _club(server, host, policy="approval")
    h: Page = browser_for(browser, server, host)
    p: Page = browser_for(browser, server, applicant)
    try:
        h.goto(f"/clubs/{club['id']}/manage")
        wait_live(h, '[data-testid="manage-page"]')
        expect(h.get_by_text(applicant.nickname)).to_have_count(0)
        p.goto(f"/clubs/{club['id']}")
        wait_live(p, '[data-testid="club-page"]')
        expect(p.locator('[data-testid="member-count"]')).to_contain_text("1")

        # The applicant asks in their window: the request shows up on the host's manage page.
        assert _join(server, applicant, club["id"], message="잘 부탁드려요") == "pending"
        request = h.get_by_test_id("join-request").filter(has_text="잘 부탁드려요")
        expect(request).to_be_visible(timeout=LIVE)
        expect(p.get_by_text("가입 신청 중")).to_be_visible(timeout=LIVE)

        # The host approves on the manage page: the applicant's page turns into a member's.
        h.get_by_role("button", name="승인").click()
        expect(request).to_have_count(0, timeout=LIVE)
        expect(p.get_by_text("가입 신청 중")).to_have_count(0, timeout=LIVE)
        expect(p.get_by_role("button", name="신청 취소")).to_have_count(0)
        expect(p.locator('[data-testid="member-count"]')).to_contain_text("2", timeout=LIVE)
        expect(p.get_by_role("tab", name="멤버")).to_be_visible()
    finally:
        h.context.close()
        p.context.close()


def test_joining_a_club_adds_its_room_to_an_open_chat_list(
    browser: Browser, server: Server, trio: dict[str, Person]
) -> None:
    host, reader = trio["host"], trio["reader"]
    club = _club(server, host)
    c: Page = browser_for(browser, server, reader)
    try:
        c.goto("/chat")
        wait_live(c, '[data-testid="chat-list"]')
        rooms = c.locator('[data-testid="chat-room"]').filter(has_text=str(club["name"]))
        expect(rooms).to_have_count(0)
        assert _join(server, reader, club["id"]) == "member"
        expect(rooms).to_have_count(1, timeout=LIVE)
        # Leaving takes it away again.
        assert api(server, reader, "POST", f"/api/clubs/{club['id']}/leave").status_code == 204
        expect(rooms).to_have_count(0, timeout=LIVE)
    finally:
        c.context.close()


def test_the_search_box_finds_people_to_invite_and_to_chat_with_and_leaves_blocked_people_out(
    browser: Browser, server: Server, trio: dict[str, Person]
) -> None:
    host, reader, applicant = trio["host"], trio["reader"], trio["applicant"]
    club = _club(server, host, policy="invite")
    h: Page = browser_for(browser, server, host)
    try:
        h.goto(f"/clubs/{club['id']}/manage")
        wait_live(h, '[data-testid="manage-page"]')
        h.locator("#invite-user").fill(applicant.nickname[:-1])  # part of the nickname
        hit = h.locator('[data-testid="person-hit"]').filter(has_text=applicant.nickname)
        expect(hit).to_have_count(1, timeout=LIVE)
        hit.click()
        expect(h.locator("[data-sonner-toast]").filter(has_text=applicant.nickname)).to_be_visible(timeout=LIVE)
        expect(h.locator("#invite-user")).to_have_value("")
        invited = api(server, host, "GET", f"/api/clubs/{club['id']}/invitations").json()["items"]
        assert [i["user"]["id"] for i in invited] == [applicant.id]

        # Someone who blocked me is not found.
        assert api(server, reader, "POST", f"/api/users/{host.id}/block").status_code == 204
        try:
            h.locator("#invite-user").fill(reader.nickname)
            expect(h.get_by_text("그 닉네임을 가진 사람이 없어요.")).to_be_visible(timeout=LIVE)
            expect(h.locator('[data-testid="person-hit"]')).to_have_count(0)
        finally:
            assert api(server, reader, "DELETE", f"/api/users/{host.id}/block").status_code == 204
        h.locator("#invite-user").fill("가")
        expect(h.get_by_text("두 글자 이상 입력해 주세요.")).to_be_visible(timeout=LIVE)

        # 새 채팅 on the chat list: find the person, pick them, the 1:1 room opens.
        h.goto("/chat")
        wait_live(h, '[data-testid="chat-list"]')
        h.locator("#new-chat").click()
        h.locator("#new-chat-who").fill(applicant.nickname)
        pick = h.locator('[data-testid="person-hit"]').filter(has_text=applicant.nickname)
        expect(pick).to_have_count(1, timeout=LIVE)
        pick.click()
        h.wait_for_url(re.compile(r"/chat/\d+$"), timeout=LIVE)
        room_id = int(h.url.rsplit("/", 1)[1])
        room = api(server, applicant, "GET", f"/api/chat/rooms/{room_id}")
        assert room.status_code == 200 and room.json()["peer"]["id"] == host.id, room.text
    finally:
        h.context.close()
