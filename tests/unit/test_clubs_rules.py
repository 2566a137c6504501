"""Club rules that need no database: recruiting, cursors, input validation, roles, images."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from pydantic import ValidationError

from withus.errors import InvalidInput, TooLarge
from withus.models.club import CATEGORIES, Club, ClubCreate, ClubUpdate
from withus.services import club_listing, clubs, images, pagination

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _club(**kw: object) -> Club:
    return Club(id=1, name="모임", category="ETC", host_id=1, member_count=kw.pop("member_count", 1), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, True),
        ({"capacity": 2, "member_count": 1}, True),
        ({"capacity": 2, "member_count": 2}, False),
        ({"recruit_from": NOW + timedelta(seconds=1)}, False),
        ({"recruit_from": NOW}, True),
        ({"recruit_until": NOW}, False),
        ({"recruit_until": NOW + timedelta(seconds=1)}, True),
        ({"recruit_from": (NOW - timedelta(days=1)).replace(tzinfo=None)}, True),  # naive from SQLite = UTC
        ({"closed_at": NOW}, False),
    ],
)
def test_recruiting_is_window_and_capacity(kw: dict[str, object], expected: bool) -> None:
    assert club_listing.is_recruiting(_club(**kw), now=NOW) is expected


def test_staff_roles() -> None:
    assert clubs.is_staff("host") and clubs.is_staff("moderator")
    assert not clubs.is_staff("member") and not clubs.is_staff(None)


def test_cursor_round_trip_and_tamper() -> None:
    c = pagination.encode_cursor(NOW, 42)
    assert pagination.decode_cursor(c, datetime, int) == [NOW, 42]
    encode = pagination.encode_cursor
    for bad in ("", "!!!", encode("x", 1), encode(NOW), encode(NOW, True)):
        with pytest.raises(InvalidInput):
            pagination.decode_cursor(bad, datetime, int)


def test_page_size_stays_within_bounds() -> None:
    assert pagination.clamp_limit(None) == pagination.DEFAULT_LIMIT
    assert pagination.clamp_limit(None, default=50) == 50
    assert [pagination.clamp_limit(n) for n in (-5, 0, 1, 37, 100, 101, 10_000)] == [1, 1, 1, 37, 100, 100, 100]


def test_categories_are_the_eight_of_the_spec() -> None:
    assert [(c, ko) for c, ko, _ in CATEGORIES] == [
        ("SPORTS", "운동"), ("DAILY", "일상"), ("GAME", "게임"), ("FOOD", "음식"),
        ("STUDY", "스터디"), ("CULTURE", "문화·예술"), ("TRAVEL", "여행"), ("ETC", "기타"),
    ]  # fmt: skip


def test_club_create_trims_and_defaults() -> None:
    data = ClubCreate(name="  풋살  ", category="SPORTS", location="  ")  # type: ignore[arg-type]
    assert data.name == "풋살" and data.location is None
    assert data.join_policy == "open" and data.visibility == "public"
    naive = ClubCreate(name="풋살", category="SPORTS", recruit_from=datetime(2030, 1, 1))  # type: ignore[arg-type]
    assert naive.recruit_from == datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", ["가", "가" * 51, "  a "])
def test_club_name_length_is_checked_in_korean(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ClubCreate(name=name, category="SPORTS")  # type: ignore[arg-type]
    assert "모임 이름은 2~50자" in str(exc.value)
    ClubCreate(name="가" * 50, category="SPORTS")  # type: ignore[arg-type]
    ClubCreate(name="가나", category="SPORTS")  # type: ignore[arg-type]


@pytest.mark.parametrize(("capacity", "ok"), [(1, False), (2, True), (1000, True), (1001, False), (None, True)])
def test_capacity_bounds(capacity: int | None, ok: bool) -> None:
    if ok:
        ClubCreate(name="모임", category="ETC", capacity=capacity)  # type: ignore[arg-type]
    else:
        with pytest.raises(ValidationError):
            ClubCreate(name="모임", category="ETC", capacity=capacity)  # type: ignore[arg-type]


def test_update_keeps_what_was_not_sent() -> None:
    assert ClubUpdate.model_validate({"capacity": None}).model_dump(exclude_unset=True) == {"capacity": None}
    assert ClubUpdate.model_validate({}).model_dump(exclude_unset=True) == {}
    with pytest.raises(ValidationError):
        ClubUpdate.model_validate({"visibility": None})


def _image(fmt: str, size: tuple[int, int] = (3000, 1000), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128 if mode == "L" else (10, 20, 30)).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_images_are_reencoded_to_webp_and_resized(fmt: str) -> None:
    out = images._reencode(_image(fmt), 1600, False)
    img = Image.open(io.BytesIO(out))
    assert img.format == "WEBP" and max(img.size) == 1600


def test_images_other_than_png_jpeg_webp_are_refused() -> None:
    for content in (_image("GIF", (10, 10), "L"), _image("BMP", (10, 10)), b"GIF89a not really", b""):
        with pytest.raises(InvalidInput):
            images._reencode(content, 100, False)
    with pytest.raises(TooLarge):
        images._reencode(b"0" * (images.MAX_BYTES + 1), 100, False)


def test_who_may_remove_and_change_roles() -> None:
    from withus.services import member_roles

    removable = {
        (actor, target)
        for actor in ("host", "moderator", "member")
        for target in ("host", "moderator", "member")
        if member_roles.may_remove(actor_role=actor, target_role=target, is_self=False)
    }
    assert removable == {("host", "moderator"), ("host", "member"), ("moderator", "member")}
    assert not member_roles.may_remove(actor_role="host", target_role="member", is_self=True)
    assert member_roles.may_change_role(actor_role="host", target_role="moderator")
    assert not member_roles.may_change_role(actor_role="host", target_role="host")
    assert not member_roles.may_change_role(actor_role="moderator", target_role="member")
