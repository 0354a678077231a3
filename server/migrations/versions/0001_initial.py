"""Initial schema: contests, the event log, snapshots, teams, players and agents.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contests",
        sa.Column("contest_id", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("host_secret_hash", sa.String(128), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "teams",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("team_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("join_code", sa.String(32), nullable=False),
        sa.UniqueConstraint("contest_id", "join_code", name="uq_teams_join_code"),
    )
    op.create_table(
        "players",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("player_id", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(40), nullable=False),
        sa.Column("generation", sa.String(16), nullable=True),
        sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
        sa.Column("card_hash", sa.String(128), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "agents",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("agent_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(100), nullable=False),
        sa.Column("teams", sa.Text, nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    )


def downgrade() -> None:
    for table in ("agents", "players", "teams", "snapshots", "events", "contests"):
        op.drop_table(table)
