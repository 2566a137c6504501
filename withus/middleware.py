"""Reflex middleware: a tab's cached state belongs to the login it was built for.

Reflex keeps a tab's state on the server for about an hour, keyed by a client
token that lives in the tab's sessionStorage and in the ``/_event?token=...``
URL (so in proxy logs), and sends it in full on (re)connect before any
``on_load`` runs. Anyone who learns the token could open a socket with it and
receive the previous user's state, or fire its handlers.

So before every event this compares the login cookie of the connection (the
WebSocket handshake's Cookie header) with the fingerprint the state was built
for. When they differ — someone else, a logout, a login, an expired state —
every app state of the tab is reset to its defaults before the event runs. On
the hydrate event (each page load and reconnect) the user is then looked up
again, so the snapshot the browser receives already shows who is logged in.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from reflex.middleware.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from withus.i18n import negotiate, t
from withus.i18n.reader import set_reader
from withus.kv import get_kv
from withus.state.auth import AuthState, binding_key, session_fingerprint, session_token
from withus.state.locale import LocaleState, resolve

if TYPE_CHECKING:
    from reflex.app import App
    from reflex.state import BaseState, StateUpdate
    from reflex_base.event import Event

APP_STATE_MODULE_PREFIX = "withus."
# Sent by the browser on every page load and reconnect (Reflex 0.10: hydrate_and_load).
HYDRATE_EVENTS = (".hydrate_and_load", ".hydrate")


def reset_app_states(root: BaseState) -> None:
    """Reset every state the app defines (Reflex's own internal states are left alone)."""
    for substate in root.substates.values():
        if type(substate).__module__.startswith(APP_STATE_MODULE_PREFIX):
            reset: Any = substate.reset
            reset()


class SessionBindingMiddleware(Middleware):
    """Resets a tab's state when the connection's login cookie is not the one it was built for."""

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        root: Any = state
        token = session_token(root.router.headers.cookie)
        auth: Any = await root.get_state(AuthState)
        hydrating = event.name.endswith(HYDRATE_EVENTS)
        if auth._session_fp != session_fingerprint(token):
            reset_app_states(root)
            await auth.refresh_user()
        elif hydrating:
            await auth.refresh_user()
        return None


class ReaderMiddleware(Middleware):
    """Before every event: its reader (locale, browser zone) for the texts and times a handler writes.

    ``withus.i18n.reader`` holds it for the event's context; view builders ask ``here(key)`` and
    ``withus.i18n.dates`` instead of carrying a locale through every call.
    """

    async def preprocess(self, app: App, state: BaseState, event: Event) -> StateUpdate | None:
        root: Any = state
        locale_state: Any = await root.get_state(LocaleState)
        set_reader(resolve(locale_state), locale_state.browser_zone)
        return None


UPLOAD_PATH = "/_upload"


def upload_refused(accept_language: str | None) -> bytes:
    """The 403 body of a refused upload, in the language the request asks for."""
    detail = t("error.upload_not_allowed", negotiate(accept_language))
    return json.dumps({"detail": detail, "code": "upload_not_allowed"}, ensure_ascii=False).encode()


def upload_guard(app: ASGIApp) -> ASGIApp:
    """Wraps Reflex's backend: ``POST /_upload`` only from the browser whose login the tab belongs to.

    An upload names its tab by the client token in a header and runs that tab's
    handler with the tab's state, whose login was read from the event socket,
    not from this request. Without this check, anyone who learned a token could
    upload into that tab (and read the state changes streamed back). So the
    request's own login cookie must be the one ``AuthState`` last recorded for
    the token (``binding_key``); every upload in the app is made by a logged-in
    user. Reading uploaded files (``GET /_upload/...``) is not affected.
    """

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            token = headers.get("reflex-client-token", "")
            fingerprint = session_fingerprint(session_token(headers.get("cookie", "")))
            bound = await get_kv().get(binding_key(token)) if token and fingerprint else None
            if not fingerprint or bound != fingerprint:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [(b"content-type", b"application/json; charset=utf-8")],
                    }
                )
                body = upload_refused(headers.get("accept-language"))
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded
