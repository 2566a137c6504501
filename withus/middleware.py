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

from typing import TYPE_CHECKING, Any

from reflex.middleware.middleware import Middleware

from withus.state.auth import AuthState, session_fingerprint, session_token

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
