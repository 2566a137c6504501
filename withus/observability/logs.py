"""Logs: one JSON object per line in production, readable lines in development.

:func:`configure` (called at the start of every server process, ``withus.lifecycle.running``)
gives the ``withus`` and ``api`` loggers, which every module's ``logging.getLogger(__name__)``
is under, one handler on standard error:

- ``ENV=production`` (or ``LOG_FORMAT=json``): python-json-logger, one object per line with
  ``time``, ``level``, ``logger``, ``message`` and the fields of the line (``request_id``,
  ``route``, ``status``, ``duration_ms``, ``user_id``, ...), e.g.
  ``{"time": "2026-12-03T12:00:00.123+00:00", "level": "INFO", "logger": "withus.access",
  "message": "GET /api/clubs 200", "request_id": "9f2c...", "route": "/api/clubs", ...}``;
- otherwise (``LOG_FORMAT=text``): ``12:00:00 INFO withus.access GET /api/clubs 200 3.1 ms
  request_id=9f2c... route=/api/clubs user_id=7``.

:func:`access` writes the line of one ``/api`` request (``withus.access``); a failing STOMP
frame and the end of an SSE stream log through :func:`event` with the same fields. ``LOG_LEVEL``
sets the level (default ``INFO``); ``ACCESS_LOG=false`` leaves the access lines out.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from withus.settings import get_settings

access_log = logging.getLogger("withus.access")
LOGGERS = ("withus", "api")
# Attributes every LogRecord has; the rest of a record's __dict__ came with ``extra=``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}

# Already in the text of an access line.
_IN_ACCESS_MESSAGE = {"method", "path", "status", "duration_ms"}

_configured_as: str | None = None


def log_format() -> str:
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen
    try:
        env: str = get_settings().env
    except Exception:  # settings that cannot load stop the start elsewhere, with their own line
        env = os.environ.get("ENV", "development")
    return "json" if env == "production" else "text"


class TextFormatter(logging.Formatter):
    """``HH:MM:SS LEVEL logger message key=value ...`` (the record's extra fields last)."""

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        fields = " ".join(
            f"{k}={v}" for k, v in _extra(record).items() if v is not None and k not in _IN_ACCESS_MESSAGE
        )
        line = f"{when} {record.levelname} {record.name} {record.getMessage()}"
        if fields:
            line += f" {fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonLineFormatter(JsonFormatter):
    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


def formatter(kind: str) -> logging.Formatter:
    return JsonLineFormatter() if kind == "json" else TextFormatter()


def configure(*, stream: Any = None) -> str:
    """One handler for the app's loggers, in the format of this environment; returns it."""
    global _configured_as
    kind = log_format()
    if _configured_as == kind and stream is None:
        return kind
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind))
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            if getattr(old, "_withus", False):
                logger.removeHandler(old)
        handler._withus = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # the server's own root handler would print each line twice
    access_log.disabled = os.environ.get("ACCESS_LOG", "true").strip().lower() in ("0", "false", "no", "off")
    _configured_as = kind
    return kind


def access(
    *,
    method: str,
    path: str,
    route: str,
    status: int,
    seconds: float,
    request_id: str | None,
    user_id: int | None,
) -> None:
    """The line of one ``/api`` request (warning level for a 5xx)."""
    if access_log.disabled or not access_log.isEnabledFor(logging.INFO):
        return
    access_log.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %d %.1f ms",
        method,
        path,
        status,
        seconds * 1000,
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "user_id": user_id,
        },
    )


def event(logger: logging.Logger, level: int, message: str, **fields: Any) -> None:
    """A line with fields (``event(log, logging.INFO, "stomp error", code=..., user_id=...)``)."""
    if logger.isEnabledFor(level):
        logger.log(level, message, extra=fields)
