"""Idempotent commands: an event may carry the reference of the client message it ends.

``events.ref`` holds who sent the command (host, ``player:<id>``, ``agent:<id>``) and digests of the
message's id and of the whole message, so that a message resent after a lost ack is answered with
its first ack instead of being carried out again — also after a restart. Nullable: timers, the
HTTP API's setup and every event written before this revision have none.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("ref", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("ref")
