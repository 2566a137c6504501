"""Field types shared by every schema: ids with the database's range, and text the database can store.

- ``Id`` — a row id as it comes in a path or a query (text parsed as an integer), 1..2**31-1:
  every id column is a 32-bit ``INTEGER`` on both databases, so a larger number names nothing.
  The API edge answers an out-of-range id in a path with 404, like any other absent row.
- ``StrictId`` — the same range in a JSON body, where it must be a JSON integer: ``true`` and
  ``"7"`` are not ids (pydantic's lax mode would take ``true`` for user 1); ``7.0`` is one, as
  JSON Schema says.
- ``IsoDateTime`` — ISO 8601 text; a number is refused (lax mode would read ``0`` as 1970).
- ``Seq`` — a chat message's ``seq`` (also a 32-bit column), 0..2**31-1; ``StrictSeq`` in bodies.
- ``Text`` — any string a client sends: no NUL (PostgreSQL cannot store it) and no lone UTF-16
  surrogate (``"\\ud800"`` is valid JSON but not Unicode text; no database encoding takes it).
  Its JSON schema says so with a ``pattern`` (NUL; a JSON Schema string has no lone surrogate by
  definition); the check itself is :func:`check_text`, which the services that take text from
  other edges (STOMP ``SEND``) call too.

The limits show in the OpenAPI document (``minimum``/``maximum``, ``pattern``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, BeforeValidator, Field

from withus.i18n import Msg

INT32_MAX = 2**31 - 1

# ECMA-262 (JSON Schema) spelling: no NUL anywhere. Lone surrogates need no pattern: a JSON Schema
# string is Unicode text, which has none (and validators such as Rust's regex cannot name them).
TEXT_PATTERN = "^[^\\u0000]*$"

NUL_MESSAGE = Msg("validation.text_nul")
SURROGATE_MESSAGE = Msg("validation.text_surrogate")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def check_text(value: str) -> str:
    """``value`` unchanged, or ValueError with a message for people (a 422 at the API edge)."""
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _json_integer(value: object) -> object:
    """A JSON integer: JSON Schema counts ``7.0`` as one (lax int takes it), never ``true`` or ``"7"``."""
    if isinstance(value, bool | str | bytes):
        raise ValueError(Msg("validation.integer"))
    return value


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _datetime_text(value: object) -> object:
    """A date-time is ISO 8601 text: a number (pydantic's lax mode reads it as Unix time) is not one."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(Msg("validation.iso_datetime"))
    return value


def is_id(value: object) -> bool:
    """A JSON integer in the id range (not a bool)."""
    return type(value) is int and 1 <= value <= INT32_MAX


Id = Annotated[int, Ge(1), Le(INT32_MAX)]
StrictId = Annotated[int, Ge(1), Le(INT32_MAX), BeforeValidator(_json_integer)]
Seq = Annotated[int, Ge(0), Le(INT32_MAX)]
StrictSeq = Annotated[int, Ge(0), Le(INT32_MAX), BeforeValidator(_json_integer)]
IsoDateTime = Annotated[datetime, BeforeValidator(_datetime_text)]
Text = Annotated[str, AfterValidator(check_text), Field(json_schema_extra={"pattern": TEXT_PATTERN})]
