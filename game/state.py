"""Contest state and ``apply``, the pure fold of events into state.

Theory of operation
-------------------
``ContestState`` is a frozen struct; ``apply(state, event)`` returns a new state and never changes
the one it was given (maps inside are copied on write). ``apply`` makes no decisions: every choice
— who won a photo finish, how many points a verdict is worth — was made by ``game.engine.decide``
and written into the event. So replaying the same log always gives the same state, which is what
crash recovery and dispute replays rely on.

``pending_timers(state)`` derives the timers the state needs from the state alone. The server
re-arms exactly these after every command and after a restart; a timer that comes back for a
deadline the state no longer has is stale and ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import msgspec

from game.errors import EngineBug
from game.events import (
    AnswerRevealed,
    AnswersLocked,
    AnswerSubmitted,
    BuzzAccepted,
    BuzzAwarded,
    BuzzersArmed,
    BuzzersOpened,
    ContestCreated,
    ContestFinished,
    ContestPaused,
    ContestResumed,
    ContestStarted,
    Event,
    FalseStart,
    FalseStartForgiven,
    Judged,
    JudgementUndone,
    PhotoFinish,
    PlayerJoined,
    PlayerRemoved,
    Press,
    PressRefused,
    QuestionClosed,
    QuestionShown,
    QuestionSkipped,
    RoundAdded,
    RoundFinished,
    RoundStarted,
    ScoreChanged,
    TeamAdded,
    TeamTimeModeSet,
    TieBreakStarted,
    TouchLatencySet,
)
from game.model import Player, Round, RoundKind, Team, TimeMode
from game.phases import Transition, next_phase
from game.questions import Answer, IdSet, Question, id_set

ContestStatus = Literal["new", "setup", "running", "finished"]
replace = msgspec.structs.replace


class AnswerRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A team's current answer to a question."""

    player_id: str
    answer: Answer
    at: int
    remaining_us: int
    time_mode: TimeMode = "standard"  # the team's mode when it answered (speed bonus: standard)


class UndoRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What undoing a judgement restores: a buzzer question's whole state before the verdict,
    or an all-play team's previous verdict (``None`` when it had none)."""

    team_id: str
    before: QuestionState | None = None
    previous_verdict: str | None = None


class BuzzDecision(msgspec.Struct, frozen=True, kw_only=True):
    """One decided buzz of the contest, for the host's list of every photo finish."""

    round_index: int
    question_index: int
    question_id: str
    photo: PhotoFinish


class QuestionState(msgspec.Struct, frozen=True, kw_only=True):
    """The question on screen and everything that happened to it so far."""

    round_index: int
    question_index: int
    kind: RoundKind
    question: Question
    phase: str
    shown_at: int
    order: tuple[str, ...] | None = None  # options/items as shown (game.shuffling); None: written
    deadline: int | None = None  # all-play / estimation: the standard teams' deadline
    # senior mode: the teams of the round in extended or untimed mode and their own deadline
    # (None: untimed); every other team's deadline is ``deadline``
    team_deadlines: dict[str, int | None] = {}
    opens_at: int | None = None  # buzzer: when the buzzers open
    closes_at: int | None = None  # buzzer: the question ends if nobody presses by then
    window_opened_at: int | None = None
    window_closes_at: int | None = None
    answer_deadline: int | None = None
    presses: tuple[Press, ...] = ()
    locked_out: IdSet = ()
    false_started: IdSet = ()  # locked out by a false start, not forgiven (a subset of locked_out)
    answering_team: str | None = None
    photo_finishes: tuple[PhotoFinish, ...] = ()
    answers: dict[str, AnswerRecord] = {}
    verdicts: dict[str, str] = {}
    awarded: dict[str, int] = {}
    undo_stack: tuple[UndoRecord, ...] = ()


