"""The page for an address that does not exist."""

import reflex as rx

from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr


def index() -> rx.Component:
    return page(
        rx.center(
            rx.vstack(
                rx.heading("404", size="9", color_scheme="gray"),
                rx.heading(tr("not_found.title"), size="5"),
                rx.text(tr("not_found.hint"), color_scheme="gray"),
                link_button(tr("common.go_home"), href="/"),
                align="center",
                spacing="3",
            ),
            min_height="60vh",
        )
    )
