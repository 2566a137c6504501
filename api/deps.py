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
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated, Any

from anyio import CancelScope
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyCookie, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import read_scope, session_scope
from withus.errors import Forbidden, NotAuthenticated
from withus.models.user import User
from withus.services import sessions as session_service
from withus.services import tokens
from withus.services import users as user_service
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


class UnitOfWork:
    """The unit of work of one request, opened when something first asks for its session: a route
    that needs no database (or fails before reaching it) takes no connection from the pool.
    GET and HEAD only read (``read_scope``: no transaction round trips on PostgreSQL, and a write
    attempted there is refused as the bug it would be); other methods run in ``session_scope``."""

    __slots__ = ("_read", "_scope", "_session")

    def __init__(self, *, read: bool) -> None:
        self._read = read
        self._scope: AbstractAsyncContextManager[AsyncSession] | None = None
        self._session: AsyncSession | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            scope = read_scope() if self._read else session_scope()
            self._session = await scope.__aenter__()
            self._scope = scope
        return self._session

    async def close(self, error: BaseException | None) -> None:
        """Commit (``error`` is None) or roll back, then run the after-commit hooks: what leaving
        ``session_scope``/``read_scope`` does. Shielded, like FastAPI's exit of a dependency with
        ``yield``: a cancelled request still ends its transaction before the connection goes back."""
        scope, self._scope = self._scope, None
        if scope is None:
            return
        with CancelScope(shield=True):
            if error is None:
                await scope.__aexit__(None, None, None)
            else:
                await scope.__aexit__(type(error), error, error.__traceback__)


_UNIT_OF_WORK = "withus.unit_of_work"


class UnitOfWorkRoute(APIRoute):
    """The route class of every API router: the handler (dependencies, endpoint, serialization)
    runs inside the request's :class:`UnitOfWork`, which commits — or rolls back on an exception —
    before the response is sent, so a client that got 201 can read what it created with its next
    request. This replaces a dependency with ``yield``: FastAPI's generator dependencies and their
    shielded exit cost about a tenth of a list request."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run_in_unit_of_work(request: Request) -> Response:
            work = UnitOfWork(read=request.method in READ_METHODS)
            request.scope[_UNIT_OF_WORK] = work
            try:
                response = await handler(request)
            except BaseException as error:
                await work.close(error)
                raise
            await work.close(None)
            return response

        return run_in_unit_of_work


async def get_db_session(request: Request) -> AsyncSession:
    """The request's session (opened on first use). Needs a router with ``route_class=UnitOfWorkRoute``."""
    work: UnitOfWork | None = request.scope.get(_UNIT_OF_WORK)
    if work is None:
        raise RuntimeError(f"{request.url.path}: the router has no route_class=UnitOfWorkRoute")
    return await work.session()


SessionDep = Annotated[AsyncSession, Depends(get_db_session)]


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
    return Forbidden(code="csrf_failed")


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


async def _verified_claims(request: Request) -> tuple[tokens.Claims, bool] | None:
    """The claims of the request's bearer token or session cookie (its session alive; CSRF checked
    for a cookie on an unsafe method) and whether it came by cookie; None for an anonymous request."""
    token = _bearer_token(request)
    if token is not None:
        claims = await session_service.check_access(token)
        request.state.user_id = claims.user_id  # for the access log (api.observe)
        return claims, False
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    claims = await session_service.check_refresh(cookie)
    request.state.user_id = claims.user_id
    if request.method.upper() not in SAFE_METHODS:
        check_csrf(request, claims.session_id)
    return claims, True


async def get_optional_auth(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[object, Depends(_bearer_doc)] = None,
    _cookie: Annotated[object, Depends(_cookie_doc)] = None,
) -> Auth | None:
    verified = await _verified_claims(request)
    if verified is None:
        return None
    claims, via_cookie = verified
    user = await user_service.get_caller(session, user_id=claims.user_id)
    if user is None or user.deleted_at is not None:
        raise tokens.token_revoked()
    return Auth(user=user, session_id=claims.session_id, via_cookie=via_cookie)


async def get_optional_reader_id(
    request: Request,
    _bearer: Annotated[object, Depends(_bearer_doc)] = None,
    _cookie: Annotated[object, Depends(_cookie_doc)] = None,
) -> int | None:
    """The caller's user id from a verified token or cookie, *without* reading their account: only
    for a read whose own statement reads it and refuses a gone or deleted one (the board page,
    ``board.list_posts(reader_id=...)``), saving a round trip on the most requested page."""
    verified = await _verified_claims(request)
    return verified[0].user_id if verified is not None else None


async def get_caller_id(
    request: Request,
    _bearer: Annotated[object, Depends(_bearer_doc)] = None,
    _cookie: Annotated[object, Depends(_cookie_doc)] = None,
) -> int:
    """The caller's user id from a verified token or cookie (401 without one), *without* reading
    their account: for a route whose service reads it later, inside its own unit of work (an
    answer to an event queues per event before it takes a database connection,
    ``withus.services.rsvp.answer``)."""
    verified = await _verified_claims(request)
    if verified is None:
        raise NotAuthenticated()
    return verified[0].user_id


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
OptionalReaderId = Annotated[int | None, Depends(get_optional_reader_id)]
CallerId = Annotated[int, Depends(get_caller_id)]
