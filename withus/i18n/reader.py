"""Who reads the text being written: their locale and whether their browser's zone is Korea's.

A Reflex event runs for one tab, so its reader is known before the handler starts:
``withus.middleware.ReaderMiddleware`` reads ``LocaleState`` (the ``withus_locale`` cookie,
else ``Accept-Language``, and the ``withus_tz`` cookie) and calls :func:`use_reader` before
every event. View builders and formatters then ask :func:`reader` instead of carrying a
locale through every call; outside an event (tests, the API) it is Korean in Korea.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar

from withus.i18n.catalog import DEFAULT_LOCALE, Locale, normalize, t

KOREA_ZONE = "Asia/Seoul"


@dataclasses.dataclass(frozen=True)
class Reader:
    locale: Locale = DEFAULT_LOCALE
    zone: str = ""  # the browser's IANA zone ("" when unknown: taken as Korea's)

    @property
    def zone_differs(self) -> bool:
        """Whether times should name their zone (the browser is not on Korean time)."""
        return bool(self.zone) and self.zone != KOREA_ZONE


KOREAN = Reader()
_reader: ContextVar[Reader | None] = ContextVar("withus_reader", default=None)


def reader() -> Reader:
    """The reader of the running event (Korean, in Korea, outside one)."""
    return _reader.get() or KOREAN


def set_reader(locale: str | None, zone: str | None = "") -> Reader:
    """Make ``locale``/``zone`` the reader for the rest of this context (the event's middleware)."""
    value = Reader(locale=normalize(locale), zone=(zone or "")[:64])
    _reader.set(value)
    return value


@contextlib.contextmanager
def use_reader(locale: str | None, zone: str | None = "") -> Iterator[Reader]:
    """The reader for a block (tests, a job writing for one person)."""
    token = _reader.set(Reader(locale=normalize(locale), zone=(zone or "")[:64]))
    try:
        yield reader()
    finally:
        _reader.reset(token)


def here(key: str, /, **params: object) -> str:
    """The text of ``key`` for the running event's reader (a toast, a label a state writes)."""
    return t(key, reader().locale, **params)
