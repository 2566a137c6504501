"""Club categories: the badge, the icon and the cover placeholder (labels and colours are
``withus.state.categories``)."""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import both
from withus.models.club import CATEGORIES

CATEGORY_ICONS: dict[str, str] = {
    "SPORTS": "dumbbell",
    "DAILY": "coffee",
    "GAME": "gamepad-2",
    "FOOD": "utensils",
    "STUDY": "book-open",
    "CULTURE": "palette",
    "TRAVEL": "plane",
    "ETC": "sparkles",
}


def category_badge(label: rx.Var[str] | str, color: rx.Var[str] | str, **props: object) -> rx.Component:
    return rx.badge(label, color_scheme=color, variant="soft", radius="full", **props)


def category_icon(code: rx.Var[str], size: int = 40) -> rx.Component:
    return rx.match(
        code,
        *[(c, rx.icon(icon, size=size)) for c, icon in CATEGORY_ICONS.items()],
        rx.icon("sparkles", size=size),
    )


def cover_placeholder(code: rx.Var[str], color: rx.Var[str], height: str = "140px") -> rx.Component:
    """A coloured panel with the category's icon, for a club that has no cover image."""
    return rx.center(
        category_icon(code),
        height=height,
        width="100%",
        background=f"var(--{color}-4)",
        color=f"var(--{color}-11)",
        aria_hidden="true",
    )


def category_choices() -> list[tuple[str, rx.Var[str]]]:
    """(code, label in the reader's language) for pages; the labels are the model's (ko, en)."""
    return [(code, both(ko, en)) for code, ko, en in CATEGORIES]
