"""The API's routes found by the first segment of the path, not by trying them all.

FastAPI (0.165) keeps included routers as a tree and finds a request's route by trying every
route in order, each with its regular expression; an included router is tried once to see if it
matches and once more to hand the request on, so the routes before the one that matches are
tried twice and those of its router three times. ``/api/users/me/events`` tried 98 routes: 0.25
of its 1.25 ms of CPU in process (``bench/events.py``'s database), a 404 0.4 of 0.7 ms.

:class:`RouteIndex` sits where the app's router starts its walk. For an HTTP request under ``/api/``
it tries only the routes whose path could begin with the request's first segment below ``/api/``
(``users`` for ``/api/users/me/events``) and that take its method, in the order FastAPI would try
them: with the catch-all ``/api/{path:path}`` last, one to ten, each with its expression before its
``matches`` (5–12 µs in all). A route whose first segment is a parameter is in every group. The
site's own paths (Reflex's pages, mounted after the API) still take the walk. It hands the request
to the route as FastAPI's walk does (the same scope keys: ``route``, ``endpoint``, ``path_params``,
FastAPI's own). Everything else, and anything the index is not sure of (no full match, a route that
is not a FastAPI route, a ``root_path``), goes to FastAPI's own walk, unchanged: so the index can
only choose the route FastAPI's walk would choose, or leave the choice to it.
``tests/api/test_route_index.py`` checks that for every route and method of the app.

It reads FastAPI's private routing structures (``_IncludedRouter``, ``_EffectiveRouteContext``,
the ``fastapi`` scope keys): FastAPI is pinned (``constraints.txt``), and the test above fails if
an upgrade changes what the walk chooses or leaves in the scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

API = "/api/"
_WILD = "\x00"  # the group of routes whose first segment below /api/ is not a fixed word

_IncludedRouter: Any = getattr(fastapi_routing, "_IncludedRouter", None)
_EffectiveRouteContext: Any = getattr(fastapi_routing, "_EffectiveRouteContext", None)
_SCOPE_KEY: str = getattr(fastapi_routing, "_FASTAPI_SCOPE_KEY", "fastapi")
_CONTEXT_KEY: str = getattr(fastapi_routing, "_FASTAPI_EFFECTIVE_ROUTE_CONTEXT_KEY", "effective_route_context")
_ROUTER_KEY: str = getattr(fastapi_routing, "_FASTAPI_INCLUDED_ROUTER_KEY", "included_router")
_apply_form_limits: Any = getattr(fastapi_routing, "_apply_router_form_limits", None)
_route_selected: Any = getattr(fastapi_routing, "_route_selected", None)  # the telemetry span's route


@dataclass(frozen=True)
class _Candidate:
    """A route as FastAPI's walk reaches it: the route of the app's own router, or the effective
    context (full path, dependencies) of a route of an included router, and the included routers
    it is reached through (outermost first; none for the app's own routes)."""

    context: Any
    branches: tuple[Any, ...]

    @property
    def handled_here(self) -> bool:
        """A FastAPI route of an included router: the index hands the request to it itself."""
        return (
            bool(self.branches)
            and _EffectiveRouteContext is not None
            and isinstance(self.context, _EffectiveRouteContext)
            and isinstance(self.context.original_route, APIRoute)
        )

    @property
    def methods(self) -> frozenset[str] | None:
        """The methods it matches in full; None: any (a mount, or a route of a kind not known here)."""
        if not (self.handled_here or type(self.context).matches in _PLAIN_MATCHES):
            return None
        methods = getattr(self.context, "methods", None)
        return frozenset(methods) if methods else None

    @property
    def path_regex(self) -> re.Pattern[str] | None:
        """The expression its ``matches`` tries the path with, when that is all it does besides the
        method; None: call its ``matches``."""
        if not (self.handled_here or type(self.context).matches in _PLAIN_MATCHES):
            return None
        regex = getattr(self.context, "path_regex", None)
        return regex if isinstance(regex, re.Pattern) else None


_PLAIN_MATCHES = (Route.matches, APIRoute.matches, Mount.matches)


def _candidates(routes: list[BaseRoute], branches: tuple[Any, ...] = ()) -> Iterator[_Candidate]:
    """The app's routes in the order FastAPI tries them, included routers flattened."""
    for route in routes:
        if _IncludedRouter is not None and isinstance(route, _IncludedRouter):
            yield from _branch(route, (route,))
        else:
            yield _Candidate(route, ())


def _branch(branch: Any, branches: tuple[Any, ...]) -> Iterator[_Candidate]:
    for candidate in branch.effective_candidates():
        if isinstance(candidate, _IncludedRouter):
            yield from _branch(candidate, (*branches, candidate))
        else:
            yield _Candidate(candidate, branches)


def _first_segment(candidate: _Candidate) -> str | None:
    """The word a request's path has below ``/api/`` for this route to match it; ``_WILD`` when it
    may be any; None when the route cannot match a path under ``/api/``."""
    path_format = getattr(candidate.context, "path_format", None)
    if not isinstance(path_format, str) or not path_format.startswith("/"):
        return _WILD  # a host, a route of its own kind: not sure, so everywhere
    literal = path_format.split("{", 1)[0]  # Starlette's expressions are the path's words, escaped
    if not literal.startswith(API):
        return _WILD if API.startswith(literal) else None
    rest = literal[len(API) :]
    if "/" in rest:
        return rest.split("/", 1)[0]
    return rest if literal == path_format else _WILD  # "/api/health" exactly; "/api/{path}" any


@dataclass(frozen=True)
class _Group:
    """The routes one first segment may reach, in FastAPI's order, each with the expression to try
    first (None: call its ``matches``); those of each method and those of any method."""

    by_method: dict[str, tuple[tuple[_Candidate, re.Pattern[str] | None], ...]]
    any_method: tuple[tuple[_Candidate, re.Pattern[str] | None], ...]

    @classmethod
    def of(cls, candidates: list[_Candidate]) -> _Group:
        tried = [(c, c.path_regex, c.methods) for c in candidates]
        methods = {m for _, _, ms in tried if ms for m in ms}
        return cls(
            by_method={m: tuple((c, r) for c, r, ms in tried if ms is None or m in ms) for m in methods},
            any_method=tuple((c, r) for c, r, ms in tried if ms is None),
        )


class RouteIndex:
    """In place of the app router's walk (``router.middleware_stack``): see the module's text."""

    def __init__(self, router: APIRouter, walk: ASGIApp) -> None:
        self.router = router
        self.walk = walk  # FastAPI's own
        self._routers: tuple[Any, ...] = ()
        self._fingerprint: tuple[tuple[int, int], ...] | None = None
        self._groups: dict[str, _Group] = {}
        self._wild = _Group.of([])

    def _current(self) -> tuple[tuple[int, int], ...]:
        """Changes when a route is added to, or removed from, any router of the app."""
        return tuple((r._routes_version, len(r.routes)) for r in self._routers)

    def _build(self) -> None:
        groups: dict[str, list[_Candidate]] = {}
        wild: list[_Candidate] = []
        ordered: list[tuple[str | None, _Candidate]] = []
        routers: dict[int, Any] = {id(self.router): self.router}
        for candidate in _candidates(self.router.routes):
            for branch in candidate.branches:
                routers.setdefault(id(branch.original_router), branch.original_router)
            segment = _first_segment(candidate)
            ordered.append((segment, candidate))
            if segment is not None and segment != _WILD:
                groups.setdefault(segment, [])
        for segment, candidate in ordered:
            if segment == _WILD:
                wild.append(candidate)
                for group in groups.values():
                    group.append(candidate)
            elif segment is not None:
                groups[segment].append(candidate)
        self._groups = {k: _Group.of(v) for k, v in groups.items()}
        self._wild = _Group.of(wild)
        # Every router that has routes of its own (an included router with no routes yet has none
        # to walk: its first route changes its parent's count too, as including it did).
        self._routers = tuple(routers.values())
        self._fingerprint = self._current()

    def group(self, path: str, method: str) -> tuple[tuple[_Candidate, re.Pattern[str] | None], ...]:
        """The routes that may match ``path`` (under ``/api/``) in full with ``method``, in FastAPI's
        order, each with the expression to try it with first."""
        if self._fingerprint is None or self._current() != self._fingerprint:
            self._build()  # routes added since (Reflex mounts its site after build_api)
        group = self._groups.get(path[len(API) :].split("/", 1)[0], self._wild)
        return group.by_method.get(method, group.any_method)

    def select(self, scope: Scope) -> tuple[_Candidate, dict[str, Any]] | None:
        """The route FastAPI's walk would hand ``scope`` to and its child scope, when the index is
        sure of it: the first route that matches in full (FastAPI's walk, too, prefers it to an
        earlier one of the path with another method) is a FastAPI route of an included router.
        None: leave it to the walk (no full match: 405 or 404; a route of another kind)."""
        path: str = scope["path"]
        for candidate, regex in self.group(path, scope["method"]):
            if regex is not None and regex.match(path) is None:
                continue
            match, child_scope = candidate.context.matches(scope)  # pure: a regular expression
            if match == Match.FULL:
                return (candidate, child_scope) if candidate.handled_here else None
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path") or not scope["path"].startswith(API):
            await self.walk(scope, receive, send)
            return
        selected = self.select(scope)
        if selected is None:
            await self.walk(scope, receive, send)
            return
        candidate, child_scope = selected
        context = candidate.context
        # What APIRouter.app, _IncludedRouter.handle and _handle_selected leave in the scope.
        scope.setdefault("router", self.router)
        if _apply_form_limits is not None:
            _apply_form_limits(scope, self.router.form_limits)
            for branch in candidate.branches:
                _apply_form_limits(scope, branch.include_context.form_limits)
        fastapi_scope = scope.setdefault(_SCOPE_KEY, {})
        fastapi_scope[_ROUTER_KEY] = candidate.branches[-1]
        scope.update(child_scope)
        if _route_selected is not None:
            _route_selected(scope=scope, path=context.path_format, mount=False)
        fastapi_scope[_CONTEXT_KEY] = context
        route = context.original_route
        scope["route"] = route
        await route.handle(scope, receive, send)


def install(router: APIRouter) -> RouteIndex | None:
    """Put a :class:`RouteIndex` in place of ``router``'s walk (the app's router: ``app.router``).
    Not for a router with middleware or a body limit of its own, which the index would pass by."""
    if router.middleware_stack != router.app:
        return None
    index = RouteIndex(router, router.app)
    router.middleware_stack = index
    return index
