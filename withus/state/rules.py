"""The account field rules as inline messages, for checking while the user types.

The rules are the users service's own validators (the API uses the same ones);
this module only turns their ``ValidationFailed`` into the message shown under a
field, "" when the value is fine. The server stays the authority: its answers
are shown under the same fields.
"""

from __future__ import annotations

from collections.abc import Callable

from withus.errors import ValidationFailed
from withus.i18n import localize
from withus.i18n.reader import here, reader
from withus.services import email_codes, passwords
from withus.services import users as user_service

INTRODUCTION_MAX = user_service.INTRODUCTION_MAX
TAGS_MAX = user_service.TAGS_MAX
TAG_MAX_LENGTH = user_service.TAG_MAX


def _message(check: Callable[[], object]) -> str:
    try:
        check()
    except ValidationFailed as exc:
        return str(localize(exc.errors[0].message if exc.errors else exc.detail, reader().locale))
    return ""


def email_error(value: str) -> str:
    return _message(lambda: email_codes.normalize_email(value))


def username_error(value: str) -> str:
    if not value:
        return here("validation.username_required")
    return _message(lambda: user_service.normalize_username(value))


def nickname_error(value: str) -> str:
    if not value.strip():
        return here("validation.nickname_required")
    return _message(lambda: user_service.normalize_nickname(value))


def password_length_error(length: int) -> str:
    if length <= 0:
        return here("validation.password_required")
    if length < passwords.MIN_LENGTH:
        return here("validation.password_short", min=passwords.MIN_LENGTH)
    if length > passwords.MAX_LENGTH:
        return here("validation.password_long", max=passwords.MAX_LENGTH)
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
