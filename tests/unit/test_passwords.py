"""Password rules and hashing: every character counts, common ones are refused."""

from __future__ import annotations

import pytest

from withus.errors import ValidationFailed
from withus.services import passwords


@pytest.mark.parametrize(
    "common", ["password", "12345678", "qwer1234", "1q2w3e4r", "QWER1234", "sarang1234", "1qaz2wsx"]
)
def test_common_passwords_are_refused(common: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        passwords.check_password(common)
    assert info.value.errors[0].field == "password"


@pytest.mark.parametrize("pw", ["hzqmvkw!", "k" * 120 + "hzqmvkw!"])
def test_8_and_128_characters_are_accepted(pw: str) -> None:
    passwords.check_password(pw)


@pytest.mark.parametrize("pw", ["hzqmvk!", "k" * 129, ""])
def test_shorter_than_8_or_longer_than_128_is_refused(pw: str) -> None:
    with pytest.raises(ValidationFailed):
        passwords.check_password(pw)


def test_korean_password_counts_characters_not_bytes() -> None:
    passwords.check_password("가나다라마바사아")  # 8 characters, 24 bytes


def test_password_equal_to_username_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        passwords.check_password("Minsu_2024", username="minsu_2024")


def test_field_name_is_reported() -> None:
    with pytest.raises(ValidationFailed) as info:
        passwords.check_password("short", field="new_password")
    assert info.value.errors[0].field == "new_password"


def test_the_shipped_list_is_large() -> None:
    assert len(passwords.common_passwords()) > 2000


async def test_hash_verifies_and_rejects_other_passwords() -> None:
    stored = passwords.hash_password_sync("correct-horse-42", rounds=4)
    assert stored.startswith("bcrypt-sha256$")
    assert await passwords.verify_password("correct-horse-42", stored)
    assert not await passwords.verify_password("correct-horse-43", stored)


async def test_characters_beyond_72_bytes_are_significant() -> None:
    base = "가" * 30  # 90 bytes in UTF-8: bcrypt alone would ignore everything after byte 72
    stored = passwords.hash_password_sync(base + "A", rounds=4)
    assert await passwords.verify_password(base + "A", stored)
    assert not await passwords.verify_password(base + "B", stored)
    ascii_base = "x" * 100
    stored = passwords.hash_password_sync(ascii_base + "1", rounds=4)
    assert not await passwords.verify_password(ascii_base + "2", stored)


async def test_unusable_hash_never_verifies() -> None:
    assert not await passwords.verify_password("anything-at-all", passwords.UNUSABLE_HASH)
    assert not await passwords.verify_password("", "")


async def test_hash_password_runs_off_the_event_loop() -> None:
    stored = await passwords.hash_password("a-long-and-unusual-password")
    assert passwords.verify_password_sync("a-long-and-unusual-password", stored)


async def test_dummy_verify_costs_a_real_cost_12_check() -> None:
    assert passwords.DUMMY_HASH.startswith(passwords.SCHEME + "$2b$12$")
    assert not await passwords.verify_password("whatever-password", passwords.DUMMY_HASH)
    await passwords.dummy_verify("whatever-password")
