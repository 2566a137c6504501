"""Korean particles chosen from the word's last sound, never "을(를)" when it can be read."""

from __future__ import annotations

import pytest

from withus.i18n import t, with_particle
from withus.i18n.catalog import _Formatter


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        # a final consonant, none, and ㄹ (which takes 로, not 으로)
        ("제목", "을/를", "제목을"),
        ("사유", "을/를", "사유를"),
        ("인증번호", "이/가", "인증번호가"),
        ("비밀번호", "은/는", "비밀번호는"),
        ("모임", "은", "모임은"),
        ("모임", "과/와", "모임과"),
        ("친구", "과", "친구와"),
        ("집", "으로/로", "집으로"),
        ("학교", "으로", "학교로"),
        ("서울", "으로", "서울로"),
        ("서울", "을", "서울을"),
        ("길", "이", "길이"),
        # digits are read in Korean: 1 일 (ㄹ), 2 이, 3 삼, 6 육, 7 칠, 8 팔, 10 십, 100 백
        ("1", "을", "1을"),
        ("1", "로", "1로"),
        ("2", "를", "2를"),
        ("3", "으로", "3으로"),
        ("5", "이", "5가"),
        ("6", "은", "6은"),
        ("7", "로", "7로"),
        ("9", "는", "9는"),
        ("10", "가", "10이"),
        ("20", "로", "20으로"),
        ("100", "는", "100은"),
        ("0", "가", "0이"),
        # Latin letters: capitals by their names (SQL 에스큐엘, API 에이피아이), words by their ending
        ("SQL", "을", "SQL을"),
        ("SQL", "로", "SQL로"),
        ("API", "을", "API를"),
        ("HTML", "이", "HTML이"),
        ("PDF", "가", "PDF가"),
        ("LoL", "을", "LoL을"),
        ("Python", "을", "Python을"),
        ("Java", "을", "Java를"),
        ("club", "이", "club이"),
        ("book", "은", "book은"),
        ("withUs", "는", "withUs는"),
        # trailing punctuation is skipped; nothing readable keeps both forms
        ("제목)", "을", "제목)을"),
        ("‘사유’", "을", "‘사유’를"),
        ("", "을", "을(를)"),
        ("😀", "이", "😀이(가)"),
        ("漢", "으로", "漢(으)로"),
    ],
)
def test_particle_follows_the_word(word: str, pair: str, expected: str) -> None:
    assert with_particle(word, pair) == expected


def test_templates_choose_particles_from_their_parameters() -> None:
    fmt = _Formatter("ko")
    assert fmt.format("{field:을} 입력해 주세요.", field="제목") == "제목을 입력해 주세요."
    assert fmt.format("{field:을} 입력해 주세요.", field="신고 사유") == "신고 사유를 입력해 주세요."
    assert fmt.format("{n:,}자 이하", n=10000) == "10,000자 이하"
    assert t("error.not_found", "ko") == "찾을 수 없습니다."
