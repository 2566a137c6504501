"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg.exceptions
import asyncpg.exceptions._base
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.locale import request_locale
from withus.errors import DomainError, RateLimited
from withus.i18n import DEFAULT_LOCALE, Msg, has_key, localize, t

log = logging.getLogger("withus.api")

PROBLEM_TYPE = "about:blank"
MEDIA_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
_HTTP_DETAILS = {
    404: Msg("problem.detail.404"),
    405: Msg("problem.detail.405"),
}


def problem(
    status: int,
    *,
    code: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    locale: str = DEFAULT_LOCALE,
    **extra: Any,
) -> JSONResponse:
    """A problem+json answer; ``detail`` and ``errors[].message`` (``Msg`` or text) in ``locale``."""
    title_key = f"problem.title.{status}"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": t(title_key, locale) if has_key(title_key) else _TITLES.get(status, "Error"),
        "status": status,
        "detail": str(localize(detail, locale)),
        "code": code,
    }
    if errors is not None:
        body["errors"] = [{**e, "message": str(localize(e["message"], locale))} for e in errors]
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def not_found(locale: str = DEFAULT_LOCALE) -> JSONResponse:
    return problem(404, code="not_found", detail=_HTTP_DETAILS[404], locale=locale)


def _only_in_path(exc: RequestValidationError) -> bool:
    """Whether every error is a number in the path outside its range (``Id``: 1..2**31-1)."""
    errors = exc.errors()
    return bool(errors) and all(
        tuple(e.get("loc", ()))[:1] == ("path",) and e.get("type") in ("greater_than_equal", "less_than_equal")
        for e in errors
    )


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


_PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": Msg("validation.missing"),
    "string_too_short": Msg("validation.string_too_short"),
    "string_too_long": Msg("validation.string_too_long"),
    "json_invalid": Msg("validation.json_invalid"),
    "int_parsing": Msg("validation.int_parsing"),
    "bool_parsing": Msg("validation.bool_parsing"),
    "enum": Msg("validation.enum"),
    "literal_error": Msg("validation.literal_error"),
    "string_type": Msg("validation.string_type"),
    "int_type": Msg("validation.int_type"),
    "datetime_parsing": Msg("validation.datetime_parsing"),
    "datetime_from_date_parsing": Msg("validation.datetime_from_date_parsing"),
    "greater_than_equal": Msg("validation.greater_than_equal"),
    "less_than_equal": Msg("validation.less_than_equal"),
    "too_long": Msg("validation.too_long"),
    "list_type": Msg("validation.list_type"),
    "model_attributes_type": Msg("validation.model_attributes_type"),
    "dict_type": Msg("validation.dict_type"),
    "value_error": Msg("validation.value_error"),
}


