"""What the club and board states share: who is asking, the id in the address, error text.

States stay thin: they resolve the user through :class:`AuthState` (which checks the
session cookie again), open one unit of work, call a service and turn its answer into
plain view objects. Every permission is the service's decision.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

from withus.models.user import User
from withus.state.auth import AuthState

GENERIC_ERROR = "요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요."


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


def validation_messages(exc: ValidationError) -> dict[str, str]:
    """Field → the first Korean message of a pydantic error (validators raise ValueError in Korean)."""
    out: dict[str, str] = {}
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        msg = str(err.get("msg", ""))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif err.get("type") in ("int_parsing", "int_type"):
            msg = "숫자로 입력해 주세요."
        elif err.get("type") in ("literal_error", "enum"):
            msg = "목록에서 골라 주세요."
        elif err.get("type") in ("missing",):
            msg = "입력해 주세요."
        elif err.get("type", "").startswith(("datetime", "date")):
            msg = "날짜를 확인해 주세요."
        elif not any("\uac00" <= ch <= "\ud7a3" for ch in msg):
            msg = "입력값을 확인해 주세요."
        out.setdefault(field, msg)
    return out


def first_message(exc: ValidationError) -> str:
    messages = validation_messages(exc)
    return next(iter(messages.values()), "입력값을 확인해 주세요.")
