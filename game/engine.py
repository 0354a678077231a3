"""``decide``: the contest's rules, as a pure function from (state, command) to events.

Theory of operation
-------------------
The server's runner calls, for each command in its queue::

    decision = decide(state, command)   # may raise a RuleError: nothing happened
    store.append(decision.events)       # persist first
    state = decision.state              # == apply_all(state, decision.events)
    arm(decision.timers)                # the timers the new state waits for

``decide`` checks every rule before it builds an event, computes every decision (photo finishes,
verdicts, points) into the events, and folds them with ``game.state.apply`` so the caller gets
the new state too. Time is ``command.at``; the only randomness is ``seeded_draw`` (tie-breaks)
and ``game.shuffling`` (option order) over the contest seed. Nothing here reads a clock, draws a
random number or performs I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import msgspec

from game import commands as c
from game import events as ev
from game.buzz import decide_buzz, effective_press
from game.errors import (
    BuzzersClosed,
    ContestNotRunning,
    ContestPaused,
    DeadlinePassed,
    DuplicateId,
    EngineBug,
    InvalidPoints,
    InvalidSetup,
    JudgementPending,
    NoMoreQuestions,
    NothingToJudge,
    NothingToUndo,
    NoTie,
    NotPaused,
    NotYourTeam,
    NotYourTurn,
    QuestionNotActive,
    TeamLockedOut,
    UnknownPlayer,
    UnknownRound,
    UnknownTeam,
    WrongPhase,
)
from game.model import (
    EXTENDED_TIME_FACTOR,
    BuzzerRules,
    Player,
    Round,
    Team,
    TimeMode,
    check_id,
    check_time_mode,
)
from game.phases import FINAL_PHASES, Transition, can
from game.questions import validate_answer
from game.scoring import automatic_verdicts, closest_wins, points_for_team
from game.shuffling import display_order
from game.state import (
    ContestState,
    QuestionState,
    Timer,
    apply_all,
    pending_timers,
    team_deadline,
)

MAX_REASON = 200
MAX_ADJUSTMENT = 10_000
"""The most points one score adjustment may add or subtract (docs/game-rules.md)."""
MAX_TOUCH_LATENCY_MS = 60
"""The most a tablet's touch latency may move its presses earlier (docs/game-rules.md, "Tablet
latency"): the slowest tablets measured report a touch about 37 ms late."""


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """What a command caused: its events, the state after them, and the timers to arm."""

    events: tuple[ev.Event, ...]
    state: ContestState
    timers: tuple[Timer, ...]


def decide(state: ContestState, command: c.Command) -> Decision:
    """Check ``command`` against the rules and return its events and the resulting state.

    Raises:
        RuleError: a subclass with a stable ``code``; the state is unchanged.
    """
    handler = _HANDLERS[type(command)]
    events = tuple(handler(state, command))
    new_state = apply_all(state, events)
    return Decision(events=events, state=new_state, timers=pending_timers(new_state))


# --- shared checks -------------------------------------------------------------------------------


def _running(state: ContestState) -> None:
    if state.status != "running":
        raise ContestNotRunning(f"the contest is {state.status}, not running")


def _not_paused(state: ContestState) -> None:
    if state.paused_at is not None:
        raise ContestPaused()


def _team(state: ContestState, team_id: str) -> Team:
    team = state.teams.get(team_id)
    if team is None:
        raise UnknownTeam(f"there is no team {team_id!r}")
    return team


def _player_of(state: ContestState, team_id: str, player_id: str | None) -> None:
    _team(state, team_id)
    if player_id is None:
        return
    player = state.players.get(player_id)
    if player is None:
        raise UnknownPlayer(f"there is no player {player_id!r}")
    if player.team_id != team_id:
        raise NotYourTeam()


def _active_question(state: ContestState) -> tuple[Round, QuestionState]:
    _running(state)
    round_ = state.current_round
    if round_ is None or state.question is None:
        raise QuestionNotActive()
    return round_, state.question


def _check(q: QuestionState, transition: Transition) -> None:
    if not can(q.phase, transition):
        raise WrongPhase(f"cannot {transition.replace('_', ' ')} while the question is {q.phase}")


