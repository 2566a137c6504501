"""Page text as Vars that follow the locale: both texts in the compiled page, chosen in the browser."""

from __future__ import annotations

import json

import reflex as rx

from withus.i18n.ui import IS_EN, tr


def test_tr_holds_both_texts_and_follows_the_locale() -> None:
    js = str(tr("header.find_clubs"))
    assert '"Find clubs"' in js and json.dumps("모임 찾기") in js
    assert "withusLocale" in js and "locale" in js


def test_tr_takes_var_parameters() -> None:
    name = rx.Var.create("x").to(str)
    js = str(tr("header.find_clubs", unused=name))  # no field in the template: nothing breaks
    assert "Find clubs" in js


def test_the_header_compiles_with_the_switch() -> None:
    from withus.components.layout import header

    rendered = str(header().render())
    assert "language-switch" in rendered and "Switch to English" in rendered
    assert json.dumps("모임 찾기")[1:-1].replace("\\", "\\\\") in rendered and "Find clubs" in rendered
    assert str(IS_EN).count("===") == 1


def test_a_refused_action_is_toasted_in_the_readers_language() -> None:
    from withus.errors import Conflict
    from withus.state.handlers import error_toast

    exc = Conflict(code="club_full")
    assert "The club is full." in str(error_toast(exc, "en"))
    assert json.dumps("모임 정원이 가득 찼습니다.")[1:-1] in str(error_toast(exc)).replace("\\\\", "\\")
