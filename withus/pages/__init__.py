"""One module per page; ``register_pages`` adds them all to the app."""

from __future__ import annotations

import reflex as rx

from withus.pages import home, not_found


def register_pages(app: rx.App) -> None:
    app.add_page(home.index, route="/", title="withUs — 함께할 모임 찾기")
    app.add_page(not_found.index, route="404", title="페이지를 찾을 수 없습니다 — withUs")
