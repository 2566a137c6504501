"""All configuration, read once from the environment (and an optional ``.env``).

The embedded default needs nothing: a SQLite file under ``data/``, an
in-process stand-in for Redis, mail written to the log and ``data/outbox``.
With ``ENV=production`` a missing or placeholder ``JWT_SECRET`` refuses to start.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "changethis", "jwt-secret"}


class SettingsError(RuntimeError):
    """A setting that makes starting impossible; its message is one clear line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = ROOT / "data"
    database_url: str = ""
    # PostgreSQL connections per process, kept open. Above it, up to DB_MAX_OVERFLOW more are opened
    # for a burst and closed again (each a new PostgreSQL backend: costly when it happens all the time).
    db_pool_size: int = Field(default=30, ge=1, le=500)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    db_pool_timeout: float = Field(default=10, gt=0, le=300)
    """Seconds a request waits for a pooled connection before it answers 503."""
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = 10.0
    mail_from: str = "withUs <no-reply@withus.local>"
    # Seconds a mail worker's claim on a batch lasts unless renewed: rows of a worker that died
    # are sent by another once it runs out (services.mail_worker).
    mail_claim_lease: float = Field(default=60.0, gt=0, le=3600)
    jwt_secret: str = ""
    jwt_issuer: str = "withus"
    jwt_audience: str = "withus"
    # NoDecode: the variable is comma-separated (README), not JSON; split by _split_origins below.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Peers whose X-Forwarded-For is believed (nginx in front); comma-separated like ALLOWED_ORIGINS.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    port: int = 3000
    media_dir: Path | None = None
    public_url: str | None = None
    cookie_secure: bool = False
    # Hours before an event's start when its going attendees are reminded (notification and mail).
    event_reminder_hours: float = Field(default=24.0, gt=0, le=24 * 14)
    # GET /metrics for a scraper outside TRUSTED_PROXIES: Authorization: Bearer <METRICS_TOKEN>.
    metrics_token: str = ""
    # Net allocations between collections of the youngest generation (withus.lifecycle.tune_gc):
    # fewer makes more, shorter pauses; Python's own default is 700.
    gc_gen0_threshold: int = Field(default=50_000, ge=100, le=1_000_000)

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, v: object) -> object:
        if isinstance(v, str):
            return [o.strip().rstrip("/") for o in v.split(",") if o.strip()]
        return v

    @field_validator("redis_url", "smtp_host", mode="before")
    @classmethod
    def _empty_is_none(cls, v: object) -> object:
        return None if v == "" else v

    @model_validator(mode="after")
    def _derive(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'withus.db'}"
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise SettingsError(f"DATABASE_URL is not a database URL: {self.database_url!r}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise SettingsError("DATABASE_URL must be sqlite:///... or postgresql://...")
        if self.media_dir is None:
            self.media_dir = self.data_dir / "media"
        if not self.public_url:
            self.public_url = f"http://localhost:{self.port}"
        if not self.allowed_origins:
            self.allowed_origins = [
                self.public_url.rstrip("/"),
                f"http://localhost:{self.port}",
                f"http://127.0.0.1:{self.port}",
            ]
        if self.jwt_secret.strip().lower() in PLACEHOLDER_SECRETS or len(self.jwt_secret) < 32:
            if self.env == "production":
                raise SettingsError(
                    "JWT_SECRET is missing, a placeholder or shorter than 32 characters;"
                    " set a random secret (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            self.jwt_secret = _embedded_secret(self.data_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def media_path(self) -> Path:
        assert self.media_dir is not None
        return self.media_dir


def _embedded_secret(data_dir: Path) -> str:
    """A secret generated once for the embedded mode and kept under ``data/``."""
    path = data_dir / "jwt_secret"
    if path.exists():
        value = path.read_text().strip()
        if len(value) >= 32:
            return value
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
