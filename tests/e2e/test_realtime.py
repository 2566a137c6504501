"""Chat and notifications, live, in the browser: two people chatting in one room without
reloads, messages sent by other clients (REST, a raw STOMP frame over /ws) showing up, the room
list reordering itself, and the bell's badge and toast when a notification arrives.

People sign up through the API (the code comes from the outbox) and their browsers log in
with the API's cookie login through ``page.request``, which shares the page's cookies.
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

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ROOT, Server, screenshot

PASSWORD = "실시간-e2e-비밀번호-4Rt!"
LIVE = 20_000  # ms: what "shows up without a reload" may take at most here


@dataclass
class Person:
    username: str
    nickname: str
    id: int
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _code(server: Server, address: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in reversed(server.outbox()):
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if str(msg["To"]).strip().lower() != address:
                continue
            body = msg.get_body(preferencelist=("plain",))
            found = re.search(r"\b(\d{6})\b", body.get_content() if body else "")  # type: ignore[attr-defined]
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
        body = {
            "email": address,
            "code": _code(server, address),
            "username": username,
            "nickname": f"{nickname}{suffix[:3]}",
            "password": PASSWORD,
        }
        r = client.post("/api/auth/signup", json=body)
        assert r.status_code == 201, r.text
        user = r.json()
        r = client.post("/api/auth/login", json={"login": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
    return Person(username=username, nickname=user["nickname"], id=user["id"], token=r.json()["access_token"])


def api(server: Server, person: Person, method: str, path: str, **kwargs: object) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=20) as client:
        return client.request(method, path, headers=person.auth, **kwargs)  # type: ignore[arg-type]


def browser_for(browser: Browser, server: Server, person: Person, *, width: int = 1280, height: int = 860) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ko-KR", base_url=server.url)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    r = pg.request.post("/api/auth/login?cookie=true", data={"login": person.username, "password": PASSWORD})
    assert r.status == 200, r.text()
    return pg


def wait_live(pg: Page, selector: str) -> None:
    """The page's background task is listening (its element says data-live="true")."""
    expect(pg.locator(selector)).to_have_attribute("data-live", "true", timeout=LIVE)


def messages(pg: Page) -> object:
    return pg.locator('[data-testid="message"] [data-testid="message-body"]')


def type_and_send(pg: Page, text: str) -> None:
    box = pg.locator("#chat-input")
    box.click()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        box.type(line)
        if i < len(lines) - 1:
            box.press("Shift+Enter")
    box.press("Enter")


def open_room(server: Server, a: Person, b: Person) -> int:
    r = api(server, a, "POST", "/api/chat/rooms", json={"user_id": b.id})
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def stored_notifications(server: Server, person: Person) -> list[dict[str, object]]:
    r = api(server, person, "GET", "/api/notifications", params={"limit": 100})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


@pytest.fixture(scope="module")
def people(server: Server) -> dict[str, Person]:
    # Shared by the module: sign-up codes are rate-limited per IP.
    return {"alice": sign_up(server, "alice", "앨리스"), "bob": sign_up(server, "bob", "밥")}


@pytest.fixture
def pages(browser: Browser, server: Server, people: dict[str, Person]) -> Iterator[dict[str, Page]]:
    opened = {name: browser_for(browser, server, person) for name, person in people.items()}
    yield opened
    for pg in opened.values():
        pg.context.close()


# ---------------------------------------------------------------- chat


