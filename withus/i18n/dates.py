"""Dates and times for people, per locale (babel), always in Korean time.

withUs is a Korean site: every time is shown in Korea's zone. When the reader's browser is
in another zone (:attr:`Reader.zone_differs`), a time of day names its zone ("19:00 KST",
"19:00 (한국 시간)"), so nobody reads it as their own clock. Relative times ("5분 전") and bare
dates need no zone. Every function takes the reader explicitly or uses the running event's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta

from withus.i18n.catalog import t
from withus.i18n.reader import Reader, reader

KST = ZoneInfo("Asia/Seoul")

# babel (CLDR) patterns by locale; Korean keeps the site's dotted dates.
PATTERNS: dict[str, dict[str, str]] = {
    "ko": {
        "date": "yyyy.MM.dd",
        "date_time": "yyyy.MM.dd HH:mm",
        "month_day": "M월 d일",
        "year_month_day": "y년 M월 d일",
        "short_date": "y. M. d.",
        "clock": "aaaa h:mm",
        "weekday_date": "y년 M월 d일 EEEE",
        "event_start": "M월 d일 (E) HH:mm",
        "month_day_time": "M월 d일 HH:mm",
        "hour_minute": "HH:mm",
        "year_month": "y년 M월",
    },
    "en": {
        "date": "MMM d, y",
        "date_time": "MMM d, y, HH:mm",
        "month_day": "MMM d",
        "year_month_day": "MMM d, y",
        "short_date": "M/d/yy",
        "clock": "h:mm a",
        "weekday_date": "EEEE, MMMM d, y",
        "event_start": "EEE, MMM d, HH:mm",
        "month_day_time": "MMM d, HH:mm",
        "hour_minute": "HH:mm",
        "year_month": "MMMM y",
    },
}


def as_kst(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(KST)


def fmt(value: datetime, kind: str, who: Reader | None = None) -> str:
    """``value`` in Korean time with the locale's pattern ``kind`` (a key of :data:`PATTERNS`)."""
    who = who or reader()
    return format_datetime(as_kst(value), PATTERNS[who.locale][kind], locale=who.locale)


def zoned(text: str, who: Reader | None = None) -> str:
    """``text`` (holding a time of day) with Korea's zone named when the reader's browser is elsewhere."""
    who = who or reader()
    return t("time.in_korea", who.locale, time=text) if who.zone_differs else text


def ago(value: datetime | None, *, now: datetime | None = None, who: Reader | None = None) -> str:
    """ "방금 전" / "just now", "5분 전" / "5 minutes ago", … up to six days, then the date."""
    if value is None:
        return ""
    who = who or reader()
    local = as_kst(value)
    current = as_kst(now or datetime.now(UTC))
    seconds = (current - local).total_seconds()
    if seconds < 60:
        return t("time.just_now", who.locale)
    if seconds < 7 * 86400:
        unit = 60 if seconds < 3600 else 3600 if seconds < 86400 else 86400
        whole = timedelta(seconds=-(seconds // unit) * unit)
        return format_timedelta(whole, threshold=1, add_direction=True, locale=who.locale)
    return fmt(local, "month_day" if local.year == current.year else "year_month_day", who)


def full_time(value: datetime | None, who: Reader | None = None) -> str:
    """Date and time of day (``2026.05.10 15:05`` / ``May 10, 2026, 15:05``), zone named if needed."""
    if value is None:
        return ""
    return zoned(fmt(value, "date_time", who), who)


def day(value: datetime | None, who: Reader | None = None) -> str:
    return fmt(value, "date", who) if value is not None else ""


def clock(value: datetime, who: Reader | None = None) -> str:
    """ "오후 3:05" / "3:05 PM" (a chat bubble's time; the day separator names the zone)."""
    return fmt(value, "clock", who)


def list_time(value: datetime | None, *, now: datetime | None = None, who: Reader | None = None) -> str:
    """A room list's time: today its clock, then yesterday, a date this year, an older date."""
    if value is None:
        return ""
    who = who or reader()
    local = as_kst(value)
    today = as_kst(now or datetime.now(UTC)).date()
    if local.date() == today:
        return clock(local, who)
    if local.date() == today - timedelta(days=1):
        return t("time.yesterday", who.locale)
    return fmt(local, "month_day" if local.year == today.year else "short_date", who)


def day_label(value: datetime, who: Reader | None = None) -> str:
    """A chat day separator: ``2026년 5월 10일 일요일`` / ``Sunday, May 10, 2026`` (+ the zone if needed)."""
    who = who or reader()
    text = fmt(value, "weekday_date", who)
    return t("time.day_in_korea", who.locale, day=text) if who.zone_differs else text


def span(start: datetime, end: datetime, who: Reader | None = None) -> str:
    """An event's time: ``12월 5일 (토) 19:00–21:00`` (another day's end gets its date)."""
    who = who or reader()
    head = fmt(start, "event_start", who)
    if as_kst(end).date() == as_kst(start).date():
        text = f"{head}–{fmt(end, 'hour_minute', who)}"
    else:
        text = f"{head} – {fmt(end, 'month_day_time', who)}"
    return zoned(text, who)


def month_day_time(value: datetime, who: Reader | None = None) -> str:
    return zoned(fmt(value, "month_day_time", who), who)


def year_month(value: datetime, who: Reader | None = None) -> str:
    return fmt(value, "year_month", who)
