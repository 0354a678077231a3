"""The database side of registration: kiosks, card-registered players, tablet codes, retention.

Theory of operation
-------------------
Synchronous SQLAlchemy Core on the store's engine, called from the store's thread (like
``server.store``). ``kiosks`` is defined here on the store's metadata (migration 0005); the
players' registration columns are in ``server.store.players``. Nothing here ever sees a card
number or a PIN: a card is its keyed hash, a tablet code and a kiosk token their SHA-256, the
librarian's PIN its scrypt hash.

Retention (``purge``): the players of every contest that finished before a cut-off, or that
never finished and has been idle since before it, lose their personal data in one transaction
per contest (``server.store.erase``); their team, library, generation and way of registering
stay, so participation can still be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from server.store import Store, contests, erase, events, metadata, players, teams

kiosks = sa.Table(
    "kiosks",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("kiosk_id", sa.String(64), primary_key=True),
    sa.Column("venue", sa.String(100), nullable=False),
    sa.Column("library", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("librarian_pin_hash", sa.String(200), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)


MIN_IDLE_DAYS = 1
"""An unfinished contest counts as abandoned after ``max(retention days, MIN_IDLE_DAYS)`` days
without a change, so that with a retention of 0 days a contest being set up or played tonight
keeps its players' names."""


def cutoffs(now: float, retention_days: int) -> tuple[int, int]:
    """For a purge at ``now`` (s since the epoch): the moments (µs) before which a contest must
    have finished, or an unfinished one last changed, for its players' data to go."""
    finished_before = int((now - retention_days * 86400) * 1_000_000)
    idle_before = int((now - max(retention_days, MIN_IDLE_DAYS) * 86400) * 1_000_000)
    return finished_before, idle_before


@dataclass(frozen=True)
class KioskRow:
    """A registration kiosk (its token only as a hash)."""

    contest_id: str
    kiosk_id: str
    venue: str
    library: str
    token_hash: str
    librarian_pin_hash: str | None
    created_at: int


@dataclass(frozen=True)
class Registered:
    """A player's registration record (no name: that is in the contest's state)."""

    player_id: str
    team_id: str
    library: str | None
    registered_via: str | None
    generation: str | None
    display_name: str
    erased: bool


