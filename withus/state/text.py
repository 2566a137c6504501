"""Formatting for the pages: times (per locale: :mod:`withus.i18n.dates`), plain text split into safe link segments.

Nothing here produces HTML: bodies become a list of segments that the page renders
as text nodes and ``<a>`` elements, so React escapes every character people typed.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time

from withus.i18n.dates import KST, ago, as_kst, day, full_time
from withus.i18n.reader import here
from withus.models.user import DELETED_NICKNAME

__all__ = [
    "KST",
    "Segment",
    "ago",
    "as_kst",
    "date_input_value",
    "day",
    "full_time",
    "parse_day",
    "segments",
    "shown_name",
]

# http(s) URLs only; a trailing punctuation mark belongs to the sentence, not the link.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»\u3002\uff0c"


@dataclasses.dataclass
class Segment:
    text: str
    href: str = ""


def segments(body: str) -> list[Segment]:
    """Split plain text into text and link segments; line breaks stay in the text."""
    out: list[Segment] = []
    pos = 0
    for m in _URL.finditer(body):
        url = m.group(0)
        end = m.end()
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # a balanced parenthesis belongs to the URL (…/Seoul_(city))
            url = url[:-1]
            end -= 1
        if len(url) <= len("https://"):
            continue
        if m.start() > pos:
            out.append(Segment(text=body[pos : m.start()]))
        out.append(Segment(text=url, href=url))
        pos = end
    if pos < len(body):
        out.append(Segment(text=body[pos:]))
    return out


def date_input_value(value: datetime | None) -> str:
    """The ``YYYY-MM-DD`` an ``<input type=date>`` shows for a stored instant (Korean calendar day)."""
    return as_kst(value).date().isoformat() if value is not None else ""


def parse_day(value: str, *, end_of_day: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` from a date input as an instant: the start (or the last second) of that day in Korea."""
    value = (value or "").strip()
    if not value:
        return None
    d = date.fromisoformat(value)
    moment = datetime.combine(d, time.max.replace(microsecond=0) if end_of_day else time.min, tzinfo=KST)
    return moment.astimezone(UTC)


def recruiting_window(start: datetime | None, until: datetime | None) -> str:
    if start is None and until is None:
        return ""
    if start is not None and until is not None:
        return here("club.window_between", start=day(start), until=day(until))
    if start is not None:
        return here("club.window_from", start=day(start))
    return here("club.window_until", until=day(until))


def shown_name(nickname: str) -> str:
    """A nickname as the reader sees it: a deleted account's is named in their language."""
    return here("user.deleted_nickname") if nickname == DELETED_NICKNAME else nickname
