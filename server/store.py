"""Persistence: the event log (source of truth), snapshots, and the tables that serve lookups.

Theory of operation
-------------------
Every contest's events are rows of ``events`` keyed by (contest, seq), where ``seq`` is the
contest's sequence number after the event (1, 2, …). ``append`` writes a batch of events — and,
every ``snapshot_every`` events, a snapshot of the state — in one transaction; a batch that would
reuse a sequence number fails as a whole, so two writers can never interleave a log. ``load``
returns the newest snapshot and the events after it; recovery folds them back into the state.
An event may carry a ``ref``: who sent the command it ends and a digest of the message and its
id, so that a resent message is recognised, also after a restart (``recent_refs``).

Setup rows that belong to an event — a team's join code, a player's token hash — are written by
``append`` in the same transaction as the event (``TeamRow``, ``PlayerRow``): a team never exists
without its join code, nor a player without a token. A row that breaks a uniqueness rule (a join
code drawn twice) fails the whole transaction with ``DuplicateRow``.

``contests``, ``teams``, ``players`` and ``agents`` serve queries and authentication: only hashes of
host secrets and tokens are stored. The schema is created and migrated by Alembic
(``server/migrations``); ``upgrade()`` runs the migrations, on start and by ``quiz db upgrade``.

The store is synchronous (SQLAlchemy Core); the async server calls it from one worker thread,
except for appending events to a SQLite log, which the runner does inline (``inline``): SQLite
runs in WAL mode with ``synchronous=NORMAL``, so a committed batch survives the process being
killed and a commit does not wait for the disk; the log is checkpointed into the database file
every ``CHECKPOINT_EVERY`` appends, in the store's thread (``checkpoint``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from server.fencing import Fenced

metadata = sa.MetaData()

REF_LENGTH = 200
"""Longest ``events.ref``: a sender (host, ``player:<id>``, ``agent:<id>``) and two digests."""

contests = sa.Table(
    "contests",
    metadata,
    sa.Column("contest_id", sa.String(64), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("host_secret_hash", sa.String(128), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("last_seq", sa.Integer, nullable=False, default=0),
    sa.Column("finished_at", sa.BigInteger, nullable=True),  # migration 0005: retention's start
    sa.Column("starts_at", sa.BigInteger, nullable=True),  # migration 0007: when it is due to start
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("ref", sa.String(REF_LENGTH), nullable=True),  # migration 0003
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("state", sa.Text, nullable=False),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("join_code", sa.String(32), nullable=False),
    sa.Column("library", sa.String(100), nullable=True),  # migration 0005: whose kiosks register
    sa.UniqueConstraint("contest_id", "join_code", name="uq_teams_join_code"),
)

players = sa.Table(
    "players",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("player_id", sa.String(64), primary_key=True),
    sa.Column("team_id", sa.String(64), nullable=False),
    sa.Column("display_name", sa.String(40), nullable=False),
    sa.Column("generation", sa.String(16), nullable=True),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("card_hash", sa.String(128), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("join_key", sa.String(64), nullable=True),  # migration 0004
    # migration 0005: registration at a kiosk (server/registration.py) and retention
    sa.Column("library", sa.String(100), nullable=True),
    sa.Column("registered_via", sa.String(16), nullable=True),  # card, librarian or code
    sa.Column("tablet_code_hash", sa.String(128), nullable=True),
    sa.Column("tablet_code_expires", sa.BigInteger, nullable=True),
    sa.Column("erased_at", sa.BigInteger, nullable=True),
    sa.UniqueConstraint("contest_id", "join_key", name="uq_players_join_key"),
    sa.UniqueConstraint("contest_id", "card_hash", name="uq_players_card_hash"),
    sa.UniqueConstraint("contest_id", "tablet_code_hash", name="uq_players_tablet_code"),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("agent_id", sa.String(64), primary_key=True),
    sa.Column("venue", sa.String(100), nullable=False),
    sa.Column("teams", sa.Text, nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),  # migration 0004
    sa.Column("created_at", sa.BigInteger, nullable=True),  # migration 0004
)

screens = sa.Table(
    "screens",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("screen_id", sa.String(64), primary_key=True),
    sa.Column("venue", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
)

fences = sa.Table(  # migration 0006: several processes (server/cluster.py)
    "contest_fences",
    metadata,
    sa.Column("contest_id", sa.String(64), sa.ForeignKey("contests.contest_id"), primary_key=True),
    sa.Column("fence", sa.BigInteger, nullable=False),
)

MIGRATIONS = Path(__file__).parent / "migrations"


class StoreError(RuntimeError):
    """The database refused a write (for example a sequence number already taken)."""


class DuplicateRow(StoreError):
    """A setup row written with events breaks a uniqueness rule (a join code already taken); the
    whole transaction, events included, was rolled back."""


@dataclass(frozen=True)
class StoredEvent:
    """One row of the event log."""

    seq: int
    type: str
    at: int
    payload: str
    ref: str | None = None


@dataclass(frozen=True)
class TeamRow:
    """A team's join code, written with its ``team_added`` event."""

    contest_id: str
    team_id: str
    name: str
    join_code: str
    library: str | None = None  # the library whose kiosks register its players (0005)


