"""statistics on the club search expression (PostgreSQL)

Revision ID: 0006
Revises: 0005

PostgreSQL ignores the statistics of a partial index's expression, so it had none
for ``lower(name || ' ' || description)`` (the pg_trgm index of 0003 is partial) and
guessed that a common keyword matches a few dozen clubs. At 100,000 clubs a word in
10% of them was then planned as a scan of every open club plus a sort (50–250 ms),
and PostgreSQL plans each search anew (the pattern is inline), so that is what every
first search got. With statistics on the expression it estimates ~10% and walks the
newest-first index until the page is full (0.2 ms); rare words keep the trigram
index. No schema change; SQLite has nothing to do.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The same expression as ix_clubs_search_trgm and withus.services.clubs._search_condition.
        op.execute("CREATE STATISTICS st_clubs_search ON (lower(name || ' ' || description)) FROM clubs")
        op.execute("ANALYZE clubs")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS st_clubs_search")
