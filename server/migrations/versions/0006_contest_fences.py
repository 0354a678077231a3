"""Fencing tokens of contests served by several processes (server/cluster.py).

``contest_fences`` holds, per contest, the newest fencing token a process claimed when it took
the contest's Redis lease. Every append of that process checks, in its own transaction, that its
token is still the newest; a process that lost the lease (paused, partitioned) can never write
again. One process without Redis writes no row here and checks nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contest_fences",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("fence", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("contest_fences")
