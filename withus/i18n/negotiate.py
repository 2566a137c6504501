"""The reader's locale from an ``Accept-Language`` header (RFC 9110 §12.5.4)."""

from __future__ import annotations

from withus.i18n.catalog import DEFAULT_LOCALE, LOCALES, Locale


def negotiate(accept_language: str | None, *, default: Locale = DEFAULT_LOCALE) -> Locale:
    """The best of ``LOCALES`` for ``accept_language``; ``default`` when none is acceptable.

    ``"en-US,en;q=0.9,ko;q=0.8"`` → ``"en"``; ``"ja, en;q=0.5"`` → ``"en"``; ``"fr"`` → ``"ko"``.
    A malformed header is read as far as it makes sense, never an error.
    """
    best: tuple[float, int] | None = None
    chosen: Locale = default
    for position, part in enumerate((accept_language or "")[:500].split(",")):
        lang, _, params = part.strip().partition(";")
        lang = lang.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0 or not lang:
            continue
        primary = lang.split("-", 1)[0]
        if primary == "*":
            candidate: Locale = default
        elif primary in LOCALES:
            candidate = primary  # type: ignore[assignment]
        else:
            continue
        rank = (q, -position)
        if best is None or rank > best:
            best, chosen = rank, candidate
    return chosen