def _plays(round_: Round, team_id: str) -> bool:
    return round_.teams is None or team_id in round_.teams


def _participants(state: ContestState, round_: Round) -> list[str]:
    return [t for t in state.teams if _plays(round_, t)]


def _score(
    team_id: str, delta: int, reason: ev.ScoreReason, at: int, question_id: str | None
) -> list[ev.Event]:
    if delta == 0:
        return []
    return [
        ev.ScoreChanged(at=at, team_id=team_id, delta=delta, reason=reason, question_id=question_id)
    ]


# --- setup ---------------------------------------------------------------------------------------


def _create_contest(state: ContestState, cmd: c.CreateContest) -> list[ev.Event]:
    if state.status != "new":
        raise WrongPhase("the contest already exists")
    check_id("contest", cmd.contest_id)
    if not cmd.title.strip():
        raise InvalidSetup("a contest needs a title")
    if not cmd.languages or len(set(cmd.languages)) != len(cmd.languages):
        raise InvalidSetup("a contest needs one or more distinct languages")
    return [
        ev.ContestCreated(
            at=cmd.at,
            contest_id=cmd.contest_id,
            title=cmd.title.strip(),
            languages=cmd.languages,
            seed=cmd.seed,
        )
    ]


def _open_for_setup(state: ContestState) -> None:
    if state.status not in ("setup", "running"):
        raise WrongPhase(f"the contest is {state.status}")


def _add_team(state: ContestState, cmd: c.AddTeam) -> list[ev.Event]:
    _open_for_setup(state)
    team = Team(
        id=cmd.team_id,
        name=cmd.name.strip(),
        venue=cmd.venue.strip(),
        colour=cmd.colour,
        time_mode=cmd.time_mode,
    )
    team.check()
    if team.id in state.teams:
        raise DuplicateId(f"team {team.id!r} already exists")
    return [ev.TeamAdded(at=cmd.at, team=team)]


def _add_player(state: ContestState, cmd: c.AddPlayer) -> list[ev.Event]:
    _open_for_setup(state)
    _team(state, cmd.team_id)
    player = Player(
        id=cmd.player_id,
        team_id=cmd.team_id,
        display_name=cmd.display_name.strip(),
        generation=cmd.generation,
    )
    player.check()
    if player.id in state.players:
        raise DuplicateId(f"player {player.id!r} already exists")
    return [ev.PlayerJoined(at=cmd.at, player=player)]


def _remove_player(state: ContestState, cmd: c.RemovePlayer) -> list[ev.Event]:
    if cmd.player_id not in state.players:
        raise UnknownPlayer(f"there is no player {cmd.player_id!r}")
    return [ev.PlayerRemoved(at=cmd.at, player_id=cmd.player_id)]


def _set_touch_latency(state: ContestState, cmd: c.SetTouchLatency) -> list[ev.Event]:
    if state.status == "finished":
        raise WrongPhase("the contest has finished")
    if cmd.player_id not in state.players:
        raise UnknownPlayer(f"there is no player {cmd.player_id!r}")
    if not 0 <= cmd.latency_ms <= MAX_TOUCH_LATENCY_MS:
        raise InvalidSetup(f"a touch latency is 0–{MAX_TOUCH_LATENCY_MS} ms")
    return [
        ev.TouchLatencySet(at=cmd.at, player_id=cmd.player_id, latency_us=cmd.latency_ms * 1000)
    ]


def _senior_deadline(mode: TimeMode, deadline: int, limit_us: int) -> int | None:
    """A team's own deadline on an all-play or estimation question whose standard teams answer
    until ``deadline`` (docs/game-rules.md, "Senior and accessible mode")."""
    if mode == "untimed":
        return None
    if mode == "extended":
        return deadline + (EXTENDED_TIME_FACTOR - 1) * limit_us
    return deadline


