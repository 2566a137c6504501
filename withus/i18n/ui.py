"""The catalogue in Reflex pages: text as Vars that follow the reader's locale.

Reflex compiles pages to static React, so a page's text cannot be looked up on the
server when it renders. :func:`tr` returns a string Var holding both texts,
``is_en ? "Find clubs" : "모임 찾기"``; the page shows the one of the current locale.

The locale is the ``withus_locale`` cookie (``withus.state.locale.LocaleState``). Before the
state arrives, ``assets/js/withus.js`` has already put the same answer (the cookie,
else the browser's languages) in ``globalThis.withusLocale``, so the first paint is in
the right language too. Switching (:meth:`LocaleState.switch`) stores the choice (the
profile when logged in, the cookie always) and reloads the page, so the texts a state
formatted on the server (dates, toasts) are redone in the new language.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.i18n.catalog import _Formatter, template
from withus.state.locale import LocaleState

# ``globalThis.withusLocale`` is set by withus.js before the page renders; the state's cookie var
# takes over once it has arrived (they agree: both come from the same cookie).
_cookie_var: rx.Var[str] = LocaleState.locale  # type: ignore[assignment]
_locale_js = f'(({_cookie_var._js_expr}) || globalThis.withusLocale || "ko")'
_var_data = _cookie_var._get_all_var_data()
CURRENT: rx.Var[str] = rx.Var(_js_expr=_locale_js, _var_type=str, _var_data=_var_data)
IS_EN: rx.Var[bool] = rx.Var(_js_expr=f'({_locale_js} === "en")', _var_type=bool, _var_data=_var_data)


def _fill(text: str, params: dict[str, Any], locale: str) -> str | rx.Var[str]:
    if not params:
        return text
    if not any(isinstance(value, rx.Var) for value in params.values()):
        return _Formatter(locale).vformat(text, (), params)
    # Vars inside: an f-string of Vars becomes a JS template (particles need the word: not here).
    return rx.Var.create(text.format(**params))


def tr(key: str, /, **params: Any) -> rx.Var[str]:
    """The text of ``key`` as a Var in the current locale; ``params`` may be Vars (no particle specs then)."""
    ko = _fill(template(key, "ko"), params, "ko")
    en = _fill(template(key, "en"), params, "en")
    if isinstance(ko, str) and ko == en:
        return rx.Var.create(ko)
    result: rx.Var[str] = rx.cond(IS_EN, en, ko)
    return result


def both(ko: str, en: str) -> rx.Var[str]:
    """A text whose two languages live with their data, not in the catalogue (club categories)."""
    result: rx.Var[str] = rx.cond(IS_EN, en, ko)
    return result
