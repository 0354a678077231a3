"""Events: the facts of a contest, in the order they happened.

The event log is the source of truth. Events are decided once (``game.engine.decide``) with every
input a decision needed written into them — the press times of a photo finish, the draw of a tie,
the points of a judgement — so that ``game.state.apply`` is a plain fold that never recomputes a
decision, and replaying the log reproduces the state exactly.

Every event carries ``at``, the server time (µs) of the command that caused it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from game.model import Player, Round, Team, TimeMode
from game.questions import Answer


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    at: int


class ClockInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What the server knew of the sender's clock when it mapped a press (docs/protocol.md §3.5).

    Attributes:
        claim_ms: the press time as the device (a tablet, or a venue agent) sent it, on its
            own clock.
        offset_ms: the clock estimate used: device clock minus server clock.
        best_delay_ms: the best recent round trip (the estimate's sample; half of it is the
            bound, and it is the base of the allowed path).
        median_delay_ms: the median recent round trip (the allowed path's jitter term).
        samples: how many recent round trips there were.
    """

    claim_ms: float
    offset_ms: float
    best_delay_ms: float
    median_delay_ms: float
    samples: int


class Press(msgspec.Struct, frozen=True, kw_only=True):
    """A valid buzzer press as the engine saw it: the claim, the clamp, the arrival.

    ``compensation_us``: the tablet touch latency the press was moved earlier by, after the
    clamp (0 for boxes, and in logs written before compensation). ``box`` and ``channel``: the
    buzzer box and its channel (``None`` for tablets and in older logs). ``clock``: the clock
    estimate and round trips behind ``pressed_at``, ``bound_us`` and ``allowed_path_us``
    (``None`` before the first clock sample, and in older logs)."""

    team_id: str
    player_id: str | None
    pressed_at: int
    effective_at: int
    clamped: bool
    bound_us: int
    arrived_at: int
    allowed_path_us: int
    source: str
    compensation_us: int = 0
    box: str | None = None
    channel: int | None = None
    clock: ClockInputs | None = None


class PhotoFinish(msgspec.Struct, frozen=True, kw_only=True):
    """Everything one buzz decision was based on, for the host's screen and for disputes.

    Attributes:
        presses: every valid press of the phase, earliest first (by effective time, then team id).
        window_opened_at: arrival of the first valid press.
        window_closed_at: when the engine stopped waiting for more presses.
        resolution_us: presses within this of the earliest were a tie.
        tied: the teams in the tie (one team when there was none).
        draw: the seeded number that chose among ``tied``, or ``None`` without a tie.
        winner: the team that answers.
    """

    presses: tuple[Press, ...]
    window_opened_at: int
    window_closed_at: int
    resolution_us: int
    tied: tuple[str, ...]
    draw: int | None
    winner: str


ScoreReason = Literal[
    "correct", "wrong", "false_start", "speed_bonus", "closest", "graded", "adjustment", "undo"
]


# --- setup ---------------------------------------------------------------------------------------


class ContestCreated(_Event, frozen=True, kw_only=True, tag="contest_created"):
    contest_id: str
    title: str
    languages: tuple[str, ...]
    seed: int


class TeamAdded(_Event, frozen=True, kw_only=True, tag="team_added"):
    team: Team


class PlayerJoined(_Event, frozen=True, kw_only=True, tag="player_joined"):
    player: Player


class PlayerRemoved(_Event, frozen=True, kw_only=True, tag="player_removed"):
    player_id: str


class TouchLatencySet(_Event, frozen=True, kw_only=True, tag="touch_latency_set"):
    """The host set a player's tablet touch latency; its presses count ``latency_us`` earlier."""

    player_id: str
    latency_us: int


class TeamTimeModeSet(_Event, frozen=True, kw_only=True, tag="team_time_mode_set"):
    """The host set a team's answering time (docs/game-rules.md, "Senior and accessible mode").

    Attributes:
        team_id: the team.
        time_mode: its mode from now on.
        open_question: whether the all-play or estimation question taking answers now follows
            the new mode for this team (it plays the round and answers are open).
        deadline: with ``open_question``: the team's own deadline on that question from now on
            (``None``: untimed).
    """

    team_id: str
    time_mode: TimeMode
    open_question: bool = False
    deadline: int | None = None


