"""All-play and estimation rounds, with explicit times (docs/game-rules.md)."""

from __future__ import annotations

import pytest

from game import commands as c
from game import events as ev
from game.errors import (
    DeadlinePassed,
    InvalidAnswer,
    JudgementPending,
    NothingToJudge,
    NotYourTeam,
    UnknownPlayer,
)
from game.model import GradeBand
from game.questions import ChoiceAnswer, NumberAnswer, TextAnswer
from game.views import team_view
from tests.game.factory import (
    MS,
    S,
    all_play_round,
    estimation,
    estimation_round,
    fire,
    numeric,
    open_text,
    setup,
    single,
)

SHOWN = 5 * S


def started(round_):
    g = setup([round_])
    g.at(1 * S).run(c.StartRound)
    g.at(SHOWN).run(c.ShowQuestion)
    return g


def answer(g, team, value, at=None, player=1):
    if at is not None:
        g.at(at)
    if isinstance(value, str) and len(value) == 1:
        a = ChoiceAnswer(option=value)
    elif isinstance(value, str):
        a = TextAnswer(text=value)
    else:
        a = NumberAnswer(value=value)
    return g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p{player}", answer=a)


def scores(g):
    return g.state.scores


def test_the_deadline_comes_from_the_round_or_the_question():
    g = started(all_play_round(time_limit_s=20))
    assert g.state.question.deadline == SHOWN + 20 * S
    from game.questions import SingleChoice

    q = SingleChoice(
        **{**{f: getattr(single(), f) for f in single().__struct_fields__}, "time_limit": 45}
    )
    g = started(all_play_round(q))
    assert g.state.question.deadline == SHOWN + 45 * S


def test_the_latest_answer_before_the_lock_counts_and_members_see_it_live():
    g = started(all_play_round(single(correct="b")))
    answer(g, "jelgava", "a", at=SHOWN + 1 * S, player=1)
    assert team_view(g.state, "jelgava")["question"]["my_answer"]["answer"] == {
        "kind": "choice",
        "option": "a",
    }
    answer(g, "jelgava", "b", at=SHOWN + 2 * S, player=2)  # another member changes it
    mine = team_view(g.state, "jelgava")["question"]["my_answer"]
    assert mine["answer"]["option"] == "b" and mine["player_name"] == "jelgava two"
    assert team_view(g.state, "liepaja")["question"]["my_answer"] is None
    fire(g, "answers_lock", g.state.question.deadline)
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 0, "siauliai": 0}


def test_answers_at_the_deadline_count_and_after_it_do_not():
    g = started(all_play_round(time_limit_s=30))
    deadline = SHOWN + 30 * S
    answer(g, "jelgava", "b", at=deadline)
    with pytest.raises(DeadlinePassed):
        answer(g, "liepaja", "b", at=deadline + 1)
    fire(g, "answers_lock", deadline)
    with pytest.raises(DeadlinePassed):
        answer(g, "siauliai", "b", at=deadline + 2)


def test_the_host_may_lock_early_and_no_answers_are_taken_afterwards():
    g = started(all_play_round())
    answer(g, "jelgava", "b", at=SHOWN + S)
    [locked] = g.at(SHOWN + 2 * S).run(c.LockAnswers)
    assert locked.verdicts == {"jelgava": "correct"}
    with pytest.raises(DeadlinePassed):
        answer(g, "liepaja", "b", at=SHOWN + 3 * S)


def test_points_are_paid_at_the_reveal_not_at_the_lock():
    g = started(all_play_round())
    answer(g, "jelgava", "b", at=SHOWN + S)
    g.run(c.LockAnswers)
    assert scores(g)["jelgava"] == 0
    revealed = g.run(c.Reveal)
    assert isinstance(revealed[0], ev.AnswerRevealed)
    assert scores(g)["jelgava"] == 10


def test_reveal_before_the_deadline_locks_first():
    g = started(all_play_round())
    answer(g, "liepaja", "b", at=SHOWN + S)
    events = g.run(c.Reveal)
    assert [type(e) for e in events] == [ev.AnswersLocked, ev.AnswerRevealed, ev.ScoreChanged]


