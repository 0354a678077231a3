"""A scripted contest between Jelgava, Liepāja and Šiauliai, played through the real engine.

``play(out, lang)`` drives ``game.engine.decide`` with a fixed script — one buzzer round with a
photo finish, a false start and a wrong answer, one all-play round with an answer the host must
judge, and one estimation round — and narrates every event in the chosen language, ending with
the scoreboard. Times are simulated (the script advances its own clock), so a run takes no time
and always prints the same story.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from game import commands as c
from game import events as ev
from game.engine import decide
from game.model import AllPlayRules, BuzzerRules, EstimationRules, Round
from game.questions import (
    Answer,
    ChoiceAnswer,
    Estimation,
    NumberAnswer,
    Numeric,
    OpenText,
    Question,
    SingleChoice,
    TextAnswer,
    TrueFalse,
    correct_answer,
)
from game.state import ContestState, pending_timers
from game.views import scoreboard
from server.demo_questions import ALL_PLAY_QUESTIONS, BUZZER_QUESTIONS, ESTIMATION_QUESTIONS
from server.demo_teams import TEAMS

MS = 1_000
S = 1_000_000

PLAYERS = (
    ("anna", "jelgava", "Anna K.", "child"),
    ("janis", "jelgava", "Jānis B.", "senior"),
    ("liga", "liepaja", "Līga O.", "adult"),
    ("martins", "liepaja", "Mārtiņš Z.", "teen"),
    ("ruta", "siauliai", "Rūta P.", "adult"),
    ("jonas", "siauliai", "Jonas V.", "senior"),
)

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "round": "Round",
        "question": "Question",
        "opens": "Buzzers open",
        "false": "false start by",
        "pressed": "pressed",
        "path": "path",
        "wins": "wins the buzz",
        "tie": "tie broken by draw",
        "correct": "correct",
        "wrong": "wrong",
        "answer": "answers",
        "reveal": "Answer",
        "points": "points",
        "locked": "Answers locked",
        "final": "Final scoreboard",
        "title": "Baltic Science Quiz — demonstration contest",
        "closed": "Question closed",
        "judged": "host judges",
        "true": "true",
        "false_value": "false",
        "pending": "to be judged",
        "reopen": "buzzers reopen for the others",
    },
    "lv": {
        "round": "Kārta",
        "question": "Jautājums",
        "opens": "Pogas atveras",
        "false": "priekšlaicīgs spiediens —",
        "pressed": "nospieda",
        "path": "ceļš",
        "wins": "uzvar spiešanā",
        "tie": "neizšķirtu izšķir loze",
        "correct": "pareizi",
        "wrong": "nepareizi",
        "answer": "atbild",
        "reveal": "Atbilde",
        "points": "punkti",
        "locked": "Atbildes slēgtas",
        "final": "Galīgā kopvērtējuma tabula",
        "title": "Baltijas zinātnes viktorīna — demonstrācijas sacensības",
        "closed": "Jautājums slēgts",
        "judged": "vadītājs vērtē",
        "true": "patiesi",
        "false_value": "aplami",
        "pending": "gaida vērtējumu",
        "reopen": "pogas atveras pārējām komandām",
    },
    "lt": {
        "round": "Turas",
        "question": "Klausimas",
        "opens": "Mygtukai atsidaro",
        "false": "per ankstyvas paspaudimas —",
        "pressed": "paspaudė",
        "path": "kelias",
        "wins": "laimi paspaudimą",
        "tie": "lygybę lemia burtai",
        "correct": "teisingai",
        "wrong": "neteisingai",
        "answer": "atsako",
        "reveal": "Atsakymas",
        "points": "taškai",
        "locked": "Atsakymai užrakinti",
        "final": "Galutinė rezultatų lentelė",
        "title": "Baltijos mokslo viktorina — parodomosios varžybos",
        "closed": "Klausimas uždarytas",
        "judged": "vedėjas vertina",
        "true": "tiesa",
        "false_value": "netiesa",
        "pending": "laukia įvertinimo",
        "reopen": "mygtukai atsidaro kitoms komandoms",
    },
}


class _Narrator:
    def __init__(self, out: TextIO, lang: str) -> None:
        self.out = out
        self.lang = lang
        self.w = WORDS[lang]
        self.state = ContestState()
        self.now = 0

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def t(self) -> str:
        return f"[{self.now / S:7.3f} s]"

    def team(self, team_id: str) -> str:
        return self.state.teams[team_id].name

    def do(self, command: c.Command) -> None:
        decision = decide(self.state, command)
        before = self.state
        self.state = decision.state
        for event in decision.events:
            self.narrate(before, event)

    def run(self, cls: Callable[..., c.Command], **fields: object) -> None:
        self.do(cls(at=self.now, **fields))

    def fire_timer(self, key: str) -> None:
        timer = next(t for t in pending_timers(self.state) if t.key == key)
        self.now = max(self.now, timer.due)
        self.run(c.TimerFired, key=key, due=timer.due)

    def narrate(self, before: ContestState, event: ev.Event) -> None:
        w = self.w
        if isinstance(event, ev.RoundStarted):
            rnd = self.state.rounds[event.round_index]
            self.say(f"\n=== {w['round']} {event.round_index + 1}: {rnd.title[self.lang]} ===")
        elif isinstance(event, ev.QuestionShown):
            q = self.state.rounds[event.round_index].questions[event.question_index]
            self.say(
                f"\n{self.t()} {w['question']} {event.question_index + 1}: {q.text[self.lang]}"
            )
        elif isinstance(event, ev.BuzzersArmed):
            self.say(f"{self.t()} {w['opens']} @ {event.opens_at / S:.3f} s")
        elif isinstance(event, ev.FalseStart):
            self.say(f"{self.t()} {w['false']} {self.team(event.team_id)}")
        elif isinstance(event, ev.BuzzAwarded):
            for p in event.photo.presses:
                pressed = f"{w['pressed']} {p.effective_at / S:.4f} s"
                path = f"({w['path']} ≤ {p.allowed_path_us // MS} ms)"
                self.say(f"{self.t()}   {self.team(p.team_id):9} {pressed}  {path}")
            if event.photo.draw is not None:
                self.say(f"{self.t()}   {w['tie']}: {event.photo.draw}")
            self.say(f"{self.t()} {self.team(event.photo.winner)} {w['wins']}")
        elif isinstance(event, ev.AnswersLocked):
            verdicts = ", ".join(f"{self.team(t)} {w[v]}" for t, v in event.verdicts.items())
            self.say(f"{self.t()} {w['locked']}: {verdicts}")
        elif isinstance(event, ev.Judged):
            verdict = w["correct"] if event.correct else w["wrong"]
            self.say(f"{self.t()} {w['judged']}: {self.team(event.team_id)} — {verdict}")
            if event.reopens_at is not None:
                self.say(f"{self.t()} {w['reopen']}")
        elif isinstance(event, ev.QuestionClosed):
            self.say(f"{self.t()} {w['closed']} ({event.reason})")
        elif isinstance(event, ev.AnswerRevealed):
            shown = self.state.question
            assert shown is not None
            answer = describe_answer(shown.question, self.lang)
            self.say(f"{self.t()} {w['reveal']}: {answer}. {shown.question.explanation[self.lang]}")
        elif isinstance(event, ev.ScoreChanged):
            sign = "+" if event.delta > 0 else ""
            self.say(
                f"{self.t()}   {self.team(event.team_id)} {sign}{event.delta} ({event.reason})"
            )


def describe_answer(question: Question, lang: str) -> str:
    """The correct answer of ``question`` as a short text in ``lang``."""
    if isinstance(question, SingleChoice):
        return next(o.text[lang] for o in question.options if o.id == question.correct)
    if isinstance(question, TrueFalse):
        return WORDS[lang]["true" if question.correct else "false_value"]
    if isinstance(question, Numeric | Estimation):
        return f"{question.value:g} {question.unit.get(lang, '')}".strip()
    if isinstance(question, OpenText):
        return question.accepted[lang][0]
    return str(correct_answer(question))


def play(out: TextIO, lang: str = "en") -> ContestState:
    """Play the scripted contest, narrating to ``out``; returns the final state."""
    n = _Narrator(out, lang)
    n.say(WORDS[lang]["title"])
    n.run(
        c.CreateContest,
        contest_id="demo",
        title="Baltic Science Quiz",
        languages=("lv", "lt", "en"),
        seed=2026,
    )
    for team_id, name, venue, colour in TEAMS:
        n.run(c.AddTeam, team_id=team_id, name=name, venue=venue, colour=colour)
    for player_id, team_id, name, generation in PLAYERS:
        n.run(
            c.AddPlayer,
            player_id=player_id,
            team_id=team_id,
            display_name=name,
            generation=generation,
        )
    n.run(
        c.AddRound,
        round=Round(
            id="buzzers",
            title={"lv": "Ātrākā poga", "lt": "Greičiausias mygtukas", "en": "Fastest finger"},
            rules=BuzzerRules(false_start_penalty=2),
            questions=BUZZER_QUESTIONS,
        ),
    )
    n.run(
        c.AddRound,
        round=Round(
            id="all-play",
            title={"lv": "Visi atbild", "lt": "Atsako visi", "en": "Everyone answers"},
            rules=AllPlayRules(speed_bonus=5),
            questions=ALL_PLAY_QUESTIONS,
        ),
    )
    n.run(
        c.AddRound,
        round=Round(
            id="estimation",
            title={"lv": "Novērtējums", "lt": "Įvertinimas", "en": "Estimation"},
            rules=EstimationRules(),
            questions=ESTIMATION_QUESTIONS,
        ),
    )
    n.run(c.StartContest)

    # Round 1, question 1: a photo finish decided by press time, not arrival.
    n.run(c.StartRound)
    n.now += 2 * S
    n.run(c.ShowQuestion)
    n.now += 6 * S
    n.run(c.OpenBuzzers)
    opens = n.now + 500 * MS
    n.fire_timer("buzzers_open")
    _buzz(n, "liepaja", "liga", pressed=opens + 212 * MS, arrives=opens + 230 * MS, path=40 * MS)
    _buzz(n, "siauliai", "ruta", pressed=opens + 205 * MS, arrives=opens + 262 * MS, path=70 * MS)
    n.fire_timer("buzz_window")
    n.run(c.SubmitAnswer, team_id="siauliai", player_id="ruta", answer=ChoiceAnswer(option="b"))
    n.now += 3 * S
    n.run(c.Judge, team_id="siauliai", correct=True)
    n.run(c.Reveal)

    # Question 2: a false start, then a wrong answer and the buzzers reopen.
    n.now += 5 * S
    n.run(c.NextQuestion)
    n.now += 5 * S
    n.run(c.OpenBuzzers)
    opens = n.now + 500 * MS
    _buzz(n, "jelgava", "janis", pressed=opens - 80 * MS, arrives=opens - 60 * MS, path=40 * MS)
    n.fire_timer("buzzers_open")
    _buzz(n, "liepaja", "martins", pressed=opens + 400 * MS, arrives=opens + 420 * MS, path=40 * MS)
    n.fire_timer("buzz_window")
    n.now += 4 * S
    n.run(c.Judge, team_id="liepaja", correct=False)
    n.fire_timer("buzzers_open")
    _buzz(n, "siauliai", "jonas", pressed=n.now + 900 * MS, arrives=n.now + 950 * MS, path=70 * MS)
    n.fire_timer("buzz_window")
    n.now += 2 * S
    n.run(c.Judge, team_id="siauliai", correct=True)
    n.run(c.Reveal)

    # Question 3: nobody buzzes in time.
    n.now += 5 * S
    n.run(c.NextQuestion)
    n.run(c.OpenBuzzers)
    n.fire_timer("buzzers_open")
    n.fire_timer("buzz_timeout")
    n.run(c.Reveal)
    n.run(c.NextQuestion)

    # Round 2: all play, with an open answer the host judges.
    n.now += 10 * S
    n.run(c.StartRound)
    n.run(c.ShowQuestion)
    _answer(n, "jelgava", "anna", TextAnswer(text="skābeklis"), after=6 * S)
    _answer(n, "liepaja", "liga", TextAnswer(text="ogļskābā gāze"), after=3 * S)
    _answer(n, "siauliai", "jonas", TextAnswer(text="deguonis"), after=9 * S)
    n.fire_timer("answers_lock")
    n.run(c.Judge, team_id="liepaja", correct=False)
    n.run(c.Reveal)
    n.now += 5 * S
    n.run(c.NextQuestion)
    _answer(n, "jelgava", "janis", NumberAnswer(value=100), after=4 * S)
    _answer(n, "liepaja", "martins", NumberAnswer(value=100), after=2 * S)
    _answer(n, "siauliai", "ruta", NumberAnswer(value=90), after=5 * S)
    n.fire_timer("answers_lock")
    n.run(c.Reveal)
    n.run(c.NextQuestion)

    # Round 3: estimation, closest wins.
    n.now += 10 * S
    n.run(c.StartRound)
    n.run(c.ShowQuestion)
    _answer(n, "jelgava", "janis", NumberAnswer(value=212), after=10 * S)
    _answer(n, "liepaja", "liga", NumberAnswer(value=180), after=4 * S)
    _answer(n, "siauliai", "ruta", NumberAnswer(value=300), after=2 * S)
    n.fire_timer("answers_lock")
    n.run(c.Reveal)
    n.run(c.NextQuestion)
    n.run(c.EndContest)

    n.say(f"\n{WORDS[lang]['final']}:")
    for row in scoreboard(n.state):
        n.say(f"  {row['rank']}. {row['name']:10} {row['score']:4} {WORDS[lang]['points']}")
    return n.state


def _buzz(n: _Narrator, team: str, player: str, *, pressed: int, arrives: int, path: int) -> None:
    n.now = arrives
    n.run(
        c.Buzz,
        team_id=team,
        player_id=player,
        pressed_at=pressed,
        allowed_path_us=path,
        bound_us=path // 2,
    )


def _answer(n: _Narrator, team: str, player: str, answer: Answer, *, after: int) -> None:
    n.now += after
    n.run(c.SubmitAnswer, team_id=team, player_id=player, answer=answer)
