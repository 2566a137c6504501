"""Club categories as the pages show them: the Korean label and one Radix colour each (plain
data, shared by the states that build view rows and by ``withus.components.category``)."""

from __future__ import annotations

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
# (code, Korean label) in the order the UI shows them.
CATEGORY_CHOICES: list[tuple[str, str]] = [(code, ko) for code, ko, _ in CATEGORIES]


def category_label(code: str) -> str:
    return CATEGORY_LABELS_KO.get(code, "기타")


def category_color(code: str) -> str:
    return CATEGORY_COLORS.get(code, "gray")
