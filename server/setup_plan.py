"""A whole contest from one request: the admin's plan, checked first, then made in one transaction.

Theory of operation
-------------------
The admin area used to build a contest with a dozen requests (the contest, each team, each round,
screens, agents, kiosks); an error half-way left a half-made contest behind and said nothing about
it. ``POST /api/admin/contests`` (docs/api.md, "Creating a whole contest") takes the whole plan
instead and goes through two steps:

1. **Prepare** (``prepare``): every part of the plan is checked before anything is written — the
   title, languages and start time, each team (name, venue, colour, a configured library), each
   round (rules, questions drawn from the pack with ``ContestService.build_round``). The engine's
   commands (create, add each team, add each round) are folded through ``game.engine.decide`` on an
   empty state, so the engine's own rules judge the plan; a refusal names the part of the plan it
   concerns (``teams[1]: …``, ``rounds[0]: …``). Join codes, screen, agent and kiosk tokens are
   drawn here; only their hashes will be stored. With ``dry_run`` the answer is this summary and
   nothing is written.
2. **Write** (``write``): the contest row, every event of the log, the teams with their join codes
   and libraries, the screens, agents and kiosks go into the database in **one transaction**:
   either the whole contest exists afterwards or nothing of it does. Then the contest's runner
   starts from the folded state, as after a restart (``ContestService._launch``).

The secrets are in the answer only (the host secret, the tokens), as with the single calls.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import sqlalchemy as sa

from game import commands as c
from game.engine import decide
from game.errors import RuleError
from game.model import TimeMode
from game.state import ContestState
from server.api import iso_time, starts_at_of
from server.contests import (
    ContestService,
    ServiceError,
    _slug,
    hash_secret,
    new_join_code,
    new_secret,
    time_mode_of,
)
from server.registration import Registrar
from server.registration_store import kiosks
from server.runner import event_type
from server.store import (
    Store,
    StoredEvent,
    StoreError,
    agents,
    contests,
    events,
    screens,
    teams,
)

MAX_TEAMS = 32
MAX_ROUNDS = 50


@dataclass(frozen=True)
class PlannedTeam:
    team_id: str
    name: str
    venue: str
    colour: str
    library: str | None
    join_code: str
    time_mode: TimeMode = "standard"


@dataclass(frozen=True)
class PlannedDevice:
    """A screen, agent or kiosk of a venue: its id, token (answered once) and stored row."""

    kind: str  # screen, agent, kiosk
    device_id: str
    venue: str
    token: str
    teams: tuple[str, ...] = ()
    library: str | None = None


@dataclass
class Prepared:
    """A checked plan: what ``write`` stores and what the answer shows."""

    contest_id: str
    title: str
    host_secret: str
    starts_at: int | None
    created_at: int
    state: ContestState
    log: list[StoredEvent]
    teams: list[PlannedTeam]
    rounds: list[tuple[str, int]]  # (round id, questions)
    devices: list[PlannedDevice] = field(default_factory=list)


def _text(data: dict[str, Any], key: str, where: str, *, limit: int, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ServiceError(
            "invalid_message", f"{where}`{key}` must be a text of 1–{limit} characters"
        )
    return value.strip()


def _list(data: dict[str, Any], key: str, limit: int) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or len(value) > limit:
        raise ServiceError("invalid_message", f"`{key}` must be a list of at most {limit} objects")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise ServiceError("invalid_message", f"{key}[{index}]: must be a JSON object")
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, True)
    if not isinstance(value, bool):
        raise ServiceError("invalid_message", f"`{key}` must be true or false")
    return value


class _Folder:
    """The engine's commands of the plan folded on an empty state, each event kept for the log."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.state = ContestState()
        self.log: list[StoredEvent] = []

    def fold(self, command: c.Command, where: str) -> None:
        try:
            decision = decide(self.state, command)
        except RuleError as refused:
            raise ServiceError(refused.code, f"{where}{refused.message}") from None
        for event in decision.events:
            payload = msgspec.json.encode(event).decode()
            self.log.append(
                StoredEvent(len(self.log) + 1, event_type(event), event.at, payload, None)
            )
        self.state = decision.state


