"""JSON Web Tokens: a 15-minute access token and a 14-day refresh token.

Both are HS256 JWTs signed with ``settings.jwt_secret`` and carry ``iss``,
``aud``, ``exp``, ``iat``, ``jti``, ``sub`` (the user id as a string), ``sid``
(the login session) and ``typ`` (``access`` or ``refresh``). Decoding pins the
algorithm list to HS256, so ``alg: none`` and other algorithms are refused,
and requires every claim. Whether the session is still alive is checked by
:mod:`withus.services.sessions`, not here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast

import jwt

from withus.errors import NotAuthenticated
from withus.settings import get_settings

ALGORITHM = "HS256"
ACCESS_TTL = 15 * 60
REFRESH_TTL = 14 * 24 * 60 * 60
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti", "sub", "sid", "typ"]

TokenType = Literal["access", "refresh"]


@dataclass(frozen=True)
class Claims:
    user_id: int
    session_id: str
    jti: str
    typ: TokenType
    issued_at: int
    expires_at: int


def invalid_token() -> NotAuthenticated:
    return NotAuthenticated(code="invalid_token")


def token_expired() -> NotAuthenticated:
    return NotAuthenticated(code="token_expired")


def token_revoked() -> NotAuthenticated:
    return NotAuthenticated(code="token_revoked")


def new_id() -> str:
    return secrets.token_urlsafe(18)


def encode(*, user_id: int, session_id: str, typ: TokenType, jti: str | None = None, now: int | None = None) -> str:
    settings = get_settings()
    issued = int(time.time()) if now is None else now
    payload = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": issued,
        "exp": issued + (ACCESS_TTL if typ == "access" else REFRESH_TTL),
        "jti": jti or new_id(),
        "sub": str(user_id),
        "sid": session_id,
        "typ": typ,
    }
    return jwt.encode(payload, settings.jwt_secret, algorithm=ALGORITHM)


LEEWAY = 5
"""Seconds of clock difference tolerated on ``exp`` and ``iat``."""


@lru_cache(maxsize=4096)
def _verified(token: str, secret: str, audience: str, issuer: str) -> Mapping[str, Any]:
    """The payload of a token whose signature, algorithm, issuer, audience and claims check out —
    everything but the expiry, which changes with time and is checked on every use. Remembered: a
    client sends the same access token with every request for 15 minutes, and verifying it
    (base64, HMAC, JSON, PyJWT's checks) cost more than reading the caller's row. A failure is not
    remembered; ``nbf``/``iat`` checks only get easier to pass as time goes on."""
    return cast(
        Mapping[str, Any],
        jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": REQUIRED_CLAIMS, "verify_exp": False},
            leeway=LEEWAY,
        ),
    )


def decode(token: str, *, typ: TokenType) -> Claims:
    """Verify signature, algorithm, issuer, audience, expiry and type; raise 401 otherwise."""
    settings = get_settings()
    if not token or len(token) > 4096:
        raise invalid_token()
    try:
        payload = _verified(token, settings.jwt_secret, settings.jwt_audience, settings.jwt_issuer)
        expires_at = int(payload["exp"])
    except (jwt.PyJWTError, TypeError, ValueError):
        raise invalid_token() from None
    if expires_at <= time.time() - LEEWAY:  # as PyJWT checks it
        raise token_expired()
    if payload.get("typ") != typ:
        raise invalid_token()
    try:
        user_id = int(payload["sub"])
        sid, jti = payload["sid"], payload["jti"]
        if not isinstance(sid, str) or not isinstance(jti, str) or not sid or not jti:
            raise ValueError
        return Claims(
            user_id=user_id,
            session_id=sid,
            jti=jti,
            typ=typ,
            issued_at=int(payload["iat"]),
            expires_at=expires_at,
        )
    except (TypeError, ValueError):
        raise invalid_token() from None
