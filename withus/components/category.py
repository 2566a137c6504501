"""Club categories: Korean labels, one Radix colour each, badge and cover placeholder."""

from __future__ import annotations

import reflex as rx

from withus.models.club import CATEGORIES, CATEGORY_LABELS_KO

# One colour per category, used by the badge and by the placeholder of a club without a cover.
CATEGORY_COLORS: dict[str, str] = {
    "SPORTS": "green",
    "DAILY": "amber",
    "GAME": "violet",
    "FOOD": "orange",
    "STUDY": "blue",
    "CULTURE": "pink",
    "TRAVEL": "cyan",
    "ETC": "gray",
}
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
# (code, Korean label) in the order the UI shows them.
CATEGORY_CHOICES: list[tuple[str, str]] = [(code, ko) for code, ko, _ in CATEGORIES]


def category_label(code: str) -> str:
    return CATEGORY_LABELS_KO.get(code, "기타")


def category_color(code: str) -> str:
    return CATEGORY_COLORS.get(code, "gray")


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
