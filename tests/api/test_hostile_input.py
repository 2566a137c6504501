"""The reproducers of issue 12: input a hostile client sends is refused as a problem, never a 500.

Each test is one class of the issue, as it was found (every one of them failed before the fix).
"""

from __future__ import annotations

import base64
import io
import json

import httpx
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import make_club
from tests.factories import auth_headers, make_user

PAST_INT32 = 2**31


def _problem(r: httpx.Response, status: int, code: str | None = None) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


async def test_ids_past_the_database_range_are_not_found_or_refused(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    # 1. anonymous, in a path: simply not found
    _problem(await client.get(f"/api/clubs/{PAST_INT32}"), 404, "not_found")
    _problem(await client.get(f"/api/posts/{PAST_INT32}/comments"), 404)
    user = await make_user(session)
    peer = await make_user(session)
    headers = await auth_headers(user)
    for path in (f"/api/users/{PAST_INT32}", f"/api/chat/rooms/{PAST_INT32}", f"/api/clubs/1/members/{PAST_INT32}"):
        method = "PATCH" if "members" in path else "GET"
        r = await client.request(method, path, headers=headers, json={"role": "member"})
        _problem(r, 404)
    _problem(await client.post(f"/api/notifications/{PAST_INT32}/read", headers=headers), 404)
    # in a query: refused
    r = await client.post("/api/chat/rooms", json={"user_id": peer.id}, headers=headers)
    room_id = r.json()["id"]
    for query in ("after_seq", "before_seq"):
        r = await client.get(f"/api/chat/rooms/{room_id}/messages?{query}={PAST_INT32}", headers=headers)
        _problem(r, 422, "validation_failed")
    # in a cursor: a bad cursor (the blocks list's plain-number cursor just starts from the top)
    cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", PAST_INT32]).encode()).decode()
    _problem(await client.get(f"/api/clubs?cursor={cursor}"), 400, "invalid_cursor")
    r = await client.get(f"/api/users/me/blocks?cursor={PAST_INT32}", headers=headers)
    assert r.status_code == 200, r.text
    # in a body: refused with the field named
    for path, body in (
        ("/api/chat/rooms", {"user_id": PAST_INT32}),
        ("/api/reports", {"target_type": "post", "target_id": PAST_INT32, "reason": "스팸"}),
        ("/api/clubs/1/transfer", {"user_id": PAST_INT32}),
        ("/api/clubs/1/invitations", {"user_id": PAST_INT32}),
    ):
        problem = _problem(await client.post(path, json=body, headers=headers), 422, "validation_failed")
        assert problem["errors"][0]["field"] in ("user_id", "target_id")  # type: ignore[index]


async def test_nul_characters_in_text_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    # 2. anonymous
    r = await client.post("/api/auth/login", json={"login": "a\u0000b", "password": "x" * 10})
    problem = _problem(r, 422, "validation_failed")
    assert problem["errors"] == [{"field": "login", "message": "사용할 수 없는 문자(NUL)가 들어 있습니다."}]
    _problem(await client.get("/api/clubs?q=%00"), 422, "validation_failed")
    host = await make_user(session)
    headers = await auth_headers(host)
    for field in ("name", "description", "location"):
        body = {"name": "풋살 모임", "category": "SPORTS", field: "풋살\u0000모임"}
        _problem(await client.post("/api/clubs", json=body, headers=headers), 422, "validation_failed")
    club_id = await make_club(session, host=host)
    for field in ("name", "description", "location"):
        r = await client.patch(f"/api/clubs/{club_id}", json={field: "a\u0000bc"}, headers=headers)
        _problem(r, 422, "validation_failed")


async def test_lone_surrogates_in_json_strings_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    # 3. "\ud800" is valid JSON but no text: json.dumps writes it as the escape a client would send
    host = await make_user(session)
    peer = await make_user(session)
    headers = {**await auth_headers(host), "content-type": "application/json"}
    club_id = await make_club(session, host=host)

    async def send(method: str, path: str, body: dict[str, object]) -> httpx.Response:
        return await client.request(method, path, content=json.dumps(body), headers=headers)

    for field in ("title", "body"):
        post = {"title": "제목", "body": "본문", field: "앞\ud800뒤"}
        problem = _problem(await send("POST", f"/api/clubs/{club_id}/posts", post), 422, "validation_failed")
        assert problem["errors"][0]["field"] == field  # type: ignore[index]
    post_id = (await send("POST", f"/api/clubs/{club_id}/posts", {"title": "제목", "body": "본문"})).json()["id"]
    for field in ("title", "body"):
        _problem(await send("PATCH", f"/api/posts/{post_id}", {field: "\udc00"}), 422)
    for field in ("name", "description"):
        _problem(await send("POST", "/api/clubs", {"name": "모임 이름", "category": "ETC", field: "\ud83d"}), 422)
        _problem(await send("PATCH", f"/api/clubs/{club_id}", {field: "\ud83d"}), 422)
    room_id = (await send("POST", "/api/chat/rooms", {"user_id": peer.id})).json()["id"]
    problem = _problem(await send("POST", f"/api/chat/rooms/{room_id}/messages", {"body": "안녕\ud800"}), 422)
    assert problem["errors"][0]["field"] == "body"  # type: ignore[index]
    # a whole emoji (a surrogate *pair* in JSON) is text and goes through
    r = await send("POST", f"/api/chat/rooms/{room_id}/messages", {"body": "안녕 \U0001f600"})
    assert r.status_code == 201, r.text
    assert r.json()["body"] == "안녕 \U0001f600"


async def test_a_bool_is_not_an_id(client: httpx.AsyncClient, session: AsyncSession, stack: object) -> None:
    # 4. lax mode took true for user 1
    await make_user(session)  # user 1
    other = await make_user(session)
    headers = await auth_headers(other)
    for value in (True, "1", 1.5):
        r = await client.post("/api/chat/rooms", json={"user_id": value}, headers=headers)
        _problem(r, 422, "validation_failed")
    r = await client.post(
        "/api/reports", json={"target_type": "user", "target_id": True, "reason": "x"}, headers=headers
    )
    _problem(r, 422, "validation_failed")


def _one_bit_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


async def test_a_small_file_of_a_huge_picture_is_refused_before_decoding(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    # 5. a few KB of 1-bit PNG describing 6300×6300 pixels
    content = _one_bit_png(6300)
    assert len(content) < 10_000
    user = await make_user(session)
    r = await client.put(
        "/api/users/me/avatar", files={"file": ("a.png", content, "image/png")}, headers=await auth_headers(user)
    )
    problem = _problem(r, 400, "invalid_image")
    assert "4096" in str(problem["detail"])


async def test_the_openapi_document_says_what_errors_look_like(client: httpx.AsyncClient, stack: object) -> None:
    # 6. problem+json with its schema, instead of FastAPI's HTTPValidationError
    doc = (await client.get("/api/openapi.json")).json()
    assert "HTTPValidationError" not in json.dumps(doc)
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status[0] == "4" and "text/html" not in response.get("content", {}):  # pages for browsers
                    content = response.get("content", {})
                    assert list(content) == ["application/problem+json"], (method, path, status)
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    # a public GET needs no login; the limits are in the schema
    clubs = doc["paths"]["/api/clubs/{club_id}"]["get"]
    assert {} in clubs["security"]
    club_id = clubs["parameters"][0]["schema"]
    assert club_id["minimum"] == 1 and club_id["maximum"] == 2**31 - 1
    assert "401" in doc["paths"]["/api/clubs"]["post"]["responses"]
    assert "429" in doc["paths"]["/api/auth/login"]["post"]["responses"]
    name = doc["components"]["schemas"]["ClubCreate"]["properties"]["name"]
    assert name["maxLength"] == 50 and "pattern" in name
    # 405 says what is allowed
    r = await client.put("/api/clubs/7")
    _problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "DELETE, GET, PATCH"


async def test_no_reporting_ones_own_post(client: httpx.AsyncClient, session: AsyncSession, stack: object) -> None:
    # 7. a user reported their own post (201)
    host = await make_user(session)
    headers = await auth_headers(host)
    club_id = await make_club(session, host=host)
    post = await client.post(f"/api/clubs/{club_id}/posts", json={"title": "제목", "body": "본문"}, headers=headers)
    body = {"target_type": "post", "target_id": post.json()["id"], "reason": "테스트"}
    problem = _problem(await client.post("/api/reports", json=body, headers=headers), 422, "cannot_report_self")
    assert problem["errors"][0]["field"] == "target_id"  # type: ignore[index]


async def test_media_files_are_served_with_nosniff(
    client: httpx.AsyncClient, session: AsyncSession, stack: object
) -> None:
    # 7. /media/* went out without X-Content-Type-Options
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(out, format="PNG")
    user = await make_user(session)
    r = await client.put(
        "/api/users/me/avatar", files={"file": ("a.png", out.getvalue(), "image/png")}, headers=await auth_headers(user)
    )
    assert r.status_code == 200, r.text
    served = await client.get(r.json()["avatar_url"])
    assert served.status_code == 200
    assert served.headers["x-content-type-options"] == "nosniff"
