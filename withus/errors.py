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
look at it. ``detail`` is written for a person (Korean in this product) and
never contains internal data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    status: int = 400
    default_code: str = "error"
    default_detail: str = "요청을 처리할 수 없습니다."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.errors = errors or []
        super().__init__(self.detail)


class InvalidInput(DomainError):
    status = 400
    default_code = "invalid_input"
    default_detail = "잘못된 요청입니다."


class ValidationFailed(DomainError):
    status = 422
    default_code = "validation_failed"
    default_detail = "입력값을 확인해 주세요."

    @classmethod
    def field(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        return cls(message, code=code, errors=[FieldError(field, message)])


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"
    default_detail = "로그인이 필요합니다."


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"
    default_detail = "권한이 없습니다."


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    default_detail = "찾을 수 없습니다."


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
    default_detail = "현재 상태와 충돌합니다."


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"
    default_detail = "너무 큽니다."


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"
    default_detail = "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."

    def __init__(self, detail: str | None = None, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    status = 503
    default_code = "unavailable"
    default_detail = "일시적으로 사용할 수 없습니다."
