"""Page titles that name the page's subject: "토요일 보드게임 모임 — 모임 — withUs".

A page's title is a Var: until its data has arrived (or when there is none) it is the page's
generic title from the catalogue; then the club's name, the post's or event's title, the
room's or person's name goes in front of it, in the reader's language like the rest.
"""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr


def named(subject: rx.Var[str], key: str) -> rx.Var[str]:
    generic = tr(key)
    result: rx.Var[str] = rx.cond(subject != "", rx.Var.create(f"{subject} — {generic}"), generic)
    return result
