"""The host forgives a false start: the lockout lifts and the penalty comes back (issue 16)."""

from __future__ import annotations

import pytest

from game import commands as c
from game import events as ev
from game.errors import NothingToUndo, QuestionNotActive, UnknownTeam, WrongPhase
from game.state import replay
from tests.game.factory import MS, S, all_play_round, buzz, buzzer_round, fire, setup, single

OPEN = 10 * S + 500 * MS  # buzzers open 500 ms after the host's command at t = 10 s


def armed(**rules: int):
    rules.setdefault("collect_window_ms", 300)
    g = setup([buzzer_round(single(), single("q2"), **rules)])
    g.at(1 * S).run(c.StartRound)
    g.at(5 * S).run(c.ShowQuestion)
    g.at(10 * S).run(c.OpenBuzzers)
    return g


def test_a_forgiven_team_may_buzz_again_and_gets_its_penalty_back():
    g = armed(false_start_penalty=3)
    buzz(g, "jelgava", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    assert g.state.scores["jelgava"] == -3
    assert g.state.question.false_started == ("jelgava",)
    events = g.at(OPEN + 1 * S).run(c.ForgiveFalseStart, team_id="jelgava")
    assert events == [
        ev.FalseStartForgiven(at=OPEN + 1 * S, team_id="jelgava"),
        ev.ScoreChanged(
            at=OPEN + 1 * S, team_id="jelgava", delta=3, reason="undo", question_id="q-single"
        ),
    ]
    q = g.state.question
    assert (q.phase, q.locked_out, q.false_started) == ("armed", (), ())
    assert g.state.scores["jelgava"] == 0
    fire(g, "buzzers_open", OPEN)
    assert isinstance(
        buzz(g, "jelgava", OPEN + 2 * S, arrive=OPEN + 2 * S + 30 * MS)[0], ev.BuzzAccepted
    )


def test_forgiving_without_a_penalty_changes_no_score_and_replays():
    g = armed()
    buzz(g, "liepaja", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    events = g.at(OPEN).run(c.ForgiveFalseStart, team_id="liepaja")
    assert [type(e) for e in events] == [ev.FalseStartForgiven]
    assert replay(g.log) == g.state


def test_a_team_may_be_forgiven_while_another_team_answers():
    g = armed(false_start_penalty=1)
    buzz(g, "siauliai", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    buzz(g, "jelgava", OPEN + 10 * MS, arrive=OPEN + 40 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    assert g.state.question.phase == "answering"
    g.run(c.ForgiveFalseStart, team_id="siauliai")
    assert g.state.question.phase == "answering"
    assert "siauliai" not in g.state.question.locked_out


def test_only_a_false_start_is_forgiven():
    g = armed()
    with pytest.raises(NothingToUndo, match="not locked out by a false start"):
        g.run(c.ForgiveFalseStart, team_id="jelgava")
    with pytest.raises(UnknownTeam):
        g.run(c.ForgiveFalseStart, team_id="nobody")
    # a wrong answer's lockout is not a false start
    buzz(g, "jelgava", OPEN + 10 * MS, arrive=OPEN + 40 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(c.Judge, team_id="jelgava", correct=False)
    assert "jelgava" in g.state.question.locked_out
    with pytest.raises(NothingToUndo):
        g.run(c.ForgiveFalseStart, team_id="jelgava")


def test_a_false_start_is_not_forgiven_once_the_question_is_over():
    g = armed()
    for team in ("jelgava", "liepaja", "siauliai"):
        buzz(g, team, OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    assert g.state.question.phase == "closed"
    with pytest.raises(WrongPhase, match="the question is over"):
        g.run(c.ForgiveFalseStart, team_id="jelgava")


def test_forgiving_needs_a_buzzer_question():
    g = setup([all_play_round(single())])
    g.at(1 * S).run(c.StartRound)
    with pytest.raises(QuestionNotActive):
        g.run(c.ForgiveFalseStart, team_id="jelgava")
    g.at(2 * S).run(c.ShowQuestion)
    with pytest.raises(WrongPhase):
        g.run(c.ForgiveFalseStart, team_id="jelgava")
