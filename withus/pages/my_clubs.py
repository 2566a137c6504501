"""/me/clubs — 내 모임: my clubs with my role, and pending invitations."""

from __future__ import annotations

import reflex as rx

from withus.components.category import category_badge
from withus.components.club_card import club_card, club_cover
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.state.my_clubs import MyClubsState

S = MyClubsState


def invitation_item(i: rx.Var) -> rx.Component:
    c = i.club
    return rx.card(
        rx.flex(
            rx.box(
                club_cover(c.cover_url, c.category, c.color, height="72px"),
                width="96px",
                flex_shrink="0",
                border_radius="var(--radius-2)",
                overflow="hidden",
            ),
            rx.vstack(
                rx.hstack(
                    category_badge(c.category_label, c.color),
                    rx.text(c.members, size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                ),
                rx.link(c.name, href="/clubs/" + c.id.to_string(), weight="bold", size="3"),
                rx.text(
                    rx.cond(i.inviter != "", i.inviter + tr("my_clubs.invited_by"), ""),
                    i.ago,
                    size="1",
                    color_scheme="gray",
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.hstack(
                rx.button(tr("my_clubs.accept"), on_click=S.accept(i.id), disabled=S.busy),
                rx.button(
                    tr("common.decline"), variant="soft", color_scheme="gray", on_click=S.decline(i.id), disabled=S.busy
                ),
                spacing="2",
                flex_shrink="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="3",
            align=rx.breakpoints(initial="start", sm="center"),
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "invitation"},
    )


def my_club_item(m: rx.Var) -> rx.Component:
    return rx.box(
        club_card(m.card),
        rx.badge(
            m.role_label,
            color_scheme=m.role_color,
            variant="solid",
            position="absolute",
            top="10px",
            right="10px",
            size="2",
        ),
        position="relative",
        height="100%",
    )


def empty_state() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("users", size=40, color="var(--gray-9)"),
            rx.text(tr("my_clubs.empty"), weight="bold", size="4"),
            rx.text(tr("my_clubs.empty_hint"), color_scheme="gray", size="2", align="center"),
            rx.hstack(
                link_button(tr("header.find_clubs"), variant="soft", href="/"),
                link_button(tr("club.create"), href="/clubs/new"),
                spacing="2",
            ),
            align="center",
            spacing="2",
        ),
        padding_y="48px",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(tr("header.my_clubs"), size="7", as_="h1"),
            rx.cond(
                S.loading,
                rx.skeleton(rx.box(height="240px", width="100%"), loading=True),
                rx.vstack(
                    rx.cond(
                        S.invitations.length() > 0,
                        rx.vstack(
                            rx.heading(tr("my_clubs.invitations"), size="4", as_="h2"),
                            rx.foreach(S.invitations, invitation_item),
                            spacing="2",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        S.clubs.length() > 0,
                        rx.vstack(
                            rx.grid(
                                rx.foreach(S.clubs, my_club_item),
                                columns=rx.breakpoints(initial="1", xs="2", md="3"),
                                spacing="4",
                                width="100%",
                            ),
                            rx.cond(
                                S.has_more,
                                rx.center(
                                    rx.button(
                                        tr("common.more"),
                                        variant="outline",
                                        loading=S.loading_more,
                                        on_click=S.load_more,
                                    ),
                                    width="100%",
                                ),
                            ),
                            spacing="4",
                            width="100%",
                        ),
                        empty_state(),
                    ),
                    spacing="5",
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
