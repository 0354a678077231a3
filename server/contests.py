"""The contest service: creates contests, owns their runners, authenticates clients, recovers.

Theory of operation
-------------------
One ``ContestService`` lives in the app's lifespan. On ``start`` it migrates the database and
rebuilds every contest that has not finished from its snapshot and event log, re-arming its
timers (crash recovery). A finished contest is loaded the same way on the first request that
names it (``ensure``), so its results, its log and the score adjustments allowed after the end
stay reachable after a restart for as long as the database keeps it; concurrent first requests
share one load. Each contest in memory has a ``ContestRunner`` (the single writer) and a
``ContestHub`` (fan-out). Everything that changes a contest — setup from the HTTP API included —
goes through the runner as engine commands, so the event log stays the one source of truth.

Secrets: a host secret, player token, screen token or agent token is random (``secrets``), handed
out once, and stored only as a SHA-256 hash; comparisons use the hash. Nothing here logs a secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import string
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from game import commands as c
from game.engine import decide
from game.errors import DuplicateId
from game.model import TIME_MODES, Generation, Round, Rules, TimeMode
from game.questions import Question
from game.state import ContestState
from server.clock import ContestClock
from server.cluster import Cluster
from server.hub import Connection, ContestHub
from server.packs import PackError, PackLibrary
from server.runner import ContestRunner, restore
from server.settings import Settings
from server.store import (
    ERASED_NAME,
    AgentRow,
    ContestRow,
    DuplicateRow,
    PlayerRow,
    Store,
    StoreError,
    TeamRow,
)

log = logging.getLogger(__name__)

GENERATIONS = ("child", "teen", "adult", "senior")


class ServiceError(Exception):
    """A request the service refuses; ``code`` is stable, ``status`` the HTTP status."""

    def __init__(
        self, code: str, message: str, status: int = 400, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = retry_after  # seconds, for a 429 or 503 answer's Retry-After


def time_mode_of(data: dict[str, Any], where: str = "", default: TimeMode = "standard") -> TimeMode:
    """A request's ``time_mode`` (senior and accessible mode, docs/api.md): one of
    ``standard``, ``extended``, ``untimed``; ``default`` when it is absent."""
    value = data.get("time_mode", default)
    for mode in TIME_MODES:
        if value == mode:
            return mode
    raise ServiceError(
        "invalid_message", f"{where}`time_mode` must be one of {', '.join(TIME_MODES)}"
    )


class DatabaseUnavailable(ServiceError):
    """The database could not answer (down, unreachable, broken): 503, try again later."""

    def __init__(self) -> None:
        super().__init__(
            "database_unavailable", "the database is unavailable; try again shortly", 503
        )


DATABASE_ERRORS = (sa.exc.DBAPIError, sa.exc.TimeoutError, sa.exc.DisconnectionError)
"""What SQLAlchemy raises when the database cannot answer (an ``IntegrityError`` among them is a
refusal, not an outage: the store turns those into ``StoreError``)."""

HEALTH_TIMEOUT = 2.0
"""Seconds ``/healthz`` waits for the database's answer."""


def database_failure(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) means the database could not answer."""
    while error is not None:
        if isinstance(error, DATABASE_ERRORS) and not isinstance(error, sa.exc.IntegrityError):
            return True
        error = error.__cause__  # type: ignore[assignment]
    return False


def database_reason(error: BaseException) -> str:
    """One line saying why the database failed: the driver's message, not SQL or parameters."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0][:200] if lines else 'no message'}"


def hash_secret(secret: str) -> str:
    """The stored form of a secret or token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> str:
    """A fresh random secret with a readable prefix (``hs_``, ``pt_``, ``at_``)."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"


