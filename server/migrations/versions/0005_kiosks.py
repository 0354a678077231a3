"""Registration kiosks, how each player registered, and what retention needs (issue 13).

``kiosks``: a token per registration kiosk, created by the host for a venue and one library (like
screens); ``librarian_pin_hash`` is the scrypt hash of the librarian's PIN for the fallback
(register by name when the library's system does not answer), empty when the fallback is off.

``players``: ``library`` (the library whose card or librarian registered them),
``registered_via`` (``card``, ``librarian`` or ``code`` — the team's join code), the hash of
their one-time tablet code and when it expires, and ``erased_at`` (their personal data was
deleted: on request or by retention). A card is registered once per contest: ``card_hash`` is
unique within a contest (NULLs, i.e. players without a card, do not count).

``teams.library``: the library whose kiosks register the team's players.

``contests.finished_at`` (µs since the epoch): when the contest ended, the start of the
retention period. Contests that had already finished get the time of this upgrade.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column(
            "contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True
        ),
        sa.Column("kiosk_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(100), nullable=False),
        sa.Column("library", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
        sa.Column("librarian_pin_hash", sa.String(200), nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    with op.batch_alter_table("players") as batch:
        batch.add_column(sa.Column("library", sa.String(100), nullable=True))
        batch.add_column(sa.Column("registered_via", sa.String(16), nullable=True))
        batch.add_column(sa.Column("tablet_code_hash", sa.String(128), nullable=True))
        batch.add_column(sa.Column("tablet_code_expires", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("erased_at", sa.BigInteger, nullable=True))
        batch.create_unique_constraint("uq_players_card_hash", ["contest_id", "card_hash"])
        batch.create_unique_constraint("uq_players_tablet_code", ["contest_id", "tablet_code_hash"])
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("library", sa.String(100), nullable=True))
    with op.batch_alter_table("contests") as batch:
        batch.add_column(sa.Column("finished_at", sa.BigInteger, nullable=True))
    contests = sa.table(
        "contests", sa.column("status", sa.String), sa.column("finished_at", sa.BigInteger)
    )
    op.execute(
        contests.update()
        .where(contests.c.status == "finished")
        .values(finished_at=int(time.time() * 1_000_000))
    )


def downgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("finished_at")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("library")
    with op.batch_alter_table("players") as batch:
        batch.drop_constraint("uq_players_tablet_code", type_="unique")
        batch.drop_constraint("uq_players_card_hash", type_="unique")
        for column in ("erased_at", "tablet_code_expires", "tablet_code_hash"):
            batch.drop_column(column)
        batch.drop_column("registered_via")
        batch.drop_column("library")
    op.drop_table("kiosks")
