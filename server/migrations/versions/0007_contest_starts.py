"""When a contest is due to start (issue 15).

``contests.starts_at`` (µs since the epoch, UTC; NULL: not said): set when the contest is created
(the admin area's form, or ``starts_at`` in ``POST /api/contests``) and shown by the big screen's
lobby (``GET …/lobby``), so the start time no longer has to ride in the screen link.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.add_column(sa.Column("starts_at", sa.BigInteger, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("starts_at")
