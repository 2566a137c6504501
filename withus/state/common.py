"""What the club and board states share: who is asking, the id in the address, error text.

States stay thin: they resolve the user through :class:`AuthState` (which checks the
session cookie again), open one unit of work, call a service and turn its answer into
plain view objects. Every permission is the service's decision.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.i18n import localize
from withus.i18n.reader import here, reader
from withus.models.user import User
from withus.state.auth import AuthState


def said(message: str) -> str:
    """A service's message (a ``Msg``, or text) in the reader's language."""
    return str(localize(message, reader().locale))


def generic_error() -> str:
    """The toast for a failure we cannot explain, in the reader's language."""
    return here("form.generic_error")


async def current_user_id(state: rx.State) -> int | None:
    """The logged-in user's id, after checking the session again (None when logged out)."""
    auth = await state.get_state(AuthState)
    return await auth.require_user_id()


async def login_redirect(state: rx.State) -> Any:
    auth = await state.get_state(AuthState)
    return auth.login_redirect()


async def load_user(session: Any, user_id: int | None) -> User | None:
    """The account row for a checked user id (None when absent or deleted)."""
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        return None
    return user


def path_id(state: rx.State, position: int = 1) -> int | None:
    """The numeric segment of the address at ``position`` (``/clubs/12/edit`` → 12 at 1)."""
    parts = [p for p in str(state.router.url.path).split("/") if p]
    if len(parts) <= position:
        return None
    raw = parts[position]
    if not raw.isdigit() or len(raw) > 12:
        return None
    return int(raw)


# pydantic's own error types → the message shown under a field (our validators write theirs).
_TYPE_MESSAGES = {
    "int_parsing": "form.number",
    "int_type": "form.number",
    "literal_error": "form.choose",
    "enum": "form.choose",
    "missing": "form.fill_in",
}


def _message(err: Any) -> str:
    locale = reader().locale
    kind = str(err.get("type", ""))
    if kind == "value_error":
        # Our own validators raise ValueError with a message written for people (a Msg, or text).
        exc = (err.get("ctx") or {}).get("error")
        if exc is not None and exc.args and isinstance(exc.args[0], str) and exc.args[0]:
            return str(localize(exc.args[0], locale))
    if kind in _TYPE_MESSAGES:
        return here(_TYPE_MESSAGES[kind])
    if kind.startswith(("datetime", "date")):
        return here("form.check_date")
    return here("error.validation_failed")


def validation_messages(exc: ValidationError) -> dict[str, str]:
    """Field → the first message of a pydantic error, in the reader's language."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        out.setdefault(field, _message(err))
    return out


def first_message(exc: ValidationError) -> str:
    messages = validation_messages(exc)
    return next(iter(messages.values()), here("error.validation_failed"))