@dataclass(frozen=True)
class PlayerRow:
    """A player's token hash, written with their ``player_joined`` event."""

    contest_id: str
    player_id: str
    team_id: str
    display_name: str
    generation: str | None
    token_hash: str
    created_at: int
    join_key: str | None = None  # the tablet's key for this join attempt (a retry finds it)
    # registration at a kiosk (server/registration.py): never a card number, only its keyed hash
    card_hash: str | None = None
    library: str | None = None
    registered_via: str | None = None  # card, librarian or code
    tablet_code_hash: str | None = None
    tablet_code_expires: int | None = None


@dataclass(frozen=True)
class PlayerErasure:
    """Delete a player's personal data, written with their ``player_removed`` event (``erase``)."""

    contest_id: str
    player_id: str


SetupRow = TeamRow | PlayerRow | PlayerErasure

ERASED_NAME = "—"
"""The display name left in the log and the players table once a player's data is erased."""


@dataclass(frozen=True)
class Loaded:
    """What recovery needs: the newest snapshot (if any) and the events after it."""

    snapshot_seq: int
    snapshot: str | None
    events: list[StoredEvent]


@dataclass(frozen=True)
class AgentRow:
    """A venue agent as the host sees it (its token only as a hash, never here)."""

    agent_id: str
    venue: str
    teams: tuple[str, ...]
    created_at: int | None  # µs of server time; None for agents made before migration 0004
    revoked_at: int | None  # µs of server time; None while the token works


@dataclass(frozen=True)
class ContestRow:
    contest_id: str
    title: str
    status: str
    host_secret_hash: str
    created_at: int
    last_seq: int
    finished_at: int | None = None  # µs since the epoch (migration 0005)
    starts_at: int | None = None  # µs since the epoch: when it is due to start (migration 0007)


