"""The contest's setup: teams, players, rounds and their rules.

These are the frozen facts a contest is built from. They enter the event log inside setup events
(``TeamAdded``, ``RoundAdded`` …) and never change afterwards; everything that changes during play
lives in ``game.state``.

All times in the engine are integers in microseconds on the server's contest clock; durations in
rules are given in milliseconds (``*_ms``) or microseconds (``*_us``) as their names say.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec

from game.errors import InvalidSetup
from game.questions import NUMERIC_TYPES, IdSet, Localized, Question, id_set, validate_question

Generation = Literal["child", "teen", "adult", "senior"]
GENERATIONS: tuple[Generation, ...] = ("child", "teen", "adult", "senior")

RoundKind = Literal["buzzer", "all_play", "estimation"]

TimeMode = Literal["standard", "extended", "untimed"]
"""A team's answering time in all-play and estimation rounds (docs/game-rules.md, "Senior and
accessible mode"): ``standard`` — the round's time limit; ``extended`` — ``EXTENDED_TIME_FACTOR``
times that limit; ``untimed`` — no limit, the team answers until the host locks the answers.
A team in either of the last two modes never earns a speed bonus."""
TIME_MODES: tuple[TimeMode, ...] = ("standard", "extended", "untimed")
EXTENDED_TIME_FACTOR = 2
"""How many times the round's time limit a team in ``extended`` mode has to answer."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_id(kind: str, value: str) -> None:
    """Raise ``InvalidSetup`` unless ``value`` is a usable id (letters, digits, ``_.:-``, ≤ 64)."""
    if not _ID.match(value):
        raise InvalidSetup(f"{kind} id {value!r} must be 1–64 letters, digits or _.:-")


class Team(msgspec.Struct, frozen=True, kw_only=True):
    """A team: its name, the city or venue it plays from, and its colour on the screens.
    ``time_mode``: its answering time in all-play and estimation rounds (``TimeMode``), as set
    when it was added or later by the host (``SetTeamTimeMode``)."""

    id: str
    name: str
    venue: str
    colour: str = "#3366cc"
    time_mode: TimeMode = "standard"

    def check(self) -> None:
        """Raise ``InvalidSetup`` when a field is unusable."""
        check_id("team", self.id)
        if not self.name.strip():
            raise InvalidSetup("a team needs a name")
        if not _COLOUR.match(self.colour):
            raise InvalidSetup(f"colour {self.colour!r} must look like #1a2b3c")
        check_time_mode(self.time_mode)


def check_time_mode(value: str) -> None:
    """Raise ``InvalidSetup`` unless ``value`` is a ``TimeMode``."""
    if value not in TIME_MODES:
        raise InvalidSetup(f"a team's time mode is one of {', '.join(TIME_MODES)}")


class Player(msgspec.Struct, frozen=True, kw_only=True):
    """A team member. ``generation`` is optional and only used for participation figures.
    ``touch_latency_us``: how late the player's tablet reports a touch, as the host set it
    (``SetTouchLatency``); the player's tablet presses count that much earlier."""

    id: str
    team_id: str
    display_name: str
    generation: Generation | None = None
    touch_latency_us: int = 0

    def check(self) -> None:
        """Raise ``InvalidSetup`` when a field is unusable."""
        check_id("player", self.id)
        if not self.display_name.strip() or len(self.display_name) > 40:
            raise InvalidSetup("a player's display name must have 1–40 characters")


class BuzzerRules(msgspec.Struct, frozen=True, kw_only=True, tag="buzzer", tag_field="kind"):
    """Rules of a buzzer round (see docs/game-rules.md, "Buzzer round").

    Attributes:
        points: earned by a correct answer (a question's own ``points`` wins).
        wrong_penalty: lost by a wrong answer or an answer that runs out of time.
        false_start_penalty: lost by a press before the buzzers open.
        open_delay_ms: from the host's "open buzzers" to the opening, so that every venue hears
            of the opening before it happens.
        collect_window_ms: after the first valid press arrives, how long the engine waits for
            earlier presses still on their way from other venues.
        tie_resolution_us: presses closer than this are a tie, broken by a recorded seeded draw.
        answer_time_ms: how long the winning team has to answer.
        buzz_time_ms: how long the buzzers stay open without a press before the question ends.
        shuffle: show the options of choice and ordering questions in the contest's shuffled
            order (``game.shuffling``); false keeps every question's written order.
    """

    points: int = 10
    wrong_penalty: int = 5
    false_start_penalty: int = 0
    open_delay_ms: int = 500
    collect_window_ms: int = 100
    tie_resolution_us: int = 250
    answer_time_ms: int = 10_000
    buzz_time_ms: int = 20_000
    shuffle: bool = True

    def check(self) -> None:
        """Raise ``InvalidSetup`` when a value is out of range."""
        _non_negative(
            points=self.points,
            wrong_penalty=self.wrong_penalty,
            false_start_penalty=self.false_start_penalty,
            open_delay_ms=self.open_delay_ms,
            collect_window_ms=self.collect_window_ms,
            tie_resolution_us=self.tie_resolution_us,
        )
        _positive(answer_time_ms=self.answer_time_ms, buzz_time_ms=self.buzz_time_ms)


