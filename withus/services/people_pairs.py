"""The letter pairs inside live accounts' nicknames (PostgreSQL): the people search's index for
words of two and three letters.

``user_nickname_pairs (pair, user_id)`` (migration 0018) holds, for every account not deleted,
each pair of consecutive characters of ``lower(nickname)`` that does not start at the first one:
a two-letter word found *inside* a nickname (the search's rank 1: contains it, does not start
with it) is then a range of its primary key ``(pair, user_id)``, already in the order of those
matches (oldest account first); a three-letter word, two such ranges merged on the id.
``people_search`` reads it; nothing else does.

Kept here, once, in the transaction of every write of a nickname: the ORM's flush of a ``User``
(signup, :func:`withus.services.users.update`, account deletion, the tests' factories) runs
:func:`_inserted` or :func:`_updated`, which rewrite the account's pairs by the same rule as the
migration's backfill, from the nickname the flush just wrote. A write that bypasses the ORM's
unit of work (``UPDATE users SET nickname`` in SQL, a bulk ``update(User)``) would leave the pairs
stale: the services have none, and ``bench/people_search.py``, which seeds users in SQL, fills the
table with the migration itself (the other benchmarks that seed users never search people).

SQLite has no such table: its search is one statement (``people_search._inside``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, event, inspect, text

from withus.models.user import User

PAIRS = Table(
    "user_nickname_pairs",
    MetaData(),  # not the models' metadata: PostgreSQL only, and derived (Alembic compares neither)
    Column("pair", Text, primary_key=True),
    Column("user_id", Integer, primary_key=True),
)
"""The table as the search reads it (no foreign key: the index of a users row, not a fact of its
own; an account's row is never deleted, only anonymised)."""

_ADD = text(
    "INSERT INTO user_nickname_pairs (pair, user_id)"
    " SELECT DISTINCT substr(name, i, 2), CAST(:user_id AS integer) FROM lower(CAST(:nickname AS text)) AS name,"
    " generate_series(2, char_length(name) - 1) AS i"
)
"""One account's pairs: from its nickname's second character on, as ``lower()`` leaves it (the one
rule; migration 0018's backfill writes it out again, since a migration imports no app code)."""
_DROP = text("DELETE FROM user_nickname_pairs WHERE user_id = :user_id")


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


@event.listens_for(User, "after_insert")
def _inserted(_mapper: Any, connection: Connection, user: User) -> None:
    """A new account's pairs, in the flush that inserted it (its id is known by then)."""
    if _postgres(connection) and user.deleted_at is None:
        connection.execute(_ADD, {"user_id": user.id, "nickname": user.nickname})


@event.listens_for(User, "after_update")
def _updated(_mapper: Any, connection: Connection, user: User) -> None:
    """A changed nickname's pairs replace the old ones; a deleted account has none."""
    if not _postgres(connection):
        return
    attrs = inspect(user).attrs
    if not (attrs.nickname.history.has_changes() or attrs.deleted_at.history.has_changes()):
        return
    connection.execute(_DROP, {"user_id": user.id})
    if user.deleted_at is None:
        connection.execute(_ADD, {"user_id": user.id, "nickname": user.nickname})
