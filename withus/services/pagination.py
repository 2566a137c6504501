"""Pages of a list: how many rows a page may hold and the opaque cursors that say where the
next page starts. Every list of the services (clubs, members, board, comments, reports,
notifications, chat rooms and messages) pages with these; they import nothing of the services."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from withus.errors import InvalidInput
from withus.models.base import as_utc
from withus.models.types import INT32_MAX, text_problem

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def clamp_limit(limit: int | None, *, default: int = DEFAULT_LIMIT) -> int:
    """The page size asked for, within 1..:data:`MAX_LIMIT`; ``default`` when none was asked."""
    if limit is None:
        return default
    return max(1, min(MAX_LIMIT, limit))


def encode_cursor(*parts: Any) -> str:
    """An opaque cursor holding ``parts`` (datetimes as ISO text); :func:`decode_cursor` reads it."""
    raw = json.dumps([p.isoformat() if isinstance(p, datetime) else p for p in parts], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *kinds: type) -> list[Any]:
    """The parts of an opaque cursor, each converted to ``kinds``; anything else → 400 ``invalid_cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != len(kinds):
            raise ValueError
        out: list[Any] = []
        for part, kind in zip(parts, kinds, strict=True):
            if kind is datetime:
                out.append(as_utc(datetime.fromisoformat(part)))
            elif kind is int:
                # ids, seqs and ranks: 32-bit columns, so nothing past INT32_MAX is on any page
                if type(part) is not int or not 0 <= part <= INT32_MAX:
                    raise ValueError
                out.append(part)
            elif kind is str:
                if not isinstance(part, str) or text_problem(part) is not None:
                    raise ValueError
                out.append(part)
            else:
                out.append(kind(part))
        return out
    except (ValueError, TypeError, RecursionError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInput(code="invalid_cursor") from None