def test_a_player_answers_only_for_their_own_team():
    g = started(all_play_round())
    with pytest.raises(NotYourTeam):
        g.run(
            c.SubmitAnswer,
            team_id="liepaja",
            player_id="jelgava-p1",
            answer=ChoiceAnswer(option="b"),
        )
    with pytest.raises(UnknownPlayer):
        g.run(c.SubmitAnswer, team_id="liepaja", player_id="ghost", answer=ChoiceAnswer(option="b"))
    with pytest.raises(InvalidAnswer):
        answer(g, "liepaja", "z")
    assert g.state.question.answers == {}


@pytest.mark.parametrize(
    ("answered_at", "bonus"),
    [
        (SHOWN, 5),  # instantly: the whole bonus
        (SHOWN + 15 * S, 2),  # half the time left: 2.5 rounds to 2 (banker's rounding)
        (SHOWN + 24 * S, 1),
        (SHOWN + 30 * S, 0),  # at the deadline: nothing
    ],
)
def test_speed_bonus_scales_with_the_time_left(answered_at, bonus):
    g = started(all_play_round(time_limit_s=30, speed_bonus=5))
    answer(g, "jelgava", "b", at=answered_at)
    answer(g, "liepaja", "a", at=SHOWN)  # fast but wrong: no bonus
    g.at(SHOWN + 30 * S).run(c.Reveal)
    assert scores(g) == {"jelgava": 10 + bonus, "liepaja": 0, "siauliai": 0}


def test_speed_bonus_is_off_by_default():
    g = started(all_play_round())
    answer(g, "jelgava", "b", at=SHOWN)
    g.run(c.Reveal)
    assert scores(g)["jelgava"] == 10


def test_unmatched_open_answers_wait_for_the_host():
    g = started(all_play_round(open_text()))
    answer(g, "jelgava", "Oxygen", at=SHOWN + S)
    answer(g, "liepaja", "gaiss", at=SHOWN + S)  # "air": not accepted ("skabeklis" would be)
    answer(g, "siauliai", "helium", at=SHOWN + S)
    [locked] = g.run(c.LockAnswers)
    assert locked.verdicts == {"jelgava": "correct", "liepaja": "pending", "siauliai": "pending"}
    g.run(c.Judge, team_id="liepaja", correct=True)
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 10, "siauliai": 0}
    with pytest.raises(JudgementPending):
        g.run(c.NextQuestion)
    g.run(c.Judge, team_id="siauliai", correct=False)  # judged after the reveal
    assert scores(g)["siauliai"] == 0
    g.run(c.NextQuestion)


def test_a_late_judgement_after_the_reveal_pays_at_once_and_can_be_undone():
    g = started(all_play_round(open_text()))
    answer(g, "liepaja", "gaiss", at=SHOWN + S)
    g.run(c.Reveal)
    g.run(c.Judge, team_id="liepaja", correct=True)
    assert scores(g)["liepaja"] == 10
    g.run(c.UndoJudgement)
    assert scores(g)["liepaja"] == 0
    assert g.state.question.verdicts["liepaja"] == "pending"


def test_an_undo_before_the_reveal_restores_the_verdict_and_pays_nothing():
    g = started(all_play_round(open_text()))
    answer(g, "liepaja", "gaiss", at=SHOWN + S)
    g.run(c.LockAnswers)
    g.run(c.Judge, team_id="liepaja", correct=True)
    assert g.run(c.UndoJudgement) == [ev.JudgementUndone(at=g.now, team_id="liepaja")]
    q = g.state.question
    assert (q.phase, q.verdicts["liepaja"], q.answer_deadline) == ("locked", "pending", None)
    g.run(c.Judge, team_id="liepaja", correct=False)
    g.run(c.Reveal)
    assert scores(g)["liepaja"] == 0