class ContestState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the engine knows about one contest."""

    contest_id: str = ""
    title: str = ""
    languages: tuple[str, ...] = ()
    seed: int = 0
    status: ContestStatus = "new"
    teams: dict[str, Team] = {}
    players: dict[str, Player] = {}
    rounds: tuple[Round, ...] = ()
    round_index: int | None = None
    round_active: bool = False
    rounds_started: frozenset[int] = frozenset()
    shown_questions: frozenset[int] = frozenset()
    question: QuestionState | None = None
    scores: dict[str, int] = {}
    paused_at: int | None = None
    version: int = 0
    buzz_decisions: tuple[BuzzDecision, ...] = ()  # every photo finish of the contest, in order

    @property
    def current_round(self) -> Round | None:
        """The round being played, if any."""
        if self.round_index is None or not self.round_active:
            return None
        return self.rounds[self.round_index]


def team_deadline(q: QuestionState, team_id: str) -> int | None:
    """The deadline of ``team_id``'s answer to an all-play or estimation question (``None``:
    the team is untimed and answers until the host locks)."""
    if team_id in q.team_deadlines:
        return q.team_deadlines[team_id]
    return q.deadline


def lock_due(q: QuestionState) -> int | None:
    """When an all-play or estimation question's answers lock by themselves: the last team's
    deadline; ``None`` while a team of the round is untimed (the host locks) or in a buzzer
    round (docs/game-rules.md, "Senior and accessible mode")."""
    if q.deadline is None or None in q.team_deadlines.values():
        return None
    return max((q.deadline, *(d for d in q.team_deadlines.values() if d is not None)))


class Timer(msgspec.Struct, frozen=True, kw_only=True):
    """An effect: "send me ``TimerFired(key, due)`` at ``due``"."""

    key: Literal["buzzers_open", "buzz_timeout", "buzz_window", "answer_time", "answers_lock"]
    due: int


def pending_timers(state: ContestState) -> tuple[Timer, ...]:
    """The timers ``state`` is waiting for; none while the contest is paused."""
    q = state.question
    if q is None or state.paused_at is not None or state.status != "running":
        return ()
    timers: list[Timer] = []
    if q.phase == "armed" and q.opens_at is not None:
        timers.append(Timer(key="buzzers_open", due=q.opens_at))
    if q.phase in ("armed", "open") and q.closes_at is not None:
        timers.append(Timer(key="buzz_timeout", due=q.closes_at))
    if q.phase == "collecting" and q.window_closes_at is not None:
        timers.append(Timer(key="buzz_window", due=q.window_closes_at))
    if q.phase == "answering" and q.answer_deadline is not None:
        timers.append(Timer(key="answer_time", due=q.answer_deadline))
    lock = lock_due(q)
    if q.phase == "answers_open" and lock is not None:
        timers.append(Timer(key="answers_lock", due=lock))
    return tuple(timers)


# --- apply ---------------------------------------------------------------------------------------


def apply(state: ContestState, event: Event) -> ContestState:
    """Fold one event into the state; returns a new state."""
    handler = _HANDLERS.get(type(event))
    if handler is None:  # pragma: no cover - every event type has a handler (tested)
        raise EngineBug(f"no handler for {type(event).__name__}")
    new = handler(state, event)
    return replace(new, version=state.version + 1)


def apply_all(state: ContestState, events: Iterable[Event]) -> ContestState:
    """Fold many events, in order."""
    for event in events:
        state = apply(state, event)
    return state


def replay(events: Iterable[Event]) -> ContestState:
    """Rebuild a contest from its whole event log."""
    return apply_all(ContestState(), events)


def _question(state: ContestState) -> QuestionState:
    if state.question is None:
        raise EngineBug("an event for a question arrived while no question is shown")
    return state.question


def _moved(q: QuestionState, transition: Transition, **changes: Any) -> QuestionState:
    return replace(q, phase=next_phase(q.phase, transition), **changes)


def _with_question(state: ContestState, q: QuestionState) -> ContestState:
    return replace(state, question=q)


def _contest_created(state: ContestState, e: ContestCreated) -> ContestState:
    return replace(
        state,
        contest_id=e.contest_id,
        title=e.title,
        languages=e.languages,
        seed=e.seed,
        status="setup",
    )


def _team_added(state: ContestState, e: TeamAdded) -> ContestState:
    return replace(
        state,
        teams={**state.teams, e.team.id: e.team},
        scores={**state.scores, e.team.id: 0},
    )


def _player_joined(state: ContestState, e: PlayerJoined) -> ContestState:
    return replace(state, players={**state.players, e.player.id: e.player})


def _player_removed(state: ContestState, e: PlayerRemoved) -> ContestState:
    players = dict(state.players)
    del players[e.player_id]
    return replace(state, players=players)


def _nothing_changes(state: ContestState, e: Event) -> ContestState:
    return state  # a record for disputes only (PressRefused)


def _touch_latency_set(state: ContestState, e: TouchLatencySet) -> ContestState:
    player = replace(state.players[e.player_id], touch_latency_us=e.latency_us)
    return replace(state, players={**state.players, e.player_id: player})


def _team_time_mode_set(state: ContestState, e: TeamTimeModeSet) -> ContestState:
    team = replace(state.teams[e.team_id], time_mode=e.time_mode)
    state = replace(state, teams={**state.teams, e.team_id: team})
    q = state.question
    if not e.open_question or q is None:
        return state
    deadlines = {t: d for t, d in q.team_deadlines.items() if t != e.team_id}
    if e.time_mode != "standard":
        deadlines[e.team_id] = e.deadline
    return _with_question(state, replace(q, team_deadlines=deadlines))


def _round_added(state: ContestState, e: RoundAdded) -> ContestState:
    return replace(state, rounds=(*state.rounds, e.round))


def _contest_started(state: ContestState, e: ContestStarted) -> ContestState:
    return replace(state, status="running")


def _round_started(state: ContestState, e: RoundStarted) -> ContestState:
    return replace(
        state,
        round_index=e.round_index,
        round_active=True,
        rounds_started=state.rounds_started | {e.round_index},
        shown_questions=frozenset(),
        question=None,
    )


def _question_shown(state: ContestState, e: QuestionShown) -> ContestState:
    round_ = state.rounds[e.round_index]
    q = QuestionState(
        round_index=e.round_index,
        question_index=e.question_index,
        kind=round_.kind,
        question=round_.questions[e.question_index],
        phase="shown" if round_.kind == "buzzer" else "answers_open",
        shown_at=e.at,
        order=e.order,
        deadline=e.deadline,
        team_deadlines=dict(e.team_deadlines),
    )
    return replace(state, question=q, shown_questions=state.shown_questions | {e.question_index})


def _question_closed(state: ContestState, e: QuestionClosed) -> ContestState:
    q = _question(state)
    transition: Transition = "all_locked_out" if e.reason == "all_locked_out" else "timeout"
    return _with_question(state, _moved(q, transition, presses=()))


def _answer_revealed(state: ContestState, e: AnswerRevealed) -> ContestState:
    return _with_question(state, _moved(_question(state), "reveal"))


def _question_skipped(state: ContestState, e: QuestionSkipped) -> ContestState:
    return _with_question(state, _moved(_question(state), "skip"))


def _round_finished(state: ContestState, e: RoundFinished) -> ContestState:
    return replace(state, round_active=False, question=None)


def _contest_paused(state: ContestState, e: ContestPaused) -> ContestState:
    return replace(state, paused_at=e.at)


def _shift(value: int | None, by: int) -> int | None:
    return None if value is None else value + by


def _contest_resumed(state: ContestState, e: ContestResumed) -> ContestState:
    q = state.question
    if q is not None:
        s = e.shift_us
        q = replace(
            q,
            deadline=_shift(q.deadline, s),
            opens_at=_shift(q.opens_at, s),
            closes_at=_shift(q.closes_at, s),
            window_closes_at=_shift(q.window_closes_at, s),
            answer_deadline=_shift(q.answer_deadline, s),
            team_deadlines={t: _shift(d, s) for t, d in q.team_deadlines.items()},
        )
    return replace(state, paused_at=None, question=q)


def _tiebreak_started(state: ContestState, e: TieBreakStarted) -> ContestState:
    index = len(state.rounds)
    return replace(
        state,
        rounds=(*state.rounds, e.round),
        round_index=index,
        round_active=True,
        rounds_started=state.rounds_started | {index},
        shown_questions=frozenset(),
        question=None,
    )


def _contest_finished(state: ContestState, e: ContestFinished) -> ContestState:
    return replace(state, status="finished", round_active=False, question=None, paused_at=None)


def _buzzers_armed(state: ContestState, e: BuzzersArmed) -> ContestState:
    q = _moved(_question(state), "arm", opens_at=e.opens_at, closes_at=e.closes_at)
    return _with_question(state, q)


def _buzzers_opened(state: ContestState, e: BuzzersOpened) -> ContestState:
    return _with_question(state, _moved(_question(state), "open"))


def _false_start(state: ContestState, e: FalseStart) -> ContestState:
    q = _question(state)
    locked_out = id_set((*q.locked_out, e.team_id))
    false_started = id_set((*q.false_started, e.team_id))
    return _with_question(
        state, _moved(q, "false_start", locked_out=locked_out, false_started=false_started)
    )


def _false_start_forgiven(state: ContestState, e: FalseStartForgiven) -> ContestState:
    q = _question(state)
    locked_out = id_set(t for t in q.locked_out if t != e.team_id)
    false_started = id_set(t for t in q.false_started if t != e.team_id)
    return _with_question(
        state, _moved(q, "forgive", locked_out=locked_out, false_started=false_started)
    )


def _buzz_accepted(state: ContestState, e: BuzzAccepted) -> ContestState:
    q = _question(state)
    presses = (*q.presses, e.press)
    if e.window_closes_at is None:
        return _with_question(state, _moved(q, "press", presses=presses))
    q = _moved(
        q,
        "first_press",
        presses=presses,
        window_opened_at=e.press.arrived_at,
        window_closes_at=e.window_closes_at,
    )
    return _with_question(state, q)


def _buzz_awarded(state: ContestState, e: BuzzAwarded) -> ContestState:
    before = _question(state)
    decision = BuzzDecision(
        round_index=before.round_index,
        question_index=before.question_index,
        question_id=before.question.id,
        photo=e.photo,
    )
    state = replace(state, buzz_decisions=(*state.buzz_decisions, decision))
    q = _moved(
        _question(state),
        "award",
        answering_team=e.photo.winner,
        answer_deadline=e.answer_deadline,
        photo_finishes=(*_question(state).photo_finishes, e.photo),
        presses=(),
        window_opened_at=None,
        window_closes_at=None,
    )
    return _with_question(state, q)


def _answer_submitted(state: ContestState, e: AnswerSubmitted) -> ContestState:
    q = _question(state)
    record = AnswerRecord(
        player_id=e.player_id,
        answer=e.answer,
        at=e.at,
        remaining_us=e.remaining_us,
        time_mode=e.time_mode,
    )
    return _with_question(state, _moved(q, "answer", answers={**q.answers, e.team_id: record}))


def _answers_locked(state: ContestState, e: AnswersLocked) -> ContestState:
    return _with_question(state, _moved(_question(state), "lock", verdicts=dict(e.verdicts)))


def _judged(state: ContestState, e: Judged) -> ContestState:
    q = _question(state)
    verdict = "correct" if e.correct else "wrong"
    verdicts = {**q.verdicts, e.team_id: verdict}
    if q.kind != "buzzer":
        undo = UndoRecord(team_id=e.team_id, previous_verdict=q.verdicts.get(e.team_id))
        q = _moved(q, "judge", verdicts=verdicts, undo_stack=(*q.undo_stack, undo))
        return _with_question(state, q)
    undo = UndoRecord(team_id=e.team_id, before=q)
    common: dict[str, Any] = {"verdicts": verdicts, "undo_stack": (*q.undo_stack, undo)}
    if e.correct:
        return _with_question(state, _moved(q, "judge_correct", **common))
    common.update(
        locked_out=id_set((*q.locked_out, e.team_id)),
        answering_team=None,
        answer_deadline=None,
    )
    if e.reopens_at is None:
        return _with_question(state, _moved(q, "judge_wrong_last", **common))
    q = _moved(q, "judge_wrong_reopen", opens_at=e.reopens_at, closes_at=e.closes_at, **common)
    return _with_question(state, q)


def _judgement_undone(state: ContestState, e: JudgementUndone) -> ContestState:
    q = _question(state)
    record = q.undo_stack[-1]
    if record.team_id != e.team_id:
        raise EngineBug("an undo names a team other than the last judgement's")
    if record.before is None:  # all-play: back to the previous verdict, points handled apart
        verdicts = dict(q.verdicts)
        if record.previous_verdict is None:
            del verdicts[e.team_id]
        else:
            verdicts[e.team_id] = record.previous_verdict
        q = _moved(q, "undo", verdicts=verdicts, undo_stack=q.undo_stack[:-1])
        return _with_question(state, q)
    # Buzzer round: back to the moment before the verdict — the same team answering, with its
    # earlier answer — on a fresh answer clock (the event's deadline; a log written before undo
    # events carried one restores the deadline the team had).
    phase = next_phase(q.phase, "undo")
    deadline = record.before.answer_deadline if e.answer_deadline is None else e.answer_deadline
    restored = replace(record.before, phase=phase, answer_deadline=deadline)
    return _with_question(state, restored)


def _score_changed(state: ContestState, e: ScoreChanged) -> ContestState:
    scores = {**state.scores, e.team_id: state.scores[e.team_id] + e.delta}
    q = state.question
    if q is not None and e.question_id == q.question.id and e.reason not in ("undo", "adjustment"):
        awarded = {**q.awarded, e.team_id: q.awarded.get(e.team_id, 0) + e.delta}
        q = replace(q, awarded=awarded)
    elif q is not None and e.reason == "undo" and q.kind != "buzzer":
        # all-play: the undone verdict's points leave the question's tally too
        awarded = {**q.awarded, e.team_id: q.awarded.get(e.team_id, 0) + e.delta}
        q = replace(q, awarded=awarded)
    return replace(state, scores=scores, question=q)


_HANDLERS: dict[type[Any], Callable[[ContestState, Any], ContestState]] = {
    ContestCreated: _contest_created,
    TeamAdded: _team_added,
    PlayerJoined: _player_joined,
    PlayerRemoved: _player_removed,
    PressRefused: _nothing_changes,
    TouchLatencySet: _touch_latency_set,
    TeamTimeModeSet: _team_time_mode_set,
    RoundAdded: _round_added,
    ContestStarted: _contest_started,
    RoundStarted: _round_started,
    QuestionShown: _question_shown,
    QuestionClosed: _question_closed,
    AnswerRevealed: _answer_revealed,
    QuestionSkipped: _question_skipped,
    RoundFinished: _round_finished,
    ContestPaused: _contest_paused,
    ContestResumed: _contest_resumed,
    TieBreakStarted: _tiebreak_started,
    ContestFinished: _contest_finished,
    BuzzersArmed: _buzzers_armed,
    BuzzersOpened: _buzzers_opened,
    FalseStart: _false_start,
    FalseStartForgiven: _false_start_forgiven,
    BuzzAccepted: _buzz_accepted,
    BuzzAwarded: _buzz_awarded,
    AnswerSubmitted: _answer_submitted,
    AnswersLocked: _answers_locked,
    Judged: _judged,
    JudgementUndone: _judgement_undone,
    ScoreChanged: _score_changed,
}


def encode_state(state: ContestState) -> bytes:
    """A snapshot of the state as JSON bytes."""
    return msgspec.json.encode(state)


def decode_state(data: bytes) -> ContestState:
    """The state of a snapshot made by ``encode_state``."""
    return msgspec.json.decode(data, type=ContestState)
