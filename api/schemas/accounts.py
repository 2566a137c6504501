"""Request and response bodies of /api/auth and /api/users.

Field rules with Korean messages live in the services (``users.normalize_*``,
``passwords.check_password``); these models only fix types and outer bounds,
so every rule has one implementation shared with the web UI.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from withus.i18n import Msg
from withus.models.types import Text

_DESCRIBED = {
    400: "Bad input that is not a field error (e.g. `invalid_code`, `code_expired`, `cannot_block_self`).",
    401: "Not authenticated: `not_authenticated`, `invalid_token`, `token_expired`, `token_revoked`, "
    "`refresh_token_reused`, `invalid_credentials`.",
    403: "Cookie-authenticated request without a valid CSRF token or from another origin (`csrf_failed`).",
    404: "No such user (`user_not_found`).",
    409: "`username_taken`, `nickname_taken`, `email_taken`.",
    413: "Image over 5 MB (`image_too_large`).",
    422: "Validation failed; `errors` names each field.",
    429: "Rate-limited; see `Retry-After`.",
    503: "A part the server needs is down (database, Redis).",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"description": _DESCRIBED[c], "content": {"application/problem+json": {}}} for c in codes}


class EmailCodeRequest(BaseModel):
    email: Text = Field(max_length=320, examples=["you@example.com"])


class EmailCodeResponse(BaseModel):
    expires_in: int = Field(description="Seconds the code stays valid (600).")


class SignupRequest(BaseModel):
    email: Text = Field(max_length=320)
    code: Text = Field(max_length=32, description="The 6-digit code from the mail.")
    username: Text = Field(max_length=64, description="Login name: 4–20 of a-z 0-9 _ (case-insensitive).")
    nickname: Text = Field(max_length=64, description="What others see: 2–20 characters, Korean allowed.")
    password: Text = Field(max_length=1024, description="8–128 characters; common passwords are refused.")

    @field_validator("code")
    @classmethod
    def _six_digits(cls, v: str) -> str:
        v = v.strip()
        if not (len(v) == 6 and v.isascii() and v.isdigit()):
            raise ValueError(Msg("validation.code_format"))
        return v


class LoginRequest(BaseModel):
    login: Text = Field(max_length=320, description="Username or email.")
    password: Text = Field(max_length=1024)


class TokenPairResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires (900).")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires (14 days).")


class BrowserLoginResponse(BaseModel):
    """Cookie mode (`?cookie=true`): the refresh token is only in the HttpOnly cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    csrf_token: str = Field(description="Also in the readable `withus_csrf` cookie; send it as `X-CSRF-Token`.")


class RefreshRequest(BaseModel):
    refresh_token: Text | None = Field(default=None, max_length=4096, description="Omit to use the cookie.")


class LogoutRequest(BaseModel):
    refresh_token: Text | None = Field(default=None, max_length=4096)


class ProfileUpdate(BaseModel):
    nickname: Text | None = Field(default=None, max_length=64)
    introduction: Text | None = Field(default=None, max_length=2000, description="≤ 300 characters.")
    tags: list[Text] | None = Field(default=None, max_length=20, description="≤ 5 tags of 1–20 characters.")
    locale: Literal["ko", "en"] | None = Field(
        default=None, description="The language of the user's pages, API errors (when no Accept-Language) and mails."
    )


class PasswordChange(BaseModel):
    current_password: Text = Field(max_length=1024)
    new_password: Text = Field(max_length=1024)


class AccountDeletion(BaseModel):
    password: Text = Field(max_length=1024)
