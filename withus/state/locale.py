"""The reader's locale for every page: the ``withus_locale`` cookie, else ``Accept-Language``.

Imports nothing else of the app's state. Texts on pages follow it through
``withus.i18n.ui.tr``; texts a handler writes follow the event's reader, which
``withus.middleware.ReaderMiddleware`` takes from here (``withus.i18n.reader``: locale and
``browser_zone``, for times that name Korea's zone when the browser is elsewhere).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.i18n.catalog import Locale, normalize
from withus.i18n.negotiate import negotiate

COOKIE = "withus_locale"
TZ_COOKIE = "withus_tz"
YEAR = 365 * 86400


class LocaleState(rx.State):
    """The reader's locale and browser time zone. Imports nothing else of the app's state."""

    locale: str = rx.Cookie("", name=COOKIE, max_age=YEAR, same_site="lax")
    # The browser's IANA zone, written by withus.js; times name their zone when it is not Korea's.
    browser_zone: str = rx.Cookie("", name=TZ_COOKIE, max_age=YEAR, same_site="lax")

    @rx.event
    async def switch(self, locale: str) -> Any:
        """The header's 한국어 / English: remember the choice, then reload in that language."""
        chosen = normalize(locale)
        self.locale = chosen
        return rx.call_script(f"withus.setLocale({chosen!r})")


def resolve(state: LocaleState) -> Locale:
    """The cookie's locale, else the first guess from ``Accept-Language``."""
    if state.locale:
        return normalize(state.locale)
    return negotiate(state.router.headers.accept_language)


async def current_locale(state: rx.State) -> Locale:
    """The locale for texts a handler writes (toasts, dates): ``await current_locale(self)``."""
    return resolve(await state.get_state(LocaleState))
