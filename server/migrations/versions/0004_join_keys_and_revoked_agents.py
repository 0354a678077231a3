"""A player's join key, and agent tokens that the host can revoke.

``players.join_key`` is a random key the tablet makes once per join attempt and sends with it:
a join that is retried after its answer was lost finds the player it already made (with the same
key) and gets a fresh token for that player instead of a second player. Nullable: players who
joined before this revision, and clients that send no key, have none. A key is unique within a
contest.

``agents.revoked_at`` (µs since the epoch) marks an agent token the host withdrew: it no longer
opens a connection, and a connected agent with it is disconnected. ``agents.created_at`` orders
the host console's list.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("players") as batch:
        batch.add_column(sa.Column("join_key", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_players_join_key", ["contest_id", "join_key"])
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("revoked_at", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("created_at", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("created_at")
        batch.drop_column("revoked_at")
    with op.batch_alter_table("players") as batch:
        batch.drop_constraint("uq_players_join_key", type_="unique")
        batch.drop_column("join_key")
