"""Clubs over the API: create, list (filters, search, keyset pages), detail per viewer, edit, close, cover."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.models.base import utcnow

VALID = {"name": "토요일 풋살", "description": "주말 오전 풋살", "category": "SPORTS"}


async def test_categories_are_listed_with_both_labels(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/clubs/categories")
    assert r.status_code == 200
    body = r.json()
    assert [c["code"] for c in body] == ["SPORTS", "DAILY", "GAME", "FOOD", "STUDY", "CULTURE", "TRAVEL", "ETC"]
    assert body[5] == {"code": "CULTURE", "label_ko": "문화·예술", "label_en": "Culture & arts"}


async def test_create_club_makes_the_creator_host(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    r = await client.post("/api/clubs", json={**VALID, "capacity": 10, "location": " 잠실 "}, headers=headers)
    assert r.status_code == 201, r.text
    club = r.json()
    assert club["name"] == "토요일 풋살" and club["category_label"] == "운동"
    assert club["member_count"] == 1 and club["capacity"] == 10 and club["recruiting"] is True
    assert club["my_role"] == "host" and club["host"]["id"] == user.id and club["location"] == "잠실"
    assert club["join_policy"] == "open" and club["visibility"] == "public"
    assert "chat_room_id" in club  # filled by the real-time part's on_club_created hook when it is installed
    assert club["created_at"].endswith("Z") or club["created_at"].endswith("+00:00")
    r = await client.get(f"/api/clubs/{club['id']}/members")
    assert [(m["user"]["id"], m["role"]) for m in r.json()["items"]] == [(user.id, "host")]


async def test_create_club_needs_login(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.post("/api/clubs", json=VALID)
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": "a"}, "name"),
        ({"name": "가" * 51}, "name"),
        ({"name": "   "}, "name"),
        ({"description": "d" * 2001}, "description"),
        ({"category": "COOKING"}, "category"),
        ({"join_policy": "closed"}, "join_policy"),
        ({"visibility": "secret"}, "visibility"),
        ({"capacity": 1}, "capacity"),
        ({"capacity": 1001}, "capacity"),
        ({"location": "l" * 101}, "location"),
        ({"recruit_from": "2030-01-02T00:00:00Z", "recruit_until": "2030-01-01T00:00:00Z"}, "recruit_until"),
        ({"recruit_from": "2030-01-01T00:00:00Z", "recruit_until": "2030-01-01T00:00:00Z"}, "recruit_until"),
        ({"recruit_from": "not a date"}, "recruit_from"),
    ],
)
async def test_create_club_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, patch: dict[str, object], field: str
) -> None:
    user = await make_user(session)
    r = await client.post("/api/clubs", json={**VALID, **patch}, headers=await auth_headers(user))
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    assert [e["field"] for e in body["errors"]] == [field]
    assert all(e["message"] for e in body["errors"])


async def test_create_club_requires_name_and_category(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await client.post("/api/clubs", json={}, headers=await auth_headers(user))
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.json()["errors"]) == ["category", "name"]


async def test_list_is_newest_first_and_pages_by_cursor(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    ids = [await make_club(session, host=host, name=f"모임 {i:02d}") for i in range(7)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = await client.get("/api/clubs", params=params)
        assert r.status_code == 200
        body = r.json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    assert pages == 3
    card = (await client.get("/api/clubs", params={"limit": 1})).json()["items"][0]
    assert set(card) == {
        "id", "name", "category", "category_label", "cover_url", "member_count", "capacity",
        "recruiting", "join_policy", "visibility", "created_at",
    }  # fmt: skip


async def test_list_filters_by_category_and_searches_name_and_description(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    futsal = await make_club(session, host=host, name="Futsal Friends", description="공 차요", category="SPORTS")
    lol = await make_club(session, host=host, name="롤 5인큐", description="League of Legends 다이아", category="GAME")
    food = await make_club(session, host=host, name="맛집 탐방", description="100% 새로운 식당", category="FOOD")
    quoted = await make_club(
        session, host=host, name="O'Brien의 모임", description="C:\\temp 경로 이야기", category="ETC"
    )

    async def ids(**params: object) -> list[int]:
        r = await client.get("/api/clubs", params=params)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await ids(category="GAME") == [lol]
    assert await ids(q="futsal") == [futsal]  # case-insensitive, name
    assert await ids(q="LEGENDS") == [lol]  # description
    assert await ids(q="맛집") == [food]
    assert await ids(q="100%") == [food]  # % is a literal, not a wildcard
    assert await ids(q="%") == [food]
    assert await ids(q="_") == []
    assert await ids(q="o'brien") == [quoted]  # quotes and backslashes are literal text too
    assert await ids(q="c:\\temp") == [quoted]
    assert await ids(q="'; select 1; --") == []
    assert await ids(q="공", category="GAME") == []
    assert await ids(q="  ") == [quoted, food, lol, futsal]
    r = await client.get("/api/clubs", params={"category": "NOPE"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "category"


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "WzEsMl0", "bnVsbA"])
async def test_bad_cursor_is_400(client: httpx.AsyncClient, stack: object, cursor: str) -> None:
    r = await client.get("/api/clubs", params={"cursor": cursor})
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, 101, -1])
async def test_limit_out_of_range_is_422(client: httpx.AsyncClient, stack: object, limit: int) -> None:
    r = await client.get("/api/clubs", params={"limit": limit})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "limit"


async def test_recruiting_follows_window_and_capacity(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    now = utcnow()
    later = await make_club(session, host=host, recruit_from=now + timedelta(days=1))
    over = await make_club(session, host=host, recruit_until=now - timedelta(seconds=1))
    full = await make_club(session, host=host, capacity=2)
    await add_member(session, club_id=full, user=await make_user(session))
    open_ = await make_club(session, host=host, recruit_from=now - timedelta(days=1), capacity=3)
    r = await client.get("/api/clubs")
    recruiting = {c["id"]: c["recruiting"] for c in r.json()["items"]}
    assert recruiting == {later: False, over: False, full: False, open_: True}


async def test_private_club_detail_shows_listed_fields_only_to_non_members(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await make_user(session)
    outsider = await make_user(session)
    member = await make_user(session)
    club_id = await make_club(session, host=host, visibility="private", location="강남역")
    await add_member(session, club_id=club_id, user=member)
    for headers in ({}, await auth_headers(outsider)):
        r = await client.get(f"/api/clubs/{club_id}", headers=headers)
        assert r.status_code == 200
        body = r.json()
        assert body["restricted"] is True and body["host"] is None and body["location"] is None
        assert body["my_role"] is None and body["member_count"] == 2 and body["description"] == "같이 즐겨요"
    r = await client.get(f"/api/clubs/{club_id}", headers=await auth_headers(member))
    body = r.json()
    assert body["restricted"] is False and body["host"]["id"] == host.id and body["location"] == "강남역"
    assert body["my_role"] == "member"
    # The private club is still listed.
    assert [c["id"] for c in (await client.get("/api/clubs")).json()["items"]] == [club_id]


async def test_patch_club_changes_only_what_is_sent(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host, capacity=10, location="홍대")
    headers = await auth_headers(host)
    r = await client.patch(
        f"/api/clubs/{club_id}", json={"name": "새 이름", "capacity": None, "location": None}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "새 이름" and body["capacity"] is None and body["location"] is None
    assert body["description"] == "같이 즐겨요" and body["category"] == "SPORTS"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"name": "x"}, "name"),
        ({"name": None}, "name"),
        ({"description": "d" * 2001}, "description"),
        ({"category": None}, "category"),
        ({"capacity": 1}, "capacity"),
        ({"capacity": 2}, "capacity"),  # below the 3 current members
        ({"recruit_until": "2020-01-01T00:00:00Z"}, "recruit_until"),  # before the stored recruit_from
        ({"recruit_from": "2031-01-01T00:00:00Z"}, "recruit_from"),  # after the stored recruit_until
    ],
)
async def test_patch_club_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, patch: dict[str, object], field: str
) -> None:
    host = await make_user(session)
    from datetime import UTC, datetime

    club_id = await make_club(
        session,
        host=host,
        recruit_from=datetime(2025, 1, 1, tzinfo=UTC),
        recruit_until=datetime(2030, 1, 1, tzinfo=UTC),
    )
    for _ in range(2):
        await add_member(session, club_id=club_id, user=await make_user(session))
    r = await client.patch(f"/api/clubs/{club_id}", json=patch, headers=await auth_headers(host))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_closed_club_vanishes(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    member = await make_user(session)
    club_id = await make_club(session, host=host)
    await add_member(session, club_id=club_id, user=member)
    r = await client.delete(f"/api/clubs/{club_id}", headers=await auth_headers(host))
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(f"/api/clubs/{club_id}")).status_code == 404
    assert (await client.get(f"/api/clubs/{club_id}")).json()["code"] == "club_not_found"
    assert (await client.get("/api/clubs")).json()["items"] == []
    assert (await client.get("/api/users/me/clubs", headers=await auth_headers(member))).json()["items"] == []
    r = await client.post(f"/api/clubs/{club_id}/join", headers=await auth_headers(await make_user(session)))
    assert r.status_code == 404


async def test_unknown_club_is_404(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/clubs/999999")
    assert r.status_code == 404 and r.json()["code"] == "club_not_found"
    assert (await client.get("/api/clubs/abc")).status_code == 404  # no number: no club (issue 12)


def _png(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def test_cover_image_is_reencoded_and_served(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host)
    headers = await auth_headers(host)
    r = await client.put(
        f"/api/clubs/{club_id}/image", files={"file": ("a.txt", _png(), "text/plain")}, headers=headers
    )
    assert r.status_code == 200, r.text
    url = r.json()["cover_url"]
    assert url.startswith("/media/covers/") and url.endswith(".webp")
    served = await client.get(url)
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).format == "WEBP"
    listed = (await client.get("/api/clubs")).json()["items"][0]
    assert listed["cover_url"] == url


async def test_cover_image_is_checked_by_content(client: httpx.AsyncClient, session: AsyncSession) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host)
    headers = await auth_headers(host)
    r = await client.put(
        f"/api/clubs/{club_id}/image", files={"file": ("x.png", b"<svg></svg>", "image/png")}, headers=headers
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_image"
    big = b"\x89PNG" + b"0" * (5 * 1024 * 1024)
    r = await client.put(f"/api/clubs/{club_id}/image", files={"file": ("x.png", big, "image/png")}, headers=headers)
    assert r.status_code == 413
    r = await client.put(f"/api/clubs/{club_id}/image", headers=headers)
    assert r.status_code == 422


async def test_creating_clubs_too_fast_is_rate_limited(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    for i in range(10):
        r = await client.post("/api/clubs", json={**VALID, "name": f"모임 {i}"}, headers=headers)
        assert r.status_code == 201
    r = await client.post("/api/clubs", json=VALID, headers=headers)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert int(r.headers["retry-after"]) > 0
