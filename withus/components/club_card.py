"""A club in a list: cover (or a category-coloured placeholder), name, category, members, 모집 중."""

from __future__ import annotations

import reflex as rx

from withus.components.category import category_badge, cover_placeholder
from withus.i18n.ui import tr


def club_cover(
    cover_url: rx.Var[str], category: rx.Var[str], color: rx.Var[str], height: str = "140px"
) -> rx.Component:
    return rx.cond(
        cover_url != "",
        rx.image(src=cover_url, alt="", width="100%", height=height, object_fit="cover", loading="lazy"),
        cover_placeholder(category, color, height=height),
    )


def recruiting_badge(recruiting: rx.Var[bool]) -> rx.Component:
    return rx.cond(
        recruiting,
        rx.badge(tr("club.recruiting"), color_scheme="teal", variant="solid", radius="full"),
        rx.badge(tr("club.closed_recruiting"), color_scheme="gray", variant="soft", radius="full"),
    )


def club_card(club: rx.Var) -> rx.Component:
    """``club`` is a ``ClubCardView`` var."""
    return rx.link(
        rx.card(
            rx.inset(
                club_cover(club.cover_url, club.category, club.color),
                side="top",
                pb="current",
            ),
            rx.vstack(
                rx.hstack(
                    category_badge(club.category_label, club.color),
                    recruiting_badge(club.recruiting),
                    rx.cond(
                        club.private,
                        rx.badge(rx.icon("lock", size=12), tr("club.private"), variant="outline", color_scheme="gray"),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                # No leading trim here: with overflow hidden it cut the bottom of the letters
                # (an 18 px font in a 14 px box). A line height that holds Korean and descenders.
                rx.text(
                    club.name,
                    weight="bold",
                    size="4",
                    line_height="1.45",
                    width="100%",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    class_name="club-card-title",
                ),
                rx.hstack(
                    rx.icon("users", size=14),
                    rx.text(club.members, size="2"),
                    spacing="1",
                    align="center",
                    color="var(--gray-11)",
                ),
                spacing="2",
                align="start",
                width="100%",
            ),
            height="100%",
        ),
        href="/clubs/" + club.id.to_string(),
        underline="none",
        color="inherit",
        # The link is named by its whole content (name, category, members): an aria-label of the
        # name alone would hide the visible text from speech input (axe label-content-name-mismatch).
        custom_attrs={"data-testid": "club-card"},
        height="100%",
    )
