"""Hashed static files are cached for good, pages are revalidated, the API is left alone."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.static_cache import FONTS, HTML, IMMUTABLE, StaticCacheMiddleware


async def _asset(_request: object) -> Response:
    return Response(b"x", media_type="text/javascript")


async def _page(_request: object) -> Response:
    return Response(b"<html></html>", media_type="text/html; charset=utf-8")


async def _api(_request: object) -> Response:
    return Response(b"<html></html>", media_type="text/html")


async def _own(_request: object) -> Response:
    return PlainTextResponse("x", headers={"Cache-Control": "private"})


APP = StaticCacheMiddleware(
    Starlette(
        routes=[
            Route("/assets/app-3f2a1b.js", _asset),
            Route("/fonts/subset/PretendardVariable.subset.1.woff2", _asset),
            Route("/clubs/1", _page),
            Route("/api/x", _api),
            Route("/own", _own),
            Route("/favicon.svg", _asset),
        ]
    )
)


async def test_cache_headers_by_kind() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as client:
        assert (await client.get("/assets/app-3f2a1b.js")).headers["cache-control"] == IMMUTABLE
        assert (await client.get("/fonts/subset/PretendardVariable.subset.1.woff2")).headers["cache-control"] == FONTS
        assert (await client.get("/clubs/1")).headers["cache-control"] == HTML
        assert "cache-control" not in (await client.get("/api/x")).headers
        assert (await client.get("/own")).headers["cache-control"] == "private"
        assert "cache-control" not in (await client.get("/favicon.svg")).headers
        assert "cache-control" not in (await client.get("/missing")).headers  # a 404 is not cached