def _set_team_time_mode(state: ContestState, cmd: c.SetTeamTimeMode) -> list[ev.Event]:
    if state.status == "finished":
        raise WrongPhase("the contest has finished")
    _team(state, cmd.team_id)
    check_time_mode(cmd.time_mode)
    q, round_ = state.question, state.current_round
    if (
        q is None
        or round_ is None
        or q.deadline is None
        or q.phase != "answers_open"
        or not _plays(round_, cmd.team_id)
    ):
        return [ev.TeamTimeModeSet(at=cmd.at, team_id=cmd.team_id, time_mode=cmd.time_mode)]
    # The question taking answers follows the new mode at once: the team's deadline is counted
    # from the question's showing, as if the team had had this mode all along.
    deadline = _senior_deadline(cmd.time_mode, q.deadline, round_.time_limit_us(q.question))
    return [
        ev.TeamTimeModeSet(
            at=cmd.at,
            team_id=cmd.team_id,
            time_mode=cmd.time_mode,
            open_question=True,
            deadline=deadline,
        )
    ]


def _add_round(state: ContestState, cmd: c.AddRound) -> list[ev.Event]:
    _open_for_setup(state)
    cmd.round.check()
    if any(r.id == cmd.round.id for r in state.rounds):
        raise DuplicateId(f"round {cmd.round.id!r} already exists")
    if cmd.round.teams is not None:
        for team_id in cmd.round.teams:
            _team(state, team_id)
    return [ev.RoundAdded(at=cmd.at, round=cmd.round)]


# --- contest and round flow ----------------------------------------------------------------------


def _start_contest(state: ContestState, cmd: c.StartContest) -> list[ev.Event]:
    if state.status != "setup":
        raise WrongPhase(f"the contest is {state.status}; only a contest in setup can start")
    if len(state.teams) < 2:
        raise InvalidSetup("a contest needs at least two teams")
    return [ev.ContestStarted(at=cmd.at)]


def _start_round(state: ContestState, cmd: c.StartRound) -> list[ev.Event]:
    _running(state)
    _not_paused(state)
    if state.round_active:
        raise WrongPhase("a round is already being played; end it first")
    index = cmd.round_index
    if index is None:
        index = next((i for i in range(len(state.rounds)) if i not in state.rounds_started), None)
        if index is None:
            raise UnknownRound("every round has been played")
    if not 0 <= index < len(state.rounds):
        raise UnknownRound(f"there is no round {index}")
    if index in state.rounds_started:
        raise WrongPhase(f"round {index} has already been played")
    return [ev.RoundStarted(at=cmd.at, round_index=index)]


def _round_to_move_in(state: ContestState) -> Round:
    """The current round, when the contest may move on to another of its questions: running,
    not paused, and the question on screen (if any) is over and judged."""
    _running(state)
    _not_paused(state)
    round_ = state.current_round
    if round_ is None:
        raise WrongPhase("start a round first")
    q = state.question
    if q is None:
        return round_
    if q.phase not in FINAL_PHASES and q.phase != "closed":
        raise WrongPhase(f"the question is {q.phase}; reveal or skip it first")
    if "pending" in q.verdicts.values():
        raise JudgementPending()
    return round_


def _show(state: ContestState, at: int, round_: Round, index: int) -> ev.QuestionShown:
    assert state.round_index is not None
    question = round_.questions[index]
    deadline = None
    team_deadlines: dict[str, int | None] = {}
    if round_.kind != "buzzer":
        limit = round_.time_limit_us(question)
        deadline = at + limit
        # Rule (docs/game-rules.md, "Senior and accessible mode"): a team in extended mode has
        # EXTENDED_TIME_FACTOR times the time limit; an untimed team answers until the lock.
        for team_id in _participants(state, round_):
            mode = state.teams[team_id].time_mode
            if mode != "standard":
                team_deadlines[team_id] = _senior_deadline(mode, deadline, limit)
    # Rule (docs/game-rules.md, "Option order"): the order is drawn once, here, and logged.
    order = display_order(question, state.seed) if round_.shuffles else None
    return ev.QuestionShown(
        at=at,
        round_index=state.round_index,
        question_index=index,
        deadline=deadline,
        order=order,
        team_deadlines=team_deadlines,
    )


def _next_unshown(state: ContestState, round_: Round) -> int | None:
    return next((i for i in range(len(round_.questions)) if i not in state.shown_questions), None)