class Store:
    """The database of one server (SQLite file or PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = _make_engine(url)
        self.inline = self.engine.dialect.name == "sqlite"
        """Whether appending is cheap enough to run on the event loop (an embedded SQLite)."""
        self._appends = 0

    def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def checkpoint_due(self) -> bool:
        """Whether enough has been appended to SQLite's write-ahead log to copy it back into the
        database (``checkpoint``); counts the appends since the last checkpoint."""
        if not self.inline:
            return False
        self._appends += 1
        if self._appends < CHECKPOINT_EVERY:
            return False
        self._appends = 0
        return True

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file without blocking writers (SQLite)."""
        with self.engine.connect() as db:
            db.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    # --- contests -------------------------------------------------------------------------------

    def create_contest(self, row: ContestRow) -> None:
        """Insert a new contest; ``StoreError`` when the id is taken."""
        try:
            with self.engine.begin() as db:
                db.execute(contests.insert().values(**row.__dict__))
        except sa.exc.IntegrityError:
            raise StoreError(f"contest {row.contest_id!r} already exists") from None

    def contest(self, contest_id: str) -> ContestRow | None:
        """One contest's row."""
        with self.engine.connect() as db:
            found = db.execute(contests.select().where(contests.c.contest_id == contest_id)).first()
        return ContestRow(**found._mapping) if found else None

    def live_contests(self) -> list[str]:
        """Ids of every contest that has not finished, oldest first."""
        query = (
            sa.select(contests.c.contest_id)
            .where(contests.c.status != "finished")
            .order_by(contests.c.created_at)
        )
        with self.engine.connect() as db:
            return [r.contest_id for r in db.execute(query)]

    def ping(self) -> None:
        """The health check: one cheap read of the contests table; raises what the database
        raises when it cannot answer (run it in the store's thread, with a timeout around it)."""
        with self.engine.connect() as db:
            db.execute(sa.select(contests.c.contest_id).limit(1)).all()

    def count_contests(self) -> int:
        """How many contests the database holds."""
        with self.engine.connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(contests)).scalar_one())

    # --- the event log ----------------------------------------------------------------------------

    def append(
        self,
        contest_id: str,
        batch: Sequence[StoredEvent],
        *,
        status: str,
        snapshot: tuple[int, str] | None = None,
        rows: Sequence[SetupRow] = (),
        fence: int | None = None,
    ) -> None:
        """Append events (consecutive ``seq`` after the log's last) and the setup ``rows`` that
        belong to them in one transaction.

        ``fence``: the writer's fencing token when several processes share the database
        (server/cluster.py); the transaction first checks that it is still the contest's newest
        (and holds that row's lock until it commits). ``None``: one process, no check.

        Raises:
            Fenced: ``fence`` is no longer the contest's newest (nothing was written).
            DuplicateRow: a setup row is taken (nothing was written).
            StoreError: a sequence number is taken or the log moved on (nothing was written).
        """
        if not batch:
            return
        try:
            with self.engine.begin() as db:
                if fence is not None:
                    _check_fence(db, contest_id, fence)
                db.execute(
                    events.insert(),
                    [
                        {
                            "contest_id": contest_id,
                            "seq": e.seq,
                            "type": e.type,
                            "at": e.at,
                            "payload": e.payload,
                            "ref": e.ref,
                        }
                        for e in batch
                    ],
                )
                for row in rows:
                    _insert_setup_row(db, row)
                if snapshot is not None:
                    db.execute(
                        snapshots.insert().values(
                            contest_id=contest_id, seq=snapshot[0], state=snapshot[1]
                        )
                    )
                values: dict[str, Any] = {"last_seq": batch[-1].seq, "status": status}
                if status == "finished":  # retention counts from the first time it finished
                    values["finished_at"] = sa.func.coalesce(contests.c.finished_at, _now_us())
                updated = db.execute(
                    contests.update()
                    .where(contests.c.contest_id == contest_id)
                    .where(contests.c.last_seq == batch[0].seq - 1)
                    .values(**values)
                )
                if updated.rowcount != 1:
                    raise StoreError(f"contest {contest_id!r}: the log moved on; batch refused")
        except sa.exc.IntegrityError:
            raise StoreError(f"contest {contest_id!r}: sequence number already taken") from None

    def load(self, contest_id: str) -> Loaded:
        """The newest snapshot and the events after it."""
        with self.engine.connect() as db:
            snap = db.execute(
                snapshots.select()
                .where(snapshots.c.contest_id == contest_id)
                .order_by(snapshots.c.seq.desc())
                .limit(1)
            ).first()
            after = snap.seq if snap else 0
            rows = db.execute(
                events.select()
                .where(events.c.contest_id == contest_id)
                .where(events.c.seq > after)
                .order_by(events.c.seq)
            )
            loaded = [_stored(r) for r in rows]
        return Loaded(snapshot_seq=after, snapshot=snap.state if snap else None, events=loaded)

    def recent_refs(self, contest_id: str, limit: int) -> list[tuple[int, str]]:
        """The ``limit`` newest (seq, ref) of a contest's log, oldest first."""
        query = (
            sa.select(events.c.seq, events.c.ref)
            .where(events.c.contest_id == contest_id)
            .where(events.c.ref.is_not(None))
            .order_by(events.c.seq.desc())
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [(r.seq, r.ref) for r in db.execute(query)][::-1]

    def events_after(self, contest_id: str, after: int, limit: int = 10_000) -> list[StoredEvent]:
        """Events with ``seq > after``, oldest first."""
        query = (
            events.select()
            .where(events.c.contest_id == contest_id)
            .where(events.c.seq > after)
            .order_by(events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as db:
            return [_stored(r) for r in db.execute(query)]

    def claim_fence(self, contest_id: str, fence: int) -> tuple[bool, int]:
        """Make ``fence`` the contest's newest fencing token, unless it is not newer than the one
        there: from this commit on, appends with an older token fail (``Fenced``). Returns whether
        the claim held and the contest's token afterwards. A token equal to the stored one does
        not hold: it was claimed before (a Redis that lost its data counts from 1 again), and two
        processes must never append with one token."""
        with self.engine.begin() as db:
            claimed = db.execute(
                fences.update()
                .where(fences.c.contest_id == contest_id)
                .where(fences.c.fence < fence)
                .values(fence=fence)
            )
            if claimed.rowcount == 1:
                return True, fence
            current = db.execute(
                sa.select(fences.c.fence).where(fences.c.contest_id == contest_id)
            ).scalar()
            if current is not None:
                return False, int(current)
            db.execute(fences.insert().values(contest_id=contest_id, fence=fence))
            return True, fence

    # --- teams, players, agents -----------------------------------------------------------------

    def add_team(self, contest_id: str, team_id: str, name: str, join_code: str) -> None:
        """Record a team's join code; ``StoreError`` when the code or the team is taken."""
        try:
            with self.engine.begin() as db:
                db.execute(
                    teams.insert().values(
                        contest_id=contest_id, team_id=team_id, name=name, join_code=join_code
                    )
                )
        except sa.exc.IntegrityError:
            raise StoreError(f"join code or team already taken in {contest_id!r}") from None

    def teams(self, contest_id: str) -> list[dict[str, str]]:
        """Every team of a contest with its join code."""
        query = teams.select().where(teams.c.contest_id == contest_id).order_by(teams.c.name)
        with self.engine.connect() as db:
            return [
                {"team_id": r.team_id, "name": r.name, "join_code": r.join_code}
                for r in db.execute(query)
            ]

    def team_for_code(self, contest_id: str, join_code: str) -> str | None:
        """The team a join code belongs to."""
        query = sa.select(teams.c.team_id).where(
            teams.c.contest_id == contest_id, teams.c.join_code == join_code
        )
        with self.engine.connect() as db:
            return db.execute(query).scalar_one_or_none()

    def player_for_token(self, contest_id: str, token_hash: str) -> tuple[str, str] | None:
        """(player id, team id) of a token's hash."""
        query = sa.select(players.c.player_id, players.c.team_id).where(
            players.c.contest_id == contest_id, players.c.token_hash == token_hash
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return (row.player_id, row.team_id) if row else None

    def player_for_join_key(self, contest_id: str, join_key: str) -> tuple[str, str] | None:
        """(player id, team id) of the player a join attempt with ``join_key`` made."""
        query = sa.select(players.c.player_id, players.c.team_id).where(
            players.c.contest_id == contest_id, players.c.join_key == join_key
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return (row.player_id, row.team_id) if row else None

    def replace_player_token(self, contest_id: str, player_id: str, token_hash: str) -> None:
        """Give a player a new token (the old one stops working)."""
        query = (
            players.update()
            .where(players.c.contest_id == contest_id, players.c.player_id == player_id)
            .values(token_hash=token_hash)
        )
        with self.engine.begin() as db:
            db.execute(query)

    def add_agent(
        self,
        contest_id: str,
        agent_id: str,
        venue: str,
        team_ids: str,
        token_hash: str,
        created_at: int | None = None,
    ) -> None:
        """Record a venue agent and the hash of its token (``created_at``: µs of server time)."""
        with self.engine.begin() as db:
            db.execute(
                agents.insert().values(
                    contest_id=contest_id,
                    agent_id=agent_id,
                    venue=venue,
                    teams=team_ids,
                    token_hash=token_hash,
                    created_at=created_at,
                )
            )

    def agent_for_token(self, contest_id: str, token_hash: str) -> AgentRow | None:
        """The agent a token's hash belongs to, revoked or not (the caller refuses a revoked
        one with its own reason)."""
        query = sa.select(*_AGENT_COLUMNS).where(
            agents.c.contest_id == contest_id, agents.c.token_hash == token_hash
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return _agent_row(row) if row else None

    def agents(self, contest_id: str) -> list[AgentRow]:
        """Every agent of a contest, revoked ones too, oldest first."""
        query = (
            sa.select(*_AGENT_COLUMNS)
            .where(agents.c.contest_id == contest_id)
            .order_by(agents.c.created_at, agents.c.agent_id)
        )
        with self.engine.connect() as db:
            return [_agent_row(row) for row in db.execute(query)]

    def agent(self, contest_id: str, agent_id: str) -> AgentRow | None:
        """One agent of a contest."""
        query = sa.select(*_AGENT_COLUMNS).where(
            agents.c.contest_id == contest_id, agents.c.agent_id == agent_id
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return _agent_row(row) if row else None

    def revoke_agent(self, contest_id: str, agent_id: str, at: int) -> AgentRow | None:
        """Withdraw an agent's token at ``at`` (µs); revoking again keeps the first time.
        ``None`` when the contest has no such agent."""
        with self.engine.begin() as db:
            db.execute(
                agents.update()
                .where(agents.c.contest_id == contest_id, agents.c.agent_id == agent_id)
                .where(agents.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return self.agent(contest_id, agent_id)

    def rename_agent(self, contest_id: str, agent_id: str, venue: str) -> AgentRow | None:
        """Give an agent another name (its venue label); ``None`` when there is no such agent."""
        with self.engine.begin() as db:
            db.execute(
                agents.update()
                .where(agents.c.contest_id == contest_id, agents.c.agent_id == agent_id)
                .values(venue=venue)
            )
        return self.agent(contest_id, agent_id)

    def add_screen(self, contest_id: str, screen_id: str, venue: str, token_hash: str) -> None:
        """Record a venue screen and the hash of its token."""
        with self.engine.begin() as db:
            db.execute(
                screens.insert().values(
                    contest_id=contest_id, screen_id=screen_id, venue=venue, token_hash=token_hash
                )
            )

    def screen_for_token(self, contest_id: str, token_hash: str) -> tuple[str, str] | None:
        """(screen id, venue) of a token's hash."""
        query = sa.select(screens.c.screen_id, screens.c.venue).where(
            screens.c.contest_id == contest_id, screens.c.token_hash == token_hash
        )
        with self.engine.connect() as db:
            row = db.execute(query).first()
        return (row.screen_id, row.venue) if row else None


_AGENT_COLUMNS = (
    agents.c.agent_id,
    agents.c.venue,
    agents.c.teams,
    agents.c.created_at,
    agents.c.revoked_at,
)


def _agent_row(row: Any) -> AgentRow:
    teams = tuple(t for t in row.teams.split(",") if t)
    return AgentRow(row.agent_id, row.venue, teams, row.created_at, row.revoked_at)


def _now_us() -> int:
    """Wall-clock time in µs since the epoch (when a contest finished, for retention)."""
    return int(time.time() * 1_000_000)


def _check_fence(db: sa.Connection, contest_id: str, fence: int) -> None:
    """The first statement of a fenced append: it locks the contest's fence row (PostgreSQL; a
    SQLite write transaction locks the whole database) until the append commits, so a newer
    claim waits for it or refuses it."""
    held = db.execute(
        fences.update()
        .where(fences.c.contest_id == contest_id)
        .where(fences.c.fence == fence)
        .values(fence=fence)
    )
    if held.rowcount != 1:
        raise Fenced(f"contest {contest_id!r}: fencing token {fence} is stale; batch refused")


def _stored(row: sa.Row[Any]) -> StoredEvent:
    return StoredEvent(row.seq, row.type, row.at, row.payload, row.ref)


def erase(db: sa.Connection, contest_id: str, player_ids: Sequence[str]) -> None:
    """Delete the personal data of ``player_ids`` (in the caller's transaction): their name in
    the players table and in their ``player_joined`` events becomes ``ERASED_NAME``; their card
    hash and tablet code go; team, library, generation and how they registered stay (the
    participation counts), and so does the join key (a random key the tablet made, nothing
    personal: a retried join of a removed player is still recognised and refused). Snapshots of
    the contest, which may hold the names, are deleted (recovery replays the log instead)."""
    if not player_ids:
        return
    wanted = set(player_ids)
    db.execute(
        players.update()
        .where(players.c.contest_id == contest_id, players.c.player_id.in_(wanted))
        .values(
            display_name=ERASED_NAME,
            card_hash=None,
            tablet_code_hash=None,
            tablet_code_expires=None,
            erased_at=sa.func.coalesce(players.c.erased_at, _now_us()),
        )
    )
    joined = db.execute(
        sa.select(events.c.seq, events.c.payload).where(
            events.c.contest_id == contest_id, events.c.type == "player_joined"
        )
    )
    for seq, payload in list(joined):
        event = json.loads(payload)
        player = event.get("player") or {}
        if player.get("id") in wanted and player.get("display_name") != ERASED_NAME:
            player["display_name"] = ERASED_NAME
            db.execute(
                events.update()
                .where(events.c.contest_id == contest_id, events.c.seq == seq)
                .values(payload=json.dumps(event, ensure_ascii=False, separators=(",", ":")))
            )
    db.execute(snapshots.delete().where(snapshots.c.contest_id == contest_id))


def _insert_setup_row(db: sa.Connection, row: SetupRow) -> None:
    if isinstance(row, PlayerErasure):
        erase(db, row.contest_id, [row.player_id])
        return
    table = teams if isinstance(row, TeamRow) else players
    try:  # caught here, not with the events' inserts: a taken row, not a taken sequence number
        db.execute(table.insert().values(**row.__dict__))
    except sa.exc.IntegrityError:  # the transaction is rolled back as the error leaves it
        raise DuplicateRow(f"{table.name}: {_row_name(row)} is already taken") from None


def _row_name(row: TeamRow | PlayerRow) -> str:
    if isinstance(row, TeamRow):
        return f"team {row.team_id!r} or join code {row.join_code!r}"
    return f"player {row.player_id!r} or join key"


CHECKPOINT_EVERY = 200
CONNECT_TIMEOUT = 10
"""Seconds a PostgreSQL connection attempt may take (unless the URL sets ``connect_timeout``)."""


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            # No checkpoint inside a commit (it writes the database file and syncs the disk):
            # the server runs them in the store's thread (``Store.checkpoint``).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        return engine
    connect_args: dict[str, Any] = {}
    parsed = sa.engine.make_url(url)
    if (
        parsed.get_driver_name() in ("psycopg", "psycopg2")
        and "connect_timeout" not in parsed.query
    ):
        # libpq would wait minutes for a host that does not answer; say so at once instead.
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
