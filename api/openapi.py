"""The OpenAPI document, made to say what the wire does.

FastAPI's generated document is true about successes and wrong about errors: it lists
``422 application/json HTTPValidationError`` where the server answers problem+json, leaves out
the 401 of a login the route needs, and marks every route whose dependencies *read* a token
as needing one. :func:`install` post-processes it once, from what each route depends on:

- every 4xx response is ``application/problem+json`` with the ``Problem`` schema (``errors``
  present on 422);
- a route that needs a login (``get_auth`` in its dependencies) has 401, and 403 when it changes
  something (a cookie login without the CSRF header); its security is Bearer or the cookie;
- a route that reads a login if there is one (public reads) has ``security: [{}, ...]``: no
  requirement, a token accepted — and 401 for a bad one;
- a route with path parameters has 404 (an absent row, an id past the database's range, or
  no number at all: the paths say ``{club_id:int}``); with parameters or a body, 422; with a
  body or a ``cursor``, 400 (``bad_request`` for a body that is no JSON, ``invalid_cursor``);
- routes keep what they declare themselves (their own descriptions, 409, 413, 429 ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from api import deps

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_MEDIA_TYPE = "application/problem+json"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `code` is stable; `detail` is for people. `errors` is present on 422.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "`about:blank`"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "pattern": "^[a-z0-9_]+$", "description": "stable snake_case, e.g. `club_full`"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
        "request_id": {"type": "string", "description": "on 500: the id the server's log names"},
    },
    "additionalProperties": True,
}
FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "required": ["field", "message"],
    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
}

DEFAULT_DESCRIPTIONS = {
    400: "Bad input that is not a field error: a body that cannot be parsed (`bad_request`), a `cursor` this "
    "server did not hand out (`invalid_cursor`), or what the description names.",
    401: "Not authenticated, or a bad, expired or revoked token (`not_authenticated`, `invalid_token`, "
    "`token_expired`, `token_revoked`).",
    403: "A cookie login without the CSRF header or from another origin (`csrf_failed`); or not allowed.",
    404: "Not found, or hidden from you; also an id past the database's range (`not_found`).",
    405: "Method not allowed; `Allow` names the methods of the path.",
    409: "Conflicts with the current state.",
    413: "Too large.",
    422: "Validation failed (`validation_failed`); `errors` names each field.",
    429: "Too many in a short time (`rate_limited`); see `Retry-After`.",
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 0}}}
SAFE_METHODS = frozenset({"get", "head", "options"})


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the corrected document (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            correct(doc, app)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def correct(doc: dict[str, Any], app: FastAPI) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldError"] = FIELD_ERROR_SCHEMA
    schemes = doc["components"].get("securitySchemes", {})
    bearer = [name for name, s in schemes.items() if s.get("type") == "http"]
    cookie = [name for name, s in schemes.items() if s.get("type") == "apiKey"]
    logins: list[dict[str, Any]] = [{name: []} for name in bearer + cookie]
    for route in _routes(app):
        for method in route.methods:
            operation = doc["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _correct_operation(operation, route, method.lower(), logins)


def _routes(app: FastAPI) -> Iterator[Any]:
    """The API routes as served: each included router's routes with their full path."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            yield route


def _calls(dependant: Dependant, wanted: Callable[..., Any]) -> bool:
    return any(d.call is wanted or _calls(d, wanted) for d in dependant.dependencies)


def _correct_operation(operation: dict[str, Any], route: Any, method: str, logins: list[dict[str, Any]]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    needs_login = any(_calls(route.dependant, f) for f in (deps.get_auth, deps.get_caller_id))
    reads_login = needs_login or any(
        _calls(route.dependant, f) for f in (deps.get_optional_auth, deps.get_optional_reader_id)
    )
    parameters = operation.get("parameters", [])
    if needs_login:
        operation["security"] = logins
    elif reads_login:
        operation["security"] = [{}, *logins]
    else:
        operation.pop("security", None)
    wanted: set[int] = set()
    if reads_login:
        wanted.add(401)
    if needs_login and method not in SAFE_METHODS:
        wanted.add(403)
    if any(p.get("in") == "path" for p in parameters):
        wanted.add(404)
    if parameters or "requestBody" in operation:
        wanted.add(422)
    if "requestBody" in operation or any(p.get("name") == "cursor" for p in parameters):
        wanted.add(400)  # a body that is no JSON text (`bad_request`); a cursor not handed out (`invalid_cursor`)
    for status in sorted(wanted):
        responses.setdefault(str(status), {"description": DEFAULT_DESCRIPTIONS[status]})
    for key, response in responses.items():
        if not key.isdigit() or not 400 <= int(key) < 600:
            continue
        status = int(key)
        if set(response.get("content", {})) - {PROBLEM_MEDIA_TYPE, "application/json"}:
            continue  # a body of its own (the health check's 503, a page for a browser's 400)
        if status == 422 and response.get("description") == "Validation Error":
            response["description"] = DEFAULT_DESCRIPTIONS[422]
        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
        if status == 429:
            response.setdefault("headers", {}).update(RETRY_AFTER)
