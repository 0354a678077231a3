"""Contest moments for the page tests, played through the real engine with the shipped pack.

``Scene`` drives ``game.engine.decide`` like the server's runner does, with the time as an input,
and hands out each role's view (``game.views``) exactly as the WebSocket would carry it. The page
tests feed these views to the browser through a fake WebSocket, so what the pages show is what the
engine's projections contain — no hand-written view dicts that could drift from ``game/views.py``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import msgspec

from content import load_pack
from game import commands as c
from game.engine import decide
from game.model import AllPlayRules, BuzzerRules, Round
from game.questions import (
    ChoicesAnswer,
    MultipleChoice,
    Numeric,
    OpenText,
    Ordering,
    Question,
    SingleChoice,
)
from game.state import ContestState
from game.views import audience_view, display_view, host_view, team_view

S = 1_000_000  # one second in µs
MS = 1_000
PACK_DIR = Path(__file__).resolve().parents[2] / "content" / "packs" / "baltic-science"

TEAMS = (
    ("jelgava", "Jelgava", "Jelgavas pilsētas bibliotēka", "#c8102e"),
    ("liepaja", "Liepāja", "Liepājas Centrālā zinātniskā bibliotēka", "#0072ce"),
    ("siauliai", "Šiauliai", "Šiaulių miesto savivaldybės viešoji biblioteka", "#f2a900"),
)
PLAYERS = (
    ("p-anna", "jelgava", "Anna K."),
    ("p-liga", "liepaja", "Līga O."),
    ("p-ruta", "siauliai", "Rūta P."),
)


@functools.cache
def pack_questions() -> dict[str, Question]:
    """The shipped pack's questions by id, their image paths as the server gives them.

    The server rewrites a pack question's media path to ``<pack id>/<path in the pack>``, which
    is also where it serves the image under ``/media/``.
    """
    pack = load_pack(PACK_DIR)
    questions: dict[str, Question] = {}
    for question in pack.questions:
        if question.media is not None:
            media = msgspec.structs.replace(question.media, path=f"{pack.id}/{question.media.path}")
            question = msgspec.structs.replace(question, media=media)
        questions[question.id] = question
    return questions


def first_of(kind: type, *, with_media: bool = False) -> Question:
    """The first pack question of a type (with an image, if asked)."""
    for question in pack_questions().values():
        if isinstance(question, kind) and (question.media is not None or not with_media):
            return question
    raise LookupError(f"the pack has no {kind.__name__}")


class Scene:
    """A contest between Jelgava, Liepāja and Šiauliai, driven command by command."""

    def __init__(self, start_us: int, contest_id: str = "bsq-test") -> None:
        self.now = start_us
        self.state = ContestState()
        self.seq = 0
        self.log: list[dict[str, Any]] = []  # the event log, as GET …/events gives it
        self.buzz_question = first_of(SingleChoice, with_media=True)
        self.all_play_questions: tuple[Question, ...] = (
            first_of(MultipleChoice),
            first_of(Ordering),
            first_of(Numeric),
            first_of(OpenText),
        )
        self.run(
            c.CreateContest,
            contest_id=contest_id,
            title="Baltijas zinātnes viktorīna 2026",
            languages=("lv", "lt", "en"),
            seed=7,
        )
        for team_id, name, venue, colour in TEAMS:
            self.run(c.AddTeam, team_id=team_id, name=name, venue=venue, colour=colour)
        for player_id, team_id, name in PLAYERS:
            self.run(c.AddPlayer, player_id=player_id, team_id=team_id, display_name=name)
        self.run(
            c.AddRound,
            round=Round(
                id="r1",
                title={"lv": "Ātrākā poga", "lt": "Greičiausias mygtukas", "en": "Fastest finger"},
                rules=BuzzerRules(tie_resolution_us=1000),  # photo_finish: 0.4 ms apart tie
                questions=(self.buzz_question,),
            ),
        )
        self.run(
            c.AddRound,
            round=Round(
                id="r2",
                title={"lv": "Visi atbild", "lt": "Visi atsako", "en": "Everyone answers"},
                rules=AllPlayRules(),
                questions=self.all_play_questions,
            ),
        )

    def run(self, cls: type, **fields: Any) -> None:
        """Carry out one command at the scene's current time."""
        decision = decide(self.state, cls(at=self.now, **fields))
        self.state = decision.state
        for event in decision.events:
            self.seq += 1
            data = msgspec.to_builtins(event)
            self.log.append({"seq": self.seq, "type": data["type"], "at": event.at, "event": data})

    def wait(self, us: int) -> Scene:
        self.now += us
        return self

    # --- moments ------------------------------------------------------------------------------

    def start(self) -> Scene:
        self.run(c.StartContest)
        self.run(c.StartRound)
        return self

    def buzzer_open(self) -> Scene:
        self.run(c.ShowQuestion)
        self.wait(2 * S).run(c.OpenBuzzers)
        q = self.state.question
        assert q is not None and q.opens_at is not None
        self.now = q.opens_at
        self.run(c.TimerFired, key="buzzers_open", due=q.opens_at)
        return self

    def photo_finish(self) -> Scene:
        """Šiauliai and Jelgava press 0.4 ms apart (a tie), Liepāja later; the draw decides."""
        q = self.state.question
        assert q is not None and q.opens_at is not None
        opened = q.opens_at
        self.now = opened + 900 * MS
        self.run(
            c.Buzz,
            team_id="siauliai",
            player_id="p-ruta",
            pressed_at=opened + 820 * MS,
            bound_us=4 * MS,
            allowed_path_us=120 * MS,
        )
        self.now = opened + 930 * MS
        self.run(
            c.Buzz,
            team_id="jelgava",
            player_id="p-anna",
            pressed_at=opened + 820 * MS + 400,
            bound_us=2 * MS,
            allowed_path_us=150 * MS,
        )
        self.now = opened + 1_000 * MS
        self.run(
            c.Buzz,
            team_id="liepaja",
            player_id="p-liga",
            pressed_at=opened + 700 * MS,  # claims too early for its path: clamped
            bound_us=3 * MS,
            allowed_path_us=80 * MS,
            source="box",
        )
        q = self.state.question
        assert q is not None and q.window_closes_at is not None
        self.now = q.window_closes_at
        self.run(c.TimerFired, key="buzz_window", due=q.window_closes_at)
        return self

    def judge_answering(self, correct: bool) -> Scene:
        q = self.state.question
        assert q is not None and q.answering_team is not None
        self.wait(3 * S).run(c.Judge, team_id=q.answering_team, correct=correct)
        return self

    def reveal(self) -> Scene:
        self.wait(S).run(c.Reveal)
        return self

    def next_round_question(self) -> Scene:
        """Finish the buzzer round and show the all-play round's first question."""
        self.wait(S).run(c.NextQuestion)  # ends round 1 (its only question)
        self.wait(S).run(c.StartRound)
        self.wait(S).run(c.ShowQuestion)
        return self

    def answer(self, team_id: str, answer: Any) -> Scene:
        player_id = next(p for p, t, _ in PLAYERS if t == team_id)
        self.wait(2 * S).run(c.SubmitAnswer, team_id=team_id, player_id=player_id, answer=answer)
        return self

    def show_next(self) -> Scene:
        self.wait(S).run(c.NextQuestion)
        return self

    def lock(self) -> Scene:
        self.wait(S).run(c.LockAnswers)
        return self

    def finish(self) -> Scene:
        self.wait(S).run(c.EndRound)
        self.wait(S).run(c.EndContest)
        return self

    # --- views --------------------------------------------------------------------------------

    def view(self, role: str, team_id: str | None = None) -> dict[str, Any]:
        """The role's view, as the server sends it (the host's with its ``connections``)."""
        if role == "host":
            view = host_view(self.state)
            view["connections"] = {
                "host": 1,
                "display": 3,
                "audience": 42,
                "agents": [],
                "players": {"jelgava": ["Anna K."], "liepaja": ["Līga O."], "siauliai": []},
            }
            return view
        if role == "player":
            assert team_id is not None
            return team_view(self.state, team_id)
        if role == "display":
            return display_view(self.state)
        return audience_view(self.state)


def answers_for_all_play(scene: Scene) -> None:
    """Every team answers the all-play round's first question (multiple choice)."""
    question = scene.all_play_questions[0]
    assert isinstance(question, MultipleChoice)
    right = sorted(question.correct)
    wrong = [o.id for o in question.options if o.id not in question.correct][:1]
    scene.answer("jelgava", ChoicesAnswer(options=frozenset(right)))
    scene.answer("siauliai", ChoicesAnswer(options=frozenset(wrong or right[:1])))