def _show_question(state: ContestState, cmd: c.ShowQuestion) -> list[ev.Event]:
    round_ = _round_to_move_in(state)
    index = cmd.question_index
    if index is None:
        index = _next_unshown(state, round_)
        if index is None:
            raise NoMoreQuestions()
    if not 0 <= index < len(round_.questions):
        raise NoMoreQuestions(f"the round has no question {index}")
    if index in state.shown_questions:
        raise WrongPhase(f"question {index} has already been shown")
    return [_show(state, cmd.at, round_, index)]


def _next_question(state: ContestState, cmd: c.NextQuestion) -> list[ev.Event]:
    round_ = _round_to_move_in(state)
    index = _next_unshown(state, round_)
    if index is None:
        assert state.round_index is not None
        return [ev.RoundFinished(at=cmd.at, round_index=state.round_index)]
    return [_show(state, cmd.at, round_, index)]


def _skip_question(state: ContestState, cmd: c.SkipQuestion) -> list[ev.Event]:
    _, q = _active_question(state)
    _check(q, "skip")
    return [ev.QuestionSkipped(at=cmd.at)]


def _end_round(state: ContestState, cmd: c.EndRound) -> list[ev.Event]:
    _running(state)
    if state.current_round is None:
        raise WrongPhase("no round is being played")
    out: list[ev.Event] = []
    q = state.question
    if q is not None:
        if "pending" in q.verdicts.values():
            raise JudgementPending()
        if can(q.phase, "skip") and q.phase != "closed":
            out.append(ev.QuestionSkipped(at=cmd.at))
    assert state.round_index is not None
    out.append(ev.RoundFinished(at=cmd.at, round_index=state.round_index))
    return out


def _pause(state: ContestState, cmd: c.Pause) -> list[ev.Event]:
    _running(state)
    _not_paused(state)
    return [ev.ContestPaused(at=cmd.at)]


def _resume(state: ContestState, cmd: c.Resume) -> list[ev.Event]:
    _running(state)
    if state.paused_at is None:
        raise NotPaused()
    return [ev.ContestResumed(at=cmd.at, shift_us=max(0, cmd.at - state.paused_at))]


def _adjust_score(state: ContestState, cmd: c.AdjustScore) -> list[ev.Event]:
    if state.status not in ("running", "finished"):
        raise ContestNotRunning("scores can be adjusted once the contest has started")
    _team(state, cmd.team_id)
    reason = cmd.reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidSetup(f"give a reason of 1–{MAX_REASON} characters")
    if cmd.delta == 0:
        raise InvalidSetup("an adjustment of 0 changes nothing")
    if abs(cmd.delta) > MAX_ADJUSTMENT:
        # Rule (docs/game-rules.md, "Score adjustments and undo"): at most ±10,000 points.
        raise InvalidPoints(f"an adjustment adds or subtracts at most {MAX_ADJUSTMENT:,} points")
    return [
        ev.ScoreChanged(
            at=cmd.at, team_id=cmd.team_id, delta=cmd.delta, reason="adjustment", note=reason
        )
    ]


def leaders(state: ContestState) -> list[str]:
    """The teams with the highest score."""
    if not state.scores:
        return []
    best = max(state.scores.values())
    return [t for t, s in state.scores.items() if s == best]


def _start_tiebreak(state: ContestState, cmd: c.StartTieBreak) -> list[ev.Event]:
    _running(state)
    _not_paused(state)
    if state.round_active:
        raise WrongPhase("finish the current round first")
    tied = leaders(state)
    if len(tied) < 2:
        raise NoTie()
    number = sum(1 for r in state.rounds if r.tiebreak) + 1
    rules = cmd.rules or BuzzerRules(points=1, wrong_penalty=0, false_start_penalty=0)
    round_ = Round(
        id=f"tiebreak-{number}",
        title=cmd.title or {lang: "Tie-break" for lang in state.languages},
        rules=rules,
        questions=(cmd.question,),
        tiebreak=True,
        teams=tuple(tied),
    )
    round_.check()
    return [ev.TieBreakStarted(at=cmd.at, round=round_)]


