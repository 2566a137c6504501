"""The reader's language for an API answer: ``Accept-Language`` (``ko`` by default).

Problem details (``title``, ``detail``, ``errors[].message``) are written in it; the
``code`` never changes (see ``api/problems.py`` and ``withus.i18n``).
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from withus.i18n import Locale, negotiate, normalize

LOCALE_COOKIE = "withus_locale"  # the same cookie as withus.state.locale.COOKIE (pages)
ACCEPT_LANGUAGE_DOC = (
    "Problem details (`title`, `detail`, `errors[].message`) follow the request's `Accept-Language`: "
    "`ko` (the default) or `en`. The `code` is the same in every language."
)


def request_locale(conn: HTTPConnection) -> Locale:
    return negotiate(conn.headers.get("accept-language"))


def browser_locale(conn: HTTPConnection) -> Locale:
    """For what a browser opens without setting headers (EventSource, WebSocket, a mail's link):
    the site's locale cookie, else ``Accept-Language``."""
    chosen = conn.cookies.get(LOCALE_COOKIE)
    return normalize(chosen) if chosen else request_locale(conn)
