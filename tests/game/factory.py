"""Small factories for engine tests: a contest with teams, players and rounds."""

from __future__ import annotations

from collections.abc import Iterable

from game import commands as c
from game.engine import decide
from game.events import Event
from game.model import AllPlayRules, BuzzerRules, EstimationRules, Round
from game.questions import (
    Estimation,
    MultipleChoice,
    Numeric,
    OpenText,
    Option,
    Ordering,
    Question,
    SingleChoice,
    TrueFalse,
)
from game.state import ContestState

S = 1_000_000  # one second in µs
MS = 1_000

LANGS = ("lv", "lt", "en")
TEAMS = ("jelgava", "liepaja", "siauliai")


def loc(text: str) -> dict[str, str]:
    return {lang: f"{text} [{lang}]" for lang in LANGS}


def single(qid: str = "q-single", correct: str = "b", points: int | None = None) -> SingleChoice:
    return SingleChoice(
        id=qid,
        text=loc("Which conducts best?"),
        options=tuple(Option(id=o, text=loc(o.upper())) for o in "abcd"),
        correct=correct,
        points=points,
        explanation=loc("Copper is a metal."),
    )


def multiple(qid: str = "q-multi") -> MultipleChoice:
    return MultipleChoice(
        id=qid,
        text=loc("Which are mammals?"),
        options=tuple(Option(id=o, text=loc(o)) for o in "abcd"),
        correct=("a", "c"),
    )


def true_false(qid: str = "q-tf", correct: bool = True) -> TrueFalse:
    return TrueFalse(id=qid, text=loc("The Sun is a star."), correct=correct)


def numeric(qid: str = "q-num", value: float = 100.0, tolerance: float = 0.0) -> Numeric:
    return Numeric(
        id=qid, text=loc("Water boils at?"), value=value, tolerance=tolerance, unit=loc("°C")
    )


def estimation(qid: str = "q-est", value: float = 206.0) -> Estimation:
    return Estimation(id=qid, text=loc("Bones in an adult?"), value=value, unit=loc("bones"))


def ordering(qid: str = "q-order") -> Ordering:
    return Ordering(
        id=qid,
        text=loc("Order by size"),
        items=tuple(Option(id=o, text=loc(o)) for o in "xyz"),
        correct=("z", "x", "y"),
    )


def open_text(qid: str = "q-open") -> OpenText:
    return OpenText(
        id=qid,
        text=loc("Which gas do we breathe in?"),
        accepted={"lv": ("Skābeklis",), "lt": ("Deguonis",), "en": ("Oxygen", "O2")},
    )


def buzzer_round(*questions: Question, rid: str = "r-buzz", **rules: int) -> Round:
    return Round(
        id=rid,
        title=loc("Buzzers"),
        rules=BuzzerRules(**rules),
        questions=questions or (single(),),
    )


def all_play_round(*questions: Question, rid: str = "r-all", **rules: int) -> Round:
    return Round(
        id=rid,
        title=loc("All play"),
        rules=AllPlayRules(**rules),
        questions=questions or (single(),),
    )


def estimation_round(*questions: Question, rid: str = "r-est", **rules: object) -> Round:
    return Round(
        id=rid,
        title=loc("Estimation"),
        rules=EstimationRules(**rules),  # type: ignore[arg-type]
        questions=questions or (estimation(),),
    )


class Game:
    """Drives the engine with commands and keeps the full event log, like the server's runner."""

    def __init__(self) -> None:
        self.state = ContestState()
        self.log: list[Event] = []
        self.now = 0

    def do(self, command: c.Command) -> list[Event]:
        decision = decide(self.state, command)
        self.log.extend(decision.events)
        self.state = decision.state
        return list(decision.events)

    def at(self, t: int) -> Game:
        self.now = t
        return self

    def run(self, cls: type, **fields: object) -> list[Event]:
        return self.do(cls(at=self.now, **fields))


def setup(rounds: Iterable[Round] = (), teams: Iterable[str] = TEAMS, start: bool = True) -> Game:
    """A created contest with three teams, one player each (``<team>-p1``) and the given rounds."""
    g = Game()
    g.run(c.CreateContest, contest_id="demo", title="Demo", languages=LANGS, seed=42)
    for team in teams:
        g.run(c.AddTeam, team_id=team, name=team.title(), venue=team.title())
        g.run(c.AddPlayer, player_id=f"{team}-p1", team_id=team, display_name=f"{team} one")
        g.run(c.AddPlayer, player_id=f"{team}-p2", team_id=team, display_name=f"{team} two")
    for round_ in rounds:
        g.run(c.AddRound, round=round_)
    if start:
        g.run(c.StartContest)
    return g


def buzz(
    g: Game, team: str, pressed_at: int, arrive: int | None = None, path: int = 100 * MS
) -> list[Event]:
    """A press by ``team``'s first player, arriving at ``arrive`` (default: now)."""
    if arrive is not None:
        g.at(arrive)
    return g.run(
        c.Buzz, team_id=team, player_id=f"{team}-p1", pressed_at=pressed_at, allowed_path_us=path
    )


def fire(g: Game, key: str, due: int) -> list[Event]:
    g.at(max(g.now, due))
    return g.run(c.TimerFired, key=key, due=due)
