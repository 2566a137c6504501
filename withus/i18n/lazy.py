"""Messages that are rendered at the edge, in the reader's language.

A service does not know who reads its error: it raises with ``Msg("key", **params)``.
``Msg`` *is* a ``str`` (the Korean text), so code that treats it as text keeps working;
an edge that knows the reader's locale calls :func:`localize` to render it again.
"""

from __future__ import annotations

from typing import Any

from withus.i18n.catalog import DEFAULT_LOCALE, t


class Msg(str):
    """A catalogue message with its parameters; ``str(msg)`` is the Korean text."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Msg:
        obj = super().__new__(cls, t(key, DEFAULT_LOCALE, **params))
        obj.key = key
        obj.params = params
        return obj

    def render(self, locale: str) -> str:
        return t(self.key, locale, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled into Reflex state: keep key and params
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def localize(value: Any, locale: str) -> Any:
    """``value`` rendered in ``locale`` when it is a :class:`Msg`; anything else unchanged."""
    if isinstance(value, Msg):
        return value.render(locale)
    return value