def _validation_message(err: dict[str, Any]) -> str:
    if err.get("type") == "value_error":
        # Our own validators raise ValueError with a message written for people (a Msg, or text).
        ctx = err.get("ctx") or {}
        exc = ctx.get("error")
        if exc is not None and exc.args and isinstance(exc.args[0], str) and exc.args[0]:
            return exc.args[0]
    return _PYDANTIC_MESSAGES.get(str(err.get("type")), _PYDANTIC_MESSAGES["value_error"])


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if exc.status == 401:  # RFC 9110: a 401 names the scheme to authenticate with
            headers = {"WWW-Authenticate": "Bearer"}
        errors = [{"field": e.field, "message": e.message} for e in exc.errors] if exc.errors else None
        if exc.status == 422 and errors is None:
            errors = []
        return problem(
            exc.status, code=exc.code, detail=exc.detail, errors=errors, headers=headers, locale=request_locale(request)
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        if _only_in_path(exc):
            # An id outside the database's range in the path names nothing: not found, like any absent row.
            return not_found(request_locale(request))
        errors = [{"field": _field_name(e.get("loc", ())), "message": _validation_message(e)} for e in exc.errors()]
        detail = Msg("error.validation_failed")
        return problem(422, code="validation_failed", detail=detail, errors=errors, locale=request_locale(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        detail = _HTTP_DETAILS.get(exc.status_code) or (
            exc.detail if isinstance(exc.detail, str) else Msg("error.error")
        )
        headers = getattr(exc, "headers", None)
        return problem(exc.status_code, code=code, detail=detail, headers=headers, locale=request_locale(request))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", "-")
        log.error(
            "unhandled error request_id=%s %s %s",
            request_id,
            request.method,
            request.url.path,
            exc_info=exc,
            extra={"request_id": request_id, "method": request.method, "path": request.url.path},
        )
        return problem(
            500,
            code="internal_error",
            detail=Msg("error.internal_error", request_id=request_id),
            request_id=request_id,
            locale=request_locale(request),
        )


def install_unavailable(app: FastAPI) -> None:
    """A database or Redis that went away answers 503 naming the part, not 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if refused_input(exc):
            return _input_the_database_refused(request, exc)
        if isinstance(exc, DBAPIError) and not exc.connection_invalidated and not _is_connection_error(exc):
            return await _reraise_as_unexpected(request, exc)
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem(
            503,
            code="database_unavailable",
            detail=Msg("error.database_unavailable"),
            headers={"Retry-After": "5"},
            locale=request_locale(request),
        )

    async def _redis(request: Request, exc: Exception) -> JSONResponse:
        log.warning("redis unavailable: %s", type(exc).__name__)
        return problem(
            503,
            code="redis_unavailable",
            detail=Msg("error.redis_unavailable"),
            headers={"Retry-After": "5"},
            locale=request_locale(request),
        )

    async def _refused(request: Request, exc: Exception) -> JSONResponse:
        if refused_input(exc):
            return _input_the_database_refused(request, exc)
        return await _reraise_as_unexpected(request, exc)

    app.add_exception_handler(DBAPIError, _database)
    for kind in REFUSED_INPUT:
        app.add_exception_handler(kind, _refused)
    app.add_exception_handler(PoolTimeoutError, _database)
    app.add_exception_handler(OSError, _database)
    app.add_exception_handler(RedisConnectionError, _redis)
    app.add_exception_handler(RedisTimeoutError, _redis)


# What the database (or its driver) raises for a value it cannot take: SQLAlchemy's DataError,
# asyncpg's server-side DataError (SQLSTATE class 22) and client-side one (a number past int32),
# which the driver wraps as an InterfaceError and ``withus.db.fetch_rows`` lets through as is;
# text it cannot encode; an integer past SQLite's 64 bits.
REFUSED_INPUT: tuple[type[Exception], ...] = (
    sqlalchemy.exc.DataError,
    asyncpg.exceptions.DataError,
    asyncpg.exceptions._base.DataError,
    UnicodeEncodeError,
    OverflowError,
)


def refused_input(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is the database refusing a value: bad input, not a bug."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, REFUSED_INPUT):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _is_connection_error(exc: Exception) -> bool:
    orig = getattr(exc, "orig", None)
    name = type(orig).__name__ if orig is not None else ""
    text = str(orig or exc).lower()
    return (
        "connection" in name.lower()
        or "cannotconnect" in name.lower()
        or "connection" in text
        or "could not connect" in text
        or "terminating" in text
        or "database is locked" in text
    )


def _input_the_database_refused(request: Request, exc: Exception) -> JSONResponse:
    """The last guard for input that passed the schemas but not the database (a number past a
    column's range, text it cannot encode): bad input, so 404 for a request that only names
    something (GET, HEAD, DELETE: its input is the address) and 422 otherwise. Logged once, as a
    warning without a traceback: the input types should have refused it, so it is worth knowing."""
    request_id = getattr(request.state, "request_id", "-")
    orig = getattr(exc, "orig", None)
    log.warning(
        "input refused by the database request_id=%s %s %s: %s",
        request_id,
        request.method,
        request.url.path,
        type(orig if orig is not None else exc).__name__,
    )
    locale = request_locale(request)
    if request.method in ("GET", "HEAD", "DELETE"):
        return not_found(locale)
    return problem(422, code="validation_failed", detail=Msg("validation.out_of_range"), errors=[], locale=locale)


async def _reraise_as_unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.error(
        "database error request_id=%s %s %s",
        request_id,
        request.method,
        request.url.path,
        exc_info=exc,
        extra={"request_id": request_id, "method": request.method, "path": request.url.path},
    )
    return problem(
        500,
        code="internal_error",
        detail=Msg("error.internal_error", request_id=request_id),
        request_id=request_id,
        locale=request_locale(request),
    )
