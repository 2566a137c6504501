"""One way for a state handler to say "this needs a login, and a domain error becomes a toast".

::

    class PostState(rx.State):
        @rx.event
        @needs_login
        async def delete_post(self) -> Any:
            async with session_scope() as session:
                user = await acting_user(session)
                await post_service.do_delete_post(session, post_id=self.post.id, user=user)
            return rx.toast.success(here("board.post_deleted"))

:func:`needs_login` checks the session cookie again (:meth:`AuthState.require_user_id`: a
session revoked elsewhere stops working at once), sends someone logged out to the login page
(``/login?next=<this page>``) and shows a :class:`~withus.errors.DomainError` the handler lets
out as an error toast (:func:`error_toast`, the one place that turns an error into words on a
page). Inside, :func:`acting_user` is the checked user's account. A handler that wants a domain
error elsewhere (a field's message) catches it itself.

Reflex reads a handler's signature and type hints (its event arguments) and whether it is a
coroutine or an async generator: the wrapper keeps all three (``functools.wraps`` and a wrapper
of the same kind), so put ``@rx.event`` above ``@needs_login``. Not for background tasks.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import reflex as rx

from withus.errors import DomainError, NotAuthenticated
from withus.i18n import localize
from withus.i18n.reader import reader
from withus.models.user import User
from withus.state.common import current_user_id, load_user, login_redirect
from withus.state.locale import current_locale

F = TypeVar("F", bound=Callable[..., Any])

_acting_user_id: ContextVar[int | None] = ContextVar("withus_acting_user_id", default=None)


def error_toast(exc: DomainError, locale: str | None = None) -> Any:
    """What a page shows for a refused action: the error's message in the reader's language, as a toast."""
    return rx.toast.error(str(localize(exc.detail, locale or reader().locale)))


def acting_user_id() -> int:
    """The user id :func:`needs_login` checked for the running handler."""
    uid = _acting_user_id.get()
    if uid is None:
        raise NotAuthenticated()
    return uid


async def acting_user(session: Any) -> User:
    """The checked user's account, read in ``session`` (gone or deleted meanwhile: 401)."""
    user = await load_user(session, acting_user_id())
    if user is None:
        raise NotAuthenticated()
    return user


def needs_login(fn: F) -> F:
    """The handler runs for a logged-in user only and shows its domain errors as a toast."""
    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def stream(self: rx.State, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            uid = await current_user_id(self)
            if uid is None:
                yield await login_redirect(self)
                return
            token = _acting_user_id.set(uid)
            try:
                async for event in fn(self, *args, **kwargs):
                    yield event
            except DomainError as exc:
                yield error_toast(exc, await current_locale(self))
            finally:
                with contextlib.suppress(ValueError):  # a step resumed in another context
                    _acting_user_id.reset(token)

        return stream  # type: ignore[return-value]

    @functools.wraps(fn)
    async def call(self: rx.State, *args: Any, **kwargs: Any) -> Any:
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        token = _acting_user_id.set(uid)
        try:
            return await fn(self, *args, **kwargs)
        except DomainError as exc:
            return error_toast(exc, await current_locale(self))
        finally:
            _acting_user_id.reset(token)

    return call  # type: ignore[return-value]
