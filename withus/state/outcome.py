"""What a browser-side API call (``assets/js/withus.js``) hands back to a state handler.

Only the outcome travels: status, problem ``code`` and ``detail``, field errors,
``Retry-After``. Never a password or a token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from withus.i18n.reader import here


@dataclass(frozen=True)
class ApiOutcome:
    ok: bool
    status: int = 0
    code: str = ""
    detail: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    retry_after: int = 0
    fields: list[str] = field(default_factory=list)  # for code "missing_fields", checked in the browser

    @classmethod
    def of(cls, result: Any) -> ApiOutcome:
        if not isinstance(result, dict):
            return cls(ok=False, detail=here("form.generic_error"))
        errors = []
        for e in result.get("errors") or []:
            if isinstance(e, dict):
                errors.append((str(e.get("field", "")), str(e.get("message", ""))))
        try:
            status = int(result.get("status") or 0)
            retry_after = int(float(result.get("retry_after") or 0))
        except (TypeError, ValueError):
            status, retry_after = 0, 0
        return cls(
            ok=bool(result.get("ok")),
            status=status,
            code=str(result.get("code") or ""),
            detail=str(result.get("detail") or "")[:300],
            errors=errors,
            retry_after=max(0, retry_after),
            fields=[str(f) for f in result.get("fields") or []],
        )

    def field_errors(self) -> dict[str, str]:
        """Field errors by their last path segment (``body.username`` → ``username``), first message wins."""
        out: dict[str, str] = {}
        for name, message in self.errors:
            key = name.rsplit(".", 1)[-1]
            out.setdefault(key, message)
        return out


def wait_text(seconds: int) -> str:
    if seconds >= 90:
        return here("form.wait_minutes", n=round(seconds / 60))
    return here("form.wait_seconds", n=max(1, seconds))


def retry_message(prefix: str, retry_after: int) -> str:
    """``로그인 시도가 너무 많습니다. 30초 후에 다시 시도해 주세요.``"""
    if retry_after > 0:
        return here("form.retry_in", prefix=prefix, wait=wait_text(retry_after))
    return here("form.retry_later", prefix=prefix)
