"""Forgot password in the browser: the link on the login page, the mail, a new password, logging in with it."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E_PASSWORD, Server, create_user, login, screenshot

NEW_PASSWORD = "new-e2e-Passw0rd!"


def _reset_link(server: Server, address: str, *, after: int, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in reversed(server.outbox()[after:]):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(msg["To"]).strip().lower() != address.lower():
                continue
            body = msg.get_body(preferencelist=("plain",))
            found = re.search(r"https?://\S+/reset-password\?token=[A-Za-z0-9_\-]+", body.get_content() if body else "")
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no reset mail to {address}")


def test_forgot_password_mail_reset_and_log_in_with_the_new_password(page: Page, server: Server) -> None:
    username = f"forgot_{secrets.token_hex(3)}"
    address = f"{username}@example.com"
    create_user(server, username, email=address)

    page.goto("/login")
    page.get_by_label("아이디 또는 이메일").fill(username)
    page.get_by_label("비밀번호").fill("not-the-password")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#login-failed-forgot")).to_be_visible()  # offered after a failed login
    page.locator("#login-forgot").click()
    expect(page).to_have_url(re.compile(r"/forgot-password/?$"))

    before = len(server.outbox())
    page.get_by_label("이메일").fill(address)
    page.get_by_role("button", name="재설정 링크 받기").click()
    expect(page.locator("#forgot-sent")).to_be_visible()
    screenshot(page, "forgot-password")
    link = _reset_link(server, address, after=before)

    page.goto("/" + link.split("/", 3)[3])  # the path of the link: the server's own origin
    page.get_by_label("새 비밀번호", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    page.get_by_role("button", name="비밀번호 바꾸기").click()
    expect(page).to_have_url(re.compile(r"/login\?reason=password_reset$"))
    expect(page.get_by_role("status")).to_contain_text("새 비밀번호를 정했습니다")

    login(page, username, NEW_PASSWORD)
    expect(page.get_by_role("button", name="내 계정 메뉴")).to_be_visible()

    # The link is spent: opening it again says so at once.
    page.goto("/" + link.split("/", 3)[3])
    expect(page.get_by_role("alert")).to_contain_text("이미 사용되었습니다")
    assert E2E_PASSWORD != NEW_PASSWORD
