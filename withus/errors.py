"""The one domain error tree. Services raise these; each edge translates them once.

    DomainError                 base; carries a stable snake_case ``code`` and a human ``detail``
    ├── InvalidInput            400 bad input that is not a field validation (e.g. invalid_code)
    ├── ValidationFailed        422 field errors: ``errors=[FieldError(field, message)]``
    ├── NotAuthenticated        401 no or bad credentials
    ├── Forbidden               403 authenticated but not allowed
    ├── NotFound                404 absent, or hidden from the caller
    ├── Conflict                409 conflicts with the current state
    ├── TooLarge                413 payload too large
    ├── RateLimited             429 with ``retry_after`` seconds
    └── Unavailable             503 a dependency (database, Redis, SMTP) is down

The HTTP status is named beside each class for the API edge; services never
look at it. ``detail`` is written for a person and never contains internal data.
It is a catalogue message (:class:`withus.i18n.Msg`, a ``str`` holding the Korean
text): without one, the text is the catalogue's ``error.<code>`` (else the class's
``error.<default_code>``); each edge renders it again in the reader's language
(``withus.i18n.localize``). Field error messages may be ``Msg`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from withus.i18n import Msg, has_key


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    status: int = 400
    default_code: str = "error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        if not detail:
            key = f"error.{self.code}"
            detail = Msg(key if has_key(key) else f"error.{self.default_code}", **(params or {}))
        self.detail = detail
        self.errors = errors or []
        super().__init__(self.detail)


class InvalidInput(DomainError):
    status = 400
    default_code = "invalid_input"


class ValidationFailed(DomainError):
    status = 422
    default_code = "validation_failed"

    @classmethod
    def field(cls, field: str, message: str | None = None, *, code: str | None = None) -> ValidationFailed:
        """One field's error; without ``message`` the text is the catalogue's ``error.<code>``."""
        text = message or Msg(f"error.{code}" if code and has_key(f"error.{code}") else "error.validation_failed")
        return cls(text, code=code, errors=[FieldError(field, text)])


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    status = 503
    default_code = "unavailable"
