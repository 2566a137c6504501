"""The message catalogue: ``locales/<locale>/LC_MESSAGES/messages.po``, read once with babel.

Each entry's ``msgid`` is a stable key (``"header.find_clubs"``, ``"error.club_not_found"``),
its ``msgstr`` the text in that locale. Texts are ``str.format`` templates with named
fields; a field whose format spec names a Korean particle gets the right form of it
after the value: ``"{field:을} 입력해 주세요."`` with ``field="사유"`` → ``"사유를 입력해 주세요."``
(see :mod:`withus.i18n.korean`). Other specs work as usual (``{count:,}``).

No compile step: the ``.po`` files are the source, parsed at import (~1 ms per 100 entries).
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel.messages.pofile import read_po

from withus.i18n.korean import PAIRS, particle

Locale = Literal["ko", "en"]
LOCALES: tuple[Locale, ...] = ("ko", "en")
DEFAULT_LOCALE: Locale = "ko"
LOCALE_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def messages(locale: str) -> dict[str, str]:
    """Key → template of one locale (entries without a translation are left out)."""
    with po_path(locale).open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def keys(locale: str = DEFAULT_LOCALE) -> set[str]:
    return set(messages(locale))


def has_key(key: str) -> bool:
    return key in messages(DEFAULT_LOCALE)


def normalize(locale: str | None) -> Locale:
    """``"en"``, ``"en-US"``, ``"EN"`` → ``"en"``; anything unknown → the default (``"ko"``)."""
    primary = (locale or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return "en" if primary == "en" else DEFAULT_LOCALE


class _Formatter(string.Formatter):
    def __init__(self, locale: str) -> None:
        self.locale = locale

    def format_field(self, value: Any, format_spec: str) -> str:
        from withus.i18n.lazy import localize

        value = localize(value, self.locale)
        if format_spec in PAIRS:
            text = str(value)
            return text + particle(text, format_spec)
        formatted: str = super().format_field(value, format_spec)
        return formatted


def template(key: str, locale: str = DEFAULT_LOCALE) -> str:
    """The raw template of ``key``; falls back to Korean, then to the key itself."""
    loc = normalize(locale)
    return messages(loc).get(key) or messages(DEFAULT_LOCALE).get(key) or key


def t(key: str, locale: str = DEFAULT_LOCALE, /, **params: Any) -> str:
    """The text of ``key`` in ``locale`` with ``params`` filled in."""
    text = template(key, locale)
    if not params and "{" not in text:
        return text
    return _Formatter(normalize(locale)).vformat(text, (), params)
