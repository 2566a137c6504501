"""Clubs and the board in the browser: create with a cover, find and join, approval,
posts and comments, a pinned notice, a report hidden by an administrator.

People are created through the API (email code from the outbox, sign-up) and logged in
by the API's cookie login through ``page.request``, which shares the page's cookies.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ROOT, Server, screenshot

PASSWORD = "모임-e2e-비밀번호-7Qx!"


@dataclass
class Person:
    username: str
    nickname: str
    email: str
    id: int
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _mail_code(server: Server, address: str, timeout: float = 15.0) -> str:
    # The code goes out through the mail outbox's worker, a moment after the request's commit.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in reversed(server.outbox()):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(msg["To"]).strip().lower() != address:
                continue
            body = msg.get_body(preferencelist=("plain",))
            assert body is not None
            found = re.search(r"\b(\d{6})\b", body.get_content())  # type: ignore[attr-defined]
            if found:
                return found.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no code mailed to {address}")


def sign_up(server: Server, prefix: str, nickname: str) -> Person:
    suffix = secrets.token_hex(3)
    username = f"{prefix}{suffix}"
    address = f"{username}@example.com"
    with httpx.Client(base_url=server.url, timeout=20) as client:
        r = client.post("/api/auth/email-codes", json={"email": address})
        assert r.status_code == 202, r.text
        code = _mail_code(server, address)
        r = client.post(
            "/api/auth/signup",
            json={
                "email": address,
                "code": code,
                "username": username,
                "nickname": f"{nickname}{suffix[:4]}",
                "password": PASSWORD,
            },
        )
        assert r.status_code == 201, r.text
        user = r.json()
        r = client.post("/api/auth/login", json={"login": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return Person(
            username=username, nickname=user["nickname"], email=address, id=user["id"], token=r.json()["access_token"]
        )


def api(server: Server, person: Person, method: str, path: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=20) as client:
        return client.request(method, path, headers=person.auth, **kwargs)  # type: ignore[arg-type]


def make_admin(server: Server, person: Person) -> None:
    subprocess.run([sys.executable, "-m", "withus.cli", "admin", person.username], cwd=ROOT, env=server.env, check=True)


def browser_for(
    browser: Browser, server: Server, person: Person | None, *, width: int = 1280, height: int = 900
) -> Page:
    """A new context (its own cookies) logged in as ``person`` through the API's cookie login."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR", base_url=server.url)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    if person is not None:
        r = pg.request.post("/api/auth/login?cookie=true", data={"login": person.username, "password": PASSWORD})
        assert r.status == 200, r.text()
    return pg


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, Person]:
    # Shared by the module: sign-up codes are rate-limited per IP (20 an hour).
    return {
        "host": sign_up(server, "host", "모임장"),
        "member": sign_up(server, "mem", "멤버"),
    }


@pytest.fixture
def pages(browser: Browser, server: Server, people: dict[str, Person]) -> Iterator[dict[str, Page]]:
    opened = {name: browser_for(browser, server, person) for name, person in people.items()}
    yield opened
    for pg in opened.values():
        pg.context.close()


