"""One-click unsubscribe tokens (RFC 8058): a signed token naming a user and a notification type.

The token is ``<user_id>.<type>.<signature>``; the signature is an HMAC-SHA256 of the two
(keyed with the server secret), so it cannot be made up or changed to name another user or
type. It does not expire: an unsubscribe link in an old mail keeps working, and it can do
nothing but turn one kind of mail off for one user.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

from withus.errors import InvalidInput
from withus.i18n import Msg
from withus.settings import get_settings


@dataclass(frozen=True)
class Unsubscribe:
    user_id: int
    type: str


def _signature(user_id: int, type_: str) -> str:
    secret = get_settings().jwt_secret.encode()
    digest = hmac.new(secret, f"unsubscribe:{user_id}:{type_}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def make_token(user_id: int, type_: str) -> str:
    return f"{user_id}.{type_}.{_signature(user_id, type_)}"


def invalid_token() -> InvalidInput:
    return InvalidInput(Msg("unsubscribe.invalid"), code="invalid_token")


def read_token(token: str) -> Unsubscribe:
    """The user and type the token names; 400 ``invalid_token`` for anything not made here."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        raise invalid_token()
    user_id, type_, signature = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(signature, _signature(user_id, type_)):
        raise invalid_token()
    return Unsubscribe(user_id=user_id, type=type_)


def post_url(user_id: int, type_: str) -> str:
    base = (get_settings().public_url or "").rstrip("/")
    return f"{base}/api/mail/unsubscribe?token={quote(make_token(user_id, type_))}"


def page_url(user_id: int, type_: str) -> str:
    """Opened in a browser, the same address shows a page that asks to confirm."""
    return post_url(user_id, type_)
