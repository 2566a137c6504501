"""What the board accepts as text: plain, trimmed, line breaks as LF, limits counted in characters."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from withus.models.comment import CommentCreate
from withus.models.post import PostCreate, PostUpdate
from withus.models.report import ReportCreate
from withus.services.board_access import excerpt


def test_title_is_one_trimmed_line_and_body_keeps_its_line_breaks() -> None:
    post = PostCreate(title="  주말\r\n번개  ", body="첫 줄\r\n둘째 줄\r셋째 줄\n")
    assert post.title == "주말 번개"
    assert post.body == "첫 줄\n둘째 줄\n셋째 줄"
    assert post.kind == "board"


@pytest.mark.parametrize(
    ("title", "body"),
    [("", "본문"), ("\n\t ", "본문"), ("가" * 101, "본문"), ("제목", ""), ("제목", "가" * 5001), ("제\x00목", "본문")],
)
def test_bad_post_text_is_refused_with_a_korean_message(title: str, body: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PostCreate(title=title, body=body)
    message = str(caught.value.errors()[0]["ctx"]["error"])
    assert any("가" <= ch <= "힣" for ch in message)


def test_limits_count_characters_not_bytes() -> None:
    assert len(PostCreate(title="가" * 100, body="힣" * 5000).body) == 5000
    assert len(CommentCreate(body="댓" * 1000).body) == 1000
    assert len(ReportCreate(target_type="user", target_id=1, reason="사" * 500).reason) == 500
    with pytest.raises(ValidationError):
        CommentCreate(body="댓" * 1001)
    with pytest.raises(ValidationError):
        ReportCreate(target_type="user", target_id=1, reason="사" * 501)


def test_update_may_leave_fields_out_but_not_null_them() -> None:
    assert PostUpdate(body="새 본문").model_dump(exclude_unset=True) == {"body": "새 본문"}
    with pytest.raises(ValidationError):
        PostUpdate(title=None)


def test_report_target_ids_are_positive() -> None:
    with pytest.raises(ValidationError):
        ReportCreate(target_type="post", target_id=0, reason="사유")


def test_excerpt_flattens_and_shortens() -> None:
    assert excerpt("짧은\n글") == "짧은 글"
    long = excerpt("가" * 100, 10)
    assert len(long) == 10 and long.endswith("…")
