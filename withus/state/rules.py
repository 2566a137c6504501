"""The account field rules as inline messages, for checking while the user types.

The rules are the users service's own validators (the API uses the same ones);
this module only turns their ``ValidationFailed`` into the message shown under a
field, "" when the value is fine. The server stays the authority: its answers
are shown under the same fields.
"""

from __future__ import annotations

from collections.abc import Callable

from withus.errors import ValidationFailed
from withus.services import email_codes, passwords
from withus.services import users as user_service

INTRODUCTION_MAX = user_service.INTRODUCTION_MAX
TAGS_MAX = user_service.TAGS_MAX
TAG_MAX_LENGTH = user_service.TAG_MAX


def _message(check: Callable[[], object]) -> str:
    try:
        check()
    except ValidationFailed as exc:
        return exc.errors[0].message if exc.errors else exc.detail
    return ""


def email_error(value: str) -> str:
    return _message(lambda: email_codes.normalize_email(value))


def username_error(value: str) -> str:
    if not value:
        return "아이디를 입력해 주세요."
    return _message(lambda: user_service.normalize_username(value))


def nickname_error(value: str) -> str:
    if not value.strip():
        return "닉네임을 입력해 주세요."
    return _message(lambda: user_service.normalize_nickname(value))


def password_length_error(length: int) -> str:
    if length <= 0:
        return "비밀번호를 입력해 주세요."
    if length < passwords.MIN_LENGTH:
        return f"비밀번호는 {passwords.MIN_LENGTH}자 이상이어야 합니다."
    if length > passwords.MAX_LENGTH:
        return f"비밀번호는 {passwords.MAX_LENGTH}자 이하여야 합니다."
    return ""


def introduction_error(value: str) -> str:
    return _message(lambda: user_service.normalize_introduction(value))


def tags_error(tags: list[str]) -> str:
    return _message(lambda: user_service.normalize_tags(tags))


def normalize_tag(raw: str) -> str:
    """A tag as the server will store it ("" when it is not one)."""
    try:
        return user_service.normalize_tags([raw])[0]
    except ValidationFailed:
        return ""
