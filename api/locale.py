"""The reader's language for an API answer: ``Accept-Language`` (``ko`` by default).

Problem details (``title``, ``detail``, ``errors[].message``) are written in it; the
``code`` never changes (see ``api/problems.py`` and ``withus.i18n``). :class:`LocaleMiddleware`
makes it the reader (``withus.i18n.reader``) of the request, so the texts a view holds in Korean
(a deleted member's name, a deleted comment's placeholder) are written in it too.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from withus.i18n import Locale, negotiate, normalize
from withus.i18n.reader import use_reader

LOCALE_COOKIE = "withus_locale"  # the same cookie as withus.state.locale.COOKIE (pages)
ACCEPT_LANGUAGE_DOC = (
    "Problem details (`title`, `detail`, `errors[].message`) follow the request's `Accept-Language`: "
    "`ko` (the default) or `en`. The `code` is the same in every language. The words a body holds for "
    "what is gone follow it too: a deleted member's `nickname` and a deleted or hidden comment's `body` "
    "(its `deleted` and `hidden` flags say which)."
)


def request_locale(conn: HTTPConnection) -> Locale:
    return negotiate(conn.headers.get("accept-language"))


def browser_locale(conn: HTTPConnection) -> Locale:
    """For what a browser opens without setting headers (EventSource, WebSocket, a mail's link):
    the site's locale cookie, else ``Accept-Language``."""
    chosen = conn.cookies.get(LOCALE_COOKIE)
    return normalize(chosen) if chosen else request_locale(conn)


class LocaleMiddleware:
    """An ``/api`` request's reader: ``Accept-Language`` (a WebSocket: :func:`browser_locale`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] not in ("http", "websocket") or not (path == "/api" or path.startswith("/api/")):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        with use_reader(browser_locale(conn) if scope["type"] == "websocket" else request_locale(conn)):
            await self.app(scope, receive, send)
