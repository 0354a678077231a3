"""Every question of the shipped pack, played through the engine, as the views a page receives.

``pack_views(role)`` builds one contest with three rounds — a buzzer round and an all-play round
with every question of the pack, an estimation round with its numeric and estimation questions —
and plays each question through ``game.engine.decide`` to its busiest moments:

- buzzer: the buzzers open and a team has buzzed (the banner, the answer clock, a locked-out
  team), then the reveal (the correct answer, the explanation, every team's result);
- all-play and estimation: answers open with some teams answered, then the reveal with every
  team's (long, correct) answer in the results table.

Each moment's view of ``role`` (``display`` or a team's ``player``) is yielded with a label
(``"buzzer/answering/phys-029"``). The views do not depend on the language: a page picks its
language from the per-language maps, so the same views serve lv, lt and en.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from game import commands as c
from game.engine import decide
from game.model import AllPlayRules, BuzzerRules, EstimationRules, Round
from game.questions import (
    NUMERIC_TYPES,
    Answer,
    BoolAnswer,
    ChoiceAnswer,
    ChoicesAnswer,
    MultipleChoice,
    NumberAnswer,
    OpenText,
    Ordering,
    Question,
    SingleChoice,
    TextAnswer,
    TrueFalse,
)
from game.state import ContestState
from game.views import display_view, team_view

from .scenes import MS, PLAYERS, TEAMS, S, pack_questions

ROUND_TITLES = {
    "buzzer": {"lv": "Ātrākā poga", "lt": "Greičiausias mygtukas", "en": "Fastest finger"},
    "all_play": {"lv": "Visi atbild", "lt": "Visi atsako", "en": "Everyone answers"},
    "estimation": {"lv": "Novērtē!", "lt": "Įvertink!", "en": "Best guess"},
}


def right_answer(question: Question) -> Answer:
    """The correct answer as a team would send it (the longest accepted text, for open text)."""
    if isinstance(question, SingleChoice):
        return ChoiceAnswer(option=question.correct)
    if isinstance(question, MultipleChoice):
        return ChoicesAnswer(options=question.correct)
    if isinstance(question, TrueFalse):
        return BoolAnswer(value=question.correct)
    if isinstance(question, NUMERIC_TYPES):
        return NumberAnswer(value=question.value)
    if isinstance(question, Ordering):
        from game.questions import OrderAnswer

        return OrderAnswer(order=question.correct)
    assert isinstance(question, OpenText)
    texts = [text for accepted in question.accepted.values() for text in accepted]
    return TextAnswer(text=max(texts, key=len))


class PackPlay:
    """One contest of the whole pack, played question by question."""

    def __init__(self, start_us: int) -> None:
        self.now = start_us
        self.state = ContestState()
        self.seq = 0
        questions = tuple(pack_questions().values())
        self.rounds: dict[str, tuple[Question, ...]] = {
            "buzzer": questions,
            "all_play": questions,
            "estimation": tuple(q for q in questions if isinstance(q, NUMERIC_TYPES)),
        }
        self.run(
            c.CreateContest,
            contest_id="bsq-pack",
            title="Baltic pack",
            languages=("lv", "lt", "en"),
            seed=3,
        )
        for team_id, name, venue, colour in TEAMS:
            self.run(c.AddTeam, team_id=team_id, name=name, venue=venue, colour=colour)
        for player_id, team_id, name in PLAYERS:
            self.run(c.AddPlayer, player_id=player_id, team_id=team_id, display_name=name)
        rules = {
            "buzzer": BuzzerRules(),
            "all_play": AllPlayRules(),
            "estimation": EstimationRules(),
        }
        for kind, chosen in self.rounds.items():
            self.run(
                c.AddRound,
                round=Round(id=kind, title=ROUND_TITLES[kind], rules=rules[kind], questions=chosen),
            )
        self.run(c.StartContest)

    def run(self, cls: type, **fields: Any) -> None:
        decision = decide(self.state, cls(at=self.now, **fields))
        self.state = decision.state
        self.seq += len(decision.events)

    def wait(self, us: int) -> PackPlay:
        self.now += us
        return self

    def _fire(self, key: str, due: int) -> None:
        self.now = max(self.now, due)
        self.run(c.TimerFired, key=key, due=due)

    def buzzer_moments(self, question: Question) -> Iterator[str]:
        """Play one buzzer question: Liepāja buzzes, is wrong; Šiauliai buzzes, is right."""
        self.wait(S).run(c.OpenBuzzers)
        q = self.state.question
        assert q is not None and q.opens_at is not None
        self._fire("buzzers_open", q.opens_at)
        self.wait(800 * MS).run(
            c.Buzz,
            team_id="liepaja",
            player_id="p-liga",
            pressed_at=self.now - 50 * MS,
            allowed_path_us=100 * MS,
        )
        q = self.state.question
        assert q is not None and q.window_closes_at is not None
        self._fire("buzz_window", q.window_closes_at)
        self.wait(2 * S).run(c.Judge, team_id="liepaja", correct=False)
        q = self.state.question
        assert q is not None
        if q.phase != "armed":  # the buzzers reopen by themselves after a wrong answer
            self.wait(S).run(c.OpenBuzzers)
        q = self.state.question
        assert q is not None and q.opens_at is not None
        self._fire("buzzers_open", q.opens_at)
        self.wait(600 * MS).run(
            c.Buzz,
            team_id="siauliai",
            player_id="p-ruta",
            pressed_at=self.now - 40 * MS,
            allowed_path_us=100 * MS,
        )
        q = self.state.question
        assert q is not None and q.window_closes_at is not None
        self._fire("buzz_window", q.window_closes_at)
        yield "answering"
        self.wait(2 * S).run(c.Judge, team_id="siauliai", correct=True)
        self.wait(S).run(c.Reveal)
        yield "revealed"

    def all_play_moments(self, question: Question) -> Iterator[str]:
        """Play one all-play or estimation question: two teams answer, then the reveal."""
        answer = right_answer(question)
        for player_id, team_id, _ in PLAYERS[:2]:
            self.wait(S).run(c.SubmitAnswer, team_id=team_id, player_id=player_id, answer=answer)
        yield "answers_open"
        player_id, team_id, _ = PLAYERS[2]
        self.wait(S).run(c.SubmitAnswer, team_id=team_id, player_id=player_id, answer=answer)
        self.wait(S).run(c.LockAnswers)
        q = self.state.question
        assert q is not None
        for team, verdict in q.verdicts.items():  # open answers the host still has to judge
            if verdict == "pending":
                self.run(c.Judge, team_id=team, correct=True)
        self.wait(S).run(c.Reveal)
        yield "revealed"

    def moments(self) -> Iterator[tuple[str, str, Question]]:
        """(round kind, moment, question) for every question of every round, in play order."""
        for kind, questions in self.rounds.items():
            self.wait(S).run(c.StartRound)
            for index, question in enumerate(questions):
                self.wait(S).run(c.NextQuestion if index else c.ShowQuestion)
                play = self.buzzer_moments if kind == "buzzer" else self.all_play_moments
                for moment in play(question):
                    yield kind, moment, question
            self.wait(S).run(c.EndRound)


def pack_views(
    role: str, start_us: int, team_id: str = "jelgava"
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, view) for every moment of every pack question, as ``role`` receives it."""
    play = PackPlay(start_us)
    for kind, moment, question in play.moments():
        view = display_view(play.state) if role == "display" else team_view(play.state, team_id)
        yield f"{kind}/{moment}/{question.id}", view