async def prepare(service: ContestService, registrar: Registrar, data: dict[str, Any]) -> Prepared:
    """Check a whole contest's plan and draw its codes and tokens; nothing is written.

    Raises:
        ServiceError: a part of the plan is refused; the message names it.
    """
    title = _text(data, "title", "", limit=200)
    languages = data.get("languages", ["lv", "lt", "en"])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise ServiceError("invalid_message", "`languages` must be a list of language codes")
    contest_id = data.get("contest_id")
    if contest_id is not None and not isinstance(contest_id, str):
        raise ServiceError("invalid_message", "`contest_id` must be a text")
    contest_id = contest_id or f"c-{secrets.token_hex(4)}"
    starts_at = starts_at_of(data)
    team_plans = _list(data, "teams", MAX_TEAMS)
    round_plans = _list(data, "rounds", MAX_ROUNDS)
    want = {kind: _flag(data, kind) for kind in ("screens", "agents", "kiosks")}
    if await service._db(service.store.contest, contest_id) is not None:
        raise ServiceError("duplicate_id", f"contest {contest_id!r} already exists", 409)

    folder = _Folder(service.clock.now_us())
    folder.fold(
        c.CreateContest(
            at=folder.at,
            contest_id=contest_id,
            title=title,
            languages=tuple(languages),
            seed=secrets.randbits(31),
        ),
        "",
    )
    # senior and accessible mode (docs/api.md): the contest's default for its teams
    contest_mode = time_mode_of(data)
    planned: list[PlannedTeam] = []
    codes: set[str] = set()
    for index, team in enumerate(team_plans):
        where = f"teams[{index}]: "
        name = _text(team, "name", where, limit=100)
        venue = _text(team, "venue", where, limit=100, required=False) or name
        colour = team.get("colour", "#3366cc")
        team_id = team.get("team_id") or _slug(name) or f"t{index + 1}"
        if not isinstance(colour, str) or not isinstance(team_id, str):
            raise ServiceError("invalid_message", f"{where}`colour` and `team_id` must be texts")
        library = _text(team, "library", where, limit=100, required=False) or None
        if library is not None:
            try:
                library = registrar.library_name(library)
            except ServiceError as refused:
                raise ServiceError(refused.code, where + refused.message, refused.status) from None
        mode = time_mode_of(team, where, contest_mode)
        folder.fold(
            c.AddTeam(
                at=folder.at,
                team_id=team_id,
                name=name,
                venue=venue,
                colour=colour,
                time_mode=mode,
            ),
            where,
        )
        code = new_join_code(name)
        while code in codes:
            code = new_join_code(name)
        codes.add(code)
        planned.append(PlannedTeam(team_id, name, venue, colour, library, code, mode))
    rounds: list[tuple[str, int]] = []
    for index, body in enumerate(round_plans):
        where = f"rounds[{index}]: "
        try:
            round_ = await service.build_round(body, f"r{index + 1}", folder.state.languages)
        except ServiceError as refused:
            raise ServiceError(refused.code, where + refused.message, refused.status) from None
        folder.fold(c.AddRound(at=folder.at, round=round_), where)
        rounds.append((round_.id, len(round_.questions)))

    prepared = Prepared(
        contest_id=contest_id,
        title=title.strip()[:200],
        host_secret=new_secret("hs"),
        starts_at=starts_at,
        created_at=folder.at,
        state=folder.state,
        log=folder.log,
        teams=planned,
        rounds=rounds,
    )
    venues = list(dict.fromkeys(team.venue for team in planned))
    for venue in venues if want["screens"] else ():
        prepared.devices.append(
            PlannedDevice("screen", f"sc-{secrets.token_hex(3)}", venue, new_secret("st"))
        )
    for venue in venues if want["agents"] else ():
        ids = tuple(team.team_id for team in planned if team.venue == venue)
        prepared.devices.append(
            PlannedDevice("agent", f"ag-{secrets.token_hex(3)}", venue, new_secret("at"), ids)
        )
    kiosk_places = dict.fromkeys((t.venue, t.library) for t in planned if t.library)
    for venue, library in kiosk_places if want["kiosks"] else ():
        prepared.devices.append(
            PlannedDevice(
                "kiosk", f"ki-{secrets.token_hex(3)}", venue, new_secret("kt"), library=library
            )
        )
    return prepared


def write(store: Store, plan: Prepared) -> None:
    """Store the whole contest in one transaction (in the store's thread).

    Raises:
        StoreError: the contest id (or a drawn token) is taken; nothing was written.
    """
    try:
        with store.engine.begin() as db:
            db.execute(
                contests.insert().values(
                    contest_id=plan.contest_id,
                    title=plan.title,
                    status=plan.state.status,
                    host_secret_hash=hash_secret(plan.host_secret),
                    created_at=plan.created_at,
                    last_seq=len(plan.log),
                    starts_at=plan.starts_at,
                )
            )
            db.execute(events.insert(), [_event_row(plan.contest_id, e) for e in plan.log])
            _insert(db, teams, [_team_row(plan.contest_id, t) for t in plan.teams])
            _insert(db, screens, _device_rows(plan, "screen"))
            _insert(db, agents, _device_rows(plan, "agent"))
            _insert(db, kiosks, _device_rows(plan, "kiosk"))
    except sa.exc.IntegrityError:
        raise StoreError(f"contest {plan.contest_id!r} already exists") from None


