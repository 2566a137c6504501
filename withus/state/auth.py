"""Who is logged in, for every page. Imports nothing else of the app's state.

The login cookie ``withus_session`` is HttpOnly and set by the REST API
(``POST /api/auth/login?cookie=true``); page scripts never see it. This state
reads it on the server from the Cookie header of the ``/_event`` WebSocket
handshake (``self.router.headers.cookie``, fixed for the life of the socket,
hence the full page load after login and logout) and keeps the user id in a
backend-only var that is never sent to the browser.

Other states ask for the user with ``await (await self.get_state(AuthState)).require_user_id()``
in every handler that reads or changes private data: that looks the session up
again, so a session revoked elsewhere (logout, password change) stops working
at once, not at the next page load.
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

SESSION_COOKIE = "withus_session"
# Which login a tab's client token belongs to, for requests that carry the token but do not
# go through the event socket (Reflex's POST /_upload): see withus.middleware.upload_guard.
BINDING_TTL = 24 * 3600
BINDING_REFRESH = 3600


def session_token(cookie_header: str) -> str:
    """The ``withus_session`` value of a Cookie header ("" when absent).

    Parsed by hand: ``http.cookies`` silently stops at the first malformed cookie,
    and a cookie of another app on the same host must not log the user out.
    """
    for part in cookie_header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == SESSION_COOKIE:
            return value.strip().strip('"')
    return ""


def session_fingerprint(token: str) -> str:
    """What the state remembers of the cookie it was built for (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32] if token else ""


def binding_key(client_token: str) -> str:
    return "rxbind:" + hashlib.sha256(client_token.encode()).hexdigest()[:32]


async def _bind(client_token: str, fingerprint: str) -> None:
    from withus.kv import get_kv

    if client_token and fingerprint:
        await get_kv().set(binding_key(client_token), fingerprint, ttl=BINDING_TTL)


def safe_next(value: str | None) -> str:
    """A path on this site to go to after login; "/" for anything else (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or value.startswith("/login"):
        return "/"
    return value


def login_url(next_path: str) -> str:
    """``/login?next=...`` for a path on this site."""
    if not next_path.startswith("/") or next_path.startswith("//") or next_path.startswith("/login"):
        return "/login"
    path, sep, query = next_path.partition("?")
    next_path = (path.rstrip("/") or "/") + sep + query
    return "/login?next=" + quote(next_path, safe="/")


async def _lookup(token: str) -> tuple[int, str, str, bool] | None:
    """(id, nickname, avatar_url, is_admin) of the live session's user, or None."""
    if not token:
        return None
    # Imported here: the state module is imported by every page at compile time.
    from withus.db import read_scope
    from withus.services import sessions as session_service

    # A read unit of work: every page load asks this, and on SQLite a writing one queued each
    # of them on the database's write lock (lookups timed out as "database is locked" under load).
    async with read_scope() as session:
        user = await session_service.user_from_session_token(session, token=token)
        if user is None or user.id is None or user.deleted_at is not None:
            return None
        return user.id, user.nickname, user.avatar_url, bool(user.is_admin)


class AuthState(rx.State):
    """The logged-in user as the header and every page see them."""

    # Backend-only: never sent to the browser.
    _user_id: int | None = None
    _session_fp: str = ""
    _bound: str = ""  # "<fingerprint>@<unix time>" last written to the upload binding

    logged_in: bool = False
    user_id: int = 0  # shown in links (/users/{id}); not a credential
    nickname: str = ""
    avatar_url: str = ""
    is_admin: bool = False

    def _cookie_token(self) -> str:
        return session_token(self.router.headers.cookie)

    async def refresh_user(self) -> int | None:
        """Look the connection's session up again and update what the page shows."""
        token = self._cookie_token()
        found = await _lookup(token)
        self._session_fp = session_fingerprint(token)
        await self._refresh_binding(self._session_fp if found is not None else "")
        if found is None:
            self._user_id = None
            self.logged_in = False
            self.user_id = 0
            self.nickname = ""
            self.avatar_url = ""
            self.is_admin = False
            return None
        self._user_id, nickname, avatar_url, is_admin = found
        self.logged_in = True
        self.user_id = self._user_id
        self.nickname = nickname
        self.avatar_url = avatar_url
        self.is_admin = is_admin
        return self._user_id

    async def _refresh_binding(self, fingerprint: str) -> None:
        """Record that this tab's client token is used with this login (no login: nothing to record;
        an upload then needs a cookie that matches the last login seen, which a thief lacks)."""
        fp, _, at = self._bound.partition("@")
        if not fingerprint or (fp == fingerprint and time.time() - float(at or 0) < BINDING_REFRESH):
            return
        await _bind(self.router.session.client_token, fingerprint)
        self._bound = f"{fingerprint}@{time.time():.0f}"

    async def require_user_id(self) -> int | None:
        """The current user's id after checking the session again; None when logged out."""
        return await self.refresh_user()

    def login_redirect(self) -> EventSpec:
        return rx.redirect(
            login_url(self.router.url.path + (f"?{self.router.url.query}" if self.router.url.query else ""))
        )

    @rx.event
    async def require_login(self) -> EventSpec | None:
        """on_load guard of pages that need a login: to /login?next=<this page> otherwise."""
        if await self.refresh_user() is None:
            return self.login_redirect()
        return None

    @rx.event
    async def redirect_if_logged_in(self) -> EventSpec | None:
        """on_load of /login and /signup: someone already logged in goes on."""
        if await self.refresh_user() is not None:
            return rx.redirect(safe_next(self.router.url.query_parameters.get("next")))
        return None

    @rx.event
    def logout(self) -> EventSpec:
        """Through the API (a script cannot delete an HttpOnly cookie), then a full page load."""
        return rx.call_script("withus.logout('/')")