class RoundAdded(_Event, frozen=True, kw_only=True, tag="round_added"):
    round: Round


# --- contest flow --------------------------------------------------------------------------------


class ContestStarted(_Event, frozen=True, kw_only=True, tag="contest_started"):
    pass


class RoundStarted(_Event, frozen=True, kw_only=True, tag="round_started"):
    round_index: int


class QuestionShown(_Event, frozen=True, kw_only=True, tag="question_shown"):
    """A question appears. All-play and estimation questions take answers until ``deadline``.

    ``order`` lists the option (or item) ids in the order every screen shows them
    (``game.shuffling``); ``None`` — also in logs written before shuffling — shows them as
    written.

    ``team_deadlines``: the teams of the round in senior mode (extended or untimed) and their
    own deadline, ``None`` for an untimed team; every other team answers until ``deadline``
    (docs/game-rules.md, "Senior and accessible mode").
    """

    round_index: int
    question_index: int
    deadline: int | None
    order: tuple[str, ...] | None = None
    team_deadlines: dict[str, int | None] = {}


class QuestionClosed(_Event, frozen=True, kw_only=True, tag="question_closed"):
    """A buzzer question ends without further play (answered, nobody buzzed, all locked out)."""

    reason: Literal["answered", "no_buzz", "all_locked_out"]


class AnswerRevealed(_Event, frozen=True, kw_only=True, tag="answer_revealed"):
    pass


class QuestionSkipped(_Event, frozen=True, kw_only=True, tag="question_skipped"):
    pass


class RoundFinished(_Event, frozen=True, kw_only=True, tag="round_finished"):
    round_index: int


class ContestPaused(_Event, frozen=True, kw_only=True, tag="contest_paused"):
    pass


class ContestResumed(_Event, frozen=True, kw_only=True, tag="contest_resumed"):
    """Every running deadline moves ``shift_us`` later: the time the pause lasted."""

    shift_us: int


class TieBreakStarted(_Event, frozen=True, kw_only=True, tag="tiebreak_started"):
    """A sudden-death round between ``round.teams`` is appended and started."""

    round: Round


class ContestFinished(_Event, frozen=True, kw_only=True, tag="contest_finished"):
    pass


# --- buzzing -------------------------------------------------------------------------------------


class BuzzersArmed(_Event, frozen=True, kw_only=True, tag="buzzers_armed"):
    """The buzzers open at ``opens_at``; with no valid press by ``closes_at`` the question ends."""

    opens_at: int
    closes_at: int


class BuzzersOpened(_Event, frozen=True, kw_only=True, tag="buzzers_opened"):
    pass


class FalseStart(_Event, frozen=True, kw_only=True, tag="false_start"):
    """A press before the opening: the team is locked out of this question."""

    team_id: str
    player_id: str | None
    pressed_at: int
    opens_at: int


class FalseStartForgiven(_Event, frozen=True, kw_only=True, tag="false_start_forgiven"):
    """The host forgave ``team_id``'s false start: it may buzz again on this question (its
    returned penalty follows as a ``ScoreChanged`` with reason ``undo``)."""

    team_id: str


class BuzzAccepted(_Event, frozen=True, kw_only=True, tag="buzz_accepted"):
    """A valid press. The first one of a phase opens the collection window until
    ``window_closes_at``; later ones leave it as it is (``None``)."""

    press: Press
    window_closes_at: int | None


class PressRefused(_Event, frozen=True, kw_only=True, tag="press_refused"):
    """A press that does not take part, logged for disputes; it changes nothing else.

    ``reason``: ``duplicate`` — the team's earlier press of this window already counts — or the
    error code the server refused the press with (``buzzers_closed``, ``team_locked_out`` …,
    logged by ``RecordRefusedPress``).
    ``press``: the press as the engine saw it (claim, clamp, compensation, source, clock).
    """

    press: Press
    reason: str


