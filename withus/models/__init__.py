"""SQLModel tables and schemas, one module per domain. Importing this package
registers every table on ``withus.db.metadata`` (Alembic reads it)."""

from withus.models.user import User

__all__ = ["User"]
