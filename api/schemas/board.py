"""OpenAPI error descriptions of the board and report endpoints (the bodies are problem+json)."""

from __future__ import annotations

from typing import Any

_COMMON = {
    401: "Not logged in (`not_authenticated`); for a private club's board also when reading.",
    422: "Validation failed (`validation_failed`); `errors` names each field.",
    429: "Too many in a short time (`rate_limited`); see `Retry-After`.",
}


def problems(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: common statuses by number, specific ones as ``s403="..."``."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"description": _COMMON[code], "content": {"application/problem+json": {}}}
    for key, text in described.items():
        out[int(key.removeprefix("s"))] = {"description": text, "content": {"application/problem+json": {}}}
    return out
