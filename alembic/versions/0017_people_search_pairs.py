"""people search at 1M users: a btree on lower(nickname) COLLATE "C" (prefix ranges in order) and a
pg_trgm GIN index of lower(nickname) with a mark after every letter (two-letter queries), both of
live accounts (PostgreSQL only; see withus/services/people_search.py)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PAIRS = "regexp_replace(lower(nickname), '(.)', '\\1\ua66e', 'g')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'CREATE INDEX ix_users_nickname_c ON users (lower(nickname) COLLATE "C", id) WHERE deleted_at IS NULL'
        )
        op.execute(
            f"CREATE INDEX ix_users_nickname_pairs ON users USING gin ({PAIRS} gin_trgm_ops) WHERE deleted_at IS NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_users_nickname_pairs")
        op.execute("DROP INDEX IF EXISTS ix_users_nickname_c")