class BuzzAwarded(_Event, frozen=True, kw_only=True, tag="buzz_awarded"):
    """The photo finish is decided: ``photo.winner`` answers before ``answer_deadline``."""

    photo: PhotoFinish
    answer_deadline: int


# --- answers and judgements ----------------------------------------------------------------------


class AnswerSubmitted(_Event, frozen=True, kw_only=True, tag="answer_submitted"):
    """A team's answer; it replaces the team's earlier one. ``remaining_us`` is the answering
    time that was left to the team's own deadline (0 for an untimed team; all-play: for the
    speed bonus). ``time_mode``: the team's mode on this question when it answered — only a
    ``standard`` answer competes for the speed bonus."""

    team_id: str
    player_id: str
    answer: Answer
    remaining_us: int
    time_mode: TimeMode = "standard"


class AnswersLocked(_Event, frozen=True, kw_only=True, tag="answers_locked"):
    """An all-play question stops taking answers; ``verdicts`` are the automatic ones
    (``correct``, ``wrong`` or ``pending`` for the host; where the closest answer wins, the
    closest teams are ``correct``)."""

    verdicts: dict[str, str]


class Judged(_Event, frozen=True, kw_only=True, tag="judged"):
    """A verdict on one team's answer.

    Attributes:
        by: ``host``, or ``timeout`` when a buzzer answer ran out of time (counts as wrong).
        reopens_at: buzzer round, wrong answer: the buzzers reopen for the others at this time
            (``None`` when nobody is left).
        closes_at: with ``reopens_at``: the question ends if nobody presses by then.
    """

    team_id: str
    correct: bool
    by: Literal["host", "timeout"]
    reopens_at: int | None = None
    closes_at: int | None = None


class JudgementUndone(_Event, frozen=True, kw_only=True, tag="judgement_undone"):
    """The last judgement of the current question is taken back.

    Attributes:
        team_id: the team whose verdict is taken back.
        answer_deadline: buzzer round: the same team is answering again until this time (a
            fresh answer time); ``None`` in all-play and estimation rounds.
    """

    team_id: str
    answer_deadline: int | None = None


class ScoreChanged(_Event, frozen=True, kw_only=True, tag="score_changed"):
    """The only event that changes a score."""

    team_id: str
    delta: int
    reason: ScoreReason
    question_id: str | None = None
    note: str = ""


Event = (
    ContestCreated
    | TeamAdded
    | PlayerJoined
    | PlayerRemoved
    | TouchLatencySet
    | TeamTimeModeSet
    | RoundAdded
    | ContestStarted
    | RoundStarted
    | QuestionShown
    | QuestionClosed
    | AnswerRevealed
    | QuestionSkipped
    | RoundFinished
    | ContestPaused
    | ContestResumed
    | TieBreakStarted
    | ContestFinished
    | BuzzersArmed
    | BuzzersOpened
    | FalseStart
    | FalseStartForgiven
    | BuzzAccepted
    | PressRefused
    | BuzzAwarded
    | AnswerSubmitted
    | AnswersLocked
    | Judged
    | JudgementUndone
    | ScoreChanged
)

EVENT_TYPES: tuple[type[Event], ...] = (
    ContestCreated,
    TeamAdded,
    PlayerJoined,
    PlayerRemoved,
    TouchLatencySet,
    TeamTimeModeSet,
    RoundAdded,
    ContestStarted,
    RoundStarted,
    QuestionShown,
    QuestionClosed,
    AnswerRevealed,
    QuestionSkipped,
    RoundFinished,
    ContestPaused,
    ContestResumed,
    TieBreakStarted,
    ContestFinished,
    BuzzersArmed,
    BuzzersOpened,
    FalseStart,
    FalseStartForgiven,
    BuzzAccepted,
    PressRefused,
    BuzzAwarded,
    AnswerSubmitted,
    AnswersLocked,
    Judged,
    JudgementUndone,
    ScoreChanged,
)
