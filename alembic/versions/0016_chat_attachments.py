"""chat messages: an image attachment (the stored file, its thumbnail and its size)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("attachment_path", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attachment_thumb_path", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attachment_width", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attachment_height", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_column("attachment_height")
        batch.drop_column("attachment_width")
        batch.drop_column("attachment_thumb_path")
        batch.drop_column("attachment_path")
