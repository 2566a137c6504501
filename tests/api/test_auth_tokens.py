"""Login, refresh rotation, logout, bad tokens and browser cookies over the API."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import PASSWORD, bearer, login
from tests.factories import make_user
from withus.services import auth as auth_service
from withus.services import sessions
from withus.settings import get_settings

ME = "/api/users/me"


async def test_login_returns_a_bearer_token_pair(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session, username="pair_user")
    r = await login(client, "pair_user")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["access_token"] and body["refresh_token"]
    me = await client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == user.id


async def test_login_by_email_is_case_insensitive(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, email="mixed@example.com")
    assert (await login(client, "MIXED@example.com")).status_code == 200


async def test_unknown_account_and_wrong_password_answer_the_same(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_user(session, username="real_user")
    wrong = await login(client, "real_user", "not-the-password")
    unknown = await login(client, "ghost_user", "not-the-password")
    unknown_email = await login(client, "ghost@example.com", "not-the-password")
    for r in (wrong, unknown, unknown_email):
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
    assert wrong.json() == unknown.json() == unknown_email.json()
    assert wrong.json()["code"] == "invalid_credentials"


async def test_repeated_failures_lock_the_account_with_retry_after(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session, username="target")
    for _ in range(auth_service.LOGIN_FAILURES_PER_ACCOUNT):
        assert (await login(client, "target", "wrong-password")).status_code == 401
    r = await login(client, "target")  # even the right password, by username ...
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    r = await login(client, user.email)  # ... or by email
    assert r.status_code == 429


async def test_unknown_names_are_limited_the_same_way(client: httpx.AsyncClient, stack: object) -> None:
    for _ in range(auth_service.LOGIN_FAILURES_PER_ACCOUNT):
        assert (await login(client, "nobody_here", "wrong-password")).status_code == 401
    assert (await login(client, "nobody_here", "wrong-password")).status_code == 429


async def test_repeated_failures_from_one_ip_are_429(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_service, "LOGIN_FAILURES_PER_IP", 3)
    users = [await make_user(session) for _ in range(4)]
    for u in users[:3]:
        assert (await login(client, u.username, "wrong-password")).status_code == 401
    r = await login(client, users[3].username)
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_refresh_rotates_and_reuse_revokes_the_session(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="rotator")
    first = (await login(client, "rotator")).json()
    r = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["token_type"] == "bearer"
    assert (await client.get(ME, headers=bearer(second["access_token"]))).status_code == 200

    r = await client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
    r = await client.get(ME, headers=bearer(second["access_token"]))
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    r = await client.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert r.status_code == 401


async def test_logout_revokes_the_access_token_at_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="leaver")
    pair = (await login(client, "leaver")).json()
    other = (await login(client, "leaver")).json()
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 200
    r = await client.post("/api/auth/logout", headers=bearer(pair["access_token"]))
    assert r.status_code == 204 and r.content == b""
    r = await client.get(ME, headers=bearer(pair["access_token"]))
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    r = await client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401
    assert (await client.get(ME, headers=bearer(other["access_token"]))).status_code == 200
    # logging out again is not an error
    assert (await client.post("/api/auth/logout", headers=bearer(pair["access_token"]))).status_code == 204


async def test_logout_with_a_refresh_token_in_the_body(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="bodyout")
    pair = (await login(client, "bodyout")).json()
    r = await client.post("/api/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 204
    assert (await client.get(ME, headers=bearer(pair["access_token"]))).status_code == 401


async def test_logout_without_credentials_is_401(client: httpx.AsyncClient, stack: object) -> None:
    assert (await client.post("/api/auth/logout")).status_code == 401


async def test_logout_all_ends_every_session(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="everywhere")
    pairs = [(await login(client, "everywhere")).json() for _ in range(3)]
    r = await client.post("/api/auth/logout-all", headers=bearer(pairs[0]["access_token"]))
    assert r.status_code == 204
    for p in pairs:
        assert (await client.get(ME, headers=bearer(p["access_token"]))).status_code == 401
        r = await client.post("/api/auth/refresh", json={"refresh_token": p["refresh_token"]})
        assert r.status_code == 401


def _payload(user_id: int, sid: str, **over: object) -> dict[str, object]:
    s = get_settings()
    now = int(time.time())
    p: dict[str, object] = {
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "exp": now + 600,
        "jti": "x",
        "sub": str(user_id),
        "sid": sid,
        "typ": "access",
    }
    p.update(over)
    return p


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("tampered", "invalid_token"),
        ("expired", "token_expired"),
        ("alg_none", "invalid_token"),
        ("hs512", "invalid_token"),
        ("refresh_as_access", "invalid_token"),
        ("revoked", "token_revoked"),
        ("garbage", "invalid_token"),
        ("not_bearer", "invalid_token"),
    ],
)
async def test_bad_tokens_are_401(client: httpx.AsyncClient, session: AsyncSession, kind: str, code: str) -> None:
    user = await make_user(session)
    assert user.id is not None
    pair = await sessions.create(user_id=user.id)
    secret = get_settings().jwt_secret
    headers: dict[str, str]
    if kind == "tampered":
        header, _, sig = pair.access_token.split(".")
        other = jwt.encode(_payload(user.id + 1, pair.session_id), secret, algorithm="HS256").split(".")[1]
        headers = bearer(f"{header}.{other}.{sig}")
    elif kind == "expired":
        past = int(time.time()) - 3600
        headers = bearer(jwt.encode(_payload(user.id, pair.session_id, iat=past, exp=past + 60), secret))
    elif kind == "alg_none":
        headers = bearer(jwt.encode(_payload(user.id, pair.session_id), None, algorithm="none"))  # type: ignore[arg-type]
    elif kind == "hs512":
        headers = bearer(jwt.encode(_payload(user.id, pair.session_id), secret, algorithm="HS512"))
    elif kind == "refresh_as_access":
        headers = bearer(pair.refresh_token)
    elif kind == "revoked":
        await sessions.revoke(session_id=pair.session_id)
        headers = bearer(pair.access_token)
    elif kind == "garbage":
        headers = bearer("abc.def.ghi")
    else:
        headers = {"Authorization": f"Token {pair.access_token}"}
    r = await client.get(ME, headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] == code
    assert r.headers["www-authenticate"] == "Bearer"


# --- browser cookies ---------------------------------------------------------------------------


async def _cookie_login(client: httpx.AsyncClient, username: str) -> httpx.Response:
    r = await client.post(
        "/api/auth/login?cookie=true",
        json={"login": username, "password": PASSWORD},
        headers={"Origin": "http://localhost:3000"},
    )
    assert r.status_code == 200, r.text
    return r


async def test_cookie_login_sets_httponly_session_and_readable_csrf_cookies(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_user(session, username="browser")
    r = await _cookie_login(client, "browser")
    body = r.json()
    assert "refresh_token" not in body and body["access_token"] and body["csrf_token"]
    set_cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("withus_session="))
    csrf_cookie = next(c for c in set_cookies if c.startswith("withus_csrf="))
    lowered = session_cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert f"max-age={14 * 24 * 3600}" in lowered
    assert "httponly" not in csrf_cookie.lower()
    assert client.cookies["withus_csrf"] == body["csrf_token"]


async def test_cookie_session_reads_freely_but_writes_need_the_csrf_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_user(session, username="csrfuser")
    csrf = (await _cookie_login(client, "csrfuser")).json()["csrf_token"]
    assert (await client.get(ME)).status_code == 200
    r = await client.patch(ME, json={"introduction": "안녕"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = await client.patch(ME, json={"introduction": "안녕"}, headers={"X-CSRF-Token": "nope"})
    assert r.status_code == 403
    r = await client.patch(
        ME, json={"introduction": "안녕"}, headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"}
    )
    assert r.status_code == 403
    r = await client.patch(ME, json={"introduction": "안녕"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["introduction"] == "안녕"


async def test_login_from_another_origin_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="origin_user")
    r = await client.post(
        "/api/auth/login?cookie=true",
        json={"login": "origin_user", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    assert "withus_session" not in client.cookies


async def test_cookie_refresh_rotates_the_cookie(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, username="cookie_rot")
    csrf = (await _cookie_login(client, "cookie_rot")).json()["csrf_token"]
    old = client.cookies["withus_session"]
    assert (await client.post("/api/auth/refresh")).status_code == 403  # no CSRF header
    r = await client.post("/api/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and "refresh_token" not in r.json()
    assert client.cookies["withus_session"] != old
    assert (await client.get(ME)).status_code == 200
    # the old cookie value is spent: replaying it revokes the session and clears the cookies
    client.cookies.set("withus_session", old)
    r = await client.post("/api/auth/refresh", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401 and r.json()["code"] == "refresh_token_reused"
    cleared = [c.lower() for c in r.headers.get_list("set-cookie")]
    assert any(c.startswith("withus_session=") and "max-age=0" in c for c in cleared)


async def test_cookie_logout_clears_the_cookies_and_ends_the_session(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_user(session, username="cookie_out")
    body = (await _cookie_login(client, "cookie_out")).json()
    cookie = client.cookies["withus_session"]
    assert (await client.post("/api/auth/logout")).status_code == 403  # CSRF header missing
    r = await client.post("/api/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert r.status_code == 204
    assert "withus_session" not in client.cookies and "withus_csrf" not in client.cookies
    assert (await client.get(ME, headers=bearer(body["access_token"]))).status_code == 401
    assert await sessions.user_from_session_token(session, token=cookie) is None


async def test_user_from_session_token_reads_the_browser_cookie(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session, username="reflex_user")
    await _cookie_login(client, "reflex_user")
    found = await sessions.user_from_session_token(session, token=client.cookies["withus_session"])
    assert found is not None and found.id == user.id
