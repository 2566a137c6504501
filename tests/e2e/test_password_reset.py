"""Forgot password in the browser (the link on the login page, the mail, a new password, logging in
with it), and a mail type turned off in the notification settings."""

from __future__ import annotations

import email
import email.policy
import re
import secrets
import subprocess
import sys
import time

from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2E_PASSWORD, Server, create_user, login, read_code, screenshot
from withus.settings import ROOT

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
    # exact: the login page's "아이디 또는 이메일" also contains 이메일, and right after the client-side
    # navigation the URL can be the new page's while the old page is still on screen.
    page.get_by_label("이메일", exact=True).fill(address)
    page.get_by_role("button", name="재설정 링크 받기").click()
    expect(page.locator("#forgot-sent")).to_be_visible()
    screenshot(page, "forgot-password")
    link = _reset_link(server, address, after=before)

    page.goto("/" + link.split("/", 3)[3])  # the path of the link: the server's own origin
    page.get_by_label("새 비밀번호", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("새 비밀번호 확인").fill(NEW_PASSWORD)
    page.get_by_role("button", name="비밀번호 바꾸기").click()
    expect(page).to_have_url(re.compile(r"/login/?\?reason=password_reset$"))
    expect(page.get_by_role("status")).to_contain_text("새 비밀번호를 정했습니다")

    login(page, username, NEW_PASSWORD)
    expect(page.get_by_role("button", name="내 계정 메뉴")).to_be_visible()

    # The link is spent: opening it again says so at once.
    page.goto("/" + link.split("/", 3)[3])
    expect(page.get_by_role("alert")).to_contain_text("이미 사용되었습니다")
    assert E2E_PASSWORD != NEW_PASSWORD


def _notify(server: Server, user_id: int, title: str, type_: str = "club_invitation") -> None:
    """A notification for ``user_id``, made in the server's database by the
    service the site uses (its mail, if the settings want one, goes to the outbox folder)."""
    code = (
        "import asyncio, sys\n"
        "from withus.db import session_scope\n"
        "from withus.services import notifications\n"
        "async def main():\n"
        "    async with session_scope() as s:\n"
        "        await notifications.notify(s, user_id=int(sys.argv[1]), type=sys.argv[3],\n"
        "                                   title=sys.argv[2], link='/clubs/1')\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", code, str(user_id), title, type_], cwd=ROOT, env=server.env, check=True)


def _mails_to(server: Server, address: str) -> list[str]:
    subjects = []
    for path in server.outbox():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if str(msg["To"]).strip().lower() == address.lower():
            subjects.append(str(msg["Subject"]))
    return subjects


def test_turning_a_mail_type_off_in_settings_stops_that_mail(page: Page, server: Server) -> None:
    username = f"quiet_{secrets.token_hex(3)}"
    address = f"{username}@example.com"
    user_id = create_user(server, username, email=address)

    _notify(server, user_id, "첫 번째 초대")
    deadline = time.monotonic() + 20
    while not any("첫 번째 초대" in s for s in _mails_to(server, address)):
        assert time.monotonic() < deadline, "the invitation was not mailed"
        time.sleep(0.2)

    login(page, username, E2E_PASSWORD, next_path="/settings/notifications")
    page.goto("/settings/notifications")
    switch = page.locator("#ns-club_invitation-email")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "false")
    screenshot(page, "notification-settings")
    page.reload()
    expect(page.locator("#ns-club_invitation-email")).to_have_attribute("aria-checked", "false")

    _notify(server, user_id, "두 번째 초대")
    # A kind still mailed, after it: the worker sends in commit order, so once this one is here
    # the invitation would have been too, had it been mailed.
    _notify(server, user_id, "가입 승인", "join_approved")
    deadline = time.monotonic() + 20
    while not any("가입 승인" in s for s in _mails_to(server, address)):
        assert time.monotonic() < deadline, "the join approval was not mailed"
        time.sleep(0.2)
    assert not any("두 번째 초대" in s for s in _mails_to(server, address))


def test_changing_the_email_in_settings_with_the_code_sent_to_the_new_address(page: Page, server: Server) -> None:
    username = f"mover_{secrets.token_hex(3)}"
    old, new = f"{username}@example.com", f"{username}.new@example.com"
    create_user(server, username, email=old)
    login(page, username, E2E_PASSWORD, next_path="/settings")
    page.goto("/settings")
    section = page.locator("#email-section")
    expect(section).to_be_visible()

    section.get_by_label("새 이메일").fill(new)
    section.get_by_label("현재 비밀번호").fill("not-the-password")
    section.get_by_role("button", name="인증 코드 받기").click()
    expect(section.get_by_text("비밀번호가 올바르지 않습니다")).to_be_visible()

    before = len(server.outbox())
    section.get_by_label("현재 비밀번호").fill(E2E_PASSWORD)
    section.get_by_role("button", name="인증 코드 받기").click()
    expect(page.locator("#email-code-sent")).to_contain_text(new)
    code = read_code(server, new, after=before)
    section.get_by_label("인증 코드").fill(code)
    screenshot(page, "settings-email-code")
    section.get_by_role("button", name="이메일 변경").click()
    expect(page.get_by_text(f"이메일을 바꿨습니다: {new}")).to_be_visible()
    expect(page.get_by_text(new).first).to_be_visible()

    deadline = time.monotonic() + 20
    while not _mails_to(server, old):  # the old address is told
        assert time.monotonic() < deadline, "the old address was not told"
        time.sleep(0.2)
    assert any("변경" in s for s in _mails_to(server, old))
