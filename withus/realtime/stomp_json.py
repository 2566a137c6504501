"""The JSON of a STOMP frame body: UTF-8 JSON text, nested at most :data:`MAX_JSON_DEPTH` deep,
with no lone UTF-16 surrogate (what a ``SEND`` to ``/app/...`` carries). Pure Python, no I/O."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_JSON_DEPTH", "decode_json"]

MAX_JSON_DEPTH = 32
"""How deep a JSON body may nest: a chat message is one object; 30,000 levels made ``json`` recurse
until it raised RecursionError (once an ``internal_error``)."""


def decode_json(body: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of a frame body. ValueError when it is not UTF-8 JSON text, nests deeper than
    ``max_depth`` arrays and objects, or holds a lone UTF-16 surrogate (``"\\ud800"`` parses, but is
    no Unicode text: no database can store it)."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if text.count("[") + text.count("{") > max_depth and _nesting(text) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    value = json.loads(text)
    # Text decoded from UTF-8 holds no surrogate: only a \u escape can make one (no walk without it).
    if "\\u" in text and _has_lone_surrogate(value):
        raise ValueError("a JSON string holds a lone surrogate")
    return value


def _nesting(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON ``text`` (brackets inside strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        if value.isascii():
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False
