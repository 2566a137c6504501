"""Tokens and sessions: claims, rotation, reuse detection, revocation, and the API dependencies."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from api import problems
from api.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentAuth, CurrentUser, OptionalUser, UnitOfWorkRoute
from tests.factories import auth_headers, login_pair, make_user
from withus.errors import NotAuthenticated
from withus.services import sessions, tokens
from withus.settings import get_settings


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def _forge(payload: dict[str, object], *, key: str | None = None, alg: str = "HS256") -> str:
    return jwt.encode(payload, key if key is not None else get_settings().jwt_secret, algorithm=alg)


async def test_pair_carries_the_required_claims(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    access, refresh = _claims(pair.access_token), _claims(pair.refresh_token)
    for c in (access, refresh):
        assert {"iss", "aud", "exp", "iat", "jti", "sub", "sid"} <= set(c)
        assert c["sub"] == str(user.id) and c["sid"] == pair.session_id
    assert access["typ"] == "access" and refresh["typ"] == "refresh"
    assert int(access["exp"]) - int(access["iat"]) == 15 * 60  # type: ignore[call-overload]
    assert int(refresh["exp"]) - int(refresh["iat"]) == 14 * 24 * 3600  # type: ignore[call-overload]
    assert pair.expires_in == 900


async def test_refresh_rotates_and_the_old_token_is_spent(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    first = await login_pair(user)
    second = await sessions.rotate(refresh_token=first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    await sessions.check_access(second.access_token)
    third = await sessions.rotate(refresh_token=second.refresh_token)
    await sessions.check_access(third.access_token)


async def test_reusing_a_spent_refresh_token_revokes_the_session(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    first = await login_pair(user)
    second = await sessions.rotate(refresh_token=first.refresh_token)
    with pytest.raises(NotAuthenticated) as info:
        await sessions.rotate(refresh_token=first.refresh_token)
    assert info.value.code == "refresh_token_reused"
    # the thief's and the owner's tokens of that session are all dead now
    with pytest.raises(NotAuthenticated) as info:
        await sessions.check_access(second.access_token)
    assert info.value.code == "token_revoked"
    with pytest.raises(NotAuthenticated) as info:
        await sessions.rotate(refresh_token=second.refresh_token)
    assert info.value.code == "token_revoked"


async def test_reuse_does_not_touch_other_sessions(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    a, b = await login_pair(user), await login_pair(user)
    await sessions.rotate(refresh_token=a.refresh_token)
    with pytest.raises(NotAuthenticated):
        await sessions.rotate(refresh_token=a.refresh_token)
    await sessions.check_access(b.access_token)


async def test_revoked_session_refuses_its_access_token_at_once(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    await sessions.check_access(pair.access_token)
    await sessions.revoke(session_id=pair.session_id)
    with pytest.raises(NotAuthenticated) as info:
        await sessions.check_access(pair.access_token)
    assert info.value.code == "token_revoked"


async def test_revoke_all_keeps_the_excepted_session(stack: object, session: AsyncSession) -> None:
    user = await make_user(session)
    keep, drop1, drop2 = await login_pair(user), await login_pair(user), await login_pair(user)
    assert len(await sessions.list_sessions(user_id=user.id)) == 3  # type: ignore[arg-type]
    assert await sessions.revoke_all(user_id=user.id, except_session_id=keep.session_id) == 2  # type: ignore[arg-type]
    await sessions.check_access(keep.access_token)
    for pair in (drop1, drop2):
        with pytest.raises(NotAuthenticated):
            await sessions.check_access(pair.access_token)


async def test_user_from_session_token_accepts_only_the_current_refresh_token(
    stack: object, session: AsyncSession
) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    found = await sessions.user_from_session_token(session, token=pair.refresh_token)
    assert found is not None and found.id == user.id
    # it does not rotate: the same token still works
    assert await sessions.user_from_session_token(session, token=pair.refresh_token) is not None
    assert await sessions.user_from_session_token(session, token=pair.access_token) is None
    assert await sessions.user_from_session_token(session, token="garbage") is None
    await sessions.rotate(refresh_token=pair.refresh_token)
    assert await sessions.user_from_session_token(session, token=pair.refresh_token) is None


def _valid_payload(**overrides: object) -> dict[str, object]:
    s = get_settings()
    now = int(time.time())
    payload: dict[str, object] = {
        "iss": s.jwt_issuer,
        "aud": s.jwt_audience,
        "iat": now,
        "exp": now + 600,
        "jti": "j1",
        "sub": "1",
        "sid": "s1",
        "typ": "access",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not None}


@pytest.mark.parametrize(
    ("token_fn", "code"),
    [
        (lambda: _forge(_valid_payload(exp=int(time.time()) - 60)), "token_expired"),
        (lambda: _forge(_valid_payload(), key="another-secret-that-is-long-enough-123456"), "invalid_token"),
        (lambda: _forge(_valid_payload(), alg="HS512"), "invalid_token"),
        (lambda: jwt.encode(_valid_payload(), None, algorithm="none"), "invalid_token"),  # type: ignore[arg-type]
        (lambda: _forge(_valid_payload(typ="refresh")), "invalid_token"),
        (lambda: _forge(_valid_payload(aud="someone-else")), "invalid_token"),
        (lambda: _forge(_valid_payload(iss="someone-else")), "invalid_token"),
        (lambda: _forge(_valid_payload(sid=None)), "invalid_token"),
        (lambda: _forge(_valid_payload(sub="not-a-number")), "invalid_token"),
        (lambda: "not.a.jwt", "invalid_token"),
    ],
)
def test_bad_tokens_are_refused(token_fn: object, code: str) -> None:
    with pytest.raises(NotAuthenticated) as info:
        tokens.decode(token_fn(), typ="access")  # type: ignore[operator]
    assert info.value.code == code


def test_a_token_verified_before_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    now = int(time.time())
    token = _forge(_valid_payload(iat=now, exp=now + 60))
    assert tokens.decode(token, typ="access").expires_at == now + 60  # verified (and remembered)
    assert tokens.decode(token, typ="access").user_id == 1
    with pytest.raises(NotAuthenticated) as info:
        tokens.decode(token, typ="refresh")  # the type is checked on every use too
    assert info.value.code == "invalid_token"
    monkeypatch.setattr(tokens.time, "time", lambda: now + 60 + tokens.LEEWAY)
    with pytest.raises(NotAuthenticated) as info:
        tokens.decode(token, typ="access")
    assert info.value.code == "token_expired"


def test_tampered_payload_is_refused() -> None:
    token = _forge(_valid_payload())
    header, _payload, sig = token.split(".")
    other = _forge(_valid_payload(sub="2")).split(".")[1]
    with pytest.raises(NotAuthenticated) as info:
        tokens.decode(f"{header}.{other}.{sig}", typ="access")
    assert info.value.code == "invalid_token"


# --- the API dependencies, on a small app of their own ---------------------------------------


@pytest.fixture
async def dep_client(stack: object) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    problems.install(app)
    router = APIRouter(route_class=UnitOfWorkRoute)

    @router.get("/me")
    async def me(user: CurrentUser) -> dict[str, object]:
        return {"id": user.id}

    @router.post("/me")
    async def change(auth: CurrentAuth) -> dict[str, object]:
        return {"id": auth.user.id, "cookie": auth.via_cookie}

    @router.get("/maybe")
    async def maybe(user: OptionalUser) -> dict[str, object]:
        return {"id": user.id if user else None}

    app.include_router(router)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as c:
        yield c


async def test_bearer_token_authenticates(dep_client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await dep_client.get("/me", headers=await auth_headers(user))
    assert r.status_code == 200 and r.json() == {"id": user.id}


async def test_missing_token_is_401_with_www_authenticate(dep_client: httpx.AsyncClient) -> None:
    r = await dep_client.get("/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (await dep_client.get("/maybe")).json() == {"id": None}


async def test_refresh_token_used_as_access_is_401(dep_client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    r = await dep_client.get("/me", headers={"Authorization": f"Bearer {pair.refresh_token}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_bad_bearer_is_401_even_where_login_is_optional(dep_client: httpx.AsyncClient) -> None:
    r = await dep_client.get("/maybe", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    r = await dep_client.get("/maybe", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401


async def test_cookie_reads_work_without_csrf_but_writes_need_it(
    dep_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    csrf = sessions.csrf_token_for(pair.session_id)
    dep_client.cookies.set(SESSION_COOKIE, pair.refresh_token)
    dep_client.cookies.set(CSRF_COOKIE, csrf)
    assert (await dep_client.get("/me")).json() == {"id": user.id}

    r = await dep_client.post("/me")
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    r = await dep_client.post("/me", headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    r = await dep_client.post("/me", headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"})
    assert r.status_code == 403
    r = await dep_client.post("/me", headers={"X-CSRF-Token": csrf, "Origin": "http://localhost:3000"})
    assert r.status_code == 200 and r.json() == {"id": user.id, "cookie": True}


async def test_csrf_token_of_another_session_is_refused(dep_client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    mine, other = await login_pair(user), await login_pair(user)
    other_csrf = sessions.csrf_token_for(other.session_id)
    dep_client.cookies.set(SESSION_COOKIE, mine.refresh_token)
    dep_client.cookies.set(CSRF_COOKIE, other_csrf)
    r = await dep_client.post("/me", headers={"X-CSRF-Token": other_csrf})
    assert r.status_code == 403


async def test_revoked_cookie_session_is_401(dep_client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    pair = await login_pair(user)
    dep_client.cookies.set(SESSION_COOKIE, pair.refresh_token)
    await sessions.revoke(session_id=pair.session_id)
    r = await dep_client.get("/me")
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


async def test_a_spent_refresh_cookie_is_401_while_its_session_lives(
    dep_client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """A cookie whose refresh token a rotation spent: its session is alive (the new token's), the
    old token's key gone; that key is checked, not only the session."""
    user = await make_user(session)
    pair = await login_pair(user)
    rotated = await sessions.rotate(refresh_token=pair.refresh_token)
    assert await sessions.is_alive(pair.session_id)
    dep_client.cookies.set(SESSION_COOKIE, pair.refresh_token)
    r = await dep_client.get("/me")
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    dep_client.cookies.set(SESSION_COOKIE, rotated.refresh_token)
    assert (await dep_client.get("/me")).json() == {"id": user.id}
    await sessions.revoke(session_id=pair.session_id)
    r = await dep_client.get("/me")
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
