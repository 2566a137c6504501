"""Dependencies shared by the routes: the unit of work, the caller, the client address.

Authentication, in this order:

1. ``Authorization: Bearer <access token>`` — API clients (and the browser's fetches).
2. The HttpOnly cookie ``withus_session`` (the refresh token of a browser login).
   A state-changing request (POST/PUT/PATCH/DELETE) authenticated this way must
   send ``X-CSRF-Token`` equal to the readable cookie ``withus_csrf`` (which is
   bound to the session), and its ``Origin``, when sent, must be an allowed one.

A presented but bad credential is a 401, never a silent fallback to anonymous.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection

from withus.db import read_scope, session_scope
from withus.errors import Forbidden, NotAuthenticated
from withus.models.user import User
from withus.services import sessions as session_service
from withus.services import tokens
from withus.settings import get_settings

SESSION_COOKIE = "withus_session"
CSRF_COOKIE = "withus_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
READ_METHODS = frozenset({"GET", "HEAD"})

# Declared for the OpenAPI document; the logic below reads the headers itself.
_bearer_doc = HTTPBearer(auto_error=False, description="The access token from POST /api/auth/login.")
_cookie_doc = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="Browser session (POST /api/auth/login?cookie=true). State-changing requests also need "
    "the X-CSRF-Token header equal to the withus_csrf cookie.",
)


async def get_db_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: committed before the response is sent, rolled back on error.
    GET and HEAD only read (``read_scope``: no transaction round trips on PostgreSQL, and a write
    attempted there is refused as the bug it would be)."""
    scope = read_scope if connection.scope.get("method") in READ_METHODS else session_scope
    async with scope() as session:
        yield session


# scope="function": the commit happens before the response goes out, so a client that
# got 201 can read what it created with its next request.
SessionDep = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


def get_client_ip(request: Request) -> str:
    """The client's address, for per-IP rate limits: the peer's, or — when the peer is a trusted
    proxy (``TRUSTED_PROXIES``, default 127.0.0.1 and ::1: nginx on the same machine) — the
    address that proxy saw, which it appended last to ``X-Forwarded-For``."""
    peer = request.client.host if request.client else "unknown"
    if peer in get_settings().trusted_proxies:
        seen_by_proxy = request.headers.get("x-forwarded-for", "").rsplit(",", 1)[-1].strip()
        if seen_by_proxy:
            return seen_by_proxy
    return peer


ClientIP = Annotated[str, Depends(get_client_ip)]


@dataclass(frozen=True)
class Auth:
    """Who is calling and through which login session."""

    user: User
    session_id: str
    via_cookie: bool


def origin_allowed(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return origin.rstrip("/") in get_settings().allowed_origins


def csrf_failed() -> Forbidden:
    return Forbidden("보안 확인에 실패했습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.", code="csrf_failed")


def check_csrf(request: Request, session_id: str) -> None:
    """Double-submit token bound to the session, plus the Origin check."""
    if not origin_allowed(request):
        raise csrf_failed()
    sent = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    expected = session_service.csrf_token_for(session_id)
    if not sent or not hmac.compare_digest(sent, cookie) or not hmac.compare_digest(sent, expected):
        raise csrf_failed()


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise tokens.invalid_token()
    return token.strip()


async def get_optional_auth(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[object, Depends(_bearer_doc)] = None,
    _cookie: Annotated[object, Depends(_cookie_doc)] = None,
) -> Auth | None:
    token = _bearer_token(request)
    if token is not None:
        claims = await session_service.check_access(token)
        via_cookie = False
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        claims = await session_service.check_refresh(cookie)
        via_cookie = True
        if request.method.upper() not in SAFE_METHODS:
            check_csrf(request, claims.session_id)
    user = await session.get(User, claims.user_id)
    if user is None or user.deleted_at is not None:
        raise tokens.token_revoked()
    return Auth(user=user, session_id=claims.session_id, via_cookie=via_cookie)


async def get_auth(auth: Annotated[Auth | None, Depends(get_optional_auth)]) -> Auth:
    if auth is None:
        raise NotAuthenticated()
    return auth


async def get_current_user(auth: Annotated[Auth, Depends(get_auth)]) -> User:
    return auth.user


async def get_optional_user(auth: Annotated[Auth | None, Depends(get_optional_auth)]) -> User | None:
    return auth.user if auth is not None else None


CurrentAuth = Annotated[Auth, Depends(get_auth)]
OptionalAuth = Annotated[Auth | None, Depends(get_optional_auth)]
CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