def cover_image(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    img = Image.new("RGB", (800, 400), (20, 150, 140))
    for x in range(0, 800, 40):
        for y in range(0, 400, 40):
            if (x + y) // 40 % 2 == 0:
                img.paste((240, 200, 60), (x, y, x + 40, y + 40))
    img.save(path)
    return path


_SEED = """
import asyncio, json, sys
from withus.db import sessionmaker
from withus.models.user import User
from tests.club_factories import make_club

async def main():
    host_id, clubs = json.loads(sys.argv[1])
    ids = []
    async with sessionmaker()() as session:
        host = await session.get(User, host_id)
        for fields in clubs:
            ids.append(await make_club(session, host=host, **fields))
    print(json.dumps(ids))

asyncio.run(main())
"""


def seed_clubs(server: Server, host: Person, clubs: list[dict[str, object]]) -> list[int]:
    """Clubs written straight into the server's database: creating through the API is
    rate-limited (10 an hour per user), which these tests would pass. Creating through
    the page is tested on its own."""
    out = subprocess.run(
        [sys.executable, "-c", _SEED, json.dumps([host.id, clubs])],
        cwd=ROOT,
        env=server.env,
        check=True,
        capture_output=True,
    )
    return [int(i) for i in json.loads(out.stdout.decode().strip().splitlines()[-1])]


def create_club(server: Server, host: Person, **fields: object) -> int:
    return seed_clubs(server, host, [fields])[0]


def set_cover_by_api(server: Server, host: Person, club_id: int, color: tuple[int, int, int], tmp_path: Path) -> None:
    path = tmp_path / f"cover-{club_id}.png"
    img = Image.new("RGB", (640, 360), color)
    for i in range(0, 640, 80):
        img.paste(tuple(min(255, c + 40) for c in color), (i, 0, i + 40, 360))  # type: ignore[arg-type]
    img.save(path)
    with path.open("rb") as f:
        r = api(server, host, "PUT", f"/api/clubs/{club_id}/image", files={"file": ("cover.png", f, "image/png")})
    assert r.status_code == 200, r.text


def showcase_clubs(server: Server, host: Person, tmp_path: Path) -> None:
    """A few clubs of different kinds, so the home page looks like the real thing."""
    clubs = [
        ("주말 LoL 5인 팀 구해요", "GAME", "approval", 5, (90, 70, 160)),
        ("성수동 브런치 탐방", "FOOD", "open", 8, None),
        ("매일 아침 영어 스터디", "STUDY", "open", None, (40, 110, 180)),
        ("서울 근교 당일치기 여행", "TRAVEL", "approval", 20, None),
        ("퇴근 후 수채화 그리기", "CULTURE", "open", 10, None),
    ]
    ids = seed_clubs(
        server,
        host,
        [
            {"name": n, "category": c, "join_policy": p, "capacity": cap, "description": f"{n} 모임이에요."}
            for n, c, p, cap, _ in clubs
        ],
    )
    for club_id, (*_, color) in zip(ids, clubs, strict=True):
        if color is not None:
            set_cover_by_api(server, host, club_id, color, tmp_path)


def club_id_from(page: Page) -> int:
    m = re.search(r"/clubs/(\d+)$", page.url)
    assert m, page.url
    return int(m.group(1))


def test_host_creates_a_club_with_a_cover_and_another_user_finds_and_joins_it(
    pages: dict[str, Page], people: dict[str, Person], server: Server, tmp_path: Path
) -> None:
    host, member = pages["host"], pages["member"]
    name = f"토요일 아침 풋살 {secrets.token_hex(2)}"
    keyword = f"풋살키워드{secrets.token_hex(2)}"

    host.goto("/clubs/new")
    expect(host.get_by_role("heading", name="모임 만들기")).to_be_visible()
    host.locator('[data-testid="cover-upload"] input[type=file]').set_input_files(str(cover_image(tmp_path)))
    expect(host.get_by_alt_text("대표 이미지 미리보기")).to_be_visible()
    host.get_by_label("모임 이름").fill(name)
    host.get_by_label("소개").fill(
        f"매주 토요일 아침 8시에 공을 찹니다. {keyword}\n초보도 환영해요! https://example.com/map"
    )
    host.get_by_label("분류").click()
    host.get_by_role("option", name="운동").click()
    host.get_by_role("radio", name="바로 가입").check()
    host.get_by_label("정원 (선택)").fill("12")
    host.get_by_label("장소 (선택)").fill("서울 마포구")
    screenshot(host, "club-create")
    host.get_by_role("button", name="모임 만들기").last.click()

    expect(host).to_have_url(re.compile(r"/clubs/\d+$"))
    club_id = club_id_from(host)
    expect(host.get_by_role("heading", name=name)).to_be_visible()
    expect(host.get_by_text("모임장", exact=True).first).to_be_visible()
    expect(host.get_by_text("멤버 1 / 12명").first).to_be_visible()
    expect(host.get_by_role("link", name="https://example.com/map")).to_have_attribute(
        "href", "https://example.com/map"
    )
    cover = api(server, people["host"], "GET", f"/api/clubs/{club_id}").json()["cover_url"]
    assert cover and cover.startswith("/media/covers/")

    # Another person finds it by a word of its description and joins at once.
    showcase_clubs(server, people["host"], tmp_path)
    member.goto("/")
    expect(member.locator('[data-testid="club-card"]').first).to_be_visible()
    expect(member.get_by_text("퇴근 후 수채화 그리기")).to_be_visible()
    screenshot(member, "home-clubs")
    search = member.get_by_label("모임 검색")
    search.fill(keyword)
    search.press("Enter")
    cards = member.locator('[data-testid="club-card"]')
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text(name)
    expect(cards.first).to_contain_text("모집 중")
    cards.first.click()
    expect(member).to_have_url(re.compile(rf"/clubs/{club_id}$"))
    member.get_by_role("button", name="가입하기").click()
    expect(member.get_by_role("button", name="탈퇴")).to_be_visible()
    expect(member.get_by_text("멤버 2 / 12명").first).to_be_visible()
    member.get_by_role("tab", name="멤버").click()
    expect(member.locator('[data-testid="member"]')).to_have_count(2)
    screenshot(member, "club")

    # The category tab filters: the club is under 운동, not under 게임.
    member.goto("/")
    member.get_by_role("button", name="게임", exact=True).click()
    expect(member.get_by_text(name)).to_have_count(0)
    member.get_by_role("button", name="운동", exact=True).click()
    expect(member.get_by_text(name).first).to_be_visible()
    # The address keeps the filter, so the list can be shared or reloaded.
    expect(member).to_have_url(re.compile(r"/\?category=SPORTS$"))
    member.reload()
    expect(member.get_by_role("button", name="운동", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(member.get_by_text("퇴근 후 수채화 그리기")).to_have_count(0)


def test_join_request_is_approved_by_the_host_on_the_manage_page(
    pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    host, member = pages["host"], pages["member"]
    club_id = create_club(
        server, people["host"], name=f"승인제 보드게임 {secrets.token_hex(2)}", category="GAME", join_policy="approval"
    )

    member.goto(f"/clubs/{club_id}")
    member.get_by_role("button", name="가입 신청").click()
    member.get_by_label("가입 메시지 (선택)").fill("보드게임 좋아해요!")
    member.get_by_role("button", name="신청하기").click()
    expect(member.get_by_text("가입 신청 중")).to_be_visible()

    host.goto(f"/clubs/{club_id}")
    host.get_by_role("link", name="관리").click()
    expect(host).to_have_url(re.compile(rf"/clubs/{club_id}/manage$"))
    request = host.locator('[data-testid="join-request"]')
    expect(request).to_have_count(1)
    expect(request).to_contain_text(people["member"].nickname)
    expect(request).to_contain_text("보드게임 좋아해요!")
    screenshot(host, "club-manage")
    request.get_by_role("button", name="승인").click()
    expect(host.locator('[data-testid="join-request"]')).to_have_count(0)
    expect(host.locator('[data-testid="managed-member"]')).to_have_count(2)

    member.reload()
    expect(member.get_by_role("button", name="탈퇴")).to_be_visible()
    expect(member.get_by_role("button", name="글쓰기")).to_be_visible()


def test_members_write_and_comment_a_notice_stays_on_top_and_a_reported_comment_is_hidden(
    browser: Browser, pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    host, member = pages["host"], pages["member"]
    club_id = create_club(server, people["host"], name=f"맛집 탐방 {secrets.token_hex(2)}", category="FOOD")
    assert api(server, people["member"], "POST", f"/api/clubs/{club_id}/join", json={}).status_code == 200

    # The member writes a post.
    member.goto(f"/clubs/{club_id}")
    member.get_by_role("button", name="글쓰기").click()
    expect(member.get_by_text("공지로 올리기")).to_have_count(0)  # not staff
    member.get_by_label("제목").fill("이번 주 어디 갈까요?")
    member.get_by_label("본문").fill("후보 1: 을지로 노포\n후보 2: 연남동 파스타\n<b>태그는 글자 그대로</b>")
    member.get_by_role("button", name="올리기").click()
    expect(member).to_have_url(re.compile(r"/posts/\d+$"))
    post_url = member.url
    body = member.locator('[data-testid="post-body"]')
    expect(body).to_contain_text("<b>태그는 글자 그대로</b>")
    assert member.locator('[data-testid="post-body"] b').count() == 0

    # The host comments; the member replies; the host answers the reply.
    host.goto(post_url)
    host.get_by_label("댓글 쓰기").fill("을지로 좋아요. 7시 어때요?")
    host.get_by_role("button", name="댓글 등록").click()
    host_comment = host.locator('[data-testid="comment"]').filter(has_text="을지로 좋아요")
    expect(host_comment).to_be_visible()

    member.reload()
    member.locator('[data-testid="comment"]').filter(has_text="을지로 좋아요").get_by_role(
        "button", name="답글"
    ).click()
    member.get_by_placeholder("답글을 입력하세요").fill("좋아요, 7시에 봬요!")
    member.get_by_role("button", name="답글 등록").click()
    expect(member.locator('[data-testid="reply"]').filter(has_text="7시에 봬요")).to_be_visible()

    host.reload()
    host.locator('[data-testid="reply"]').filter(has_text="7시에 봬요").get_by_role("button", name="답글").click()
    host.get_by_placeholder("답글을 입력하세요").fill("광고 링크 남겨요 http://spam.example")
    host.get_by_role("button", name="답글 등록").click()
    expect(host.locator('[data-testid="reply"]')).to_have_count(2)
    screenshot(host, "post")

    # The host pins a notice: it is listed above the member's newer... and older posts.
    host.goto(f"/clubs/{club_id}")
    host.get_by_role("button", name="글쓰기").click()
    host.get_by_label("제목").fill("모임 규칙 안내")
    host.get_by_label("본문").fill("서로 존중해 주세요.")
    host.get_by_text("공지로 올리기").click()
    host.get_by_role("button", name="올리기").click()
    expect(host).to_have_url(re.compile(r"/posts/\d+$"))
    expect(host.get_by_text("공지", exact=True).first).to_be_visible()
    member.goto(f"/clubs/{club_id}")
    api(
        server,
        people["member"],
        "POST",
        f"/api/clubs/{club_id}/posts",
        json={"title": "공지 뒤에 쓴 글", "body": "본문"},
    )
    member.reload()
    rows = member.locator('[data-testid="post-row"]')
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("공지")
    expect(rows.first).to_contain_text("모임 규칙 안내")
    expect(rows.nth(1)).to_contain_text("공지 뒤에 쓴 글")

    # The member reports the host's reply; the report hides nothing by itself.
    member.goto(post_url)
    spam = member.locator('[data-testid="reply"]').filter(has_text="spam.example")
    spam.get_by_role("button", name="신고").click()
    member.get_by_label("신고 사유").fill("광고 링크예요")
    member.get_by_role("button", name="신고", exact=True).last.click()
    expect(member.get_by_text("신고했어요")).to_be_visible()
    member.reload()
    expect(member.locator('[data-testid="reply"]').filter(has_text="spam.example")).to_be_visible()

    # An administrator hides it from the review queue.
    admin = sign_up(server, "adm", "관리자")
    make_admin(server, admin)
    admin_page = browser_for(browser, server, admin)
    admin_page.goto("/admin/reports")
    report = admin_page.locator('[data-testid="report"]').filter(has_text="광고 링크예요")
    expect(report).to_be_visible()
    report.get_by_role("button", name="숨기기").click()
    admin_page.get_by_role("alertdialog").get_by_role("button", name="숨기기").click()
    expect(admin_page.locator('[data-testid="report"]').filter(has_text="광고 링크예요")).to_have_count(0)
    admin_page.context.close()

    member.reload()
    expect(member.locator('[data-testid="reply"]').filter(has_text="7시에 봬요")).to_be_visible()
    expect(member.get_by_text("spam.example")).to_have_count(0)
    # The club's staff still see it, marked hidden.
    host.goto(post_url)
    hidden = host.locator('[data-testid="reply"]').filter(has_text="spam.example")
    expect(hidden).to_contain_text("숨김")


def test_club_page_fits_a_phone_screen(browser: Browser, server: Server, people: dict[str, Person]) -> None:
    club_id = create_club(
        server,
        people["host"],
        name="한강 러닝 크루 — 아주 긴 이름이어도 화면을 넘지 않아요",
        description="매주 수요일 저녁 반포 한강공원에서 5km를 달려요.",
        category="SPORTS",
        capacity=30,
        location="서울 서초구 반포한강공원",
    )
    api(
        server,
        people["host"],
        "POST",
        f"/api/clubs/{club_id}/posts",
        json={"title": "첫 모임 후기", "body": "다들 수고하셨어요!"},
    )
    phone = browser_for(browser, server, people["member"], width=375, height=740)
    phone.goto(f"/clubs/{club_id}")
    expect(phone.get_by_role("button", name="가입하기")).to_be_visible()
    expect(phone.get_by_text("첫 모임 후기")).to_be_visible()
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"club page is {overflow}px wider than a 375px screen"
    screenshot(phone, "club-phone")
    phone.context.close()


def test_private_club_shows_non_members_its_listed_info_only(
    pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    club_id = create_club(
        server, people["host"], name=f"비밀 독서 모임 {secrets.token_hex(2)}", category="STUDY", visibility="private"
    )
    api(server, people["host"], "POST", f"/api/clubs/{club_id}/posts", json={"title": "멤버 전용 글", "body": "비밀"})
    member = pages["member"]
    member.goto(f"/clubs/{club_id}")
    expect(member.get_by_text("멤버만 볼 수 있어요")).to_be_visible()
    expect(member.get_by_text("멤버 전용 글")).to_have_count(0)
    expect(member.get_by_role("button", name="가입하기")).to_be_visible()


def test_home_loads_more_clubs_with_the_cursor(
    pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    keyword = f"더보기{secrets.token_hex(3)}"
    seed_clubs(server, people["host"], [{"name": f"{keyword} 모임 {n:02d}", "category": "DAILY"} for n in range(30)])
    member = pages["member"]
    member.goto(f"/?q={keyword}")
    cards = member.locator('[data-testid="club-card"]')
    expect(cards).to_have_count(24)
    expect(cards.first).to_contain_text(f"{keyword} 모임 29")  # newest first
    member.get_by_role("button", name="더 보기").click()
    expect(cards).to_have_count(30)
    expect(cards.last).to_contain_text(f"{keyword} 모임 00")
    expect(member.get_by_role("button", name="더 보기")).to_have_count(0)
    member.get_by_role("button", name="검색 지우기").click()
    expect(member.get_by_label("모임 검색")).to_have_value("")
    expect(member).to_have_url(re.compile(r"/$"))


def test_host_edits_the_club_changes_the_cover_and_closes_it(
    pages: dict[str, Page], people: dict[str, Person], server: Server, tmp_path: Path
) -> None:
    club_id = create_club(server, people["host"], name="이름 바꾸기 전", category="ETC")
    host = pages["host"]
    host.goto(f"/clubs/{club_id}")
    host.get_by_role("link", name="수정").click()
    expect(host).to_have_url(re.compile(rf"/clubs/{club_id}/edit$"))
    name = host.get_by_label("모임 이름")
    expect(name).to_have_value("이름 바꾸기 전")
    host.locator('[data-testid="cover-upload"] input[type=file]').set_input_files(str(cover_image(tmp_path)))
    expect(host.get_by_text("대표 이미지를 바꿨어요.")).to_be_visible()
    assert api(server, people["host"], "GET", f"/api/clubs/{club_id}").json()["cover_url"]
    name.fill("가")
    host.get_by_role("radio", name="승인 후 가입").check()
    host.get_by_role("button", name="저장").click()
    expect(host.get_by_text("모임 이름은 2~50자로 입력해 주세요.")).to_be_visible()
    name.fill("새 이름의 모임")
    host.get_by_role("button", name="저장").click()
    expect(host).to_have_url(re.compile(rf"/clubs/{club_id}$"))
    expect(host.get_by_role("heading", name="새 이름의 모임")).to_be_visible()
    expect(host.get_by_text("승인 후 가입")).to_be_visible()

    # A plain member cannot open the edit page.
    member = pages["member"]
    assert api(server, people["member"], "POST", f"/api/clubs/{club_id}/join", json={}).json()["status"] == "pending"
    member.goto(f"/clubs/{club_id}/edit")
    expect(member.get_by_text("모임장과 운영진만 고칠 수 있어요")).to_be_visible()

    host.goto(f"/clubs/{club_id}/edit")
    host.get_by_role("button", name="모임 닫기").click()
    host.get_by_role("alertdialog").get_by_role("button", name="모임 닫기").click()
    expect(host).to_have_url(re.compile(r"/me/clubs$"))
    host.goto(f"/clubs/{club_id}")
    expect(host.get_by_text("모임을 찾을 수 없어요")).to_be_visible()


def test_invitation_accepted_from_my_clubs_then_roles_and_bans_on_the_manage_page(
    pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    club_id = create_club(
        server, people["host"], name=f"초대제 스터디 {secrets.token_hex(2)}", category="STUDY", join_policy="invite"
    )
    host, member = pages["host"], pages["member"]
    member.goto(f"/clubs/{club_id}")
    expect(member.get_by_text("초대받은 사람만 가입할 수 있는 모임이에요.")).to_be_visible()

    host.goto(f"/clubs/{club_id}/manage")
    host.get_by_label("초대할 회원").fill(f"{server.url}/users/{people['member'].id}")
    host.get_by_role("button", name="초대하기").click()
    expect(host.get_by_text("응답을 기다리는 초대")).to_be_visible()

    member.goto("/me/clubs")
    invitation = member.locator('[data-testid="invitation"]')
    expect(invitation).to_contain_text("초대제 스터디")
    invitation.get_by_role("button", name="수락").click()
    expect(member.locator('[data-testid="invitation"]')).to_have_count(0)
    expect(member.locator('[data-testid="club-card"]').filter(has_text="초대제 스터디")).to_be_visible()

    host.reload()
    row = host.locator('[data-testid="managed-member"]').filter(has_text=people["member"].nickname)
    row.get_by_role("button", name="역할").click()
    host.get_by_role("menuitem", name="운영진으로 지정").click()
    expect(row).to_contain_text("운영진")
    row.get_by_role("button", name="차단").click()
    host.get_by_role("alertdialog").get_by_role("button", name="차단").click()
    expect(host.locator('[data-testid="managed-member"]')).to_have_count(1)
    expect(host.get_by_role("button", name="차단 풀기")).to_be_visible()

    member.goto(f"/clubs/{club_id}")
    expect(member.get_by_role("button", name="탈퇴")).to_have_count(0)


def test_author_edits_and_deletes_a_post_and_blocked_authors_are_collapsed(
    pages: dict[str, Page], people: dict[str, Person], server: Server
) -> None:
    author = sign_up(server, "auth", "작가")
    club_id = create_club(server, author, name=f"차단 확인 {secrets.token_hex(2)}", category="CULTURE")
    api(server, people["member"], "POST", f"/api/clubs/{club_id}/join", json={})
    r = api(
        server,
        author,
        "POST",
        f"/api/clubs/{club_id}/posts",
        json={"title": "전시 보러 가요", "body": "토요일 2시"},
    )
    post_id = r.json()["id"]
    member = pages["member"]

    # The member blocks the author: the author's post is collapsed until 보기.
    assert api(server, people["member"], "POST", f"/api/users/{author.id}/block").status_code == 204
    member.goto(f"/posts/{post_id}")
    expect(member.get_by_text("차단한 사용자의 글입니다")).to_be_visible()
    expect(member.get_by_text("토요일 2시")).to_have_count(0)
    member.get_by_role("button", name="보기").click()
    expect(member.get_by_text("토요일 2시")).to_be_visible()

    # The member's own post: edit, then delete.
    r = api(
        server,
        people["member"],
        "POST",
        f"/api/clubs/{club_id}/posts",
        json={"title": "오타 있는 제목", "body": "본문"},
    )
    mine = r.json()["id"]
    member.goto(f"/posts/{mine}")
    member.get_by_role("button", name="수정").click()
    member.get_by_label("제목").fill("고친 제목")
    member.get_by_role("button", name="저장").click()
    expect(member.get_by_role("heading", name="고친 제목")).to_be_visible()
    expect(member.get_by_text("(수정됨)")).to_be_visible()
    # A comment of the member's: edit, then delete.
    member.get_by_label("댓글 쓰기").fill("오타 있는 댓글")
    member.get_by_role("button", name="댓글 등록").click()
    comment = member.locator('[data-testid="comment"]').filter(has_text="오타 있는 댓글")
    comment.get_by_role("button", name="수정").click()
    member.get_by_label("댓글 고치기").fill("고친 댓글")
    member.get_by_role("button", name="저장").click()
    fixed = member.locator('[data-testid="comment"]').filter(has_text="고친 댓글")
    expect(fixed).to_contain_text("(수정됨)")
    fixed.get_by_role("button", name="삭제").click()
    member.get_by_role("alertdialog").get_by_role("button", name="삭제").click()
    expect(member.locator('[data-testid="comment"]')).to_have_count(0)

    member.get_by_role("button", name="삭제").first.click()
    member.get_by_role("alertdialog").get_by_role("button", name="삭제").click()
    expect(member).to_have_url(re.compile(rf"/clubs/{club_id}$"))
    expect(member.get_by_text("고친 제목")).to_have_count(0)


def test_club_pages_fit_a_phone_screen(browser: Browser, server: Server, people: dict[str, Person]) -> None:
    club_id = create_club(
        server,
        people["host"],
        name="폰 화면 확인용 아주아주 긴 모임 이름입니다 정말로 길어요",
        category="TRAVEL",
        join_policy="approval",
        capacity=10,
    )
    assert (
        api(server, people["member"], "POST", f"/api/clubs/{club_id}/join", json={"message": "안녕하세요"}).status_code
        == 200
    )
    post = api(
        server,
        people["host"],
        "POST",
        f"/api/clubs/{club_id}/posts",
        json={"title": "긴 주소가 있는 글", "body": "https://example.com/" + "a" * 120},
    ).json()
    api(server, people["host"], "POST", f"/api/posts/{post['id']}/comments", json={"body": "댓글 " * 40})
    phone = browser_for(browser, server, people["host"], width=375, height=740)
    for path in (
        "/",
        f"/clubs/{club_id}",
        f"/posts/{post['id']}",
        f"/clubs/{club_id}/manage",
        "/clubs/new",
        "/me/clubs",
        "/admin/reports",
    ):
        phone.goto(path)
        phone.wait_for_load_state("networkidle")
        expect(phone.get_by_role("heading").first).to_be_visible()
        expect(phone.locator(".rt-Skeleton")).to_have_count(0)
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen"
    phone.context.close()


def test_on_postgres_and_redis_a_club_with_a_cover_is_joined_and_discussed(
    browser: Browser, pg_server: Server, tmp_path: Path
) -> None:
    host_person = sign_up(pg_server, "pghost", "모임장")
    member_person = sign_up(pg_server, "pgmem", "멤버")
    host = browser_for(browser, pg_server, host_person)
    member = browser_for(browser, pg_server, member_person)
    name = f"레디스 위의 모임 {secrets.token_hex(2)}"

    # The cover waits in Redis between the upload and the submit, whichever worker takes each event.
    host.goto("/clubs/new")
    host.locator('[data-testid="cover-upload"] input[type=file]').set_input_files(str(cover_image(tmp_path)))
    expect(host.get_by_alt_text("대표 이미지 미리보기")).to_be_visible()
    host.get_by_label("모임 이름").fill(name)
    host.get_by_label("분류").click()
    host.get_by_role("option", name="일상").click()
    host.get_by_role("button", name="모임 만들기").last.click()
    expect(host).to_have_url(re.compile(r"/clubs/\d+$"))
    club_id = club_id_from(host)
    assert api(pg_server, host_person, "GET", f"/api/clubs/{club_id}").json()["cover_url"]

    member.goto("/")
    search = member.get_by_label("모임 검색")
    search.fill(name)
    search.press("Enter")
    expect(member.locator('[data-testid="club-card"]')).to_have_count(1)
    member.locator('[data-testid="club-card"]').first.click()
    member.get_by_role("button", name="가입하기").click()
    member.get_by_role("button", name="글쓰기").click()
    member.get_by_label("제목").fill("레디스에서도 잘 되나요?")
    member.get_by_label("본문").fill("두 워커가 번갈아 받아도요.")
    member.get_by_role("button", name="올리기").click()
    expect(member).to_have_url(re.compile(r"/posts/\d+$"))
    member.get_by_label("댓글 쓰기").fill("첫 댓글")
    member.get_by_role("button", name="댓글 등록").click()
    expect(member.locator('[data-testid="comment"]').filter(has_text="첫 댓글")).to_be_visible()

    host.goto(member.url)
    expect(host.get_by_role("heading", name="레디스에서도 잘 되나요?")).to_be_visible()
    expect(host.locator('[data-testid="comment"]')).to_have_count(1)
    host.context.close()
    member.context.close()
