"""Forgot password and email change, with the mail received by a real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, bearer, login, smtp
from tests.factories import DEFAULT_PASSWORD, login_pair, make_user
from withus.db import session_scope
from withus.models.account_tokens import PasswordResetToken
from withus.models.base import utcnow
from withus.services import rate_limit

__all__ = ["smtp"]

NEW_PASSWORD = "brand-new-horse-77"


async def _reset_token(inbox: Inbox, address: str) -> str:
    text = await inbox.last_text(address)
    match = re.search(r"/reset-password\?token=([A-Za-z0-9_\-]+)", text)
    assert match, text
    return match.group(1)


async def test_unknown_and_known_addresses_get_the_same_answer_and_only_the_known_one_a_mail(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    await make_user(session, username="known", email="known@example.com")
    unknown = await client.post("/api/auth/password-resets", json={"email": "nobody@example.com"})
    known = await client.post("/api/auth/password-resets", json={"email": "Known@Example.com"})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json() == {"expires_in": 1800}
    await smtp.settle()
    assert smtp.to("nobody@example.com") == []
    assert len(smtp.to("known@example.com")) == 1
    token = await _reset_token(smtp, "known@example.com")
    assert len(token) >= 43  # 256 bits in base64url
    async with session_scope() as s:
        stored = await s.get(PasswordResetToken, token)
        assert stored is None  # only the hash is stored


async def test_reset_sets_the_password_ends_every_session_and_mails_that_it_changed(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    user = await make_user(session, username="forgot", email="forgot@example.com")
    pair = await login_pair(user)
    assert (await client.get("/api/users/me", headers=bearer(pair.access_token))).status_code == 200
    assert (await client.post("/api/auth/password-resets", json={"email": "forgot@example.com"})).status_code == 202
    token = await _reset_token(smtp, "forgot@example.com")

    r = await client.post("/api/auth/password-resets/confirm", json={"token": token, "new_password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    me = await client.get("/api/users/me", headers=bearer(pair.access_token))
    assert me.status_code == 401 and me.json()["code"] == "token_revoked"
    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert refreshed.status_code == 401
    assert (await login(client, "forgot", DEFAULT_PASSWORD)).status_code == 401
    assert (await login(client, "forgot", NEW_PASSWORD)).status_code == 200
    await smtp.settle()
    assert "비밀번호가 변경되었습니다" in str(smtp.to("forgot@example.com")[-1]["Subject"])

    again = await client.post(
        "/api/auth/password-resets/confirm", json={"token": token, "new_password": "x" + NEW_PASSWORD}
    )
    assert again.status_code == 400 and again.json()["code"] == "invalid_token"


async def test_bad_tokens_are_400_with_their_codes_and_change_nothing(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    await make_user(session, username="careful", email="careful@example.com")
    await client.post("/api/auth/password-resets", json={"email": "careful@example.com"})
    token = await _reset_token(smtp, "careful@example.com")
    confirm = "/api/auth/password-resets/confirm"

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "", "not-a-token", "x" * 199):
        r = await client.post(confirm, json={"token": bad, "new_password": NEW_PASSWORD})
        assert r.status_code == 400 and r.json()["code"] == "invalid_token", (bad, r.text)

    weak = await client.post(confirm, json={"token": token, "new_password": "password"})
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    assert [e["field"] for e in weak.json()["errors"]] == ["new_password"]

    async with session_scope() as s:
        await s.exec(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    expired = await client.post(confirm, json={"token": token, "new_password": NEW_PASSWORD})
    assert expired.status_code == 400 and expired.json()["code"] == "token_expired"
    assert (await login(client, "careful", DEFAULT_PASSWORD)).status_code == 200  # nothing changed


async def test_a_new_request_replaces_the_earlier_link(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    await make_user(session, username="twice", email="twice@example.com")
    await client.post("/api/auth/password-resets", json={"email": "twice@example.com"})
    first = await _reset_token(smtp, "twice@example.com")
    await rate_limit.clear_cooldown("pwreset-cool", "twice@example.com")
    await client.post("/api/auth/password-resets", json={"email": "twice@example.com"})
    second = await _reset_token(smtp, "twice@example.com")
    assert first != second
    r = await client.post("/api/auth/password-resets/confirm", json={"token": first, "new_password": NEW_PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"
    r = await client.post("/api/auth/password-resets/confirm", json={"token": second, "new_password": NEW_PASSWORD})
    assert r.status_code == 204


async def test_requests_are_rate_limited_per_address_the_same_for_unknown_ones(
    client: httpx.AsyncClient, smtp: Inbox
) -> None:
    for address in ("ghost@example.com",):
        assert (await client.post("/api/auth/password-resets", json={"email": address})).status_code == 202
        r = await client.post("/api/auth/password-resets", json={"email": address})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    bad = await client.post("/api/auth/password-resets", json={"email": "not an address"})
    assert bad.status_code == 422


# --- email change -------------------------------------------------------------------------------


async def test_email_change_needs_the_password_a_free_address_and_the_code_sent_there(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    user = await make_user(session, username="mover", email="old@example.com")
    other = await make_user(session, username="other", email="other@example.com")
    headers = bearer((await login_pair(user)).access_token)
    url = "/api/users/me/email"

    wrong = await client.post(
        url, json={"new_email": "new@example.com", "password": "wrong-password-1"}, headers=headers
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_password"
    taken = await client.post(
        url, json={"new_email": "Other@example.com", "password": DEFAULT_PASSWORD}, headers=headers
    )
    assert taken.status_code == 409 and taken.json()["code"] == "email_taken"
    ok = await client.post(url, json={"new_email": "new@example.com", "password": DEFAULT_PASSWORD}, headers=headers)
    assert ok.status_code == 202 and ok.json() == {"expires_in": 600}
    code = await smtp.code_for("new@example.com")

    # Another user's code is just a wrong code for them.
    other_headers = bearer((await login_pair(other)).access_token)
    r = await client.post(f"{url}/confirm", json={"code": code}, headers=other_headers)
    assert r.status_code == 400 and r.json()["code"] == "code_expired"
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    r = await client.post(f"{url}/confirm", json={"code": wrong_code}, headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "invalid_code"

    r = await client.post(f"{url}/confirm", json={"code": code}, headers=headers)
    assert r.status_code == 200 and r.json()["email"] == "new@example.com"
    await smtp.settle()
    told = smtp.to("old@example.com")
    assert len(told) == 1 and "new@example.com" in await smtp.last_text("old@example.com")
    r = await client.post(f"{url}/confirm", json={"code": code}, headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "code_expired"  # spent
    assert (await login(client, "new@example.com", DEFAULT_PASSWORD)).status_code == 200


async def test_email_change_codes_are_limited_per_new_address_and_per_ip(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from withus.services import email_change

    users = [await make_user(session, username=f"mover{i}", email=f"mover{i}@example.com") for i in range(4)]
    headers = [bearer((await login_pair(u)).access_token) for u in users]
    url = "/api/users/me/email"
    body = {"new_email": "target@example.com", "password": DEFAULT_PASSWORD}

    first = await client.post(url, json=body, headers=headers[0])
    assert first.status_code == 202, first.text
    # Another account asking for a code to the same inbox within the minute: refused.
    second = await client.post(url, json=body, headers=headers[1])
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
    assert second.json()["code"] == "rate_limited"
    await smtp.settle()
    assert len(smtp.to("target@example.com")) == 1

    # From one IP, only so many requests an hour whatever the accounts and addresses.
    monkeypatch.setattr(email_change, "HOURLY_PER_IP", 3)
    third = await client.post(url, json={**body, "new_email": "t2@example.com"}, headers=headers[2])
    assert third.status_code == 202, third.text
    fourth = await client.post(url, json={**body, "new_email": "t3@example.com"}, headers=headers[3])
    assert fourth.status_code == 429
    await smtp.settle()
    assert smtp.to("t3@example.com") == []
