"""The route index (api/route_index.py) hands every request to the route FastAPI's own walk would,
with the same scope: for every route of the app, every method, and paths that match none."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.convertors import FloatConvertor, IntegerConvertor, PathConvertor, UUIDConvertor
from starlette.responses import Response

from api.route_index import RouteIndex

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ODD_PATHS = (
    "/api/",
    "/api",
    "/api/nope",
    "/api/users",
    "/api/users/",
    "/api/users/me/events/",
    "/api/clubs/abc/events",
    "/api/clubs/99999999999/events",
    "/api/health/",
    "/api/openapi.json",
    "/api/docs",
    "/api//users/me",
    "/metrics",
    "/media/a.png",
    "/",
)


def _sample(convertor: Any) -> str:
    if isinstance(convertor, IntegerConvertor):
        return "7"
    if isinstance(convertor, FloatConvertor):
        return "1.5"
    if isinstance(convertor, UUIDConvertor):
        return str(uuid.UUID(int=7))
    if isinstance(convertor, PathConvertor):
        return "a/b"
    return "x"


def _paths(app: Any) -> list[str]:
    paths: list[str] = []
    for route in iter_route_contexts(app.routes):
        path_format = route.path_format
        if not isinstance(path_format, str):
            continue
        convertors = getattr(route, "param_convertors", {})
        paths.append(re.sub(r"{(\w+)}", lambda m, c=convertors: _sample(c[m.group(1)]), path_format))
    return [*dict.fromkeys(paths), *ODD_PATHS]


def _scope(method: str, path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 80),
    }


async def _route_each(app: Any, requests: list[tuple[str, str]], seen: list[Any]) -> list[Any]:
    """What reached a route's ``handle`` for each request (or the status when none did)."""
    out: list[Any] = []
    for method, path in requests:
        seen.clear()
        statuses: list[int] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any], statuses: list[int] = statuses) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(_scope(method, path), receive, send)
        out.append((method, path, list(seen) or statuses))
    return out


async def test_the_index_chooses_as_fastapis_walk_does_for_every_route_and_method(
    stack: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import build_api

    app = build_api()
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    seen: list[Any] = []

    async def record(route: APIRoute, scope: dict[str, Any], receive: Any, send: Any) -> None:
        fastapi_scope = scope.get("fastapi", {})
        seen.append(
            (
                route,
                scope.get("route"),
                scope.get("endpoint"),
                dict(scope.get("path_params", {})),
                scope.get("router"),
                sorted(k for k in scope if k not in ("state",)),
                sorted(fastapi_scope),
                fastapi_scope.get("included_router"),
                fastapi_scope.get("effective_route_context"),
                fastapi_scope.get("form_limits"),
            )
        )
        await Response(status_code=204)(scope, receive, send)

    monkeypatch.setattr(APIRoute, "handle", record)
    requests = [(method, path) for path in _paths(app) for method in METHODS]
    indexed = await _route_each(app, requests, seen)
    chosen_by_index = sum(index.select(_scope(method, path)) is not None for method, path in requests)
    app.router.middleware_stack = app.router.app  # FastAPI's own walk
    walked = await _route_each(app, requests, seen)

    assert len(requests) > 500
    assert [r for r in indexed if r not in walked] == []
    assert indexed == walked
    # It did choose itself every route that has the request's method (all but 405s, 404s and the
    # catch-all's own paths), not leave them to the walk.
    served = [(m, p) for m, p, rec in walked if isinstance(rec[0], tuple) and rec[0][2].__name__ != "_unknown"]
    assert len(served) > 100
    assert chosen_by_index >= len(served)


async def test_a_route_added_after_the_first_request_is_found(stack: object) -> None:
    """Routes can be added once the app serves (Reflex mounts its site after build_api): the index is
    rebuilt when FastAPI's routes change."""
    from fastapi import APIRouter

    from api import build_api
    from api.deps import UnitOfWorkRoute

    app = build_api()
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    assert index.select(_scope("GET", "/api/health")) is not None
    late = APIRouter(route_class=UnitOfWorkRoute)

    @late.get("/late/one")
    async def late_one() -> dict[str, str]:
        return {"late": "yes"}

    # Included in the router the others are in, ahead of the catch-all: as a feature router would be.
    api_router = next(r for r in app.router.routes if type(r).__name__ == "_IncludedRouter").original_router
    api_router.include_router(late)
    api_router.routes.insert(-1, api_router.routes.pop())  # before the catch-all (the last route)
    api_router._mark_routes_changed()
    selected = index.select(_scope("GET", "/api/late/one"))
    assert selected is not None and selected[0].context.original_route.endpoint is late_one
