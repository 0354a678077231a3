"""Commands: what the host, the players and the timers ask the engine to do.

Every command carries ``at``, the server time (µs) when it was taken from the queue. Commands are
requests; ``game.engine.decide`` turns a valid one into events or rejects it with a rule error.
The server authorizes roles before a command reaches the engine (only the host sends host
commands); the engine checks everything that depends on the contest itself — for example that a
player belongs to the team they act for.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from game.events import ClockInputs
from game.model import BuzzerRules, Generation, Round, TimeMode
from game.questions import Answer, Localized, Question


class _Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    at: int


# --- setup (host) --------------------------------------------------------------------------- ----


class CreateContest(_Command, frozen=True, kw_only=True, tag="create_contest"):
    """Create the contest. ``seed`` feeds every draw the engine makes (tie-breaks)."""

    contest_id: str
    title: str
    languages: tuple[str, ...]
    seed: int


class AddTeam(_Command, frozen=True, kw_only=True, tag="add_team"):
    """Add a team (before the contest ends); ``time_mode``: senior and accessible mode
    (docs/game-rules.md)."""

    team_id: str
    name: str
    venue: str
    colour: str = "#3366cc"
    time_mode: TimeMode = "standard"


class AddPlayer(_Command, frozen=True, kw_only=True, tag="add_player"):
    """A player joins a team."""

    player_id: str
    team_id: str
    display_name: str
    generation: Generation | None = None


class RemovePlayer(_Command, frozen=True, kw_only=True, tag="remove_player"):
    """A player leaves (their earlier answers stay in the log)."""

    player_id: str


class SetTouchLatency(_Command, frozen=True, kw_only=True, tag="set_touch_latency"):
    """The host sets how late a player's tablet reports a touch (docs/game-rules.md, "Tablet
    latency"): that player's tablet presses count ``latency_ms`` earlier (0 to 60 ms)."""

    player_id: str
    latency_ms: int


class SetTeamTimeMode(_Command, frozen=True, kw_only=True, tag="set_team_time_mode"):
    """The host sets a team's answering time in all-play and estimation rounds
    (docs/game-rules.md, "Senior and accessible mode"); an open question follows at once."""

    team_id: str
    time_mode: TimeMode


class AddRound(_Command, frozen=True, kw_only=True, tag="add_round"):
    """Append a round to the contest."""

    round: Round


# --- running the contest (host) -------------------------------------------------------------- ---


class StartContest(_Command, frozen=True, kw_only=True, tag="start_contest"):
    """Leave setup; scores start at zero."""


class StartRound(_Command, frozen=True, kw_only=True, tag="start_round"):
    """Start a round: ``round_index`` or, when omitted, the next one not yet played."""

    round_index: int | None = None


class ShowQuestion(_Command, frozen=True, kw_only=True, tag="show_question"):
    """Show a question of the current round: ``question_index`` or the next one not yet shown."""

    question_index: int | None = None


class OpenBuzzers(_Command, frozen=True, kw_only=True, tag="open_buzzers"):
    """Schedule the opening of the buzzers (after the round's ``open_delay_ms``)."""


class LockAnswers(_Command, frozen=True, kw_only=True, tag="lock_answers"):
    """Lock an all-play question's answers before its deadline."""


class Judge(_Command, frozen=True, kw_only=True, tag="judge"):
    """The host's verdict on ``team_id``'s answer (buzzer: the answering team; all-play: a
    pending open answer)."""

    team_id: str
    correct: bool


class UndoJudgement(_Command, frozen=True, kw_only=True, tag="undo_judgement"):
    """Take back the last judgement of the current question."""


class ForgiveFalseStart(_Command, frozen=True, kw_only=True, tag="forgive_false_start"):
    """Lift ``team_id``'s lockout from a false start on the live buzzer question and give back
    its false-start penalty (docs/game-rules.md)."""

    team_id: str


class Reveal(_Command, frozen=True, kw_only=True, tag="reveal"):
    """Reveal the correct answer (locks an all-play question first)."""


class NextQuestion(_Command, frozen=True, kw_only=True, tag="next_question"):
    """Move on: show the next question, or finish the round after the last one."""


class SkipQuestion(_Command, frozen=True, kw_only=True, tag="skip_question"):
    """Drop the current question: no points, the answer stays secret."""


