"""Club categories as the pages show them: the Korean label and one Radix colour each (plain
data, shared by the states that build view rows and by ``withus.components.category``)."""

from __future__ import annotations

from withus.i18n.reader import reader
from withus.models.club import CATEGORIES, CATEGORY_LABELS_EN, CATEGORY_LABELS_KO

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
    """The category's name in the reader's language ("Other" / 기타 for an unknown code)."""
    labels = CATEGORY_LABELS_EN if reader().locale == "en" else CATEGORY_LABELS_KO
    return labels.get(code, labels["ETC"])


def category_color(code: str) -> str:
    return CATEGORY_COLORS.get(code, "gray")