class AllPlayRules(msgspec.Struct, frozen=True, kw_only=True, tag="all_play", tag_field="kind"):
    """Rules of an all-play round (see docs/game-rules.md, "All-play round").

    Attributes:
        points: earned by a correct answer (a question's own ``points`` wins).
        time_limit_s: seconds to answer (a question's own ``time_limit`` wins).
        speed_bonus: extra points for the fastest correct answers, scaled by the share of the
            time left when the counted answer was given; 0 turns the bonus off (the default).
        shuffle: as for ``BuzzerRules``.
    """

    points: int = 10
    time_limit_s: int = 30
    speed_bonus: int = 0
    shuffle: bool = True

    def check(self) -> None:
        """Raise ``InvalidSetup`` when a value is out of range."""
        _non_negative(points=self.points, speed_bonus=self.speed_bonus)
        _positive(time_limit_s=self.time_limit_s)


class GradeBand(msgspec.Struct, frozen=True, kw_only=True):
    """Points for any estimate within ``within_percent`` of the true value."""

    within_percent: float
    points: int


class EstimationRules(
    msgspec.Struct, frozen=True, kw_only=True, tag="estimation", tag_field="kind"
):
    """Rules of an estimation round (see docs/game-rules.md, "Estimation round").

    Attributes:
        points: earned by the closest team; teams equally close all earn them.
        time_limit_s: seconds to answer (a question's own ``time_limit`` wins).
        graded: optional bands; a team within a band's distance earns that band's points
            (the best band that applies; the closest team always earns at least ``points``).
    """

    points: int = 10
    time_limit_s: int = 30
    graded: tuple[GradeBand, ...] = ()

    def check(self) -> None:
        """Raise ``InvalidSetup`` when a value is out of range."""
        _non_negative(points=self.points)
        _positive(time_limit_s=self.time_limit_s)
        for band in self.graded:
            if not band.within_percent > 0 or band.points < 0:
                raise InvalidSetup("a grade band needs a positive distance and points >= 0")


Rules = BuzzerRules | AllPlayRules | EstimationRules


class Round(msgspec.Struct, frozen=True, kw_only=True):
    """One round: its rules and its ordered questions.

    Attributes:
        id: unique within the contest.
        title: per language.
        rules: the round type and its settings.
        questions: in the order the host will show them.
        tiebreak: a sudden-death round added at the end to separate teams level at the top.
        teams: the teams that may play this round, as an ``IdSet`` whatever order they are
            given in; ``None`` means every team.
    """

    id: str
    title: Localized
    rules: Rules
    questions: tuple[Question, ...]
    tiebreak: bool = False
    teams: IdSet | None = None

    def __post_init__(self) -> None:
        if self.teams is not None:
            msgspec.structs.force_setattr(self, "teams", id_set(self.teams))

    @property
    def kind(self) -> RoundKind:
        """``buzzer``, ``all_play`` or ``estimation``."""
        if isinstance(self.rules, BuzzerRules):
            return "buzzer"
        if isinstance(self.rules, AllPlayRules):
            return "all_play"
        return "estimation"

    def check(self) -> None:
        """Raise ``InvalidSetup`` unless the round and all its questions are usable."""
        check_id("round", self.id)
        self.rules.check()
        if not self.questions:
            raise InvalidSetup(f"round {self.id!r} has no questions")
        seen: set[str] = set()
        for question in self.questions:
            validate_question(question)
            if question.id in seen:
                raise InvalidSetup(f"question id {question.id!r} appears twice in the round")
            seen.add(question.id)
            if self.kind == "estimation" and not isinstance(question, NUMERIC_TYPES):
                raise InvalidSetup(
                    f"question {question.id!r}: an estimation round takes only numeric "
                    "and estimation questions"
                )

    @property
    def shuffles(self) -> bool:
        """Whether the round shows options in the contest's shuffled order (estimation rounds
        have no options to shuffle)."""
        return not isinstance(self.rules, EstimationRules) and self.rules.shuffle

    def points_for(self, question: Question) -> int:
        """Points for a correct answer to ``question`` in this round."""
        return self.rules.points if question.points is None else question.points

    def time_limit_us(self, question: Question) -> int:
        """Answering time of an all-play or estimation question, in microseconds."""
        assert not isinstance(self.rules, BuzzerRules)
        seconds = question.time_limit or self.rules.time_limit_s
        return seconds * 1_000_000


def _non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise InvalidSetup(f"{name} must not be negative")


def _positive(**values: int) -> None:
    for name, value in values.items():
        if value <= 0:
            raise InvalidSetup(f"{name} must be positive")
