"""The browser login's helpers: the cookie read from the event socket's handshake,
where a login may send the user next, and what a browser-side API call hands back."""

from __future__ import annotations

import pytest

from withus.state.auth import login_url, safe_next, session_fingerprint, session_token
from withus.state.outcome import ApiOutcome, retry_message
from withus.state.rules import email_error, nickname_error, password_length_error, tags_error, username_error


def test_session_token_is_read_from_a_cookie_header_among_others() -> None:
    header = "theme=dark; withus_csrf=abc; withus_session=eyJ.payload.sig; other=1"
    assert session_token(header) == "eyJ.payload.sig"


def test_session_token_survives_a_malformed_neighbour_cookie() -> None:
    assert session_token('bad="unterminated; withus_session=tok123') == "tok123"


@pytest.mark.parametrize("header", ["", "withus_csrf=abc", "withus_session_old=zzz", "xwithus_session=zzz"])
def test_session_token_is_empty_without_the_session_cookie(header: str) -> None:
    assert session_token(header) == ""


def test_fingerprint_differs_per_token_and_is_empty_without_one() -> None:
    assert session_fingerprint("") == ""
    a, b = session_fingerprint("token-a"), session_fingerprint("token-b")
    assert a and b and a != b
    assert "token-a" not in a


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/settings", "/settings"),
        ("/clubs/3?tab=board", "/clubs/3?tab=board"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/login?next=/x", "/"),
    ],
)
def test_safe_next_only_allows_paths_on_this_site(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_login_url_carries_the_page_to_come_back_to() -> None:
    assert login_url("/settings/") == "/login?next=/settings"
    assert login_url("/clubs/3/manage") == "/login?next=/clubs/3/manage"
    assert login_url("/login") == "/login"
    assert login_url("//evil.example") == "/login"


def test_api_outcome_reads_field_errors_by_their_last_segment() -> None:
    outcome = ApiOutcome.of(
        {
            "ok": False,
            "status": 422,
            "code": "validation_failed",
            "detail": "입력값을 확인해 주세요.",
            "errors": [{"field": "body.username", "message": "아이디 오류"}, {"field": "password", "message": "비번"}],
            "retry_after": 0,
        }
    )
    assert not outcome.ok
    assert outcome.field_errors() == {"username": "아이디 오류", "password": "비번"}


@pytest.mark.parametrize("garbage", [None, "x", 3, {"status": "abc", "retry_after": "soon"}])
def test_api_outcome_of_garbage_is_a_failure_not_an_exception(garbage: object) -> None:
    outcome = ApiOutcome.of(garbage)
    assert not outcome.ok
    assert outcome.status == 0


def test_retry_message_says_how_long_to_wait() -> None:
    assert (
        retry_message("로그인 시도가 너무 많습니다.", 30)
        == "로그인 시도가 너무 많습니다. 30초 후에 다시 시도해 주세요."
    )
    assert "약 5분" in retry_message("x", 300)
    assert retry_message("x", 0).endswith("잠시 후 다시 시도해 주세요.")


def test_inline_rules_are_the_services_rules() -> None:
    assert username_error("good_name") == ""
    assert "영문 소문자" in username_error("bad name!")
    assert username_error("admin") == "쓸 수 없는 아이디입니다."
    assert nickname_error("김철수") == ""
    assert "2~20자" in nickname_error("a")
    assert email_error("someone@example.com") == ""
    assert email_error("nope") == "올바른 이메일 주소를 입력해 주세요."
    assert password_length_error(7) == "비밀번호는 8자 이상이어야 합니다."
    assert password_length_error(8) == ""
    assert tags_error(["a", "b", "c", "d", "e", "f"]) != ""