def test_two_people_chat_live_in_one_room_without_reloading(
    server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    alice, bob = people["alice"], people["bob"]
    a, b = pages["alice"], pages["bob"]

    # 채팅하기 on a profile links to /chat?with=<id>: the 1:1 room is opened (or created) and shown.
    a.goto(f"/chat?with={bob.id}")
    a.wait_for_url(re.compile(r"/chat/\d+$"))
    room_id = int(a.url.rsplit("/", 1)[1])
    expect(a.get_by_text(bob.nickname).first).to_be_visible()
    wait_live(a, "#chat-messages")

    b.goto(f"/chat/{room_id}")
    wait_live(b, "#chat-messages")

    type_and_send(a, "안녕하세요, 밥! 👋")
    expect(messages(b).last).to_have_text("안녕하세요, 밥! 👋", timeout=LIVE)
    expect(messages(a).last).to_have_text("안녕하세요, 밥! 👋")
    expect(a.locator("#chat-input")).to_have_value("")

    # Shift+Enter breaks the line; Enter sends. The counter follows what is typed.
    b.locator("#chat-input").click()
    b.locator("#chat-input").type("반가워요")
    expect(b.locator("#chat-counter")).to_have_text("4 / 1,000")
    b.locator("#chat-input").press("Shift+Enter")
    b.locator("#chat-input").type("<b>둘째 줄</b>")
    b.locator("#chat-input").press("Enter")
    expect(messages(a).last).to_have_text("반가워요\n<b>둘째 줄</b>", timeout=LIVE)
    expect(a.locator("b")).to_have_count(0)  # shown as text, never as markup
    expect(b.locator("#chat-counter")).to_have_text("0 / 1,000")

    for i in range(3):
        type_and_send(a, f"빠르게 {i}")
    expect(messages(b)).to_have_count(5, timeout=LIVE)
    assert messages(b).all_inner_texts()[-3:] == ["빠르게 0", "빠르게 1", "빠르게 2"]
    # Stored once each, in order, with consecutive seqs.
    r = api(server, bob, "GET", f"/api/chat/rooms/{room_id}/messages")
    assert [m["seq"] for m in r.json()["items"]] == [1, 2, 3, 4, 5]

    # Both were looking at the room: read state follows, and nobody is notified of these messages.
    for person in (alice, bob):
        room = api(server, person, "GET", f"/api/chat/rooms/{room_id}").json()
        assert room["unread_count"] == 0
        assert not [n for n in stored_notifications(server, person) if n["type"] == "chat_message"]
    screenshot(a, "chat-room")
    # On a phone the room still fits: the composer and the newest message are on screen.
    a.set_viewport_size({"width": 375, "height": 740})
    expect(a.locator("#chat-input")).to_be_in_viewport()
    expect(messages(a).last).to_be_in_viewport()
    screenshot(a, "chat-room-phone")


def _stomp_send(server: Server, person: Person, room_id: int, body: str) -> None:
    """One message as a STOMP client sends it: raw frames over /ws (websockets' sync client)."""
    from websockets.sync.client import connect

    url = server.url.replace("http://", "ws://") + "/ws"
    with connect(url, subprotocols=["v12.stomp"], origin=server.url, open_timeout=20) as ws:  # type: ignore[list-item]
        ws.send(f"CONNECT\naccept-version:1.2\nhost:withus\nAuthorization:Bearer {person.token}\n\n\x00")
        assert str(ws.recv(timeout=20)).startswith("CONNECTED")
        payload = json.dumps({"body": body, "client_msg_id": secrets.token_hex(8)}, ensure_ascii=False)
        ws.send(
            f"SEND\ndestination:/app/chat/rooms/{room_id}\ncontent-type:application/json\nreceipt:r1\n\n{payload}\x00"
        )
        frame = str(ws.recv(timeout=20))
        assert frame.startswith("RECEIPT") and "receipt-id:r1" in frame, frame
        ws.send("DISCONNECT\n\n\x00")


def test_messages_from_other_clients_show_up_live_and_the_room_list_follows(
    server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    alice, bob = people["alice"], people["bob"]
    a = pages["alice"]
    room_id = open_room(server, bob, alice)

    a.goto(f"/chat/{room_id}")
    wait_live(a, "#chat-messages")
    r = api(server, bob, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "REST로 보낸 메시지"})
    assert r.status_code == 201, r.text
    expect(messages(a).last).to_have_text("REST로 보낸 메시지", timeout=LIVE)
    _stomp_send(server, bob, room_id, "STOMP로 보낸 메시지 🚀")
    expect(messages(a).last).to_have_text("STOMP로 보낸 메시지 🚀", timeout=LIVE)

    # The list: a club room with newer activity sits on top, until a new message lifts the 1:1 room.
    club = api(
        server,
        alice,
        "POST",
        "/api/clubs",
        json={
            "name": f"실시간 모임 {secrets.token_hex(2)}",
            "description": "라이브 테스트",
            "category": "GAME",
            "join_policy": "open",
            "visibility": "public",
        },
    )
    assert club.status_code == 201, club.text
    club_room = club.json()["chat_room_id"]
    assert api(server, alice, "POST", f"/api/chat/rooms/{club_room}/messages", json={"body": "모임 공지"}).is_success

    a.goto("/chat")
    wait_live(a, "#chat-rooms")
    rows = a.locator('[data-testid="chat-room"]')
    expect(rows.first).to_have_attribute("data-room-id", str(club_room))
    direct = a.locator(f'[data-testid="chat-room"][data-room-id="{room_id}"]')
    expect(direct.locator('[data-testid="room-unread"]')).to_have_count(0)

    r = api(server, bob, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "목록에서도 보여요?"})
    assert r.status_code == 201
    expect(rows.first).to_have_attribute("data-room-id", str(room_id), timeout=LIVE)
    expect(direct).to_contain_text("목록에서도 보여요?")
    expect(direct.locator('[data-testid="room-unread"]')).to_have_text("1")
    screenshot(a, "chat-list")

    # Opening the room reads it; going back, the badge is gone.
    direct.click()
    a.wait_for_url(f"**/chat/{room_id}")
    expect(messages(a).last).to_have_text("목록에서도 보여요?")
    a.get_by_role("link", name="채팅 목록").click()
    a.wait_for_url("**/chat")
    expect(direct.locator('[data-testid="room-unread"]')).to_have_count(0)


