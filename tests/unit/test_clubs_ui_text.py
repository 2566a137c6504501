"""Formatting helpers of the clubs and board pages: link segments, dates, user references."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from withus.models.club import ClubCreate
from withus.state.club_manage import parse_user_ref
from withus.state.common import validation_messages
from withus.state.text import Segment, ago, date_input_value, parse_day, recruiting_window, segments


def test_segments_turn_http_urls_into_links_and_keep_everything_else_as_text() -> None:
    body = "모임 장소: https://map.example/x?y=1.\n<b>굵게</b> javascript:alert(1) 끝"
    assert segments(body) == [
        Segment(text="모임 장소: "),
        Segment(text="https://map.example/x?y=1", href="https://map.example/x?y=1"),
        Segment(text=".\n<b>굵게</b> javascript:alert(1) 끝"),
    ]


def test_segments_leave_a_bare_scheme_and_a_text_without_links_alone() -> None:
    assert segments("http:// 만 있어요") == [Segment(text="http:// 만 있어요")]
    assert segments("") == []
    assert segments("(http://x.example/(b))") == [
        Segment(text="("),
        Segment(text="http://x.example/(b)", href="http://x.example/(b)"),
        Segment(text=")"),
    ]


def test_a_recruiting_day_is_a_whole_day_in_korea() -> None:
    start = parse_day("2026-03-01")
    until = parse_day("2026-03-31", end_of_day=True)
    assert start == datetime(2026, 2, 28, 15, 0, tzinfo=UTC)
    assert until == datetime(2026, 3, 31, 14, 59, 59, tzinfo=UTC)
    assert date_input_value(start) == "2026-03-01"
    assert date_input_value(until) == "2026-03-31"
    assert recruiting_window(start, until) == "2026.03.01 ~ 2026.03.31"
    assert parse_day("") is None
    with pytest.raises(ValueError):
        parse_day("2026-02-30")


def test_ago_counts_minutes_hours_and_days_then_shows_the_date() -> None:
    now = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    assert ago(datetime(2026, 5, 10, 2, 59, 30, tzinfo=UTC), now=now) == "방금 전"
    assert ago(datetime(2026, 5, 10, 2, 55, tzinfo=UTC), now=now) == "5분 전"
    assert ago(datetime(2026, 5, 9, 3, 0, tzinfo=UTC), now=now) == "1일 전"
    assert ago(datetime(2026, 1, 2, 3, 0), now=now) == "1월 2일"  # naive = UTC (SQLite)
    assert ago(datetime(2025, 1, 2, 3, 0, tzinfo=UTC), now=now) == "2025년 1월 2일"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" #7 ", 7), ("http://localhost:3000/users/42", 42), ("/users/5/", 5), ("닉네임", None), ("", None)],
)
def test_an_invitee_is_named_by_number_or_profile_address(text: str, expected: int | None) -> None:
    assert parse_user_ref(text) == expected


def test_validation_messages_are_the_korean_messages_by_field() -> None:
    with pytest.raises(ValidationError) as info:
        ClubCreate(name="가", category="NOPE", capacity=1)  # type: ignore[arg-type]
    messages = validation_messages(info.value)
    assert messages["name"] == "모임 이름은 2~50자로 입력해 주세요."
    assert messages["category"] == "목록에서 골라 주세요."
    assert messages["capacity"].startswith("정원은")
