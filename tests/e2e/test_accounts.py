"""Accounts in the browser: sign-up with the mailed code, login, profile and avatar,
logout, the login guard, blocking, password change, deletion, and a tab's cached
state not being handed to someone who replays its client token."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import E2E_PASSWORD, Server, create_user, login, read_code, screenshot
from withus.state.settings import SettingsState


def _name(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(3)}"


def _png(path: Path, color: tuple[int, int, int] = (20, 160, 140)) -> Path:
    Image.new("RGB", (64, 48), color).save(path, format="PNG")
    return path


def _menu(page: Page) -> Any:
    return page.get_by_role("button", name="내 계정 메뉴")


def _logout(page: Page) -> None:
    _menu(page).click()
    page.get_by_role("menuitem", name="로그아웃").click()
    expect(page.get_by_role("link", name="로그인")).to_be_visible()


def test_signup_with_the_mailed_code_logs_in_and_lands_home(page: Page, server: Server) -> None:
    username = _name("new")
    email = f"{username}@example.com"
    page.goto("/signup")
    page.get_by_label("이메일").fill(email)
    before = len(server.outbox())
    page.get_by_role("button", name="인증 코드 받기").click()
    # The cool-down counts down on the button, which is disabled meanwhile.
    cooldown = page.locator("#request-code")
    expect(cooldown).to_have_text(re.compile(r"다시 받기 \(\d+초\)"))
    expect(cooldown).to_be_disabled()
    code = read_code(server, email, after=before)

    page.get_by_label("인증 코드").fill(code)
    page.get_by_label("아이디").fill(username)
    page.get_by_label("닉네임").fill(f"새내기{username[-4:]}")
    page.get_by_label("비밀번호", exact=True).fill(E2E_PASSWORD)
    page.get_by_label("비밀번호 확인").fill(E2E_PASSWORD)
    expect(page.locator("#signup-password2-error")).to_have_text("")
    screenshot(page, "signup")
    page.get_by_role("button", name="가입하기").click()

    expect(page).to_have_url(re.compile(r"^[^?]+://[^/]+/$"))
    expect(_menu(page)).to_be_visible()
    expect(_menu(page)).to_contain_text(f"새내기{username[-4:]}")


def test_signup_checks_fields_as_the_user_types(page: Page) -> None:
    page.goto("/signup")
    username = page.get_by_label("아이디")
    username.fill("Bad name!")
    expect(page.locator("#signup-username-error")).to_contain_text("영문 소문자, 숫자, 밑줄")
    username.fill("abc")
    expect(page.locator("#signup-username-error")).to_contain_text("4~20자")
    username.fill("good_name")
    expect(page.locator("#signup-username-error")).to_have_count(0)
    expect(page.locator("#signup-username-hint")).to_be_visible()
    expect(username).to_have_attribute("aria-invalid", "false")

    page.get_by_label("닉네임").fill("a")
    expect(page.locator("#signup-nickname-error")).to_contain_text("2~20자")

    page.get_by_label("비밀번호", exact=True).fill("short")
    expect(page.locator("#signup-password-error")).to_contain_text("8자 이상")
    page.get_by_label("비밀번호 확인").fill("shorter")
    expect(page.locator("#signup-password2-error")).to_have_text("비밀번호가 일치하지 않습니다.")

    page.get_by_label("이메일").fill("not-an-email")
    page.get_by_label("이메일").blur()
    expect(page.locator("#signup-email-error")).to_have_text("올바른 이메일 주소를 입력해 주세요.")
    # Asking for a code with a bad address sends nothing and says why.
    page.get_by_role("button", name="인증 코드 받기").click()
    expect(page.get_by_label("이메일")).to_be_focused()


def test_wrong_password_shows_the_korean_error(page: Page, server: Server) -> None:
    username = _name("wrong")
    create_user(server, username)
    page.goto("/login")
    page.get_by_label("아이디 또는 이메일").fill(username)
    page.get_by_label("비밀번호").fill("not-the-password")
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("alert")).to_have_text("아이디 또는 비밀번호가 올바르지 않습니다.")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    screenshot(page, "login")
    # Empty fields are caught in the browser, with a message under each.
    page.get_by_label("비밀번호").fill("")
    page.get_by_role("button", name="로그인").click()
    expect(page.locator("#login-password-error")).to_have_text("비밀번호를 입력해 주세요.")


def test_profile_edit_and_avatar_survive_a_reload(page: Page, server: Server, tmp_path: Path) -> None:
    username = _name("edit")
    user_id = create_user(server, username, nickname=f"편집{username[-4:]}")
    login(page, username)

    page.goto("/settings")
    nickname = f"바뀐{username[-4:]}"
    page.get_by_label("닉네임").fill(nickname)
    page.get_by_label("소개").fill("주말마다 풋살하고 보드게임 좋아해요.")
    expect(page.get_by_text("20 / 300")).to_be_visible()
    tag_box = page.get_by_label("관심 태그 (최대 5개)")
    for tag in ("풋살", "보드게임", "지울태그"):
        tag_box.fill(tag)
        tag_box.press("Enter")
        expect(page.locator("#tag-list")).to_contain_text(tag)
    page.get_by_role("button", name="태그 삭제: 지울태그").click()
    expect(page.locator("#tag-list")).not_to_contain_text("지울태그")
    page.get_by_role("button", name="프로필 저장").click()
    expect(page.get_by_text("프로필을 저장했습니다.")).to_be_visible()
    expect(_menu(page)).to_contain_text(nickname)

    page.locator("#avatar input[type=file]").set_input_files(str(_png(tmp_path / "me.png")))
    expect(page.locator("#avatar-preview")).to_be_visible()
    page.get_by_role("button", name="사진 저장").click()
    expect(page.get_by_text("프로필 사진을 바꿨습니다.")).to_be_visible()
    expect(page.locator("#avatar-preview")).to_have_count(0)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "settings")

    page.reload()
    expect(_menu(page)).to_contain_text(nickname)
    expect(page.get_by_label("닉네임")).to_have_value(nickname)
    expect(page.get_by_label("소개")).to_have_value("주말마다 풋살하고 보드게임 좋아해요.")
    expect(page.locator("#tag-list")).to_contain_text("풋살")
    expect(page.locator("#tag-list")).to_contain_text("보드게임")
    header_avatar = _menu(page).locator("img")
    expect(header_avatar).to_have_attribute("src", re.compile(r"^/media/avatars/[0-9a-f]+\.webp$"))

    page.goto(f"/users/{user_id}")
    expect(page.get_by_role("heading", name=nickname)).to_be_visible()
    expect(page.locator("#profile-introduction")).to_have_text("주말마다 풋살하고 보드게임 좋아해요.")
    expect(page.get_by_text("#풋살")).to_be_visible()
    expect(page.get_by_role("link", name="프로필 수정")).to_be_visible()
    screenshot(page, "profile")


def test_logout_shows_the_guest_header_and_settings_needs_login_again(page: Page, server: Server) -> None:
    username = _name("out")
    create_user(server, username)
    login(page, username)
    _logout(page)
    expect(page.get_by_role("link", name="회원가입")).to_be_visible()
    # The cookie is gone for the server too, not only for the header.
    assert not [c for c in page.context.cookies() if c["name"] == "withus_session"]

    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/settings$"))
    page.get_by_label("아이디 또는 이메일").fill(username)
    page.get_by_label("비밀번호").fill(E2E_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page).to_have_url(re.compile(r"/settings/?$"))
    expect(page.get_by_role("heading", name="설정")).to_be_visible()


def test_the_session_cookie_is_httponly_and_not_readable_by_scripts(page: Page, server: Server) -> None:
    username = _name("cookie")
    create_user(server, username)
    login(page, username)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["withus_session"]["httpOnly"] is True
    assert cookies["withus_session"]["sameSite"] == "Lax"
    assert "withus_session" not in page.evaluate("document.cookie")


def test_block_and_unblock_from_a_profile(page: Page, server: Server) -> None:
    me, other = _name("blk"), _name("tgt")
    create_user(server, me)
    other_id = create_user(server, other, nickname=f"상대{other[-4:]}", introduction="안녕하세요")
    token = httpx.post(f"{server.url}/api/auth/login", json={"login": other, "password": E2E_PASSWORD}).json()
    club = httpx.post(
        f"{server.url}/api/clubs",
        json={"name": f"토요 풋살 {other[-4:]}", "description": "매주 토요일", "category": "SPORTS"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert club.status_code == 201, club.text
    login(page, me)
    page.goto(f"/users/{other_id}")
    expect(page.get_by_role("heading", name=f"상대{other[-4:]}")).to_be_visible()
    expect(page.get_by_role("link", name="채팅하기")).to_have_attribute("href", f"/chat?with={other_id}")
    hosted = page.get_by_role("link", name=re.compile(f"토요 풋살 {other[-4:]}"))
    expect(hosted).to_have_attribute("href", f"/clubs/{club.json()['id']}")
    page.get_by_role("button", name="차단", exact=True).click()
    expect(page.get_by_role("button", name="차단 해제")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="차단 해제")).to_be_visible()
    page.get_by_role("button", name="차단 해제").click()
    expect(page.get_by_role("button", name="차단", exact=True)).to_be_visible()


def test_unknown_profile_shows_not_found(page: Page, server: Server) -> None:
    username = _name("nf")
    create_user(server, username)
    login(page, username)
    page.goto("/users/987654321")
    expect(page.get_by_role("heading", name="회원을 찾을 수 없습니다")).to_be_visible()


def test_password_change_ends_the_session_and_the_new_password_works(page: Page, server: Server) -> None:
    username = _name("pw")
    create_user(server, username)
    login(page, username)
    page.goto("/settings")
    # The password panel's field: the email panel asks for the current password too.
    current = page.locator("#current-password")
    current.fill("wrong-current-1")
    page.get_by_label("새 비밀번호", exact=True).fill("brand-new-Passw0rd")
    page.get_by_label("새 비밀번호 확인").fill("brand-new-Passw0rd")
    page.get_by_role("button", name="비밀번호 변경").click()
    expect(page.locator("#current-password-error")).to_have_text("비밀번호가 올바르지 않습니다.")

    current.fill(E2E_PASSWORD)
    page.get_by_role("button", name="비밀번호 변경").click()
    expect(page).to_have_url(re.compile(r"/login/?\?reason=password_changed$"))
    expect(page.get_by_text("비밀번호를 바꿨습니다.")).to_be_visible()
    login(page, username, "brand-new-Passw0rd")


def test_deleting_the_account_shows_탈퇴한_회원_on_the_profile(page: Page, server: Server) -> None:
    viewer, leaving = _name("view"), _name("bye")
    create_user(server, viewer)
    leaving_id = create_user(server, leaving)
    login(page, leaving)
    page.goto("/settings")
    page.get_by_role("button", name="회원 탈퇴").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("정말 탈퇴하시겠어요?")
    dialog.get_by_label("비밀번호 확인").fill("not-my-password")
    dialog.get_by_role("button", name="탈퇴하기").click()
    expect(page.locator("#delete-password-error")).to_have_text("비밀번호가 올바르지 않습니다.")
    dialog.get_by_label("비밀번호 확인").fill(E2E_PASSWORD)
    dialog.get_by_role("button", name="탈퇴하기").click()
    expect(page).to_have_url(re.compile(r"/login/?\?reason=account_deleted$"))

    login(page, viewer)
    page.goto(f"/users/{leaving_id}")
    expect(page.get_by_role("heading", name="탈퇴한 회원")).to_be_visible()
    expect(page.get_by_role("link", name="채팅하기")).to_have_count(0)


def test_a_replayed_client_token_gets_no_state_of_the_logged_in_tab(
    browser: Browser, page: Page, server: Server, tmp_path: Path
) -> None:
    """Another browser that presents the victim's Reflex client token (sessionStorage, the
    /_event URL) but not the victim's cookie gets a reset state, not the victim's."""
    victim = _name("vic")
    create_user(server, victim, email=f"{victim}@secret.example")
    login(page, victim)
    page.goto("/settings")
    expect(page.get_by_text(f"{victim}@secret.example")).to_be_visible()
    token = page.evaluate("window.sessionStorage.getItem('token')")
    assert token
    # The victim closes the tab; the server keeps the tab's state cached under the token.
    # (While the tab is connected, Reflex would hand a second socket a new token instead.)
    page.goto("about:blank")
    page.wait_for_timeout(1000)

    context = browser.new_context(base_url=server.url, locale="ko-KR")
    try:
        context.add_init_script(
            f"""
            window.sessionStorage.setItem('token', {token!r});
            window.__frames = [];
            const Native = window.WebSocket;
            window.WebSocket = function (...args) {{
              const ws = new Native(...args);
              ws.addEventListener('message', (e) => window.__frames.push(String(e.data)));
              return ws;
            }};
            window.WebSocket.prototype = Native.prototype;
            Object.assign(window.WebSocket, Native);
            """
        )
        thief = context.new_page()
        thief.goto("/")
        expect(thief.get_by_role("link", name="로그인")).to_be_visible()
        assert thief.evaluate("window.sessionStorage.getItem('token')") == token
        frames = "\n".join(thief.evaluate("window.__frames"))
        assert frames, "no event-socket frames were recorded"
        assert f"{victim}@secret.example" not in frames
        assert victim not in frames
    finally:
        context.close()

    # Uploads name their tab by the token in a header, outside the event socket:
    # without the victim's own cookie they are refused before the tab's handler runs.
    handler = SettingsState.get_full_name() + ".upload_avatar"
    for cookies in ({}, {"withus_session": "someone-elses-session"}):
        r = httpx.post(
            f"{server.url}/_upload",
            headers={"reflex-client-token": token, "reflex-event-handler": handler},
            cookies=cookies,
            files={"files": ("x.png", _png(tmp_path / "x.png").read_bytes(), "image/png")},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "upload_not_allowed"


def test_account_pages_fit_a_phone_screen(browser: Browser, server: Server) -> None:
    username = _name("phone")
    user_id = create_user(server, username, introduction="모바일에서도 잘 보여요", tags=["러닝", "사진"])
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, base_url=server.url, is_mobile=True, locale="ko-KR"
    )
    try:
        pg = context.new_page()
        for path in ("/login", "/signup"):
            pg.goto(path)
            expect(pg.get_by_role("heading", level=1)).to_be_visible()
            overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen"
        screenshot(pg, "signup-phone")
        # The account actions sit in a menu on a phone.
        pg.get_by_role("button", name="계정").click()
        expect(pg.get_by_role("menuitem", name="회원가입")).to_be_visible()
        pg.keyboard.press("Escape")
        login(pg, username)
        for path, heading in (("/settings", "설정"), (f"/users/{user_id}", username)):
            pg.goto(path)
            expect(pg.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            overflow = pg.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen"
        screenshot(pg, "profile-phone")
    finally:
        context.close()
