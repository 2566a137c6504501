"""The base of every table, and column helpers shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(SQLModel):
    """What every table derives from (``class Club(Base, table=True)``): its :data:`metadata`
    names indexes and constraints by :data:`NAMING_CONVENTION`, whatever was imported first.
    Schemas that are no table (``ClubPublic``, ...) derive from ``SQLModel`` itself."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata: MetaData = Base.metadata
"""Every table of the application (importing :mod:`withus.models` registers them); Alembic's target."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> datetime:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)  # type: ignore[no-any-return]


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
