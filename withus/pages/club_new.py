"""/clubs/new — create a club (login required)."""

from __future__ import annotations

import reflex as rx

from withus.components.club_form import club_form
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.club_form import ClubFormState


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(tr("club.create"), size="7", as_="h1"),
            rx.text(tr("club_new.intro"), color_scheme="gray"),
            rx.cond(
                ClubFormState.loading,
                rx.skeleton(rx.box(height="480px", width="100%"), loading=True),
                rx.card(club_form(tr("club.create")), size="3", width="100%"),
            ),
            spacing="4",
            width="100%",
            max_width="720px",
            margin_x="auto",
        )
    )
