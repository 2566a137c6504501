"""people search: user_nickname_pairs, every pair of letters inside a live account's nickname, for
words of two and three letters (PostgreSQL only; kept by withus/services/people_pairs.py). It
replaces 0017's trigram index of letter pairs, ix_users_nickname_pairs, which is dropped.

The backfill reads users under its plain read lock (writes go on beside it): the new table is
filled first and its primary key built once, sorted; dropping the old index comes last, so its
exclusive lock on users lasts from there to the commit only. ``deploy.instances start`` migrates
before it starts any instance; an account that an older server still running created or renamed
meanwhile would have no pairs, or its old ones, until its nickname changes again.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# the rule of withus/services/people_pairs.py _ADD, written out (a migration imports no app code)
BACKFILL = (
    "INSERT INTO user_nickname_pairs (pair, user_id)"
    " SELECT p.pair, u.id FROM users AS u,"
    " LATERAL (SELECT DISTINCT substr(name, i, 2) AS pair FROM lower(u.nickname) AS name,"
    " generate_series(2, char_length(name) - 1) AS i) AS p"
    " WHERE u.deleted_at IS NULL"
)
PAIRS = "regexp_replace(lower(nickname), '(.)', '\\1\ua66e', 'g')"  # 0017's, for the downgrade


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE user_nickname_pairs (pair text NOT NULL, user_id integer NOT NULL)")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE user_nickname_pairs ADD CONSTRAINT pk_user_nickname_pairs PRIMARY KEY (pair, user_id)")
    op.execute("ANALYZE user_nickname_pairs")
    op.execute("DROP INDEX IF EXISTS ix_users_nickname_pairs")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS ix_users_nickname_pairs ON users USING gin ({PAIRS} gin_trgm_ops)"
        " WHERE deleted_at IS NULL"
    )
    op.execute("DROP TABLE IF EXISTS user_nickname_pairs")