def _end_contest(state: ContestState, cmd: c.EndContest) -> list[ev.Event]:
    if state.status not in ("setup", "running"):
        raise WrongPhase(f"the contest is {state.status}")
    return [ev.ContestFinished(at=cmd.at)]


# --- buzzing -------------------------------------------------------------------------------------


def _buzzer_question(state: ContestState) -> tuple[Round, QuestionState, BuzzerRules]:
    round_, q = _active_question(state)
    if not isinstance(round_.rules, BuzzerRules):
        raise WrongPhase("this is not a buzzer round")
    return round_, q, round_.rules


def _open_buzzers(state: ContestState, cmd: c.OpenBuzzers) -> list[ev.Event]:
    _not_paused(state)
    _, q, rules = _buzzer_question(state)
    _check(q, "arm")
    opens_at = cmd.at + rules.open_delay_ms * 1000
    return [
        ev.BuzzersArmed(
            at=cmd.at, opens_at=opens_at, closes_at=opens_at + rules.buzz_time_ms * 1000
        )
    ]


def _all_locked_out(state: ContestState, round_: Round, locked: Collection[str]) -> bool:
    return all(t in locked for t in _participants(state, round_))


def _press(state: ContestState, cmd: c.Buzz) -> ev.Press:
    """The press as the engine believes it: clamped, then compensated."""
    effective, clamped = effective_press(cmd.pressed_at, cmd.at, cmd.allowed_path_us)
    # Rule (docs/game-rules.md, "Tablet latency"): after the clamp, a tablet press moves earlier
    # by its player's touch latency as the host set it — never by anything the device claims.
    compensation = 0
    player = state.players.get(cmd.player_id) if cmd.player_id is not None else None
    if cmd.source == "tablet" and player is not None:
        compensation = player.touch_latency_us
    effective -= compensation
    return ev.Press(
        team_id=cmd.team_id,
        player_id=cmd.player_id,
        pressed_at=cmd.pressed_at,
        effective_at=effective,
        clamped=clamped,
        bound_us=cmd.bound_us,
        arrived_at=cmd.at,
        allowed_path_us=cmd.allowed_path_us,
        source=cmd.source,
        compensation_us=compensation,
        box=cmd.box,
        channel=cmd.channel,
        clock=cmd.clock,
    )


def _record_refused_press(state: ContestState, cmd: c.RecordRefusedPress) -> list[ev.Event]:
    _running(state)
    if state.question is None:
        raise QuestionNotActive()
    return [ev.PressRefused(at=cmd.at, press=_press(state, cmd.buzz), reason=cmd.code[:40])]


def _attempt_began(q: QuestionState, rules: BuzzerRules) -> int:
    """When the current buzz attempt began: the question shown, or — after a wrong answer
    re-armed the buzzers — the judgement (``open_delay`` before the re-opening)."""
    if q.photo_finishes and q.opens_at is not None:
        return q.opens_at - rules.open_delay_ms * 1000
    return q.shown_at


