"""The statements of the chat's group commit (:mod:`withus.services.chat_sending`), built once,
and how they are run so that the driver prepares each once: the same statement text whatever the
number of messages of a batch (asyncpg keeps its prepared statements per text; a batch of any
size made new texts, each one more round trip and a parse and plan by PostgreSQL)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import DateTime, Integer, and_, bindparam, case, or_, text, tuple_, update
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import col

from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom
from withus.models.club import Club, ClubMember
from withus.models.user import User
from withus.services import users as user_service


def padded(values: list[Any], like: int = 0) -> list[Any]:
    """``values`` (not empty) lengthened to the next power of two (of ``like`` when that is longer:
    the lists of one statement padded alike, so that their lengths do not combine into more texts)
    by repeating the last one, for an expanding ``IN``: the same rows, and a statement text of one
    of a few lengths, so that the driver's prepared statements are used again (asyncpg keeps them
    per text; a batch of any size made a new text, one more round trip and a parse and plan by
    PostgreSQL for each statement)."""
    size = 1 << (max(len(values), like) - 1).bit_length()
    return values + [values[-1]] * (size - len(values))


@cache
def statements() -> dict[str, Any]:
    sender = aliased(User, name="sender")
    peer = aliased(User, name="peer")
    peer_id = case(
        (col(ChatRoom.user_low_id) == sender.id, col(ChatRoom.user_high_id)), else_=col(ChatRoom.user_low_id)
    )
    blocked = sa_select(1).where(user_service.blocked_either_way(sender.id, peer.id)).exists()
    pairs: Any = bindparam("pairs", expanding=True)
    return {
        # Per (room, sender): everything the checks need, one row per pair whose room exists.
        "access": sa_select(
            col(ChatRoom.id).label("room_id"),
            col(ChatRoom.kind),
            col(ChatRoom.club_id),
            col(ChatRoom.user_low_id),
            col(ChatRoom.user_high_id),
            col(sender.id).label("sender_id"),
            col(sender.nickname),
            col(sender.avatar_path),
            col(sender.deleted_at).label("sender_deleted_at"),
            col(ChatParticipant.user_id).is_not(None).label("has_participant"),
            col(peer.id).label("peer_id"),
            col(peer.deleted_at).label("peer_deleted_at"),
            blocked.label("blocked"),
            col(Club.name).label("club_name"),
            col(Club.closed_at).label("club_closed_at"),
            col(ClubMember.role),
        )
        .select_from(ChatRoom)
        .join(sender, tuple_(col(ChatRoom.id), col(sender.id)).in_(pairs))
        .outerjoin(
            ChatParticipant,
            and_(col(ChatParticipant.room_id) == col(ChatRoom.id), col(ChatParticipant.user_id) == col(sender.id)),
        )
        .outerjoin(peer, and_(col(ChatRoom.kind) == "direct", col(peer.id) == peer_id))
        .outerjoin(Club, col(Club.id) == col(ChatRoom.club_id))
        .outerjoin(
            ClubMember,
            and_(col(ClubMember.club_id) == col(ChatRoom.club_id), col(ClubMember.user_id) == col(sender.id)),
        )
        .where(
            col(ChatRoom.id).in_(bindparam("room_ids", expanding=True)),
            col(sender.id).in_(bindparam("sender_ids", expanding=True)),
        ),
        # In id order: two transactions that lock several rooms never wait for each other in a
        # circle. (SQLite has no FOR UPDATE; its BEGIN IMMEDIATE already serializes writers.)
        "lock": sa_select(col(ChatRoom.id), col(ChatRoom.last_seq))
        .where(col(ChatRoom.id).in_(bindparam("room_ids", expanding=True)))
        .order_by(col(ChatRoom.id))
        .with_for_update(),
        "resent": sa_select(
            col(ChatMessage.id),
            col(ChatMessage.room_id),
            col(ChatMessage.seq),
            col(ChatMessage.sender_id),
            col(ChatMessage.body),
            col(ChatMessage.client_msg_id),
            col(ChatMessage.created_at),
            col(ChatMessage.hidden_at),
            col(ChatMessage.edited_at),
            col(ChatMessage.deleted_at),
            col(ChatMessage.attachment_path),
            col(ChatMessage.attachment_thumb_path),
            col(ChatMessage.attachment_width),
            col(ChatMessage.attachment_height),
        ).where(
            tuple_(col(ChatMessage.room_id), col(ChatMessage.sender_id), col(ChatMessage.client_msg_id)).in_(
                bindparam("keys", expanding=True)
            )
        ),
        "advance": update(ChatRoom)
        .where(col(ChatRoom.id) == bindparam("the_room_id", type_=Integer()))
        .values(
            last_seq=bindparam("the_seq", type_=Integer()),
            last_activity_at=bindparam("the_now", type_=DateTime(timezone=True)),
        ),
        "insert": sa_insert(ChatMessage).returning(col(ChatMessage.id), sort_by_parameter_order=True),
        # Names unlike any column's: an UPDATE reserves those for its SET clause. One UPDATE for
        # both: the sender's read mark, and every hidden mark of the room.
        "read_and_unhide": update(ChatParticipant)
        .where(
            col(ChatParticipant.room_id) == bindparam("the_room_id", type_=Integer()),
            or_(
                col(ChatParticipant.user_id) == bindparam("the_sender_id", type_=Integer()),
                col(ChatParticipant.hidden_at).is_not(None),
            ),
        )
        .values(
            last_read_seq=case(
                (
                    col(ChatParticipant.user_id) == bindparam("the_sender_id", type_=Integer()),
                    bindparam("the_seq", type_=Integer()),
                ),
                else_=col(ChatParticipant.last_read_seq),
            ),
            hidden_at=None,
        ),
        "members": sa_select(col(ClubMember.club_id), col(ClubMember.user_id)).where(
            col(ClubMember.club_id).in_(bindparam("club_ids", expanding=True))
        ),
    }


UNNEST_INSERT = text(
    "INSERT INTO chat_messages (room_id, seq, sender_id, body, client_msg_id, created_at) "
    "SELECT r, s, u, b, c, :created_at FROM unnest("
    "CAST(:room_ids AS INTEGER[]), CAST(:seqs AS INTEGER[]), CAST(:sender_ids AS INTEGER[]), "
    "CAST(:bodies AS TEXT[]), CAST(:client_ids AS TEXT[])) AS t(r, s, u, b, c) "
    "RETURNING id, room_id, seq"
).bindparams(bindparam("created_at", type_=DateTime(timezone=True)))


UNNEST_ADVANCE = text(
    "UPDATE chat_rooms SET last_seq = v.seq, last_activity_at = :now "
    "FROM unnest(CAST(:room_ids AS INTEGER[]), CAST(:seqs AS INTEGER[])) AS v(room_id, seq) "
    "WHERE chat_rooms.id = v.room_id"
).bindparams(bindparam("now", type_=DateTime(timezone=True)))

# The sender's read mark from their own (room, sender) row of v, looked up, never joined: a hidden
# participant of a room where two people sent matches both rows of v, and a join would pick either.
UNNEST_READ_AND_UNHIDE = text(
    "WITH v AS (SELECT * FROM unnest(CAST(:room_ids AS INTEGER[]), CAST(:sender_ids AS INTEGER[]), "
    "CAST(:seqs AS INTEGER[])) AS t(room_id, sender_id, seq)) "
    "UPDATE chat_participants AS p SET "
    "last_read_seq = COALESCE((SELECT v.seq FROM v WHERE v.room_id = p.room_id AND v.sender_id = p.user_id), "
    "p.last_read_seq), hidden_at = NULL "
    "WHERE p.room_id IN (SELECT v.room_id FROM v) AND (p.hidden_at IS NOT NULL "
    "OR EXISTS (SELECT 1 FROM v WHERE v.room_id = p.room_id AND v.sender_id = p.user_id))"
)


async def advanced(conn: Any, seqs: dict[int, int], now: Any) -> None:
    """Each room's ``last_seq`` and activity time (rooms already locked): on PostgreSQL one
    statement from arrays (an executemany built its parameters once per room)."""
    rooms = sorted(seqs)
    if conn.dialect.name != "postgresql":
        await conn.execute(
            statements()["advance"], [{"the_room_id": r, "the_seq": seqs[r], "the_now": now} for r in rooms]
        )
        return
    await conn.execute(UNNEST_ADVANCE, {"room_ids": rooms, "seqs": [seqs[r] for r in rooms], "now": now})


async def read_and_unhidden(conn: Any, marks: list[tuple[int, int, int]]) -> None:
    """``(room_id, sender_id, seq)``, one per pair: the sender's read mark, and every hidden mark of
    those rooms cleared; on PostgreSQL one statement from arrays."""
    if conn.dialect.name != "postgresql":
        await conn.execute(
            statements()["read_and_unhide"],
            [{"the_room_id": r, "the_sender_id": u, "the_seq": q} for r, u, q in marks],
        )
        return
    await conn.execute(
        UNNEST_READ_AND_UNHIDE,
        {"room_ids": [m[0] for m in marks], "sender_ids": [m[1] for m in marks], "seqs": [m[2] for m in marks]},
    )


async def inserted(conn: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the messages; their ids, in the order of ``rows``. On PostgreSQL one statement text
    whatever their number (arrays through ``unnest``: prepared once by the driver, where a VALUES
    list of each length was a new text, so a prepare round trip per batch). An image message (one
    per upload, never in a STOMP batch) takes the plain INSERT with its attachment columns."""
    if conn.dialect.name != "postgresql" or any(r["attachment_path"] for r in rows):
        return [row.id for row in await conn.execute(statements()["insert"], rows)]
    result = await conn.execute(
        UNNEST_INSERT,
        {
            "room_ids": [r["room_id"] for r in rows],
            "seqs": [r["seq"] for r in rows],
            "sender_ids": [r["sender_id"] for r in rows],
            "bodies": [r["body"] for r in rows],
            "client_ids": [r["client_msg_id"] for r in rows],
            "created_at": rows[0]["created_at"],
        },
    )
    by_seq = {(row.room_id, row.seq): row.id for row in result}
    return [by_seq[(r["room_id"], r["seq"])] for r in rows]


@cache
def upsert_participant(dialect: str) -> Any:
    """A club member's first message in the room creates their read state (or, if a read mark
    was stored meanwhile, moves it to the message)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ChatParticipant)
    return stmt.on_conflict_do_update(
        index_elements=[col(ChatParticipant.room_id), col(ChatParticipant.user_id)],
        set_={"last_read_seq": stmt.excluded.last_read_seq},
    )
