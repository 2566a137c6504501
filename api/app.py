"""Builds the FastAPI app that Reflex mounts its own backend under."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import openapi, problems, route_index
from api.locale import ACCEPT_LANGUAGE_DOC, LocaleMiddleware
from api.observe import ObserveMiddleware
from api.routes import health, metrics
from api.static_cache import StaticCacheMiddleware
from api.stomp.route import stomp_endpoint
from withus.errors import NotFound
from withus.i18n import Msg
from withus.lifecycle import running
from withus.services import hooks
from withus.settings import get_settings

API_DESCRIPTION = (
    """withUs REST API. Errors are RFC 9457 problem details
(`application/problem+json`) with a stable `code`. Ids are 32-bit (1..2147483647): a larger one in
a path is simply not found (404), in a body refused (422). Text refuses NUL and lone UTF-16
surrogates (`"\\ud800"`), which no text column can store (422). Real-time chat is STOMP 1.2
over the WebSocket at `/ws`; notifications stream as Server-Sent Events at
`/api/notifications/stream`.

"""
    + ACCEPT_LANGUAGE_DOC
)


class RequestIdMiddleware:
    """``X-Request-ID``: the caller's or a new one, in ``request.state.request_id`` and on the response.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs every
    response through a task group and memory streams, so each chunk of a streaming response
    (every SSE event) left cyclic garbage behind — with 2,000 notification streams that set off
    a full garbage collection every few seconds, a pause of ~0.6 s on a small machine
    (``bench/realtime_chat``) — and an open stream held a third more objects.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get("x-request-id") or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id  # what request.state reads

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers.append("X-Request-ID", request_id)
            await send(message)

        await self.app(scope, receive, send_with_id)


class NoSniff:
    """``X-Content-Type-Options: nosniff`` on every response of the wrapped app (the uploaded media:
    a browser must take a file for the type it is served as, never guess it is HTML or script)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_nosniff(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_nosniff)


def build_server() -> FastAPI:
    """The API alone as a server process, with the site's lifespan (dependency check at start,
    GC tuning, graceful shutdown): ``uvicorn api:build_server --factory``. The benchmarks run
    this; the site itself mounts :func:`build_api` in Reflex, which runs the same lifespan."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with running():
            yield

    return build_api(lifespan=lifespan)


def build_api(lifespan: Any = None) -> FastAPI:
    settings = get_settings()
    hooks.install()  # the services' hooks are wired where the app is assembled
    app = FastAPI(
        lifespan=lifespan,
        title="withUs API",
        version="1.0.0",
        description=API_DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    app.add_middleware(StaticCacheMiddleware)  # hashed assets immutable, pages no-cache (api/static_cache.py)
    app.add_middleware(ObserveMiddleware)  # inside RequestIdMiddleware: it reads the request id
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(LocaleMiddleware)  # the request's reader (api/locale.py)

    problems.install(app)
    problems.install_unavailable(app)
    openapi.install(app)

    router = APIRouter(prefix="/api")
    router.include_router(health.router)
    for module in _feature_routers():
        router.include_router(module)

    @router.api_route(
        "/{path:path}",
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"],
        include_in_schema=False,
    )
    async def _unknown(request: Request, path: str) -> None:
        # Unknown /api paths answer problem+json instead of falling through to the web app;
        # a known path with another method is 405, as it would be without this route.
        allowed: set[str] = set()
        for route in iter_route_contexts(router.routes):  # included routers' routes, flattened
            if route.original_route is not _unknown_route and route.matches(request.scope)[0] == Match.PARTIAL:
                allowed |= route.methods or set()
        if allowed:
            raise StarletteHTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
        raise NotFound(Msg("error.not_found.address"), code="not_found")

    _unknown_route = router.routes[-1]

    app.include_router(router)
    app.include_router(metrics.router)  # /metrics, beside /api

    app.add_api_websocket_route("/ws", stomp_endpoint)  # STOMP 1.2 chat over WebSocket

    settings.media_path.mkdir(parents=True, exist_ok=True)
    app.mount("/media", NoSniff(StaticFiles(directory=settings.media_path, check_dir=False)), name="media")
    route_index.install(app.router)  # /api requests try the routes of their first segment only
    return app


def _feature_routers() -> list[APIRouter]:
    """Routers of the feature areas, the most requested first: FastAPI tries routes one by one
    (about 2.5 µs each here), and the board page came after 51 others (0.13 ms of a 1.2 ms
    request). The OpenAPI document lists paths in this order; its tags group them by area."""
    from api.routes import (
        account_recovery,
        auth,
        calendar,
        chat,
        clubs,
        events,
        invitations,
        my_clubs,
        notification_settings,
        notification_stream,
        notifications,
        posts,
        reports,
        users,
    )

    return [
        posts.router,
        clubs.router,
        my_clubs.router,
        events.router,
        calendar.router,
        chat.router,
        notification_stream.router,  # before notifications: /stream is no /{id}
        notifications.router,
        account_recovery.router,  # before users: /users/me/email is no /{id}
        notification_settings.router,
        users.router,
        invitations.router,
        reports.router,
        auth.router,
    ]