def _buzz(state: ContestState, cmd: c.Buzz) -> list[ev.Event]:
    _running(state)
    _not_paused(state)
    round_, q, rules = _buzzer_question(state)
    _player_of(state, cmd.team_id, cmd.player_id)
    if not _plays(round_, cmd.team_id) or cmd.team_id in q.locked_out:
        raise TeamLockedOut()
    if q.phase not in ("shown", "armed", "open", "collecting"):
        raise BuzzersClosed()
    press = _press(state, cmd)
    effective = press.effective_at
    question_id = q.question.id
    if effective < _attempt_began(q, rules):
        # Rule: a press made before this question was shown — or, after a wrong answer, before
        # the buzzers were re-armed — belongs to an earlier attempt (a venue agent delivers
        # presses it held through a network outage): it neither counts nor is a false start.
        raise BuzzersClosed("this press was made before the buzzers were armed for this attempt")
    if q.opens_at is None or effective < q.opens_at:
        # Rule: a press before the opening is a false start — locked out, optional penalty.
        out: list[ev.Event] = [
            ev.FalseStart(
                at=cmd.at,
                team_id=cmd.team_id,
                player_id=cmd.player_id,
                pressed_at=effective,
                opens_at=q.opens_at if q.opens_at is not None else cmd.at,
            )
        ]
        out += _score(cmd.team_id, -rules.false_start_penalty, "false_start", cmd.at, question_id)
        locked = {*q.locked_out, cmd.team_id}
        if q.phase != "collecting" and _all_locked_out(state, round_, locked):
            out.append(ev.QuestionClosed(at=cmd.at, reason="all_locked_out"))
        return out
    if q.phase == "collecting":
        assert q.window_closes_at is not None
        if cmd.at > q.window_closes_at:
            raise BuzzersClosed("the buzz window has closed")
        if any(p.team_id == cmd.team_id for p in q.presses):
            # the team's first press of this window already counts; this one is logged only
            return [ev.PressRefused(at=cmd.at, press=press, reason="duplicate")]
    elif q.closes_at is not None and effective > q.closes_at:
        raise BuzzersClosed("the buzzers have closed")
    window = None if q.phase == "collecting" else cmd.at + rules.collect_window_ms * 1000
    return [ev.BuzzAccepted(at=cmd.at, press=press, window_closes_at=window)]


def _forgive_false_start(state: ContestState, cmd: c.ForgiveFalseStart) -> list[ev.Event]:
    _running(state)
    _team(state, cmd.team_id)
    _, q, rules = _buzzer_question(state)
    if q.phase not in ("shown", "armed", "open", "collecting", "answering"):
        # Rule: a false start is forgiven only while the question is live (docs/game-rules.md).
        raise WrongPhase("the question is over: a false start can no longer be forgiven")
    if cmd.team_id not in q.false_started:
        raise NothingToUndo(f"team {cmd.team_id} is not locked out by a false start")
    forgiven = ev.FalseStartForgiven(at=cmd.at, team_id=cmd.team_id)
    return [
        forgiven,
        *_score(cmd.team_id, rules.false_start_penalty, "undo", cmd.at, q.question.id),
    ]


def _award(state: ContestState, q: QuestionState, rules: BuzzerRules, at: int) -> list[ev.Event]:
    assert q.window_opened_at is not None and q.window_closes_at is not None
    photo = decide_buzz(
        q.presses,
        window_opened_at=q.window_opened_at,
        window_closed_at=at,
        resolution_us=rules.tie_resolution_us,
        seed=state.seed,
        context=(q.round_index, q.question_index, len(q.photo_finishes)),
    )
    return [ev.BuzzAwarded(at=at, photo=photo, answer_deadline=at + rules.answer_time_ms * 1000)]


def _wrong_buzz_answer(
    state: ContestState, round_: Round, q: QuestionState, rules: BuzzerRules, at: int, by: Any
) -> list[ev.Event]:
    team = q.answering_team
    assert team is not None
    locked = {*q.locked_out, team}
    reopens_at = closes_at = None
    if not _all_locked_out(state, round_, locked):
        reopens_at = at + rules.open_delay_ms * 1000
        closes_at = reopens_at + rules.buzz_time_ms * 1000
    judged = ev.Judged(
        at=at, team_id=team, correct=False, by=by, reopens_at=reopens_at, closes_at=closes_at
    )
    return [judged, *_score(team, -rules.wrong_penalty, "wrong", at, q.question.id)]


# --- answers and judgements ----------------------------------------------------------------------


