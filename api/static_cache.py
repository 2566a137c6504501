"""Cache-Control for what the site serves besides the API.

* ``/assets/…``: the built frontend's files, whose names carry a content hash (Vite):
  ``public, max-age=31536000, immutable`` — a new build has new names.
* ``/fonts/subset/…``: the Pretendard ranges, named by the font's version: a week.
* HTML (the pages): ``no-cache`` — always revalidated, so a new build is seen at once.

Only answers that do not set Cache-Control themselves are touched (the API sets its own
where it matters). Plain ASGI, like ``RequestIdMiddleware``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
FONTS = "public, max-age=604800"
HTML = "no-cache"


def policy(path: str, content_type: str) -> str | None:
    if path.startswith("/assets/"):
        return IMMUTABLE
    if path.startswith("/fonts/subset/"):
        return FONTS
    if content_type.startswith("text/html"):
        return HTML
    return None


class StaticCacheMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    value = policy(path, headers.get("content-type", ""))
                    if value:
                        headers["Cache-Control"] = value
            await send(message)

        await self.app(scope, receive, send_with_cache)
