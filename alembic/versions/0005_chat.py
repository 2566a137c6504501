"""chat: rooms, participants (read state), messages

Revision ID: 0005
Revises: 0004

``clubs.chat_room_id`` (migration 0003) stays without a foreign key: adding one would
rebuild the clubs table on SQLite; ``chat_rooms.club_id`` (unique, cascading) is the
authoritative link.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

KIND_MEMBERS = (
    "(kind = 'club' AND club_id IS NOT NULL AND user_low_id IS NULL AND user_high_id IS NULL)"
    " OR (kind = 'direct' AND club_id IS NULL AND user_low_id IS NOT NULL"
    " AND user_high_id IS NOT NULL AND user_low_id < user_high_id)"
)


def upgrade() -> None:
    op.create_table(
        "chat_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=True),
        sa.Column("user_low_id", sa.Integer(), nullable=True),
        sa.Column("user_high_id", sa.Integer(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(KIND_MEMBERS, name=op.f("ck_chat_rooms_kind_members")),
        sa.ForeignKeyConstraint(
            ["club_id"], ["clubs.id"], name=op.f("fk_chat_rooms_club_id_clubs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_high_id"], ["users.id"], name=op.f("fk_chat_rooms_user_high_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_low_id"], ["users.id"], name=op.f("fk_chat_rooms_user_low_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_rooms")),
        sa.UniqueConstraint("club_id", name=op.f("uq_chat_rooms_club_id")),
        sa.UniqueConstraint("user_low_id", "user_high_id", name=op.f("uq_chat_rooms_user_low_id_user_high_id")),
    )
    op.create_index("ix_chat_rooms_last_activity_at_id", "chat_rooms", ["last_activity_at", "id"], unique=False)
    op.create_index(op.f("ix_chat_rooms_user_high_id"), "chat_rooms", ["user_high_id"], unique=False)

    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("client_msg_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"], ["chat_rooms.id"], name=op.f("fk_chat_messages_room_id_chat_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_chat_messages_sender_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "room_id", "sender_id", "client_msg_id", name=op.f("uq_chat_messages_room_id_sender_id_client_msg_id")
        ),
        sa.UniqueConstraint("room_id", "seq", name=op.f("uq_chat_messages_room_id_seq")),
    )
    op.create_index(op.f("ix_chat_messages_sender_id"), "chat_messages", ["sender_id"], unique=False)

    op.create_table(
        "chat_participants",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_read_seq", sa.Integer(), nullable=False),
        sa.Column("cleared_seq", sa.Integer(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["chat_rooms.id"], name=op.f("fk_chat_participants_room_id_chat_rooms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chat_participants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_chat_participants")),
    )
    op.create_index(op.f("ix_chat_participants_user_id"), "chat_participants", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_participants_user_id"), table_name="chat_participants")
    op.drop_table("chat_participants")
    op.drop_index(op.f("ix_chat_messages_sender_id"), table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_chat_rooms_user_high_id"), table_name="chat_rooms")
    op.drop_index("ix_chat_rooms_last_activity_at_id", table_name="chat_rooms")
    op.drop_table("chat_rooms")
