"""/clubs/[id]/edit — edit a club and its cover (host, moderator); close it (host)."""

from __future__ import annotations

import reflex as rx

from withus.components.club_form import club_form
from withus.components.confirm_dialog import confirm_dialog
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.state.club_form import ClubFormState

S = ClubFormState


def message(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.heading(title, size="5"),
            rx.text(text, color_scheme="gray"),
            link_button(tr("common.go_home"), variant="soft", href="/"),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
    )


def danger_zone() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("club_edit.close"), size="4", as_="h2", color_scheme="red"),
            rx.text(
                tr("club_edit.close_hint"),
                size="2",
                color_scheme="gray",
            ),
            confirm_dialog(
                rx.button(tr("club_edit.close"), color_scheme="red", variant="soft"),
                title=tr("club_edit.close_title"),
                description=tr("club_edit.close_body"),
                confirm_label=tr("club_edit.close"),
                on_confirm=S.close_club,
            ),
            spacing="3",
            align="start",
        ),
        size="3",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.loading,
            rx.skeleton(rx.box(height="480px", width="100%"), loading=True),
            rx.cond(
                S.not_found,
                message("search-x", tr("club.not_found"), tr("common.gone_hint")),
                rx.cond(
                    S.forbidden,
                    message("lock", tr("club_edit.forbidden_title"), tr("club_edit.forbidden")),
                    rx.vstack(
                        rx.link(
                            rx.hstack(
                                rx.icon("chevron-left", size=16),
                                rx.text(tr("club_edit.back"), size="2"),
                                spacing="1",
                                align="center",
                            ),
                            href="/clubs/" + S.club_id.to_string(),
                            color_scheme="gray",
                            underline="none",
                        ),
                        rx.heading(tr("club_edit.title"), size="7", as_="h1"),
                        rx.card(club_form(tr("common.save")), size="3", width="100%"),
                        rx.cond(S.is_host, danger_zone()),
                        spacing="4",
                        width="100%",
                        max_width="720px",
                        margin_x="auto",
                    ),
                ),
            ),
        ),
    )
