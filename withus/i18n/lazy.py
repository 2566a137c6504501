"""Messages that are rendered at the edge, in the reader's language.

A service does not know who reads its error: it raises with ``Msg("key", **params)``.
``Msg`` *is* a ``str`` (the Korean text), so code that treats it as text keeps working;
an edge that knows the reader's locale calls :func:`localize` to render it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from withus.i18n import dates
from withus.i18n.catalog import DEFAULT_LOCALE, normalize, t
from withus.i18n.reader import Reader, reader


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

    def to_data(self) -> dict[str, Any]:
        """JSON to store (a notification's text): the key and the params, a nested Msg or a time kept as such."""
        return {"key": self.key, "params": {name: _encode(value) for name, value in self.params.items()}}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Msg:
        params = {str(name): _decode(value) for name, value in dict(data.get("params") or {}).items()}
        return cls(str(data["key"]), **params)


class When(str):
    """A moment as a message parameter: its ISO text, shown per locale in Korean time ("12월 5일 19:00")."""

    def __new__(cls, value: datetime | str) -> When:
        return super().__new__(cls, value.isoformat() if isinstance(value, datetime) else value)

    def render(self, locale: str) -> str:
        current = reader()
        who = current if current.locale == normalize(locale) else Reader(normalize(locale))
        return dates.month_day_time(datetime.fromisoformat(self), who)


def _encode(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": value.to_data()}
    if isinstance(value, When):
        return {"when": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "msg" in value:
        return Msg.from_data(value["msg"])
    if isinstance(value, dict) and "when" in value:
        return When(str(value["when"]))
    return value


def _rebuild(key: str, params: dict[str, Any]) -> Msg:
    return Msg(key, **params)


def localize(value: Any, locale: str) -> Any:
    """``value`` rendered in ``locale`` when it is a :class:`Msg` or a :class:`When`; anything else unchanged."""
    if isinstance(value, Msg | When):
        return value.render(locale)
    return value
