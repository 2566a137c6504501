"""Every request and long-lived connection, measured and logged at the edge.

:class:`ObserveMiddleware` wraps the whole site (the API, ``/ws``, and Reflex's own backend,
which the API app mounts): for each HTTP request it observes the duration by method, route
*template* (``/api/clubs/{club_id}``, never the raw path, so the series stay few) and status,
and writes the access line for ``/api`` requests (:func:`withus.observability.logs.access`) with
the request id that problem details name, the route, status, duration and user id. It counts
the open STOMP sockets (``/ws``), SSE streams (``/api/notifications/stream``) and Reflex event
sockets (``/_event``) while they last.

Plain ASGI, like :class:`api.app.RequestIdMiddleware` and for the same reason: Starlette's
BaseHTTPMiddleware would cost every SSE event a task group and garbage.
"""

from __future__ import annotations

import re
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from withus.observability import logs, metrics

SSE_PATH = "/api/notifications/stream"
STOMP_PATH = "/ws"
REFLEX_EVENT_PATH = "/_event"


_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def route_template(scope: Scope) -> str:
    """The route that served the request, as declared with its routers' prefixes and without
    converters (``/api/clubs/{club_id}``, declared ``/clubs/{club_id:int}``); ``site`` for Reflex's
    backend and pages (mounted at ""), ``unmatched`` when no route did."""
    route: Any = scope.get("route")
    if route is None:
        return "unmatched"
    if isinstance(route, Mount):
        return f"{route.path}/*" if route.path else "site"
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "unmatched"
    # FastAPI hands the route as its router declared it, without the prefixes it was included
    # under: whatever of the request's path comes before the route's own part is that prefix.
    params = scope.get("path_params") or {}
    own_part = _PARAM.sub(lambda m: str(params.get(m.group(1), m.group(0))), template)
    path: str = scope["path"]
    prefix = path[: len(path) - len(own_part)] if path.endswith(own_part) else ""
    return prefix + _PARAM.sub(lambda m: "{" + m.group(1) + "}", template)  # converters (:int) left out


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500
        stream = False

        async def observed_send(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if status == 200 and scope["path"] == SSE_PATH:
                    stream = True
                    metrics.connection_opened("sse")
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = time.perf_counter() - started
            if stream:
                metrics.connection_closed("sse")
            route = route_template(scope)
            metrics.http_request(scope["method"], route, status, seconds)
            if scope["path"].startswith("/api/"):
                state = scope.get("state") or {}
                logs.access(
                    method=scope["method"],
                    path=scope["path"],
                    route=route,
                    status=status,
                    seconds=seconds,
                    request_id=state.get("request_id"),
                    user_id=state.get("user_id"),
                )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        kind = "stomp" if path == STOMP_PATH else "reflex" if path.startswith(REFLEX_EVENT_PATH) else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        accepted = False

        async def observed_send(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                metrics.connection_opened(kind)
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            if accepted:
                metrics.connection_closed(kind)
