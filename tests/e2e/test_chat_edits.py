"""An edit and a delete show up live in the other person's open room (no reload); so do a club
staff's delete and an administrator's hide."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_clubs import make_admin
from tests.e2e.test_realtime import LIVE, Person, api, browser_for, messages, open_room, sign_up, wait_live


@pytest.fixture(scope="module")
def pair(server: Server) -> dict[str, Person]:
    return {"alice": sign_up(server, "edita", "수정"), "bob": sign_up(server, "editb", "보기")}


def test_an_edit_and_a_delete_change_the_open_room_in_place(
    browser: Browser, server: Server, pair: dict[str, Person]
) -> None:
    alice, bob = pair["alice"], pair["bob"]
    room_id = open_room(server, alice, bob)
    b: Page = browser_for(browser, server, bob)
    try:
        b.goto(f"/chat/{room_id}")
        wait_live(b, "#chat-messages")
        first = api(server, alice, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "7시에 만나요"}).json()
        second = api(server, alice, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "지울 메시지"}).json()
        expect(messages(b)).to_have_count(2, timeout=LIVE)

        r = api(server, alice, "PATCH", f"/api/chat/messages/{first['id']}", json={"body": "8시에 만나요"})
        assert r.status_code == 200, r.text
        expect(messages(b).first).to_contain_text("8시에 만나요", timeout=LIVE)
        expect(b.locator('[data-testid="message-edited"]')).to_have_text("수정됨")

        assert api(server, alice, "DELETE", f"/api/chat/messages/{second['id']}").status_code == 204
        expect(messages(b).last).to_have_text("삭제된 메시지입니다", timeout=LIVE)
        expect(messages(b)).to_have_count(2)
        expect(b.get_by_text("지울 메시지")).to_have_count(0)
        expect(b.locator('[data-testid="message-menu"]')).to_have_count(0)  # not bob's to change

        # 삭제 on my own message in my window: gone in both, no reload.
        a: Page = browser_for(browser, server, alice)
        try:
            api(server, alice, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "버튼으로 지우기"})
            a.goto(f"/chat/{room_id}")
            wait_live(a, "#chat-messages")
            expect(messages(a).last).to_have_text("버튼으로 지우기")
            expect(messages(b).last).to_have_text("버튼으로 지우기", timeout=LIVE)
            # 수정 in the menu: the text in place, Enter saves; 수정됨 in both windows.
            a.locator('[data-testid="message"]').last.locator('[data-testid="message-menu"]').click()
            a.locator('[data-testid="message-edit"]').click()
            editor = a.locator("#chat-edit-input")
            expect(editor).to_have_value("버튼으로 지우기")
            editor.fill("버튼으로 고친 글")
            editor.press("Enter")
            expect(a.locator('[data-testid="message-editor"]')).to_have_count(0, timeout=LIVE)
            expect(messages(a).last).to_contain_text("버튼으로 고친 글", timeout=LIVE)
            expect(messages(b).last).to_contain_text("버튼으로 고친 글", timeout=LIVE)
            expect(b.locator('[data-testid="message"]').last.locator('[data-testid="message-edited"]')).to_have_text(
                "수정됨"
            )
            # Esc closes the editor without a change.
            a.locator('[data-testid="message"]').last.locator('[data-testid="message-menu"]').click()
            a.locator('[data-testid="message-edit"]').click()
            a.locator("#chat-edit-input").press("Escape")
            expect(a.locator('[data-testid="message-editor"]')).to_have_count(0)

            # 삭제 asks once, then the message is gone in both windows.
            a.locator('[data-testid="message"]').last.locator('[data-testid="message-menu"]').click()
            a.locator('[data-testid="message-delete"]').click()
            a.locator('[data-testid="message-delete-confirm"]').click()
            expect(messages(a).last).to_have_text("삭제된 메시지입니다", timeout=LIVE)
            expect(messages(b).last).to_have_text("삭제된 메시지입니다", timeout=LIVE)
            stored = api(server, bob, "GET", f"/api/chat/rooms/{room_id}/messages").json()["items"]
            assert [m["deleted"] for m in stored] == [False, True, True]
            assert stored[2]["body"] == ""
        finally:
            a.context.close()
    finally:
        b.context.close()


def test_club_staff_delete_and_an_administrators_hide_change_open_rooms(
    browser: Browser, server: Server, pair: dict[str, Person]
) -> None:
    host, member = pair["alice"], pair["bob"]
    club = api(
        server,
        host,
        "POST",
        "/api/clubs",
        json={
            "name": f"삭제 모임 {secrets.token_hex(2)}",
            "description": "운영진 삭제 테스트",
            "category": "GAME",
            "join_policy": "open",
            "visibility": "public",
        },
    )
    assert club.status_code == 201, club.text
    room_id = club.json()["chat_room_id"]
    assert api(server, member, "POST", f"/api/clubs/{club.json()['id']}/join", json={}).status_code == 200
    rude = api(server, member, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "지워질 말"}).json()
    spam = api(server, member, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "광고 링크"}).json()

    h: Page = browser_for(browser, server, host)
    m: Page = browser_for(browser, server, member, width=375, height=740)
    try:
        for pg in (h, m):
            pg.goto(f"/chat/{room_id}")
            wait_live(pg, "#chat-messages")
        # The host may delete the member's message (not edit it).
        first = h.locator(f'[data-testid="message"][data-seq="{rude["seq"]}"]')
        first.locator('[data-testid="message-menu"]').click()
        expect(h.locator('[data-testid="message-edit"]')).to_have_count(0)
        h.locator('[data-testid="message-delete"]').click()
        h.locator('[data-testid="message-delete-confirm"]').click()
        for pg in (h, m):
            expect(pg.locator(f'[data-testid="message"][data-seq="{rude["seq"]}"]')).to_contain_text(
                "삭제된 메시지입니다", timeout=LIVE
            )

        # Reported and hidden by an administrator: both open rooms change without a reload.
        report = {"target_type": "message", "target_id": spam["id"], "reason": "광고"}
        r = api(server, host, "POST", "/api/reports", json=report)
        assert r.status_code == 201, r.text
        admin = sign_up(server, "chatadm", "관리")
        make_admin(server, admin)  # type: ignore[arg-type]
        assert api(server, admin, "POST", f"/api/reports/{r.json()['id']}/hide").status_code == 200
        for pg in (h, m):
            expect(pg.locator(f'[data-testid="message"][data-seq="{spam["seq"]}"]')).to_contain_text(
                "숨겨진 메시지입니다", timeout=LIVE
            )
            expect(pg.get_by_text("광고 링크")).to_have_count(0)
    finally:
        h.context.close()
        m.context.close()
