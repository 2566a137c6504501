"""Sign-up with email verification, against a real SMTP server started by the test."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import (
    PASSWORD,
    Inbox,
    free_port,
    login,
    mail_worker,
    point_smtp_at,
    request_code,
    settle_outbox,
    signup,
    smtp,
)
from tests.factories import make_user
from withus.kv import get_kv
from withus.services import email_codes, rate_limit
from withus.settings import get_settings

__all__ = ["smtp"]  # the fixture, imported for pytest


async def test_signup_with_the_code_from_the_mail(client: httpx.AsyncClient, smtp: Inbox) -> None:
    r = await request_code(client, "Minsu@Example.com")
    assert r.status_code == 202
    assert r.json() == {"expires_in": 600}
    await smtp.settle()
    mail = smtp.to("minsu@example.com")[-1]
    assert "인증 코드" in mail["Subject"]
    assert mail.get_body(preferencelist=("html",)) is not None
    code = await smtp.code_for("minsu@example.com")

    r = await client.post(
        "/api/auth/signup",
        json={
            "email": "minsu@example.com",
            "code": code,
            "username": "MinSu_01",
            "nickname": "민수",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"id", "username", "nickname", "email", "introduction", "tags", "avatar_url", "created_at"}
    assert body["username"] == "minsu_01"  # case-insensitive: stored lower-cased
    assert body["nickname"] == "민수"
    assert body["email"] == "minsu@example.com"
    assert body["avatar_url"] == "/default-avatar.svg"
    assert re.search(r"[+-]\d\d:\d\d$|Z$", body["created_at"])

    r = await login(client, "MINSU_01")
    assert r.status_code == 200
    assert (await login(client, "minsu@example.com")).status_code == 200


async def test_taken_address_gets_a_notice_instead_of_a_code_and_the_same_answer(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    await make_user(session, email="taken@example.com")
    fresh = await request_code(client, "fresh@example.com")
    taken = await request_code(client, "taken@example.com")
    assert taken.status_code == fresh.status_code == 202
    assert taken.json() == fresh.json()
    text = await smtp.last_text("taken@example.com")
    assert "이미" in text
    assert not re.search(r"\b\d{6}\b", text)
    # and no code exists for it
    r = await client.post(
        "/api/auth/signup",
        json={
            "email": "taken@example.com",
            "code": "123456",
            "username": "someone",
            "nickname": "누군가",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "code_expired"


async def test_five_wrong_codes_burn_the_code(client: httpx.AsyncClient, smtp: Inbox) -> None:
    await request_code(client, "guess@example.com")
    code = await smtp.code_for("guess@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = {
        "email": "guess@example.com",
        "code": wrong,
        "username": "guesser",
        "nickname": "추측",
        "password": PASSWORD,
    }
    for _ in range(5):
        r = await client.post("/api/auth/signup", json=body)
        assert r.status_code == 400 and r.json()["code"] == "invalid_code"
    r = await client.post("/api/auth/signup", json={**body, "code": code})
    assert r.status_code == 400 and r.json()["code"] == "code_expired"


async def test_a_code_is_single_use(client: httpx.AsyncClient, smtp: Inbox) -> None:
    r = await signup(client, smtp, username="first", address="once@example.com")
    assert r.status_code == 201
    code = await smtp.code_for("once@example.com")
    r = await client.post(
        "/api/auth/signup",
        json={
            "email": "once@example.com",
            "code": code,
            "username": "second",
            "nickname": "둘째",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "code_expired"


async def test_an_expired_code_is_refused(client: httpx.AsyncClient, smtp: Inbox) -> None:
    await request_code(client, "late@example.com")
    code = await smtp.code_for("late@example.com")
    # Ten minutes are long for a test: shorten what is left of the code's life.
    assert await get_kv().expire(email_codes._code_key("late@example.com"), 0.05)
    await asyncio.sleep(0.2)
    r = await client.post(
        "/api/auth/signup",
        json={
            "email": "late@example.com",
            "code": code,
            "username": "lately",
            "nickname": "늦음",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "code_expired"


async def test_resend_within_60_seconds_is_429_with_retry_after(client: httpx.AsyncClient, smtp: Inbox) -> None:
    assert (await request_code(client, "again@example.com")).status_code == 202
    r = await request_code(client, "AGAIN@example.com")
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(r.headers["retry-after"]) <= 60
    await smtp.settle()
    assert len(smtp.to("again@example.com")) == 1


async def test_hourly_cap_per_address(client: httpx.AsyncClient, smtp: Inbox) -> None:
    for _ in range(email_codes.HOURLY_PER_ADDRESS):
        assert (await request_code(client, "many@example.com")).status_code == 202
        await rate_limit.clear_cooldown("ecode-cool", "many@example.com")
    r = await request_code(client, "many@example.com")
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 60


async def test_hourly_cap_per_client_ip(client: httpx.AsyncClient, stack: object) -> None:
    for i in range(email_codes.HOURLY_PER_IP):
        assert (await request_code(client, f"ip{i}@example.com")).status_code == 202
    r = await request_code(client, "one-more@example.com")
    assert r.status_code == 429 and "retry-after" in r.headers


async def test_without_smtp_the_mail_goes_to_the_outbox(client: httpx.AsyncClient, stack: object) -> None:
    async with mail_worker():
        assert (await request_code(client, "outbox@example.com")).status_code == 202
        await settle_outbox()
    files = sorted(get_settings().outbox_dir.glob("*outbox-example-com.eml"))
    assert files
    assert "인증 코드".encode() in files[-1].read_bytes() or b"Content-Transfer-Encoding" in files[-1].read_bytes()


async def test_smtp_down_is_still_202_and_the_code_arrives_once_it_is_back(
    client: httpx.AsyncClient, stack: object
) -> None:
    inbox = Inbox()
    port = free_port()
    point_smtp_at(port)  # nothing listens there yet
    try:
        async with mail_worker():
            r = await request_code(client, "down@example.com")
            assert r.status_code == 202
            await asyncio.sleep(0.5)  # the worker tries and fails meanwhile
            assert inbox.messages == []
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            try:
                await inbox.settle()
            finally:
                controller.stop()
    finally:
        point_smtp_at(None)
    assert len(inbox.to("down@example.com")) == 1
    assert re.search(r"\b\d{6}\b", str(inbox.to("down@example.com")[0]["Subject"]))


async def test_every_invalid_field_is_named(client: httpx.AsyncClient, smtp: Inbox) -> None:
    await request_code(client, "fields@example.com")
    code = await smtp.code_for("fields@example.com")
    r = await client.post(
        "/api/auth/signup",
        json={"email": "not-an-email", "code": code, "username": "ab", "nickname": "x", "password": "short"},
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"email", "username", "nickname", "password"}
    assert all(e["message"] for e in r.json()["errors"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "has space"),
        ("username", "한글아이디"),
        ("username", "a" * 21),
        ("username", "admin"),
        ("nickname", "a" * 21),
        ("nickname", "<script>"),
        ("nickname", "탈퇴한 회원"),
        ("password", "qwer1234"),
        ("password", "x" * 129),
        ("code", "12345"),
        ("code", "abcdef"),
        ("email", "a@b"),
    ],
)
async def test_invalid_signup_field_is_422(client: httpx.AsyncClient, stack: object, field: str, value: str) -> None:
    body = {
        "email": "v@example.com",
        "code": "123456",
        "username": "valid_name",
        "nickname": "좋은닉",
        "password": PASSWORD,
    }
    body[field] = value
    r = await client.post("/api/auth/signup", json=body)
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == [field]


async def test_a_failed_validation_does_not_spend_the_code(client: httpx.AsyncClient, smtp: Inbox) -> None:
    await request_code(client, "keep@example.com")
    code = await smtp.code_for("keep@example.com")
    body = {
        "email": "keep@example.com",
        "code": code,
        "username": "keeper",
        "nickname": "지킴이",
        "password": "1q2w3e4r",
    }
    assert (await client.post("/api/auth/signup", json=body)).status_code == 422
    body["password"] = PASSWORD
    assert (await client.post("/api/auth/signup", json=body)).status_code == 201


async def test_taken_username_and_nickname_are_409_and_keep_the_code(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    await make_user(session, username="taken_name", nickname="있는닉")
    await request_code(client, "new@example.com")
    code = await smtp.code_for("new@example.com")
    body = {
        "email": "new@example.com",
        "code": code,
        "username": "TAKEN_NAME",
        "nickname": "새닉",
        "password": PASSWORD,
    }
    r = await client.post("/api/auth/signup", json=body)
    assert r.status_code == 409 and r.json()["code"] == "username_taken"
    assert r.json()["errors"][0]["field"] == "username"
    r = await client.post("/api/auth/signup", json={**body, "username": "free_name", "nickname": "있는닉"})
    assert r.status_code == 409 and r.json()["code"] == "nickname_taken"
    r = await client.post("/api/auth/signup", json={**body, "username": "free_name", "nickname": "새닉"})
    assert r.status_code == 201


async def test_two_signups_racing_for_one_username_give_one_account(client: httpx.AsyncClient, smtp: Inbox) -> None:
    bodies = []
    for i in (1, 2):
        await request_code(client, f"race{i}@example.com")
        bodies.append(
            {
                "email": f"race{i}@example.com",
                "code": await smtp.code_for(f"race{i}@example.com"),
                "username": "racer",
                "nickname": f"경주{i}",
                "password": PASSWORD,
            }
        )
    results = await asyncio.gather(*(client.post("/api/auth/signup", json=b) for b in bodies))
    assert sorted(r.status_code for r in results) == [201, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["code"] == "username_taken"


async def test_parallel_guesses_get_no_more_than_five_tries(client: httpx.AsyncClient, smtp: Inbox) -> None:
    await request_code(client, "burst@example.com")
    code = await smtp.code_for("burst@example.com")
    guesses = [f"{(int(code) + i) % 1_000_000:06d}" for i in range(1, 21)]
    body = {"email": "burst@example.com", "username": "burster", "nickname": "연속", "password": PASSWORD}
    results = await asyncio.gather(*(client.post("/api/auth/signup", json={**body, "code": g}) for g in guesses))
    assert sum(r.json()["code"] == "invalid_code" for r in results) <= 5
    r = await client.post("/api/auth/signup", json={**body, "code": code})
    assert r.status_code == 400 and r.json()["code"] == "code_expired"