def test_the_host_can_overrule_an_automatic_verdict():
    g = started(all_play_round(numeric(value=100, tolerance=0)))
    answer(g, "jelgava", 99.9, at=SHOWN + S)
    g.run(c.Reveal)
    assert scores(g)["jelgava"] == 0
    g.run(c.Judge, team_id="jelgava", correct=True)
    assert scores(g)["jelgava"] == 10
    g.run(c.Judge, team_id="jelgava", correct=False)
    assert scores(g)["jelgava"] == 0


def test_judging_needs_an_answer_and_a_locked_question():
    g = started(all_play_round(open_text()))
    answer(g, "jelgava", "helium", at=SHOWN + S)
    with pytest.raises(NothingToJudge):
        g.run(c.Judge, team_id="jelgava", correct=True)  # still open
    g.run(c.LockAnswers)
    with pytest.raises(NothingToJudge):
        g.run(c.Judge, team_id="liepaja", correct=True)  # did not answer


# --- estimation ------------------------------------------------------------------------------


def test_the_closest_team_wins_and_ties_share():
    g = started(estimation_round(estimation(value=206)))
    answer(g, "jelgava", 200, at=SHOWN + S)
    answer(g, "liepaja", 212, at=SHOWN + S)  # as close as Jelgava
    answer(g, "siauliai", 150, at=SHOWN + S)
    [locked] = g.run(c.LockAnswers)
    assert locked.verdicts == {"jelgava": "correct", "liepaja": "correct", "siauliai": "wrong"}
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 10, "siauliai": 0}


def test_graded_points_by_distance():
    bands = (GradeBand(within_percent=10, points=5), GradeBand(within_percent=25, points=2))
    g = started(estimation_round(estimation(value=200), graded=bands))
    answer(g, "jelgava", 201, at=SHOWN + S)  # closest: full points
    answer(g, "liepaja", 185, at=SHOWN + S)  # 7.5 % off: 5
    answer(g, "siauliai", 250, at=SHOWN + S)  # 25 % off: 2
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 5, "siauliai": 2}
    assert [e.reason for e in g.log if isinstance(e, ev.ScoreChanged)] == [
        "closest",
        "graded",
        "graded",
    ]


def test_numeric_questions_in_an_estimation_round_are_closest_wins_with_tolerance():
    g = started(estimation_round(numeric(value=100, tolerance=5)))
    answer(g, "jelgava", 96, at=SHOWN + S)  # inside the tolerance: exact
    answer(g, "liepaja", 104, at=SHOWN + S)  # inside the tolerance too: a shared win
    answer(g, "siauliai", 100.5, at=SHOWN + S)
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 10, "siauliai": 10}


def test_an_estimation_question_in_an_all_play_round_is_closest_wins():
    g = started(all_play_round(estimation(value=206)))
    answer(g, "jelgava", 190, at=SHOWN + S)
    answer(g, "liepaja", 300, at=SHOWN + S)
    g.run(c.Reveal)
    assert scores(g) == {"jelgava": 10, "liepaja": 0, "siauliai": 0}
    with pytest.raises(NothingToJudge, match="closest"):
        g.run(c.Judge, team_id="liepaja", correct=True)


def test_nobody_answering_an_estimation_scores_nothing():
    g = started(estimation_round())
    [locked] = g.at(SHOWN + 31 * S).run(c.LockAnswers)
    assert locked.verdicts == {}
    assert g.run(c.Reveal) == [ev.AnswerRevealed(at=g.now)]


def test_estimation_rounds_take_only_numeric_questions():
    from game.errors import InvalidSetup

    g = setup(start=False)
    with pytest.raises(InvalidSetup, match="only numeric and estimation"):
        g.run(c.AddRound, round=estimation_round(single()))


def test_time_limit_is_in_seconds_and_deadline_shifts_with_ms_precision():
    g = started(all_play_round(time_limit_s=1))
    answer(g, "jelgava", "b", at=SHOWN + 999 * MS)
    assert g.state.question.answers["jelgava"].remaining_us == 1 * MS
