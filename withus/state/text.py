"""Formatting for the pages: times in Korean, plain text split into safe link segments.

Nothing here produces HTML: bodies become a list of segments that the page renders
as text nodes and ``<a>`` elements, so React escapes every character people typed.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")

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


def as_kst(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(KST)


def ago(value: datetime | None, *, now: datetime | None = None) -> str:
    """ "방금 전", "5분 전", "3시간 전", "2일 전", then the date."""
    if value is None:
        return ""
    local = as_kst(value)
    current = (now or datetime.now(UTC)).astimezone(KST)
    seconds = (current - local).total_seconds()
    if seconds < 60:
        return "방금 전"
    if seconds < 3600:
        return f"{int(seconds // 60)}분 전"
    if seconds < 86400:
        return f"{int(seconds // 3600)}시간 전"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}일 전"
    if local.year == current.year:
        return f"{local.month}월 {local.day}일"
    return f"{local.year}년 {local.month}월 {local.day}일"


def full_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = as_kst(value)
    return f"{local.year}.{local.month:02d}.{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def day(value: datetime | None) -> str:
    if value is None:
        return ""
    local = as_kst(value)
    return f"{local.year}.{local.month:02d}.{local.day:02d}"


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
        return f"{day(start)} ~ {day(until)}"
    if start is not None:
        return f"{day(start)}부터"
    return f"{day(until)}까지"
