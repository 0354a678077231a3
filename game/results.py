"""Results, statistics and participation figures: pure functions of the event log.

Theory of operation
-------------------
``contest_results(events)`` folds a contest's whole log with ``game.state.apply`` — the same fold
that rebuilds the live contest — and watches the events go by: every ``ScoreChanged`` is booked to
the round being played, each question's final verdicts, buzzer openings and photo finishes are
read off the question's state just before the next question replaces it (or at the end of the
log), and the running scores are sampled after every question for the progression chart. Nothing
is recomputed: the verdicts and points are the ones the engine decided and wrote into the log, so
the results page, the exports and a replay always agree (DESIGN: "Results … are pure functions
of the event log").

``public_results`` drops everything personal (player names and ids), keeping only counts.
``participation(contests)`` adds up many contests' results for the libraries' reports: contests
held, teams, and players by library, city and generation.

A player's library is the library of their team (``Team.venue``) unless the caller knows better
(``libraries``: player id → library, e.g. from a registration kiosk); a player without a
generation counts under ``unknown``. How a player registered (``registered_via``: player id →
``card``, ``librarian`` or ``code``) is not in the log either: the caller passes it from the
players table, and a player it does not name joined with the team's code. The librarian's
fallback is thereby flagged in the results and counted apart in the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import msgspec

from game.events import (
    BuzzAwarded,
    BuzzersOpened,
    ContestFinished,
    ContestStarted,
    Event,
    QuestionShown,
    ScoreChanged,
)
from game.state import ContestState, QuestionState, apply
from game.views import scoreboard

UNKNOWN = "unknown"
REGISTERED_VIA = ("card", "librarian", "code")
"""How a player registered: a library card at a kiosk, the librarian's fallback (by name, with
the librarian's PIN, the library's system not answering) or the team's join code."""
JOIN_CODE = "code"
OTHER_ROUND = -1
"""Round index of score changes made while no round was being played (host adjustments)."""


