"""/ — club discovery: categories, keyword search, newest first, 더 보기."""

from __future__ import annotations

import reflex as rx

from withus.components.category import category_choices
from withus.components.club_card import club_card
from withus.components.event_items import home_upcoming
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.state.auth import AuthState
from withus.state.clubs import SEARCH_INPUT_ID, HomeState


def hero() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(tr("home.title"), size="7"),
            rx.text(tr("home.intro"), color_scheme="gray"),
            spacing="3",
        ),
        link_button(
            rx.icon("plus", size=16),
            tr("club.create"),
            size="3",
            href=rx.cond(AuthState.logged_in, "/clubs/new", "/login?next=/clubs/new"),
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        justify="between",
        align=rx.breakpoints(initial="start", sm="end"),
        gap="4",
        width="100%",
    )


def category_tab(code: str, label: str) -> rx.Component:
    selected = HomeState.category == code
    return rx.button(
        label,
        variant=rx.cond(selected, "solid", "soft"),
        color_scheme=rx.cond(selected, "teal", "gray"),
        radius="full",
        size="2",
        on_click=HomeState.set_category(code),
        aria_pressed=rx.cond(selected, "true", "false"),
        flex_shrink="0",
    )


def category_tabs() -> rx.Component:
    return rx.box(
        rx.hstack(
            category_tab("", tr("home.all")),
            *[category_tab(code, label) for code, label in category_choices()],
            spacing="2",
            # Wrapped, not scrolled sideways: on a phone every category stays in sight.
            wrap="wrap",
            width="100%",
        ),
        role="group",
        aria_label=tr("home.categories"),
        width="100%",
    )


def search_box() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.label(tr("home.search_label"), html_for=SEARCH_INPUT_ID, style=VISUALLY_HIDDEN),
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                id=SEARCH_INPUT_ID,
                name="q",
                type="search",
                placeholder=tr("home.search_placeholder"),
                default_value=HomeState.q,
                max_length=100,
                size="3",
                width="100%",
                enter_key_hint="search",
            ),
            rx.button(tr("home.search"), type="submit", size="3", variant="soft"),
            spacing="2",
            width="100%",
        ),
        on_submit=HomeState.search,
        role="search",
        width="100%",
    )


VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "whiteSpace": "nowrap",
    "border": "0",
}


def skeleton_cards() -> rx.Component:
    return rx.grid(
        *[rx.skeleton(rx.box(height="230px", width="100%"), loading=True) for _ in range(6)],
        columns=rx.breakpoints(initial="1", xs="2", md="3"),
        spacing="4",
        width="100%",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("users", size=40, color="var(--gray-9)"),
            rx.cond(
                HomeState.searching,
                rx.text(tr("home.no_results"), weight="bold", size="4"),
                rx.text(tr("home.empty"), weight="bold", size="4"),
            ),
            rx.text(tr("home.empty_hint"), color_scheme="gray", size="2"),
            link_button(tr("club.create"), variant="soft", href="/clubs/new"),
            align="center",
            spacing="2",
        ),
        padding_y="48px",
        width="100%",
    )


def club_list() -> rx.Component:
    return rx.cond(
        HomeState.loading,
        skeleton_cards(),
        rx.cond(
            HomeState.clubs.length() > 0,
            rx.vstack(
                rx.grid(
                    rx.foreach(HomeState.clubs, club_card),
                    columns=rx.breakpoints(initial="1", xs="2", md="3"),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(
                    HomeState.has_more,
                    rx.center(
                        rx.button(
                            tr("common.more"),
                            variant="outline",
                            size="3",
                            loading=HomeState.loading_more,
                            on_click=HomeState.load_more,
                        ),
                        width="100%",
                    ),
                ),
                rx.cond(
                    HomeState.capped,
                    rx.center(
                        rx.text(tr("home.capped"), color_scheme="gray", size="2"),
                        width="100%",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
            rx.cond(
                HomeState.failed,
                rx.callout(
                    tr("home.load_failed"),
                    icon="triangle_alert",
                    color_scheme="red",
                ),
                empty_state(),
            ),
        ),
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            hero(),
            home_upcoming(),
            search_box(),
            category_tabs(),
            rx.cond(
                HomeState.searching,
                rx.hstack(
                    rx.text("‘", HomeState.q, tr("home.results_for"), size="2", color_scheme="gray"),
                    rx.button(tr("home.clear_search"), variant="ghost", size="1", on_click=HomeState.clear_search),
                    align="center",
                    spacing="2",
                ),
            ),
            club_list(),
            spacing="5",
            width="100%",
        )
    )
