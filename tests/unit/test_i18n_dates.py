"""Dates and times per locale, in Korean time, with the zone named when the browser is elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from withus.i18n import dates
from withus.i18n.reader import Reader, reader, set_reader, use_reader
from withus.state.events import when_text
from withus.state.text import recruiting_window

KO = Reader("ko")
EN = Reader("en")
EN_ABROAD = Reader("en", "Europe/Berlin")
KO_ABROAD = Reader("ko", "America/New_York")
AT = datetime(2026, 5, 10, 6, 5, tzinfo=UTC)  # 15:05 in Korea, a Sunday


def test_full_time_is_korean_time_in_each_locale() -> None:
    assert dates.full_time(AT, KO) == "2026.05.10 15:05"
    assert dates.full_time(AT, EN) == "May 10, 2026, 15:05"
    assert dates.full_time(AT, Reader("en", "Asia/Seoul")) == "May 10, 2026, 15:05"


def test_a_time_names_korea_when_the_browser_is_elsewhere() -> None:
    assert dates.full_time(AT, EN_ABROAD) == "May 10, 2026, 15:05 KST"
    assert dates.full_time(AT, KO_ABROAD) == "2026.05.10 15:05 (한국 시간)"
    assert dates.day_label(AT, EN_ABROAD) == "Sunday, May 10, 2026 · times in KST"
    assert dates.day(AT, EN_ABROAD) == "May 10, 2026"  # a bare date needs no zone
    assert dates.ago(AT, now=datetime(2026, 5, 10, 7, 0, tzinfo=UTC), who=EN_ABROAD) == "55 minutes ago"


def test_relative_times_count_whole_units() -> None:
    now = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    cases = [
        (datetime(2026, 5, 10, 2, 59, 30, tzinfo=UTC), "방금 전", "just now"),
        (datetime(2026, 5, 10, 2, 1, tzinfo=UTC), "59분 전", "59 minutes ago"),
        (datetime(2026, 5, 10, 1, 0, tzinfo=UTC), "2시간 전", "2 hours ago"),
        (datetime(2026, 5, 9, 3, 0, tzinfo=UTC), "1일 전", "1 day ago"),
        (datetime(2026, 1, 2, 3, 0), "1월 2일", "Jan 2"),
        (datetime(2025, 1, 2, 3, 0, tzinfo=UTC), "2025년 1월 2일", "Jan 2, 2025"),
    ]
    for value, ko, en in cases:
        assert (dates.ago(value, now=now, who=KO), dates.ago(value, now=now, who=EN)) == (ko, en)


def test_chat_times_per_locale() -> None:
    now = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)
    assert dates.clock(AT, KO) == "오후 3:05" and dates.clock(AT, EN) == "3:05 PM"
    assert dates.list_time(datetime(2025, 3, 4, 6, 0, tzinfo=UTC), now=now, who=EN) == "Yesterday"
    assert dates.list_time(datetime(2024, 1, 2, 6, 0, tzinfo=UTC), now=now, who=KO) == "2024. 1. 2."
    assert dates.list_time(datetime(2024, 1, 2, 6, 0, tzinfo=UTC), now=now, who=EN) == "1/2/24"
    assert dates.day_label(AT, KO) == "2026년 5월 10일 일요일"


def test_the_running_events_reader_is_used_when_none_is_given() -> None:
    start, end = datetime(2026, 12, 5, 10, 0, tzinfo=UTC), datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert reader() == KO
    assert when_text(start, end) == "12월 5일 (토) 19:00–21:00"
    with use_reader("en", "Europe/Paris"):
        assert when_text(start, end) == "Sat, Dec 5, 19:00–21:00 KST"
        assert recruiting_window(start, None) == "From Dec 5, 2026"
        with use_reader("ko"):
            assert recruiting_window(None, end) == "2026.12.05까지"
    assert reader() == KO
    next_day = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    assert when_text(start, next_day) == "12월 5일 (토) 19:00 – 12월 6일 10:00"


def test_set_reader_normalizes_and_bounds_what_the_browser_sent() -> None:
    with use_reader("ko"):
        value = set_reader("EN-us", "x" * 500)
        assert value.locale == "en" and len(value.zone) == 64 and reader() == value
    assert reader() == KO


def test_a_refused_upload_answers_in_the_requests_language() -> None:
    import json

    from withus.middleware import upload_refused

    en, ko = json.loads(upload_refused("en-US,en;q=0.9")), json.loads(upload_refused(None))
    assert en["code"] == ko["code"] == "upload_not_allowed"
    assert en["detail"].startswith("Please log in") and ko["detail"].startswith("로그인이 필요합니다")