def _submit_answer(state: ContestState, cmd: c.SubmitAnswer) -> list[ev.Event]:
    _running(state)
    _not_paused(state)
    round_, q = _active_question(state)
    _player_of(state, cmd.team_id, cmd.player_id)
    if not _plays(round_, cmd.team_id):
        raise NotYourTurn("your team does not play this round")
    if q.kind == "buzzer":
        if q.phase != "answering":
            raise NotYourTurn("answer after your team has won the buzz")
        if cmd.team_id != q.answering_team:
            raise NotYourTurn()
        deadline = q.answer_deadline
        assert deadline is not None
    else:
        if q.phase != "answers_open":
            raise DeadlinePassed()
        # Rule (docs/game-rules.md, "Senior and accessible mode"): each team answers until its
        # own deadline; an untimed team until the host locks the answers.
        deadline = team_deadline(q, cmd.team_id)
    if deadline is not None and cmd.at > deadline:
        raise DeadlinePassed()
    validate_answer(q.question, cmd.answer)
    mode: TimeMode = "standard"
    if cmd.team_id in q.team_deadlines:
        mode = "extended" if deadline is not None else "untimed"
    return [
        ev.AnswerSubmitted(
            at=cmd.at,
            team_id=cmd.team_id,
            player_id=cmd.player_id,
            answer=cmd.answer,
            remaining_us=0 if deadline is None else deadline - cmd.at,
            time_mode=mode,
        )
    ]


def _lock_events(round_: Round, q: QuestionState, at: int) -> list[ev.Event]:
    return [ev.AnswersLocked(at=at, verdicts=automatic_verdicts(round_, q))]


def _lock_answers(state: ContestState, cmd: c.LockAnswers) -> list[ev.Event]:
    _not_paused(state)
    round_, q = _active_question(state)
    _check(q, "lock")
    return _lock_events(round_, q, cmd.at)


def _reveal_scores(round_: Round, q: QuestionState, at: int) -> list[ev.Event]:
    out: list[ev.Event] = []
    for team_id, verdict in q.verdicts.items():
        for reason, points in points_for_team(round_, q, team_id, verdict):
            out += _score(team_id, points, reason, at, q.question.id)  # type: ignore[arg-type]
    return out


def _reveal(state: ContestState, cmd: c.Reveal) -> list[ev.Event]:
    round_, q = _active_question(state)
    if q.phase == "answers_open":
        # Revealing first locks the answers, exactly as the deadline would.
        _not_paused(state)
        locked = _lock_events(round_, q, cmd.at)
        q = apply_all(state, locked).question  # type: ignore[assignment]
        assert q is not None
        return [*locked, ev.AnswerRevealed(at=cmd.at), *_reveal_scores(round_, q, cmd.at)]
    if q.phase in ("collecting", "answering"):
        raise WrongPhase("a team is answering; judge the answer first")
    _check(q, "reveal")
    out: list[ev.Event] = [ev.AnswerRevealed(at=cmd.at)]
    if q.kind != "buzzer":
        out += _reveal_scores(round_, q, cmd.at)
    return out


def _judge(state: ContestState, cmd: c.Judge) -> list[ev.Event]:
    round_, q = _active_question(state)
    _team(state, cmd.team_id)
    if isinstance(round_.rules, BuzzerRules):
        if q.phase != "answering" or q.answering_team is None:
            raise NothingToJudge()
        if cmd.team_id != q.answering_team:
            raise NotYourTurn(f"team {q.answering_team!r} is answering, not {cmd.team_id!r}")
        if not cmd.correct:
            return _wrong_buzz_answer(state, round_, q, round_.rules, cmd.at, "host")
        points = round_.points_for(q.question)
        judged = ev.Judged(at=cmd.at, team_id=cmd.team_id, correct=True, by="host")
        return [judged, *_score(cmd.team_id, points, "correct", cmd.at, q.question.id)]
    if q.phase not in ("locked", "revealed") or cmd.team_id not in q.answers:
        raise NothingToJudge()
    if closest_wins(round_, q.question):
        raise NothingToJudge("the closest answer wins this question; there is nothing to judge")
    verdict = "correct" if cmd.correct else "wrong"
    out: list[ev.Event] = [
        ev.Judged(at=cmd.at, team_id=cmd.team_id, correct=cmd.correct, by="host")
    ]
    if q.phase == "revealed":
        delta = _points_owed(round_, q, cmd.team_id, verdict)
        out += _score(
            cmd.team_id, delta, "correct" if delta > 0 else "wrong", cmd.at, q.question.id
        )
    return out