class RegistrationStore:
    """Registration queries on a ``Store``'s engine."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def add_kiosk(self, row: KioskRow) -> None:
        with self.engine.begin() as db:
            db.execute(kiosks.insert().values(**row.__dict__))

    def kiosk_for_token(self, contest_id: str, token_hash: str) -> KioskRow | None:
        query = kiosks.select().where(
            kiosks.c.contest_id == contest_id, kiosks.c.token_hash == token_hash
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return KioskRow(**row._mapping) if row else None

    def set_team_library(self, contest_id: str, team_id: str, library: str | None) -> None:
        with self.engine.begin() as db:
            db.execute(
                teams.update()
                .where(teams.c.contest_id == contest_id, teams.c.team_id == team_id)
                .values(library=library)
            )

    def team_libraries(self, contest_id: str) -> dict[str, str | None]:
        query = sa.select(teams.c.team_id, teams.c.library).where(teams.c.contest_id == contest_id)
        with self.engine.connect() as db:
            return {r.team_id: r.library for r in db.execute(query)}

    def player_for_card(self, contest_id: str, card_hash: str) -> tuple[str, str] | None:
        """(player id, team id) of the player registered with this card in this contest."""
        query = sa.select(players.c.player_id, players.c.team_id).where(
            players.c.contest_id == contest_id, players.c.card_hash == card_hash
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return (row.player_id, row.team_id) if row else None

    def set_tablet_code(
        self, contest_id: str, player_id: str, code_hash: str, expires: int
    ) -> None:
        """Give a player a new one-time tablet code (``IntegrityError`` if the code is taken)."""
        with self.engine.begin() as db:
            db.execute(
                players.update()
                .where(players.c.contest_id == contest_id, players.c.player_id == player_id)
                .values(tablet_code_hash=code_hash, tablet_code_expires=expires)
            )

    def claim_tablet_code(
        self, contest_id: str, code_hash: str, now: int, token_hash: str
    ) -> tuple[str, str] | None:
        """Use a tablet code once: the player gets ``token_hash`` as their token and the code is
        gone; returns (player id, team id), or None for an unknown or expired code."""
        where = (
            players.c.contest_id == contest_id,
            players.c.tablet_code_hash == code_hash,
            players.c.tablet_code_expires > now,
            players.c.erased_at.is_(None),
        )
        with self.engine.begin() as db:
            row = db.execute(
                sa.select(players.c.player_id, players.c.team_id).where(*where)
            ).first()
            if row is None:
                return None
            done = db.execute(
                players.update()
                .where(*where)
                .values(token_hash=token_hash, tablet_code_hash=None, tablet_code_expires=None)
            )
            if done.rowcount != 1:  # claimed at the same moment by another tablet
                return None
        return row.player_id, row.team_id

    def registrations(self, contest_id: str) -> list[Registered]:
        query = (
            sa.select(
                players.c.player_id,
                players.c.team_id,
                players.c.library,
                players.c.registered_via,
                players.c.generation,
                players.c.display_name,
                players.c.erased_at,
            )
            .where(players.c.contest_id == contest_id)
            .order_by(players.c.created_at)
        )
        with self.engine.connect() as db:
            return [
                Registered(
                    r.player_id,
                    r.team_id,
                    r.library,
                    r.registered_via,
                    r.generation,
                    r.display_name,
                    r.erased_at is not None,
                )
                for r in db.execute(query)
            ]

    def erase_players(self, contest_id: str, player_ids: list[str]) -> None:
        """Delete some players' personal data now (``server.store.erase``)."""
        with self.engine.begin() as db:
            erase(db, contest_id, player_ids)

    def purge(self, finished_before: int, idle_before: int) -> dict[str, list[str]]:
        """Erase the players, still holding personal data, of every contest that finished before
        ``finished_before`` and of every contest that never finished and has been idle since
        before ``idle_before``: created, last changed and (if scheduled) due to start before it
        (µs since the epoch, both; ``cutoffs``). Returns {contest id: the players erased}."""
        last = events.alias("last_event")  # the contest's newest event: its last change
        ended = sa.and_(
            contests.c.status == "finished",
            contests.c.finished_at.is_not(None),
            contests.c.finished_at < finished_before,
        )
        abandoned = sa.and_(
            contests.c.status != "finished",
            contests.c.created_at < idle_before,
            sa.func.coalesce(last.c.at, 0) < idle_before,
            sa.func.coalesce(contests.c.starts_at, 0) < idle_before,
        )
        query = (
            sa.select(players.c.contest_id, players.c.player_id)
            .join(contests, contests.c.contest_id == players.c.contest_id)
            .outerjoin(
                last,
                sa.and_(
                    last.c.contest_id == contests.c.contest_id, last.c.seq == contests.c.last_seq
                ),
            )
            .where(players.c.erased_at.is_(None), sa.or_(ended, abandoned))
        )
        due: dict[str, list[str]] = {}
        with self.engine.connect() as db:
            for row in db.execute(query):
                due.setdefault(row.contest_id, []).append(row.player_id)
        for contest_id, player_ids in due.items():
            self.erase_players(contest_id, player_ids)
        return due


def participation(records: list[Registered]) -> list[dict[str, Any]]:
    """Counts of players by library, generation and way of registering (no people)."""
    counts: dict[tuple[str, str, str], int] = {}
    for r in records:
        key = (r.library or "", r.generation or "", r.registered_via or "code")
        counts[key] = counts.get(key, 0) + 1
    return [
        {"library": lib or None, "generation": gen or None, "registered_via": via, "players": n}
        for (lib, gen, via), n in sorted(counts.items())
    ]
