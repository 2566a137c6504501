"""Alembic runs synchronously with the URL from withus.settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import withus.models  # noqa: F401  (registers every table)
from withus.db import sync_url
from withus.models.base import metadata
from withus.settings import get_settings

config = context.config
url = config.attributes.get("url") or sync_url(get_settings().database_url)


def run_migrations_offline() -> None:
    context.configure(url=str(url), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    if url.get_backend_name() == "sqlite" and url.database:
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
