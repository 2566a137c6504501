"""``needs_login`` keeps what Reflex reads of a handler: its signature, type hints and kind."""

from __future__ import annotations

import inspect
from typing import Any, get_type_hints

from withus.state.board import PostState
from withus.state.handlers import needs_login
from withus.state.notifications import NotificationsPageState


async def _coroutine(self: Any, comment_id: int, *, note: str = "") -> Any:
    return comment_id


async def _stream(self: Any, form_data: dict[str, Any]) -> Any:
    yield form_data


def test_the_wrapper_keeps_signature_hints_and_kind() -> None:
    for fn, kind in ((_coroutine, inspect.iscoroutinefunction), (_stream, inspect.isasyncgenfunction)):
        wrapped = needs_login(fn)
        assert kind(wrapped)
        assert inspect.signature(wrapped) == inspect.signature(fn)
        assert get_type_hints(wrapped) == get_type_hints(fn)
        assert wrapped.__name__ == fn.__name__


def test_reflex_sees_the_event_arguments_of_decorated_handlers() -> None:
    delete = PostState.delete_comment.fn  # type: ignore[attr-defined]
    assert list(inspect.signature(delete).parameters) == ["self", "comment_id"]
    assert get_type_hints(delete)["comment_id"] is int
    assert inspect.isasyncgenfunction(NotificationsPageState.load_more.fn)  # type: ignore[attr-defined]
