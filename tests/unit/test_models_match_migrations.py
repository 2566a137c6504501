"""Models and migrations never drift: a database migrated from nothing to head has what the models
declare — tables, columns (types, nullability, server defaults), indexes, unique, foreign-key and
check constraints, each under its conventional name — on SQLite and on PostgreSQL.

Alembic's autogenerate comparison (``compare_metadata``) must find nothing to do; it does not
compare constraint names (only those of indexes and unique constraints), so the names of every
primary key, foreign key, unique and check constraint and index are compared here as well. A
model changed without a migration (or a migration without its model) fails here: write the
migration (``alembic revision --autogenerate``, then read it) or fix the model.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Engine, ForeignKeyConstraint, UniqueConstraint, create_engine, inspect
from sqlmodel import SQLModel

import withus.models  # noqa: F401  (registers every table)
from tests.conftest import STACK_PARAMS, _drop_pg_database, _private_pg_database
from withus.db import sync_url
from withus.models.base import NAMING_CONVENTION, metadata
from withus.settings import ROOT

DATABASE_ONLY = {
    "ix_clubs_search_trgm": "PostgreSQL only (migration 0003): the keyword search's pg_trgm GIN index on "
    "lower(name || ' ' || description); an expression index with an operator class, which autogenerate "
    "can neither reflect on SQLite nor compare on PostgreSQL (withus/models/club.py says so)",
    "ix_users_nickname_trgm": "PostgreSQL only (migration 0012): the people search's pg_trgm GIN index on "
    "lower(nickname), for the same reason (withus/services/people_search.py says so)",
    "ix_users_nickname_c": "PostgreSQL only (migration 0017): the people search's btree on "
    'lower(nickname) COLLATE "C", an expression index with a collation (the same reason)',
}
"""What the migrations make that the models do not declare, and why."""

DATABASE_ONLY_TABLES = {
    "user_nickname_pairs": "PostgreSQL only (migration 0018): the people search's letter pairs inside "
    "each live nickname, kept by withus/services/people_pairs.py (which declares it on a metadata of "
    "its own): SQLite's search needs none",
}


@pytest.fixture(scope="module", params=STACK_PARAMS)
def migrated(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of its own, migrated from nothing to head."""
    if request.param == "pg":
        url = _private_pg_database()
        name = url.rsplit("/", 1)[1]
    else:
        folder = Path(tempfile.mkdtemp(prefix="withus-drift-"))
        url = f"sqlite:///{folder / 'drift.db'}"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = sync_url(url)
    command.upgrade(cfg, "head")
    engine = create_engine(sync_url(url))
    try:
        yield engine
    finally:
        engine.dispose()
        if request.param == "pg":
            _drop_pg_database(name)


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    if type_ == "table" and reflected and compare_to is None and name in DATABASE_ONLY_TABLES:
        return False
    return not (type_ == "index" and reflected and compare_to is None and name in DATABASE_ONLY)


def test_every_table_is_on_the_models_own_metadata() -> None:
    assert list(SQLModel.metadata.tables) == []  # a table on SQLModel's own metadata escapes Alembic
    assert metadata.naming_convention == NAMING_CONVENTION


def test_autogenerate_finds_nothing_to_do(migrated: Engine) -> None:
    with migrated.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": True, "include_object": _include},
        )
        diff = compare_metadata(context, metadata)
    assert diff == [], "models and migrations differ (write a migration):\n" + "\n".join(map(str, diff))


def test_the_database_only_objects_are_there(migrated: Engine) -> None:
    inspector = inspect(migrated)
    indexes = {ix["name"] for table in ("clubs", "users") for ix in inspector.get_indexes(table)}
    tables = set(inspector.get_table_names())
    if migrated.dialect.name == "postgresql":
        assert set(DATABASE_ONLY) <= indexes and set(DATABASE_ONLY_TABLES) <= tables
    else:
        assert not set(DATABASE_ONLY) & indexes and not set(DATABASE_ONLY_TABLES) & tables


def _names(inspector: Any, table: str) -> dict[str, set[str | None]]:
    return {
        "primary key": {inspector.get_pk_constraint(table)["name"]},
        "foreign keys": {fk["name"] for fk in inspector.get_foreign_keys(table)},
        "unique": {uq["name"] for uq in inspector.get_unique_constraints(table)},
        "check": {ck["name"] for ck in inspector.get_check_constraints(table)},
        # PostgreSQL also lists the index behind each unique constraint
        "indexes": {ix["name"] for ix in inspector.get_indexes(table) if not ix.get("duplicates_constraint")}
        - set(DATABASE_ONLY),
    }


def _declared(table: Any) -> dict[str, set[str | None]]:
    constraints = table.constraints
    return {
        "primary key": {table.primary_key.name},
        "foreign keys": {c.name for c in constraints if isinstance(c, ForeignKeyConstraint)},
        "unique": {c.name for c in constraints if isinstance(c, UniqueConstraint)},
        "check": {c.name for c in constraints if isinstance(c, CheckConstraint)},
        "indexes": {ix.name for ix in table.indexes},
    }


def test_constraints_carry_the_names_the_models_give(migrated: Engine) -> None:
    inspector = inspect(migrated)
    differences = []
    for name, table in sorted(metadata.tables.items()):
        found, declared = _names(inspector, name), _declared(table)
        for kind in declared:
            if found[kind] != declared[kind]:
                database, models = sorted(map(str, found[kind])), sorted(map(str, declared[kind]))
                differences.append(f"{name} {kind}: database {database}, models {models}")
    assert differences == []
