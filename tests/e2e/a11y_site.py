"""Real content for the accessibility and screenshot tour (tests/e2e/test_a11y.py).

A host (also a site administrator) with a club that has a cover, members, a post with a
comment thread, an upcoming event with an answer, a 1:1 chat room with messages, a report
in the review queue and unread notifications: every page of PRODUCT.md §8 and §13 then shows
what a user would see, not its empty state.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from PIL import Image

from tests.e2e.conftest import E2E_PASSWORD, ROOT, Server, create_user


@dataclass
class Site:
    host: str
    member: str
    host_id: int
    club_id: int
    club_name: str
    post_id: int
    post_title: str
    event_id: int
    event_title: str
    room_id: int


def _token(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"login": username, "password": E2E_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _ok(r: httpx.Response) -> dict[str, object]:
    assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else {}  # type: ignore[no-any-return]


def build_site(server: Server, tmp: Path) -> Site:
    from tests.e2e.test_clubs import seed_clubs

    suffix = secrets.token_hex(2)
    host, member = f"a11yhost{suffix}", f"a11ymem{suffix}"
    host_id = create_user(
        server, host, nickname=f"지원{suffix}", introduction="보드게임과 등산을 좋아해요.", tags=["보드게임", "등산"]
    )
    create_user(server, member, nickname=f"하늘{suffix}", introduction="주말마다 모임에 나가요.")
    subprocess.run([sys.executable, "-m", "withus.cli", "admin", host], cwd=ROOT, env=server.env, check=True)
    club_name = "토요일 보드게임 모임"
    (club_id, _other) = seed_clubs(
        server,
        type("P", (), {"id": host_id})(),  # type: ignore[arg-type]
        [
            {
                "name": club_name,
                "category": "GAME",
                "join_policy": "open",
                "capacity": 12,
                "description": "매주 토요일 오후 홍대에서 보드게임을 해요. 처음 오셔도 규칙을 알려 드려요.",
            },
            {"name": "한강 저녁 러닝 크루", "category": "SPORTS", "join_policy": "approval", "description": "5 km."},
        ],
    )
    cover = tmp / "a11y-cover.png"
    img = Image.new("RGB", (640, 360), (40, 110, 150))
    for i in range(0, 640, 80):
        img.paste((70, 140, 180), (i, 0, i + 40, 360))
    img.save(cover)
    post_title = "이번 주 토요일 게임 목록"
    event_title = "12월 보드게임 정모"
    with httpx.Client(base_url=server.url, timeout=30) as c:
        h, m = _token(c, host), _token(c, member)
        with cover.open("rb") as f:
            _ok(c.put(f"/api/clubs/{club_id}/image", headers=h, files={"file": ("cover.png", f, "image/png")}))
        _ok(c.post(f"/api/clubs/{club_id}/join", headers=m, json={}))
        post = _ok(
            c.post(
                f"/api/clubs/{club_id}/posts",
                headers=h,
                json={
                    "title": post_title,
                    "body": "카탄, 스플렌더, 아그리콜라를 가져갈게요.\n더 하고 싶은 게임을 댓글로 알려 주세요.",
                },
            )
        )
        c.post(f"/api/clubs/{club_id}/posts", headers=m, json={"title": "처음 왔어요", "body": "잘 부탁드립니다!"})
        comment = _ok(c.post(f"/api/posts/{post['id']}/comments", headers=m, json={"body": "테라포밍 마스도 좋아요!"}))
        reply = _ok(
            c.post(
                f"/api/posts/{post['id']}/comments",
                headers=h,
                json={"body": "좋아요, 챙겨 갈게요.", "parent_id": comment["id"]},
            )
        )
        start = (datetime.now(ZoneInfo("Asia/Seoul")) + timedelta(days=3)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
        event = _ok(
            c.post(
                f"/api/clubs/{club_id}/events",
                headers=h,
                json={
                    "title": event_title,
                    "description": "새로 온 분 환영해요.",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + timedelta(hours=3)).isoformat(),
                    "location": "홍대 보드게임 카페",
                    "capacity": 8,
                },
            )
        )
        for who in (m, h):
            _ok(c.put(f"/api/events/{event['id']}/rsvp", headers=who, json={"response": "going"}))
        room = _ok(c.post("/api/chat/rooms", headers=m, json={"user_id": host_id}))
        for who, text in ((m, "안녕하세요! 토요일에 처음 가 보려고요."), (h, "반가워요, 2시에 봬요!")):
            _ok(c.post(f"/api/chat/rooms/{room['id']}/messages", headers=who, json={"body": text}))
        _ok(
            c.post(
                "/api/reports",
                headers=m,
                json={"target_type": "comment", "target_id": reply["id"], "reason": "테스트 신고입니다."},
            )
        )
    return Site(
        host=host,
        member=member,
        host_id=host_id,
        club_id=club_id,
        club_name=club_name,
        post_id=int(post["id"]),  # type: ignore[call-overload]
        post_title=post_title,
        event_id=int(event["id"]),  # type: ignore[call-overload]
        event_title=event_title,
        room_id=int(room["id"]),  # type: ignore[call-overload]
    )
