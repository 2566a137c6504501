"""Problem details follow Accept-Language (ko by default, en); the code never changes; mails and
the browser follow the account's locale."""

from __future__ import annotations

import httpx

from tests.api.accounts_helpers import Inbox, bearer, login, request_code, signup, smtp
from withus.i18n import t
from withus.services import rate_limit

__all__ = ["smtp"]  # the fixture, imported for pytest

EN = {"Accept-Language": "en-US,en;q=0.9"}


async def test_problem_details_follow_accept_language(client: httpx.AsyncClient, stack: object) -> None:
    ko = (await client.get("/api/no-such-thing")).json()
    en = (await client.get("/api/no-such-thing", headers=EN)).json()
    assert ko["code"] == en["code"] == "not_found"
    assert ko["detail"] == t("problem.detail.404", "ko") and en["detail"] == "The address you asked for was not found."
    assert ko["title"] == "찾을 수 없음" and en["title"] == "Not Found"
    # a language withUs does not speak gets the default
    fr = (await client.get("/api/no-such-thing", headers={"Accept-Language": "fr-FR"})).json()
    assert fr["detail"] == ko["detail"]


async def test_domain_errors_and_field_messages_follow_accept_language(
    client: httpx.AsyncClient, stack: object
) -> None:
    r = await client.post("/api/auth/login", json={"login": "nobody", "password": "x" * 10}, headers=EN)
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    assert r.json()["detail"] == "The username (or email) or the password is not correct."
    body = {"email": "a@example.com", "code": "12", "username": "abcd", "nickname": "nick", "password": "x" * 12}
    ko = await client.post("/api/auth/signup", json=body)
    en = await client.post("/api/auth/signup", json=body, headers=EN)
    assert ko.status_code == en.status_code == 422
    assert ko.json()["code"] == en.json()["code"] == "validation_failed"
    ko_msgs = {e["field"]: e["message"] for e in ko.json()["errors"]}
    en_msgs = {e["field"]: e["message"] for e in en.json()["errors"]}
    assert (
        ko_msgs["code"] == "인증 코드는 6자리 숫자입니다." and en_msgs["code"] == "The verification code is 6 digits."
    )
    assert en.json()["detail"] == "Please check what you entered."


async def test_service_validation_in_english(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.post("/api/auth/email-codes", json={"email": "not an address"}, headers=EN)
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "Please enter a valid email address."


async def test_locale_is_in_the_profile_sets_the_cookie_and_writes_mails(
    client: httpx.AsyncClient, smtp: Inbox
) -> None:
    r = await signup(client, smtp, username="polyglot")
    assert r.status_code == 201 and r.json()["locale"] == "ko"
    token = (await login(client, "polyglot")).json()["access_token"]
    r = await client.patch("/api/users/me", json={"locale": "en"}, headers=bearer(token))
    assert r.status_code == 200 and r.json()["locale"] == "en"
    bad = await client.patch("/api/users/me", json={"locale": "fr"}, headers=bearer(token))
    assert bad.status_code == 422
    # a browser login hands the page the account's language
    r = await client.post("/api/auth/login?cookie=true", json={"login": "polyglot", "password": "correct-horse-42"})
    assert r.status_code == 200 and r.cookies.get("withus_locale") == "en"
    # the "already has an account" mail is in the account's language, whatever the page's
    await rate_limit.clear_cooldown("ecode-cool", "polyglot@example.com")  # the sign-up's code was a moment ago
    assert (await request_code(client, "polyglot@example.com")).status_code == 202
    assert "already has a withUs account" in await smtp.last_text("polyglot@example.com")


async def test_the_code_mail_is_in_the_pages_language(client: httpx.AsyncClient, smtp: Inbox) -> None:
    r = await client.post("/api/auth/email-codes", json={"email": "new@example.com"}, headers=EN)
    assert r.status_code == 202
    text = await smtp.last_text("new@example.com")
    assert "Enter this code on the sign-up page" in text and "인증" not in text
    assert smtp.to("new@example.com")[-1]["Subject"].startswith("[withUs] Your verification code")


async def test_openapi_says_problem_details_follow_accept_language(client: httpx.AsyncClient, stack: object) -> None:
    doc = (await client.get("/api/openapi.json")).json()
    assert "Accept-Language" in doc["info"]["description"]
    assert "a deleted member's `nickname`" in doc["info"]["description"]
    schema = doc["components"]["schemas"]
    assert set(schema["UserPrivate"]["properties"]["locale"]["enum"]) == {"ko", "en"}