def test_older_messages_page_in_and_leaving_hides_the_room_for_me_only(
    server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    alice, bob = people["alice"], people["bob"]
    a = pages["alice"]
    carol = sign_up(server, "carol", "캐럴")
    room_id = open_room(server, carol, alice)
    for i in range(1, 61):
        sender = carol if i <= 30 else alice
        r = api(server, sender, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": f"메시지 {i}"})
        if r.status_code == 429:  # 30 messages per 10 s and sender: wait as told, then once more
            time.sleep(float(r.headers["Retry-After"]))
            r = api(server, sender, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": f"메시지 {i}"})
        assert r.status_code == 201, r.text
    a.goto(f"/chat/{room_id}")
    wait_live(a, "#chat-messages")
    expect(messages(a)).to_have_count(50)
    expect(messages(a).first).to_have_text("메시지 11")
    a.locator("#older-messages").click()
    expect(messages(a)).to_have_count(60)
    expect(messages(a).first).to_have_text("메시지 1")
    expect(a.locator("#older-messages")).to_have_count(0)

    a.get_by_role("button", name="나가기").click()
    a.get_by_role("alertdialog").get_by_role("button", name="나가기").click()
    a.wait_for_url("**/chat")
    expect(a.locator(f'[data-testid="chat-room"][data-room-id="{room_id}"]')).to_have_count(0)
    # The other person keeps the room and its history.
    r = api(server, carol, "GET", f"/api/chat/rooms/{room_id}/messages", params={"limit": 100})
    assert len(r.json()["items"]) == 60
    assert api(server, bob, "GET", f"/api/chat/rooms/{room_id}").status_code == 404


# ---------------------------------------------------------------- notifications


def test_a_notification_lights_the_bell_and_shows_a_toast_without_a_reload(
    server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    alice, bob = people["alice"], people["bob"]
    a = pages["alice"]
    api(server, alice, "POST", "/api/notifications/read-all")
    a.goto("/")
    wait_live(a, "#notification-bell")
    expect(a.locator("#notification-badge")).to_have_count(0)

    # Bob invites Alice to his club: Alice's page hears of it at once.
    club = api(
        server,
        bob,
        "POST",
        "/api/clubs",
        json={
            "name": f"초대 모임 {secrets.token_hex(2)}",
            "description": "알림 테스트",
            "category": "FOOD",
            "join_policy": "invite",
            "visibility": "public",
        },
    )
    assert club.status_code == 201, club.text
    club_id = club.json()["id"]
    r = api(server, bob, "POST", f"/api/clubs/{club_id}/invitations", json={"user_id": alice.id})
    assert r.status_code == 201, r.text

    expect(a.locator("#notification-badge")).to_have_text("1", timeout=LIVE)
    toast = a.locator("[data-sonner-toast]").filter(has_text=club.json()["name"])
    expect(toast).to_be_visible(timeout=LIVE)
    [invitation] = [n for n in stored_notifications(server, alice) if not n["read"]]
    assert invitation["type"] == "club_invitation"

    # A chat message while Alice is not looking at the room: the header's 채팅 item counts it, the
    # bell does not (chat counts belong to chat; /notifications still lists it).
    room_id = open_room(server, bob, alice)
    for room in api(server, alice, "GET", "/api/chat/rooms").json()["items"]:  # earlier tests' rooms: read
        api(server, alice, "POST", f"/api/chat/rooms/{room['id']}/read", json={"seq": room["last_seq"]})
    expect(a.locator("#chat-badge")).to_have_count(0, timeout=LIVE)
    r = api(server, bob, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "초대 확인해 주세요"})
    assert r.status_code == 201
    expect(a.locator("#chat-badge")).to_have_attribute("data-count", "1", timeout=LIVE)
    r = api(server, bob, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": "두 번째"})
    last_seq = r.json()["seq"]
    expect(a.locator("#chat-badge")).to_have_attribute("data-count", "2", timeout=LIVE)
    expect(a.locator("#notification-badge")).to_have_text("1")
    expect(a.locator("[data-sonner-toast]").filter(has_text="초대 확인해 주세요")).to_have_count(0)

    _invite(server, bob, alice, f"두 번째 모임 {secrets.token_hex(2)}")
    expect(a.locator("#notification-badge")).to_have_text("2", timeout=LIVE)

    a.locator("#notification-bell").click()
    menu = a.locator("#notification-menu")
    items = menu.locator('[data-testid="bell-item"]')
    expect(items).to_have_count(2)
    expect(items.nth(1)).to_contain_text(club.json()["name"])
    expect(items.first).to_have_attribute("data-read", "false")
    screenshot(a, "notifications-dropdown")

    # Clicking one marks it read and goes where it points.
    items.nth(1).click()
    a.wait_for_url(f"**/clubs/{club_id}")
    expect(a.locator("#notification-badge")).to_have_text("1")
    # Reading the room (in another window) clears the 채팅 badge here, live.
    r = api(server, alice, "POST", f"/api/chat/rooms/{room_id}/read", json={"seq": last_seq})
    assert r.status_code == 204, r.text
    expect(a.locator("#chat-badge")).to_have_count(0, timeout=LIVE)
    # 모두 읽음 (the bell's) clears the badge and marks every notification read, the chat one too.
    a.locator("#notification-bell").click()
    a.locator("#bell-read-all").click()
    expect(a.locator("#notification-badge")).to_have_count(0)
    assert all(n["read"] for n in stored_notifications(server, alice))


OPEN_EVENTSOURCE = """(url) => {
    window.__sse = {open: false, events: [], errors: 0};
    const source = new EventSource(url);
    source.onopen = () => { window.__sse.open = true; };
    source.onerror = () => { window.__sse.errors += 1; };
    source.addEventListener("notification", (e) => {
        window.__sse.events.push({id: e.lastEventId, data: JSON.parse(e.data)});
    });
}"""


def _invite(server: Server, host: Person, invitee: Person, name: str) -> int:
    club = api(
        server,
        host,
        "POST",
        "/api/clubs",
        json={"name": name, "description": "", "category": "ETC", "join_policy": "invite", "visibility": "public"},
    )
    assert club.status_code == 201, club.text
    r = api(server, host, "POST", f"/api/clubs/{club.json()['id']}/invitations", json={"user_id": invitee.id})
    assert r.status_code == 201, r.text
    return int(club.json()["id"])


def test_a_browser_eventsource_streams_notifications_by_cookie_and_by_ticket(
    browser: Browser, server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    """The SSE stream through the production server, read by Chromium's own EventSource."""
    alice, bob = people["alice"], people["bob"]
    a = pages["alice"]
    a.goto("/")
    a.evaluate(OPEN_EVENTSOURCE, "/api/notifications/stream")  # the HttpOnly session cookie
    a.wait_for_function("window.__sse.open")
    name = f"SSE 모임 {secrets.token_hex(2)}"
    _invite(server, bob, alice, name)
    a.wait_for_function("window.__sse.events.length > 0", timeout=LIVE)
    event = a.evaluate("window.__sse.events[0]")
    assert event["data"]["type"] == "club_invitation"
    assert name in event["data"]["title"]
    assert event["id"] == str(event["data"]["id"])

    # No cookie at all: a single-use ticket fetched with the access token.
    context = browser.new_context(base_url=server.url, locale="ko-KR")
    try:
        anon = context.new_page()
        anon.goto("/")
        ticket = api(server, alice, "POST", "/api/notifications/stream-ticket").json()["ticket"]
        anon.evaluate(OPEN_EVENTSOURCE, f"/api/notifications/stream?ticket={ticket}")
        anon.wait_for_function("window.__sse.open")
        second = f"SSE 모임 {secrets.token_hex(2)}"
        _invite(server, bob, alice, second)
        anon.wait_for_function("window.__sse.events.length > 0", timeout=LIVE)
        assert second in anon.evaluate("window.__sse.events[0].data.title")
    finally:
        context.close()


def _stored_for(server: Server, person: Person, n: int) -> None:
    """``n`` notifications stored straight into the server's database (not published)."""
    code = (
        "import asyncio, sys\n"
        "from withus.db import session_scope\n"
        "from withus.services import notifications as ns\n"
        "async def main():\n"
        "    for i in range(int(sys.argv[2])):\n"
        "        async with session_scope() as s:\n"
        "            await ns.notify(s, user_id=int(sys.argv[1]), type='notice', title=f'공지 {i + 1}',"
        " body='새 공지가 올라왔어요', link='/')\n"
        "asyncio.run(main())\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(person.id), str(n)], cwd=ROOT, env=server.env, check=True, capture_output=True
    )


def test_the_notifications_page_filters_marks_read_deletes_and_loads_more(
    server: Server, people: dict[str, Person], pages: dict[str, Page]
) -> None:
    bob = people["bob"]
    b = pages["bob"]
    api(server, bob, "POST", "/api/notifications/read-all")
    for n in stored_notifications(server, bob):
        api(server, bob, "DELETE", f"/api/notifications/{n['id']}")
    _stored_for(server, bob, 25)

    b.goto("/notifications")
    rows = b.locator('[data-testid="notification"]')
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("공지 25")
    b.get_by_role("button", name="더 보기").click()
    expect(rows).to_have_count(25)
    expect(b.get_by_role("button", name="더 보기")).to_have_count(0)

    rows.first.get_by_role("button", name="읽음으로 표시").click()
    expect(rows.first).to_have_attribute("data-read", "true")
    rows.nth(1).get_by_role("button", name="삭제").click()
    expect(rows).to_have_count(24)
    expect(b.locator("#notification-badge")).to_have_text("23")

    b.get_by_role("radio", name="읽지 않음").click()
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("공지 23")
    b.locator("#read-all").click()
    expect(rows).to_have_count(0)
    expect(b.get_by_text("읽지 않은 알림이 없어요")).to_be_visible()
    expect(b.locator("#notification-badge")).to_have_count(0)
    r = api(server, bob, "GET", "/api/notifications/unread-count")
    assert r.json() == {"count": 0}

    # The open page is live too: a new one comes in at the top, unread.
    wait_live(b, "#notification-bell")
    name = f"페이지 모임 {secrets.token_hex(2)}"
    _invite(server, people["alice"], bob, name)
    expect(rows).to_have_count(1, timeout=LIVE)
    expect(rows.first).to_contain_text(name)
    expect(rows.first).to_have_attribute("data-read", "false")
    expect(b.locator("#notification-badge")).to_have_text("1")


# ---------------------------------------------------------------- several workers on PostgreSQL + Redis


def test_live_chat_and_bell_across_workers_on_postgres_and_redis(browser: Browser, pg_server: Server) -> None:
    """Two worker processes, each with its own hub on Redis: whichever worker holds a tab's
    socket, the message and the notification reach it."""
    dana, eric = sign_up(pg_server, "dana", "다나"), sign_up(pg_server, "eric", "에릭")
    d, e = browser_for(browser, pg_server, dana), browser_for(browser, pg_server, eric)
    try:
        room_id = open_room(pg_server, dana, eric)
        d.goto(f"/chat/{room_id}")
        wait_live(d, "#chat-messages")
        e.goto("/")
        wait_live(e, "#notification-bell")

        type_and_send(d, "워커가 달라도 보이나요?")
        expect(e.locator("#chat-badge")).to_have_attribute("data-count", "1", timeout=LIVE)

        e.goto(f"/chat/{room_id}")
        wait_live(e, "#chat-messages")
        expect(messages(e).last).to_have_text("워커가 달라도 보이나요?")
        type_and_send(e, "네, 잘 보여요")
        expect(messages(d).last).to_have_text("네, 잘 보여요", timeout=LIVE)
        for i in range(5):
            r = api(pg_server, eric, "POST", f"/api/chat/rooms/{room_id}/messages", json={"body": f"REST {i}"})
            assert r.status_code == 201, r.text
        expect(messages(d)).to_have_count(7, timeout=LIVE)
        assert messages(d).all_inner_texts()[-5:] == [f"REST {i}" for i in range(5)]
    finally:
        d.context.close()
        e.context.close()