def _undo_judgement(state: ContestState, cmd: c.UndoJudgement) -> list[ev.Event]:
    round_, q = _active_question(state)
    if not q.undo_stack:
        raise NothingToUndo()
    record = q.undo_stack[-1]
    if record.before is not None:
        if q.phase in FINAL_PHASES:
            raise NothingToUndo("the answer has been revealed; adjust the score instead")
        assert isinstance(round_.rules, BuzzerRules)
        # Rule (docs/game-rules.md, "Score adjustments and undo"): the same team is answering
        # again, with a fresh answer time. While paused, that time starts at the resume (the
        # resume shifts every deadline by the time the pause lasted).
        starts = cmd.at if state.paused_at is None else state.paused_at
        deadline = starts + round_.rules.answer_time_ms * 1000
        undone = ev.JudgementUndone(at=cmd.at, team_id=record.team_id, answer_deadline=deadline)
        out: list[ev.Event] = [undone]
        before = record.before
        for team_id in sorted(set(q.awarded) | set(before.awarded)):
            diff = q.awarded.get(team_id, 0) - before.awarded.get(team_id, 0)
            out += _score(team_id, -diff, "undo", cmd.at, q.question.id)
        return out
    out = [ev.JudgementUndone(at=cmd.at, team_id=record.team_id)]  # all-play: no clock
    if q.phase == "revealed":
        delta = _points_owed(round_, q, record.team_id, record.previous_verdict)
        out += _score(record.team_id, delta, "undo", cmd.at, q.question.id)
    return out


def _points_owed(round_: Round, q: QuestionState, team_id: str, verdict: str | None) -> int:
    """After the reveal: what a team's score must change by for its answer to be worth
    ``verdict`` (the rule of ``points_for_team``, minus what the question already paid it)."""
    target = sum(points for _, points in points_for_team(round_, q, team_id, verdict))
    return target - q.awarded.get(team_id, 0)


# --- timers --------------------------------------------------------------------------------------


def _timer_fired(state: ContestState, cmd: c.TimerFired) -> list[ev.Event]:
    if Timer(key=cmd.key, due=cmd.due) not in pending_timers(state) or cmd.at < cmd.due:
        return []  # stale: the state no longer waits for this deadline
    round_, q = _active_question(state)
    if cmd.key == "answers_lock":
        return _lock_events(round_, q, cmd.at)
    assert isinstance(round_.rules, BuzzerRules)
    if cmd.key == "buzzers_open":
        return [ev.BuzzersOpened(at=cmd.at)]
    if cmd.key == "buzz_timeout":
        return [ev.QuestionClosed(at=cmd.at, reason="no_buzz")]
    if cmd.key == "buzz_window":
        return _award(state, q, round_.rules, cmd.at)
    if cmd.key == "answer_time":
        return _wrong_buzz_answer(state, round_, q, round_.rules, cmd.at, "timeout")
    raise EngineBug(f"unknown timer {cmd.key!r}")  # pragma: no cover


_HANDLERS: dict[type[Any], Callable[[ContestState, Any], list[ev.Event]]] = {
    c.CreateContest: _create_contest,
    c.AddTeam: _add_team,
    c.AddPlayer: _add_player,
    c.RemovePlayer: _remove_player,
    c.SetTouchLatency: _set_touch_latency,
    c.SetTeamTimeMode: _set_team_time_mode,
    c.AddRound: _add_round,
    c.StartContest: _start_contest,
    c.StartRound: _start_round,
    c.ShowQuestion: _show_question,
    c.OpenBuzzers: _open_buzzers,
    c.LockAnswers: _lock_answers,
    c.Judge: _judge,
    c.UndoJudgement: _undo_judgement,
    c.ForgiveFalseStart: _forgive_false_start,
    c.Reveal: _reveal,
    c.NextQuestion: _next_question,
    c.SkipQuestion: _skip_question,
    c.EndRound: _end_round,
    c.Pause: _pause,
    c.Resume: _resume,
    c.AdjustScore: _adjust_score,
    c.StartTieBreak: _start_tiebreak,
    c.EndContest: _end_contest,
    c.Buzz: _buzz,
    c.SubmitAnswer: _submit_answer,
    c.RecordRefusedPress: _record_refused_press,
    c.TimerFired: _timer_fired,
}