class TeamResult(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the final ranking: ``per_round`` has one number per round of the contest
    (``other`` holds changes made between rounds)."""

    rank: int
    team_id: str
    name: str
    venue: str
    colour: str
    score: int
    per_round: tuple[int, ...]
    other: int
    correct: int
    answered: int
    players: int


class RoundResult(msgspec.Struct, frozen=True, kw_only=True):
    """A round's title and type."""

    index: int
    round_id: str
    title: dict[str, str]
    kind: str
    tiebreak: bool
    questions: int
    questions_shown: int


class ProgressPoint(msgspec.Struct, frozen=True, kw_only=True):
    """Every team's total after a question (``round_index`` -1 and ``question_index`` -1: the
    start)."""

    round_index: int
    question_index: int
    scores: dict[str, int]


class QuestionStat(msgspec.Struct, frozen=True, kw_only=True):
    """What happened to one shown question.

    Attributes:
        verdicts: each team's final verdict (``correct``, ``wrong``, ``pending``); a team that
            never answered has none.
        correct_share: correct teams among the teams with a verdict (0–1; ``None`` without any).
        correct_by_city: the same share per city (team venue).
        points: points each team got or lost on it.
        fastest_team, fastest_ms: the quickest winning press after the buzzers opened.
        photo_finish_seq: sequence numbers (1 = the first event) of its ``buzz_awarded`` events,
            the photo finishes the host can replay from the event log.
    """

    round_index: int
    question_index: int
    question_id: str
    type: str
    topic: str | None
    difficulty: int | None
    text: dict[str, str]
    kind: str
    skipped: bool
    verdicts: dict[str, str]
    correct_share: float | None
    correct_by_city: dict[str, float]
    points: dict[str, int]
    fastest_team: str | None
    fastest_ms: float | None
    photo_finish_seq: tuple[int, ...]


class PlayerLine(msgspec.Struct, frozen=True, kw_only=True):
    """A player as the (non-public) results list them."""

    player_id: str
    team_id: str
    display_name: str
    library: str
    generation: str
    registered_via: str = JOIN_CODE


class ShareLine(msgspec.Struct, frozen=True, kw_only=True):
    """Correct answers of one team or city over the whole contest."""

    name: str
    correct: int
    answered: int
    share: float | None


class ContestResults(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the results page and the exports show for one contest."""

    contest_id: str
    title: str
    status: str
    languages: tuple[str, ...]
    started_at: int | None
    finished_at: int | None
    ranking: tuple[TeamResult, ...]
    rounds: tuple[RoundResult, ...]
    progression: tuple[ProgressPoint, ...]
    questions: tuple[QuestionStat, ...]
    by_team: tuple[ShareLine, ...]
    by_city: tuple[ShareLine, ...]
    players_by_library: dict[str, dict[str, int]]
    players: tuple[PlayerLine, ...]
    public: bool = False
    players_by_registration: dict[str, int] = msgspec.field(default_factory=dict)
    """Players by how they registered (``REGISTERED_VIA``; counts, kept in the public version)."""


class _Open(msgspec.Struct, kw_only=True):
    """The question being watched: when its buzzers last opened, its photo finishes' seqs and
    the points each team got on it."""

    shown_seq: int
    opened_at: int | None = None
    fastest: tuple[str, int] | None = None
    photo_seqs: list[int] = msgspec.field(default_factory=list)
    points: dict[str, int] = msgspec.field(default_factory=dict)


def contest_results(
    events: Iterable[Event],
    libraries: Mapping[str, str] | None = None,
    registered_via: Mapping[str, str] | None = None,
) -> ContestResults:
    """The results of a contest from its whole event log, first event first.

    Args:
        events: the log, in order (``seq`` 1, 2, …).
        libraries: optional player id → library; a player not in it counts for their team's
            library (its venue).
        registered_via: optional player id → how they registered (``REGISTERED_VIA``); a player
            not in it joined with the team's code.
    """
    state = ContestState()
    per_round: dict[str, dict[int, int]] = {}
    progression: list[ProgressPoint] = []
    questions: list[QuestionStat] = []
    watching: _Open | None = None
    started_at: int | None = None
    finished_at: int | None = None
    for seq, event in enumerate(events, start=1):
        if isinstance(event, ContestStarted):
            started_at = event.at
            progression = [ProgressPoint(round_index=-1, question_index=-1, scores={})]
        elif isinstance(event, ContestFinished):
            finished_at = event.at
        elif isinstance(event, ScoreChanged):
            active = state.round_active and state.round_index is not None
            index = state.round_index if active and state.round_index is not None else OTHER_ROUND
            team_rounds = per_round.setdefault(event.team_id, {})
            team_rounds[index] = team_rounds.get(index, 0) + event.delta
            if watching is not None and event.question_id == _current_id(state):
                watching.points[event.team_id] = watching.points.get(event.team_id, 0) + event.delta
        elif isinstance(event, BuzzersOpened) and watching is not None:
            watching.opened_at = event.at
        elif isinstance(event, BuzzAwarded) and watching is not None:
            watching.photo_seqs.append(seq)
            _note_fastest(watching, event)
        before, state = state, apply(state, event)
        left = before.question  # the question on screen until this event, if it is gone now
        if watching is not None and left is not None and not _same(left, state.question):
            questions.append(_question_stat(before, left, watching))
            progression.append(_point(before, left))
            watching = None
        if isinstance(event, QuestionShown):
            watching = _Open(shown_seq=seq)
    if watching is not None and state.question is not None:
        questions.append(_question_stat(state, state.question, watching))
        progression.append(_point(state, state.question))
    return _assemble(
        state,
        per_round,
        progression,
        questions,
        (libraries or {}, registered_via or {}),
        (started_at, finished_at),
    )


def _same(q: QuestionState, other: QuestionState | None) -> bool:
    return other is not None and (other.round_index, other.question_index, other.shown_at) == (
        q.round_index,
        q.question_index,
        q.shown_at,
    )


def _current_id(state: ContestState) -> str | None:
    return state.question.question.id if state.question is not None else None


def _note_fastest(watching: _Open, event: BuzzAwarded) -> None:
    if watching.opened_at is None:
        return
    winner = next((p for p in event.photo.presses if p.team_id == event.photo.winner), None)
    if winner is None:
        return
    reaction = max(0, winner.effective_at - watching.opened_at)
    if watching.fastest is None or reaction < watching.fastest[1]:
        watching.fastest = (winner.team_id, reaction)


def _point(state: ContestState, q: QuestionState) -> ProgressPoint:
    return ProgressPoint(
        round_index=q.round_index, question_index=q.question_index, scores=dict(state.scores)
    )


def _question_stat(state: ContestState, q: QuestionState, watching: _Open) -> QuestionStat:
    verdicts = dict(sorted(q.verdicts.items()))
    judged = [t for t, v in verdicts.items() if v in ("correct", "wrong")]
    correct = [t for t in judged if verdicts[t] == "correct"]
    cities: dict[str, list[bool]] = {}
    for team_id in judged:
        city = state.teams[team_id].venue if team_id in state.teams else UNKNOWN
        cities.setdefault(city, []).append(verdicts[team_id] == "correct")
    return QuestionStat(
        round_index=q.round_index,
        question_index=q.question_index,
        question_id=q.question.id,
        type=str(type(q.question).__struct_config__.tag),
        topic=q.question.topic,
        difficulty=q.question.difficulty,
        text=dict(q.question.text),
        kind=q.kind,
        skipped=q.phase == "skipped",
        verdicts=verdicts,
        correct_share=len(correct) / len(judged) if judged else None,
        correct_by_city={c: sum(v) / len(v) for c, v in sorted(cities.items())},
        points=dict(sorted(watching.points.items())),
        fastest_team=watching.fastest[0] if watching.fastest else None,
        fastest_ms=watching.fastest[1] / 1000 if watching.fastest else None,
        photo_finish_seq=tuple(watching.photo_seqs),
    )


def _share(name: str, outcomes: Sequence[bool]) -> ShareLine:
    right = sum(outcomes)
    return ShareLine(
        name=name,
        correct=right,
        answered=len(outcomes),
        share=right / len(outcomes) if outcomes else None,
    )


def _assemble(
    state: ContestState,
    per_round: dict[str, dict[int, int]],
    progression: list[ProgressPoint],
    questions: list[QuestionStat],
    registrations: tuple[Mapping[str, str], Mapping[str, str]],
    times: tuple[int | None, int | None],
) -> ContestResults:
    libraries, via = registrations
    started_at, finished_at = times
    outcomes: dict[str, list[bool]] = {team_id: [] for team_id in state.teams}
    for stat in questions:
        for team_id, verdict in stat.verdicts.items():
            if verdict in ("correct", "wrong"):
                outcomes.setdefault(team_id, []).append(verdict == "correct")
    players = tuple(
        PlayerLine(
            player_id=p.id,
            team_id=p.team_id,
            display_name=p.display_name,
            library=libraries.get(p.id) or _team_library(state, p.team_id),
            generation=p.generation or UNKNOWN,
            registered_via=via.get(p.id) or JOIN_CODE,
        )
        for p in sorted(state.players.values(), key=lambda p: (p.team_id, p.id))
    )
    members: dict[str, int] = {}
    for player in players:
        members[player.team_id] = members.get(player.team_id, 0) + 1
    ranking = tuple(
        TeamResult(
            rank=row["rank"],
            team_id=row["team_id"],
            name=row["name"],
            venue=row["venue"],
            colour=row["colour"],
            score=row["score"],
            per_round=tuple(
                per_round.get(row["team_id"], {}).get(i, 0) for i in range(len(state.rounds))
            ),
            other=per_round.get(row["team_id"], {}).get(OTHER_ROUND, 0),
            correct=sum(outcomes.get(row["team_id"], [])),
            answered=len(outcomes.get(row["team_id"], [])),
            players=members.get(row["team_id"], 0),
        )
        for row in scoreboard(state)
    )
    teams = state.teams
    cities: dict[str, list[bool]] = {}
    for team in teams.values():
        cities.setdefault(team.venue, []).extend(outcomes.get(team.id, []))
    rounds = tuple(
        RoundResult(
            index=i,
            round_id=r.id,
            title=dict(r.title),
            kind=r.kind,
            tiebreak=r.tiebreak,
            questions=len(r.questions),
            questions_shown=sum(1 for s in questions if s.round_index == i),
        )
        for i, r in enumerate(state.rounds)
    )
    return ContestResults(
        contest_id=state.contest_id,
        title=state.title,
        status=state.status,
        languages=state.languages,
        started_at=started_at,
        finished_at=finished_at,
        ranking=ranking,
        rounds=rounds,
        progression=tuple(_complete(progression, state)),
        questions=tuple(questions),
        by_team=tuple(
            _share(state.teams[t].name, outcomes.get(t, [])) for t in sorted(state.teams)
        ),
        by_city=tuple(_share(city, cities[city]) for city in sorted(cities)),
        players_by_library=players_by_library(players),
        players=players,
        players_by_registration=players_by_registration(players),
    )


def _team_library(state: ContestState, team_id: str) -> str:
    team = state.teams.get(team_id)
    return team.venue if team is not None else UNKNOWN


def _complete(progression: list[ProgressPoint], state: ContestState) -> list[ProgressPoint]:
    """Every point names every team (0 before its first points); the last point is the final
    score, so adjustments after the last question show too."""
    teams = sorted(state.teams)
    points = [
        msgspec.structs.replace(p, scores={t: p.scores.get(t, 0) for t in teams})
        for p in progression
    ]
    final = {t: state.scores.get(t, 0) for t in teams}
    if points and points[-1].scores != final:
        points.append(ProgressPoint(round_index=-1, question_index=-1, scores=final))
    return points


def players_by_library(players: Iterable[PlayerLine]) -> dict[str, dict[str, int]]:
    """Players counted by library, then by generation."""
    counts: dict[str, dict[str, int]] = {}
    for player in players:
        library = counts.setdefault(player.library, {})
        library[player.generation] = library.get(player.generation, 0) + 1
    return {lib: dict(sorted(gens.items())) for lib, gens in sorted(counts.items())}


def players_by_registration(players: Iterable[PlayerLine]) -> dict[str, int]:
    """Players counted by how they registered (card, librarian, code — in that order)."""
    counts: dict[str, int] = {}
    for player in players:
        counts[player.registered_via] = counts.get(player.registered_via, 0) + 1
    order = {via: i for i, via in enumerate(REGISTERED_VIA)}
    return dict(sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def public_results(results: ContestResults) -> ContestResults:
    """The results without personal data: no player names or ids (counts stay)."""
    return msgspec.structs.replace(results, players=(), public=True)


# --- participation ----------------------------------------------------------------------------


class ParticipationContest(msgspec.Struct, frozen=True, kw_only=True):
    """One contest of a participation report."""

    contest_id: str
    title: str
    date: str
    status: str
    teams: int
    players: int


class Participation(msgspec.Struct, frozen=True, kw_only=True):
    """Participation across contests, for the libraries' reports.

    Attributes:
        contests: the contests counted, oldest first.
        teams: teams taking part, in all.
        players: players taking part, in all (a person in two contests counts twice: players
            are not identified across contests).
        by_library, by_city: players by library / team city, then by generation.
        by_generation: players by generation.
        by_registration: players by how they registered (card, librarian, code).
    """

    date_from: str
    date_to: str
    contests: tuple[ParticipationContest, ...]
    teams: int
    players: int
    by_library: dict[str, dict[str, int]]
    by_city: dict[str, dict[str, int]]
    by_generation: dict[str, int]
    by_registration: dict[str, int] = msgspec.field(default_factory=dict)


def participation(
    contests: Iterable[tuple[str, ContestResults]], date_from: str, date_to: str
) -> Participation:
    """Add up contests' results.

    Args:
        contests: (ISO date the contest was held, its results); the caller picks the range.
        date_from, date_to: the range, as the report states it.
    """
    lines: list[ParticipationContest] = []
    by_city: dict[str, dict[str, int]] = {}
    by_generation: dict[str, int] = {}
    everyone: list[PlayerLine] = []
    teams = 0
    for date, results in sorted(contests, key=lambda c: (c[0], c[1].contest_id)):
        venues = {r.team_id: r.venue for r in results.ranking}
        teams += len(results.ranking)
        lines.append(
            ParticipationContest(
                contest_id=results.contest_id,
                title=results.title,
                date=date,
                status=results.status,
                teams=len(results.ranking),
                players=sum(sum(g.values()) for g in results.players_by_library.values()),
            )
        )
        everyone.extend(results.players)
        for player in results.players:
            city = by_city.setdefault(venues.get(player.team_id, UNKNOWN), {})
            city[player.generation] = city.get(player.generation, 0) + 1
            by_generation[player.generation] = by_generation.get(player.generation, 0) + 1
    return Participation(
        date_from=date_from,
        date_to=date_to,
        contests=tuple(lines),
        teams=teams,
        players=len(everyone),
        by_library=players_by_library(everyone),
        by_city={c: dict(sorted(g.items())) for c, g in sorted(by_city.items())},
        by_generation=dict(sorted(by_generation.items())),
        by_registration=players_by_registration(everyone),
    )
