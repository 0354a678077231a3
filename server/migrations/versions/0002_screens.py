"""Venue screens: a token per big screen, created by the host for a venue (like agents).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screens",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("screen_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("screens")