def ascii_fold(name: str) -> str:
    """``name`` without diacritics ("Šiauliai" → "Siauliai"), for ids and codes people type."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def new_join_code(name: str) -> str:
    """A join code players can type: three letters of the team and six digits (900,000 codes a
    team; with the join throttle, guessing one takes weeks)."""
    folded = ascii_fold(name).upper()
    letters = "".join(ch for ch in folded if ch in string.ascii_uppercase)[:3] or "TEAM"
    return f"{letters.ljust(3, 'X')}-{secrets.randbelow(900_000) + 100_000}"


@dataclass(frozen=True)
class PlayerIdentity:
    player_id: str
    team_id: str
    display_name: str


@dataclass(frozen=True)
class ScreenIdentity:
    screen_id: str
    venue: str


@dataclass(frozen=True)
class AgentIdentity:
    agent_id: str
    venue: str
    teams: frozenset[str]
    revoked: bool = False  # the host withdrew the token: it opens no connection


class ContestService:
    """All live contests of this server process."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or Store(settings.effective_database_url)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        self.clock = ContestClock()
        self.packs = PackLibrary(settings.packs)
        self.runners: dict[str, ContestRunner] = {}
        self.hubs: dict[str, ContestHub] = {}
        self.connections: set[Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loads: dict[str, asyncio.Task[ContestRunner]] = {}
        self.cluster: Cluster | None = None
        """Several processes (``QUIZ_REDIS_URL``): leases, forwarding, fan-out; None: one."""

    def shared_redis(self) -> Any:
        """The cluster's Redis client, for state every process must share (throttles); None
        with one process, and while the cluster finds Redis down (the caller goes it alone)."""
        if self.cluster is None or self.cluster.redis_up is False:
            return None
        return self.cluster.redis

    # --- lifespan ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Migrate the database and recover every live contest."""
        self._loop = asyncio.get_running_loop()
        await self._db(self.store.upgrade)
        if self.settings.redis_url:
            self.cluster = Cluster(self)
            await self.cluster.start()
        for contest_id in await self._db(self.store.live_contests):
            try:
                loaded = await self._db(self.store.load, contest_id)
                state = restore(loaded.snapshot, [e.payload for e in loaded.events])
            except Exception:  # one unreadable log must not keep every other contest down
                log.exception("contest %s could not be recovered; it stays offline", contest_id)
                continue
            self._launch(contest_id, state)
            log.info("contest %s recovered at seq %d", contest_id, state.version)

    async def stop(self) -> None:
        """Stop every runner and release the database."""
        for load in list(self._loads.values()):
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await load  # a request still waiting on it sees it cancelled
        if self.cluster is not None:
            await self.cluster.stop()  # leases released: another process takes over at once
        for runner in list(self.runners.values()):
            await runner.stop()
        for hub in self.hubs.values():
            hub.stop()
        self.runners.clear()
        self.executor.shutdown(wait=True)
        self.store.close()

    async def _db(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` in the store's thread; an outage becomes ``DatabaseUnavailable``."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, lambda: fn(*args))
        except Exception as failure:
            if not database_failure(failure):
                raise
            log.warning("database unavailable: %s", database_reason(failure))
            raise DatabaseUnavailable() from failure

    async def database_problem(self) -> str | None:
        """Why the database cannot serve now (``None`` when it answers): a cheap read in the
        store's thread, given up after ``HEALTH_TIMEOUT`` seconds (the event loop never waits on
        the database)."""
        loop = asyncio.get_running_loop()
        check = loop.run_in_executor(self.executor, self.store.ping)
        try:
            await asyncio.wait_for(check, HEALTH_TIMEOUT)
        except TimeoutError:
            return f"the database did not answer within {HEALTH_TIMEOUT:g} s"
        except Exception as failure:
            if not database_failure(failure):
                raise
            return database_reason(failure)
        return None

    def _launch(self, contest_id: str, state: ContestState) -> ContestRunner:
        loop = asyncio.get_running_loop()
        hub = ContestHub(
            contest_id, loop.time, self.settings.view_interval, self.settings.audience_delay
        )
        runner = ContestRunner(
            contest_id,
            state,
            store=self.store,
            executor=self.executor,
            hub=hub,
            clock=self.clock,
            snapshot_every=self.settings.snapshot_every,
        )
        self.hubs[contest_id] = hub
        self.runners[contest_id] = runner
        if self.cluster is not None:
            self.cluster.adopt(runner)  # a follower until it holds the contest's lease
        else:
            runner.start()
        return runner

    def runner(self, contest_id: str) -> ContestRunner:
        """The runner of a contest in memory; ``ServiceError`` 404 when there is none (``ensure``
        also loads a contest that is only in the database)."""
        runner = self.runners.get(contest_id)
        if runner is None:
            raise ServiceError("contest_not_found", f"no contest {contest_id!r}", 404)
        return runner

    async def ensure(self, contest_id: str) -> ContestRunner:
        """The runner of a contest, loaded from its event log if it is not in memory yet.

        A finished contest is not recovered at start; the first request that names it loads it
        here. Concurrent first requests await the same load (one per contest), which goes on
        even if the request that started it is cancelled.

        Raises:
            ServiceError: 404 ``contest_not_found`` when the database has no such contest; the
                load's own error (the database unavailable, an unreadable log) otherwise.
        """
        runner = self.runners.get(contest_id)
        if runner is not None:
            return runner
        load = self._loads.get(contest_id)
        if load is None:
            load = asyncio.get_running_loop().create_task(
                self._load(contest_id), name=f"load:{contest_id}"
            )
            self._loads[contest_id] = load
            load.add_done_callback(lambda done: self._load_done(contest_id, done))
        return await asyncio.shield(load)

    async def _load(self, contest_id: str) -> ContestRunner:
        def read() -> ContestState | None:  # in the store's thread: a long log folds off the loop
            if self.store.contest(contest_id) is None:
                return None
            loaded = self.store.load(contest_id)
            return restore(loaded.snapshot, [e.payload for e in loaded.events])

        try:
            state: ContestState | None = await self._db(read)
        except ServiceError:
            raise
        except Exception:
            log.exception("contest %s could not be loaded from its log", contest_id)
            raise ServiceError(
                "internal_error", "the contest's log could not be read", 500
            ) from None
        if state is None:
            raise ServiceError("contest_not_found", f"no contest {contest_id!r}", 404)
        existing = self.runners.get(contest_id)
        if existing is not None:  # created while its (empty) log was read: one runner only
            return existing
        log.info("contest %s loaded at seq %d (%s)", contest_id, state.version, state.status)
        return self._launch(contest_id, state)

    def _load_done(self, contest_id: str, load: asyncio.Task[ContestRunner]) -> None:
        if self._loads.get(contest_id) is load:
            del self._loads[contest_id]  # a failed load is tried again by the next request
        if not load.cancelled():
            load.exception()  # retrieved here too, in case every waiter was cancelled

    # --- contests ---------------------------------------------------------------------------------

    async def create_contest(
        self, title: str, languages: tuple[str, ...], contest_id: str | None = None
    ) -> tuple[str, str]:
        """Create a contest; returns (contest id, host secret — shown only now)."""
        contest_id = contest_id or f"c-{secrets.token_hex(4)}"
        secret = new_secret("hs")
        row = ContestRow(
            contest_id, title.strip()[:200], "setup", hash_secret(secret), self.clock.now_us(), 0
        )
        command = c.CreateContest(
            at=0, contest_id=contest_id, title=title, languages=languages, seed=secrets.randbits(31)
        )
        decide(ContestState(), command)  # validate with the engine before anything is stored
        try:
            await self._db(self.store.create_contest, row)
        except StoreError as taken:
            raise ServiceError("duplicate_id", str(taken), 409) from None
        # A first request for the new id may have loaded its empty log meanwhile: one runner.
        runner = self.runners.get(contest_id) or self._launch(contest_id, ContestState())
        await runner.submit(command)
        return contest_id, secret

    async def check_host(self, contest_id: str, secret: str | None) -> bool:
        """Whether ``secret`` is the contest's host secret."""
        if not secret:
            return False
        row = await self._db(self.store.contest, contest_id)
        return row is not None and secrets.compare_digest(row.host_secret_hash, hash_secret(secret))

    async def add_team(
        self,
        contest_id: str,
        name: str,
        venue: str,
        colour: str,
        team_id: str | None,
        time_mode: TimeMode = "standard",
    ) -> tuple[str, str]:
        """Add a team; returns (team id, join code). ``time_mode``: senior and accessible mode
        (docs/game-rules.md).

        The team's event and its join code are written in one transaction. The same request
        again — the same team id (without one: the same name) and name — answers that team and
        its join code instead of ``duplicate_id``, so a retry after a lost answer is safe.
        """
        runner = await self.ensure(contest_id)
        name = name.strip()
        if team_id is None:
            named = next((t.id for t in runner.state.teams.values() if t.name == name), None)
            team_id = named or _slug(name) or f"t{len(runner.state.teams) + 1}"
        if _same_team(runner, team_id, name):
            return team_id, await self._join_code(contest_id, team_id, name)
        taken = {t["join_code"] for t in await self._db(self.store.teams, contest_id)}
        for _ in range(20):
            code = new_join_code(name)
            if code in taken:
                continue
            command = c.AddTeam(
                at=0, team_id=team_id, name=name, venue=venue, colour=colour, time_mode=time_mode
            )
            try:
                await runner.submit(command, rows=[TeamRow(contest_id, team_id, name, code)])
                return team_id, code
            except DuplicateRow:  # the code was drawn for another team meanwhile: draw again
                taken.add(code)
            except DuplicateId:  # the same request, at the same time: both get the team
                if not _same_team(runner, team_id, name):
                    raise
                return team_id, await self._join_code(contest_id, team_id, name)
        raise ServiceError("internal_error", "could not draw a free join code", 500)

    async def _join_code(self, contest_id: str, team_id: str, name: str) -> str:
        """A team's join code; one is drawn for a team an older server left without one (it
        wrote the code after the team's event, so a crash in between lost it)."""
        for _ in range(20):
            rows = await self._db(self.store.teams, contest_id)
            code = next((t["join_code"] for t in rows if t["team_id"] == team_id), None)
            if code is not None:
                return str(code)
            try:
                await self._db(self.store.add_team, contest_id, team_id, name, new_join_code(name))
            except StoreError:  # the code is taken (or the team got one meanwhile): look again
                continue
        raise ServiceError("internal_error", "could not draw a free join code", 500)

    async def teams(self, contest_id: str) -> list[dict[str, Any]]:
        """Every team with its join code, for the host."""
        runner = await self.ensure(contest_id)
        codes = {t["team_id"]: t["join_code"] for t in await self._db(self.store.teams, contest_id)}
        return [
            {**msgspec.to_builtins(team), "team_id": team.id, "join_code": codes.get(team.id)}
            for team in runner.state.teams.values()
        ]

    async def set_team_time_mode(self, contest_id: str, team_id: str, mode: TimeMode) -> None:
        """Set a team's senior and accessible mode (docs/game-rules.md)."""
        runner = await self.ensure(contest_id)
        await runner.submit(c.SetTeamTimeMode(at=0, team_id=team_id, time_mode=mode))

    async def add_round(self, contest_id: str, body: dict[str, Any]) -> tuple[int, str, int]:
        """Add a round from inline questions or a pack; returns (index, id, question count)."""
        runner = await self.ensure(contest_id)
        round_ = await self.build_round(
            body, f"r{len(runner.state.rounds) + 1}", runner.state.languages
        )
        await runner.submit(c.AddRound(at=0, round=round_))
        return len(runner.state.rounds) - 1, round_.id, len(round_.questions)

    async def build_round(
        self, body: dict[str, Any], default_id: str, languages: tuple[str, ...]
    ) -> Round:
        """A round from a request's body (``rules``, ``title``, ``questions`` or ``from_pack``,
        ``round_id``), its questions drawn from a pack in the store's thread; checked here, not
        yet by the engine (``add_round``; the admin's whole plan, server/setup_plan.py).

        Raises:
            ServiceError: the body is not a round, or the pack refuses the choice.
        """
        try:
            rules = msgspec.convert(body.get("rules") or {"kind": "all_play"}, type=Rules)
            title = msgspec.convert(body.get("title") or {}, type=dict[str, str])
        except msgspec.ValidationError as error:
            raise ServiceError("invalid_message", f"rules: {error}") from None
        if "questions" in body:
            try:
                questions = msgspec.convert(body["questions"], type=tuple[Question, ...])
            except msgspec.ValidationError as error:
                raise ServiceError("invalid_message", f"questions: {error}") from None
        elif isinstance(body.get("from_pack"), dict):
            try:
                questions = await self._db(self.packs.select, body["from_pack"])
            except PackError as error:
                raise ServiceError(error.code, error.message) from None
        else:
            raise ServiceError("invalid_message", "give `questions` or `from_pack`")
        round_id = str(body.get("round_id") or default_id)
        if not title:
            title = {lang: round_id for lang in languages}
        return Round(id=round_id, title=title, rules=rules, questions=questions)

    async def tiebreak_question(self, contest_id: str) -> Question:
        """An unused single-choice or true/false question for a tie-break."""
        state = (await self.ensure(contest_id)).state
        used = {q.id for r in state.rounds for q in r.questions}
        question: Question | None = await self._db(
            self.packs.tiebreak, used, state.seed + len(state.rounds)
        )
        if question is None:
            raise ServiceError("no_question", "no unused question is left for a tie-break")
        return question

    # --- players and agents ---------------------------------------------------------------------

    async def join(
        self,
        contest_id: str,
        join_code: str,
        display_name: str,
        generation: str | None,
        join_key: str | None = None,
    ) -> tuple[str, str, str]:
        """A player joins with a join code; returns (player id, team id, player token).

        ``join_key`` is the tablet's key for this join attempt: a retry of a join whose answer was
        lost names the same key and gets the player that attempt made, with a new token (the
        first one never arrived), instead of a second player (docs/api.md)."""
        runner = await self.ensure(contest_id)
        team_id = await self._db(self.store.team_for_code, contest_id, join_code.strip().upper())
        if team_id is None:
            raise ServiceError("bad_join_code", "this join code is not valid", 403)
        if generation is not None and generation not in GENERATIONS:
            raise ServiceError("invalid_message", f"generation must be one of {GENERATIONS}")
        if join_key is not None:
            again = await self._join_again(contest_id, team_id, join_key)
            if again is not None:
                return again
        gen: Generation | None = generation  # type: ignore[assignment]
        player_id = f"p-{secrets.token_hex(4)}"
        token = new_secret("pt")
        row = PlayerRow(
            contest_id,
            player_id,
            team_id,
            display_name.strip(),
            generation,
            hash_secret(token),
            self.clock.now_us(),
            join_key,
        )
        joined = c.AddPlayer(
            at=0, player_id=player_id, team_id=team_id, display_name=display_name, generation=gen
        )
        try:
            await runner.submit(joined, rows=[row])  # the player and their token: one transaction
        except DuplicateRow:
            if join_key is None:
                raise
            # the same attempt arrived twice at once, and the other copy made the player
            again = await self._join_again(contest_id, team_id, join_key)
            if again is None:
                raise
            return again
        return player_id, team_id, token

    async def _join_again(
        self, contest_id: str, team_id: str, join_key: str
    ) -> tuple[str, str, str] | None:
        """The player an earlier attempt with ``join_key`` made, with a fresh token; None when
        no attempt with that key made a player."""
        found = await self._db(self.store.player_for_join_key, contest_id, join_key)
        if found is None:
            return None
        player_id, joined_team = found
        if joined_team != team_id:
            raise ServiceError("join_key_taken", "this join key was used to join another team", 409)
        if player_id not in (await self.ensure(contest_id)).state.players:
            raise ServiceError("player_removed", "the host removed this player", 403)
        token = new_secret("pt")
        await self._db(self.store.replace_player_token, contest_id, player_id, hash_secret(token))
        return player_id, team_id, token

    async def player_for_token(self, contest_id: str, token: str | None) -> PlayerIdentity | None:
        """The player a token belongs to (if they are still in the contest)."""
        if not token:
            return None
        found = await self._db(self.store.player_for_token, contest_id, hash_secret(token))
        if found is None:
            return None
        player = (await self.ensure(contest_id)).state.players.get(found[0])
        if player is None:
            return None
        return PlayerIdentity(player.id, player.team_id, player.display_name)

    async def add_agent(self, contest_id: str, venue: str, teams: list[str]) -> tuple[str, str]:
        """Create a venue agent; returns (agent id, agent token — shown only now)."""
        state = (await self.ensure(contest_id)).state
        unknown = [t for t in teams if t not in state.teams]
        if unknown or not teams:
            raise ServiceError("unknown_team", f"unknown teams: {unknown or 'none given'}")
        teams = list(dict.fromkeys(teams))  # each team once, in the order given
        agent_id = f"ag-{secrets.token_hex(3)}"
        token = new_secret("at")
        await self._db(
            self.store.add_agent,
            contest_id,
            agent_id,
            venue,
            ",".join(teams),
            hash_secret(token),
            self.clock.now_us(),
        )
        return agent_id, token

    async def agent_for_token(self, contest_id: str, token: str | None) -> AgentIdentity | None:
        """The agent a token belongs to (``revoked`` when the host withdrew it)."""
        if not token:
            return None
        found: AgentRow | None = await self._db(
            self.store.agent_for_token, contest_id, hash_secret(token)
        )
        if found is None:
            return None
        revoked = found.revoked_at is not None
        return AgentIdentity(found.agent_id, found.venue, frozenset(found.teams), revoked)

    async def agents(self, contest_id: str) -> list[dict[str, Any]]:
        """Every agent of a contest for the host, revoked ones too, oldest first."""
        await self.ensure(contest_id)
        return [agent_json(row) for row in await self._db(self.store.agents, contest_id)]

    async def revoke_agent(self, contest_id: str, agent_id: str) -> dict[str, Any]:
        """Withdraw an agent's token: it opens no connection any more, and the agent's open
        connections are closed at once (``agent_revoked``, 4001). Revoking twice is harmless.

        Raises:
            ServiceError: 404 ``unknown_agent`` when the contest has no such agent.
        """
        await self.ensure(contest_id)
        row = await self._db(self.store.revoke_agent, contest_id, agent_id, self.clock.now_us())
        if row is None:
            raise ServiceError("unknown_agent", f"no agent {agent_id!r} in this contest", 404)
        self.hubs[contest_id].close_agent(agent_id)
        if self.cluster is not None:  # its connections to other processes too
            self.cluster.agent_revoked(contest_id, agent_id)
        log.info("contest %s: agent %s revoked", contest_id, agent_id)
        return agent_json(row)

    async def rename_agent(self, contest_id: str, agent_id: str, venue: str) -> dict[str, Any]:
        """Give an agent another name (its venue label).

        Raises:
            ServiceError: 404 ``unknown_agent`` when the contest has no such agent.
        """
        await self.ensure(contest_id)
        row = await self._db(self.store.rename_agent, contest_id, agent_id, venue)
        if row is None:
            raise ServiceError("unknown_agent", f"no agent {agent_id!r} in this contest", 404)
        self.hubs[contest_id].agents.renamed(agent_id, venue)
        return agent_json(row)

    async def add_screen(self, contest_id: str, venue: str) -> tuple[str, str]:
        """Create a venue's big screen; returns (screen id, screen token — shown only now)."""
        self.runner(contest_id)
        screen_id = f"sc-{secrets.token_hex(3)}"
        token = new_secret("st")
        await self._db(self.store.add_screen, contest_id, screen_id, venue, hash_secret(token))
        return screen_id, token

    async def screen_for_token(self, contest_id: str, token: str | None) -> ScreenIdentity | None:
        """The venue screen a token belongs to."""
        if not token:
            return None
        found = await self._db(self.store.screen_for_token, contest_id, hash_secret(token))
        return ScreenIdentity(found[0], found[1]) if found else None

    async def events(self, contest_id: str, after: int) -> list[dict[str, Any]]:
        """The event log after ``after``, for exports and disputes."""
        await self.ensure(contest_id)
        rows = await self._db(self.store.events_after, contest_id, after)
        return [
            {"seq": r.seq, "type": r.type, "at": r.at, "event": msgspec.json.decode(r.payload)}
            for r in rows
        ]

    async def contest_count(self) -> int:
        """How many contests the database holds."""
        return int(await self._db(self.store.count_contests))

    def forget_names(self, contest_id: str, player_ids: list[str]) -> None:
        """After retention erased some players' data in the database, drop their names from the
        contest in memory too (if it is loaded), so that no view shows them again."""
        runner = self.runners.get(contest_id)
        if runner is None:
            return
        players = dict(runner.state.players)
        for player_id in player_ids:
            if player_id in players:
                players[player_id] = msgspec.structs.replace(
                    players[player_id], display_name=ERASED_NAME
                )
        runner.state = msgspec.structs.replace(runner.state, players=players)
        hub = self.hubs.get(contest_id)
        if hub is not None:
            hub.publish(runner.state, hub.seq, [])

    def media_file(self, path: str) -> tuple[Path, str] | None:
        """The file behind a question's media URL path (``<pack>/media/<file>``) and its type."""
        return self.packs.media_file(path)


def agent_json(row: AgentRow) -> dict[str, Any]:
    """An agent as the API shows it (times in ms of server time; never its token)."""
    return {
        "agent_id": row.agent_id,
        "venue": row.venue,
        "teams": list(row.teams),
        "created_at": None if row.created_at is None else row.created_at // 1000,
        "revoked_at": None if row.revoked_at is None else row.revoked_at // 1000,
        "revoked": row.revoked_at is not None,
    }


def _same_team(runner: ContestRunner, team_id: str, name: str) -> bool:
    team = runner.state.teams.get(team_id)
    return team is not None and team.name == name


def _slug(name: str) -> str:
    folded = ascii_fold(name).lower()
    return "".join(ch if ch.isalnum() else "-" for ch in folded).strip("-")[:40]