class EndRound(_Command, frozen=True, kw_only=True, tag="end_round"):
    """Finish the current round now, leaving its remaining questions unplayed."""


class Pause(_Command, frozen=True, kw_only=True, tag="pause"):
    """Freeze the contest; every running timer keeps the time it had left."""


class Resume(_Command, frozen=True, kw_only=True, tag="resume"):
    """Continue after a pause."""


class AdjustScore(_Command, frozen=True, kw_only=True, tag="adjust_score"):
    """Add ``delta`` (may be negative) to a team's score, with the reason shown in the log."""

    team_id: str
    delta: int
    reason: str


class StartTieBreak(_Command, frozen=True, kw_only=True, tag="start_tiebreak"):
    """Start a sudden-death buzzer question between the teams level at the top."""

    question: Question
    rules: BuzzerRules | None = None
    title: Localized = {}


class EndContest(_Command, frozen=True, kw_only=True, tag="end_contest"):
    """End the contest; the scores are final."""


# --- players -------------------------------------------------------------------------------------


class Buzz(_Command, frozen=True, kw_only=True, tag="buzz"):
    """A buzzer press, already mapped to server time by the server or the venue agent.

    Attributes:
        at: when the press arrived at the server (its arrival time).
        pressed_at: the press time on the server clock.
        bound_us: the error bound of ``pressed_at``.
        allowed_path_us: how long the press may plausibly have taken to arrive (the client's
            measured path); a claim earlier than ``at - allowed_path_us`` is clamped to it.
        source: ``tablet``, ``box`` …, for the photo finish.
        box: the buzzer box that stamped the press (``None`` for a tablet, or an agent that
            does not say): presses on one box are ordered by that box's own clock.
        channel: the box channel the press came from, for the decision log.
        clock: the clock estimate and round trips the server mapped the press with, for the
            decision log (``None`` before the first clock sample).
    """

    team_id: str
    player_id: str | None = None
    pressed_at: int
    bound_us: int = 0
    allowed_path_us: int
    source: str = "tablet"
    box: str | None = None
    channel: int | None = None
    clock: ClockInputs | None = None


class RecordRefusedPress(_Command, frozen=True, kw_only=True, tag="record_refused_press"):
    """The server logs a press the rules refused (``code``: the refusal's error code), for
    disputes (docs/game-rules.md, "Buzz arbitration"); it changes nothing else."""

    buzz: Buzz
    code: str


class SubmitAnswer(_Command, frozen=True, kw_only=True, tag="submit_answer"):
    """A player's answer for their team (replaces the team's earlier answer)."""

    team_id: str
    player_id: str
    answer: Answer


# --- timers --------------------------------------------------------------------------------------

TimerKey = Literal["buzzers_open", "buzz_timeout", "buzz_window", "answer_time", "answers_lock"]


class TimerFired(_Command, frozen=True, kw_only=True, tag="timer_fired"):
    """A timer the engine asked for (an effect) has come due; stale timers are ignored."""

    key: TimerKey
    due: int


Command = (
    CreateContest
    | AddTeam
    | AddPlayer
    | RemovePlayer
    | SetTouchLatency
    | SetTeamTimeMode
    | AddRound
    | StartContest
    | StartRound
    | ShowQuestion
    | OpenBuzzers
    | LockAnswers
    | Judge
    | UndoJudgement
    | ForgiveFalseStart
    | Reveal
    | NextQuestion
    | SkipQuestion
    | EndRound
    | Pause
    | Resume
    | AdjustScore
    | StartTieBreak
    | EndContest
    | Buzz
    | RecordRefusedPress
    | SubmitAnswer
    | TimerFired
)

HOST_COMMANDS: tuple[type[Command], ...] = (
    CreateContest,
    AddTeam,
    AddPlayer,
    RemovePlayer,
    SetTouchLatency,
    SetTeamTimeMode,
    AddRound,
    StartContest,
    StartRound,
    ShowQuestion,
    OpenBuzzers,
    LockAnswers,
    Judge,
    UndoJudgement,
    ForgiveFalseStart,
    Reveal,
    NextQuestion,
    SkipQuestion,
    EndRound,
    Pause,
    Resume,
    AdjustScore,
    StartTieBreak,
    EndContest,
)
PLAYER_COMMANDS: tuple[type[Command], ...] = (Buzz, SubmitAnswer)
