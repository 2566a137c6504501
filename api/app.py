"""Builds the FastAPI app that Reflex mounts its own backend under."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api import problems
from api.routes import health
from withus.errors import NotFound
from withus.settings import get_settings

API_DESCRIPTION = """withUs REST API. Errors are RFC 9457 problem details
(`application/problem+json`) with a stable `code`. Real-time chat is STOMP 1.2
over the WebSocket at `/ws`; notifications stream as Server-Sent Events at
`/api/notifications/stream`."""


def build_api() -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="withUs API",
        version="1.0.0",
        description=API_DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    @app.middleware("http")
    async def _request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or secrets.token_hex(8)
        response = await call_next(request)
        response.headers.setdefault("X-Request-ID", request.state.request_id)
        return response

    problems.install(app)
    problems.install_unavailable(app)

    router = APIRouter(prefix="/api")
    router.include_router(health.router)
    for module in _feature_routers():
        router.include_router(module)

    @router.api_route(
        "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    async def _unknown(request: Request, path: str) -> None:
        # Unknown /api paths answer problem+json instead of falling through to the web app;
        # a known path with another method is 405, as it would be without this route.
        for route in router.routes:
            if route.matches(request.scope)[0] == Match.PARTIAL:
                raise StarletteHTTPException(405)
        raise NotFound("요청한 주소를 찾을 수 없습니다.", code="not_found")

    app.include_router(router)

    from api.stomp import stomp_endpoint  # STOMP 1.2 chat over WebSocket

    app.add_api_websocket_route("/ws", stomp_endpoint)

    settings.media_path.mkdir(parents=True, exist_ok=True)
    app.mount("/media", StaticFiles(directory=settings.media_path, check_dir=False), name="media")
    return app


def _feature_routers() -> list[APIRouter]:
    """Routers of the feature areas, in the order they appear in the OpenAPI document."""
    from api.routes import (
        auth,
        chat,
        clubs,
        invitations,
        my_clubs,
        notification_stream,
        notifications,
        posts,
        reports,
        users,
    )

    return [
        auth.router,
        users.router,
        my_clubs.router,
        clubs.router,
        invitations.router,
        notification_stream.router,  # before notifications: /stream is no /{id}
        notifications.router,
        posts.router,
        reports.router,
        chat.router,
    ]