def _insert(db: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        db.execute(table.insert(), list(rows))


def _event_row(contest_id: str, event: StoredEvent) -> dict[str, Any]:
    return {
        "contest_id": contest_id,
        "seq": event.seq,
        "type": event.type,
        "at": event.at,
        "payload": event.payload,
        "ref": event.ref,
    }


def _team_row(contest_id: str, team: PlannedTeam) -> dict[str, Any]:
    return {
        "contest_id": contest_id,
        "team_id": team.team_id,
        "name": team.name,
        "join_code": team.join_code,
        "library": team.library,
    }


def _device_rows(plan: Prepared, kind: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for device in plan.devices:
        if device.kind != kind:
            continue
        row: dict[str, Any] = {
            "contest_id": plan.contest_id,
            "venue": device.venue,
            "token_hash": hash_secret(device.token),
        }
        if kind == "screen":
            row["screen_id"] = device.device_id
        elif kind == "agent":
            row |= {
                "agent_id": device.device_id,
                "teams": ",".join(device.teams),
                "created_at": plan.created_at,
            }
        else:
            row |= {
                "kiosk_id": device.device_id,
                "library": device.library,
                "librarian_pin_hash": None,
                "created_at": plan.created_at,
            }
        rows.append(row)
    return rows


def summary(plan: Prepared, *, with_secrets: bool) -> dict[str, Any]:
    """The answer: what the plan makes (``with_secrets``: the codes, tokens and links too)."""
    cid = plan.contest_id

    def device(d: PlannedDevice) -> dict[str, Any]:
        shown: dict[str, Any] = {"venue": d.venue}
        if d.kind == "agent":
            shown["teams"] = list(d.teams)
        if d.kind == "kiosk":
            shown["library"] = d.library
        if with_secrets:
            shown[f"{d.kind}_id"] = d.device_id
            shown[f"{d.kind}_token"] = d.token
            if d.kind != "agent":  # the token rides in the fragment, never sent to a server
                shown["url"] = f"/{d.kind}/{cid}#token={d.token}"
        return shown

    teams_shown = []
    for team in plan.teams:
        shown: dict[str, Any] = {
            "team_id": team.team_id,
            "name": team.name,
            "venue": team.venue,
            "colour": team.colour,
            "library": team.library,
            "time_mode": team.time_mode,
        }
        if with_secrets:
            shown["join_code"] = team.join_code
            shown["join_url"] = f"/play/{cid}#code={team.join_code}"
        teams_shown.append(shown)
    answer: dict[str, Any] = {
        "contest_id": cid,
        "title": plan.title,
        "teams": teams_shown,
        "rounds": [{"round_id": r, "questions": n} for r, n in plan.rounds],
        **{
            f"{kind}s": [device(d) for d in plan.devices if d.kind == kind]
            for kind in ("screen", "agent", "kiosk")
        },
    }
    if with_secrets:
        answer["host_secret"] = plan.host_secret
        answer["urls"] = {
            "host": f"/host/{cid}#secret={plan.host_secret}",
            "display": f"/screen/{cid}",
            "audience": f"/watch/{cid}",
            "join": f"/play/{cid}",
            "results": f"/results/{cid}",
        }
    else:
        answer["dry_run"] = True
    return answer


async def create(
    service: ContestService, registrar: Registrar, data: dict[str, Any]
) -> dict[str, Any]:
    """Check the plan, then make the whole contest at once (or, with ``dry_run``, only check it).

    Raises:
        ServiceError: a part of the plan is refused (nothing was written), or the id is taken.
    """
    dry_run = data.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise ServiceError("invalid_message", "`dry_run` must be true or false")
    plan = await prepare(service, registrar, data)
    if dry_run:
        return summary(plan, with_secrets=False)
    try:
        await service._db(write, service.store, plan)
    except StoreError as taken:
        raise ServiceError("duplicate_id", str(taken), 409) from None
    # A request naming the new id may have loaded its log meanwhile: one runner.
    if plan.contest_id not in service.runners:
        service._launch(plan.contest_id, plan.state)
    return {**summary(plan, with_secrets=True), "starts_at": iso_time(plan.starts_at)}
