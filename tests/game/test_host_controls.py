"""Host controls: setup, flow, pause, adjustments, undo, tie-break, end (docs/game-rules.md)."""

from __future__ import annotations

import pytest

from game import commands as c
from game import events as ev
from game.errors import (
    ContestNotRunning,
    ContestPaused,
    DuplicateId,
    InvalidSetup,
    NoMoreQuestions,
    NothingToUndo,
    NoTie,
    NotPaused,
    NotYourTurn,
    RuleError,
    TeamLockedOut,
    UnknownRound,
    UnknownTeam,
    WrongPhase,
)
from game.phases import TRANSITIONS, next_phase
from game.questions import ChoiceAnswer
from game.state import Timer, pending_timers, replay
from game.views import host_view, team_view
from tests.game.factory import (
    MS,
    Game,
    S,
    all_play_round,
    buzz,
    buzzer_round,
    fire,
    setup,
    single,
)


def test_a_contest_is_created_once_with_valid_fields():
    g = Game()
    with pytest.raises(InvalidSetup, match="title"):
        g.run(c.CreateContest, contest_id="x", title=" ", languages=("lv",), seed=1)
    with pytest.raises(InvalidSetup, match="languages"):
        g.run(c.CreateContest, contest_id="x", title="T", languages=("lv", "lv"), seed=1)
    with pytest.raises(InvalidSetup, match="contest id"):
        g.run(c.CreateContest, contest_id="has space", title="T", languages=("lv",), seed=1)
    g.run(c.CreateContest, contest_id="x", title="T", languages=("lv",), seed=1)
    with pytest.raises(WrongPhase, match="already exists"):
        g.run(c.CreateContest, contest_id="x", title="T", languages=("lv",), seed=1)
    assert g.state.version == 1


def test_teams_players_and_rounds_are_checked():
    g = setup(start=False)
    with pytest.raises(DuplicateId):
        g.run(c.AddTeam, team_id="jelgava", name="Again", venue="Jelgava")
    with pytest.raises(InvalidSetup, match="colour"):
        g.run(c.AddTeam, team_id="riga", name="Rīga", venue="Rīga", colour="red")
    with pytest.raises(InvalidSetup, match="needs a name"):
        g.run(c.AddTeam, team_id="riga", name=" ", venue="Rīga")
    with pytest.raises(UnknownTeam):
        g.run(c.AddPlayer, player_id="p", team_id="riga", display_name="Anna")
    with pytest.raises(DuplicateId):
        g.run(c.AddPlayer, player_id="jelgava-p1", team_id="jelgava", display_name="Anna")
    with pytest.raises(InvalidSetup, match="display name"):
        g.run(c.AddPlayer, player_id="p9", team_id="jelgava", display_name="x" * 41)
    g.run(c.AddRound, round=buzzer_round())
    with pytest.raises(DuplicateId):
        g.run(c.AddRound, round=buzzer_round())
    with pytest.raises(InvalidSetup, match="twice"):
        g.run(c.AddRound, round=buzzer_round(single(), single(), rid="dup"))
    with pytest.raises(InvalidSetup, match="must be positive"):
        g.run(c.AddRound, round=buzzer_round(rid="r2", answer_time_ms=0))
    with pytest.raises(InvalidSetup, match="must not be negative"):
        g.run(c.AddRound, round=all_play_round(rid="r3", speed_bonus=-1))
    g.run(c.RemovePlayer, player_id="jelgava-p2")
    assert "jelgava-p2" not in g.state.players


def test_starting_needs_two_teams_and_happens_once():
    g = setup(teams=("jelgava",), start=False)
    with pytest.raises(InvalidSetup, match="two teams"):
        g.run(c.StartContest)
    g.run(c.AddTeam, team_id="liepaja", name="Liepāja", venue="Liepāja")
    g.run(c.StartContest)
    with pytest.raises(WrongPhase):
        g.run(c.StartContest)


def test_nothing_runs_before_the_contest_starts():
    g = setup([buzzer_round()], start=False)
    for cmd in (c.StartRound, c.ShowQuestion, c.Pause, c.OpenBuzzers, c.Reveal):
        with pytest.raises(ContestNotRunning):
            g.run(cmd)
    with pytest.raises(ContestNotRunning):
        g.run(c.AdjustScore, team_id="jelgava", delta=1, reason="early")


def test_rounds_are_played_in_order_or_by_index_once_each():
    g = setup([buzzer_round(rid="a"), all_play_round(rid="b"), all_play_round(rid="c")])
    g.run(c.StartRound, round_index=1)
    with pytest.raises(WrongPhase, match="already being played"):
        g.run(c.StartRound)
    g.run(c.EndRound)
    with pytest.raises(WrongPhase, match="already been played"):
        g.run(c.StartRound, round_index=1)
    with pytest.raises(UnknownRound):
        g.run(c.StartRound, round_index=7)
    assert g.run(c.StartRound) == [ev.RoundStarted(at=g.now, round_index=0)]
    g.run(c.EndRound)
    g.run(c.StartRound)
    g.run(c.EndRound)
    with pytest.raises(UnknownRound, match="every round"):
        g.run(c.StartRound)


def test_questions_are_shown_in_order_and_the_round_ends_after_the_last():
    g = setup([all_play_round(single("q1"), single("q2"))])
    with pytest.raises(WrongPhase, match="start a round"):
        g.run(c.ShowQuestion)
    g.run(c.StartRound)
    assert g.run(c.NextQuestion)[0].question_index == 0  # next with no question shows the first
    with pytest.raises(WrongPhase, match="reveal or skip"):
        g.run(c.NextQuestion)
    g.run(c.Reveal)
    assert g.run(c.NextQuestion)[0].question_index == 1
    g.run(c.SkipQuestion)
    assert g.run(c.NextQuestion) == [ev.RoundFinished(at=g.now, round_index=0)]
    assert g.state.question is None and not g.state.round_active


def test_show_question_by_index_and_its_errors():
    g = setup([all_play_round(single("q1"), single("q2"))])
    g.run(c.StartRound)
    g.run(c.ShowQuestion, question_index=1)
    g.run(c.SkipQuestion)
    with pytest.raises(WrongPhase, match="already been shown"):
        g.run(c.ShowQuestion, question_index=1)
    with pytest.raises(NoMoreQuestions):
        g.run(c.ShowQuestion, question_index=5)
    g.run(c.ShowQuestion)
    g.run(c.SkipQuestion)
    with pytest.raises(NoMoreQuestions):
        g.run(c.ShowQuestion)


def test_skipping_pays_nothing_and_keeps_the_answer_secret():
    from game.views import display_view

    g = setup([all_play_round()])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    g.run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p1", answer=ChoiceAnswer(option="b")
    )
    g.run(c.SkipQuestion)
    assert g.state.scores["jelgava"] == 0
    assert display_view(g.state)["question"]["answer"] is None
    with pytest.raises(WrongPhase):
        g.run(c.SkipQuestion)


def test_ending_a_round_early_skips_the_open_question():
    g = setup([buzzer_round(single(), single("q2"))])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    events = g.run(c.EndRound)
    assert [type(e) for e in events] == [ev.QuestionSkipped, ev.RoundFinished]
    with pytest.raises(WrongPhase, match="no round"):
        g.run(c.EndRound)


def test_pause_freezes_timers_and_resume_restores_the_time_left():
    g = setup([all_play_round(time_limit_s=30)])
    g.at(0).run(c.StartRound)
    g.at(10 * S).run(c.ShowQuestion)
    assert pending_timers(g.state) == (Timer(key="answers_lock", due=40 * S),)
    g.at(25 * S).run(c.Pause)  # 15 s left
    assert pending_timers(g.state) == ()
    assert fire(g, "answers_lock", 40 * S) == []  # a timer that fires during the pause is ignored
    with pytest.raises(ContestPaused):
        g.run(
            c.SubmitAnswer,
            team_id="jelgava",
            player_id="jelgava-p1",
            answer=ChoiceAnswer(option="b"),
        )
    with pytest.raises(ContestPaused):
        g.run(c.Pause)
    [resumed] = g.at(100 * S).run(c.Resume)
    assert resumed.shift_us == 75 * S
    assert g.state.question.deadline == 115 * S  # still 15 s left
    assert pending_timers(g.state) == (Timer(key="answers_lock", due=115 * S),)
    with pytest.raises(NotPaused):
        g.run(c.Resume)


def test_pause_freezes_the_buzzer_countdown_and_answer_time():
    g = setup([buzzer_round()])
    g.at(0).run(c.StartRound)
    g.run(c.ShowQuestion)
    g.at(1 * S).run(c.OpenBuzzers)  # opens at 1.5 s
    g.at(1 * S + 200 * MS).run(c.Pause)
    with pytest.raises(ContestPaused):
        buzz(g, "jelgava", 1 * S + 250 * MS)
    g.at(11 * S + 200 * MS).run(c.Resume)
    assert g.state.question.opens_at == 11 * S + 500 * MS  # 300 ms of countdown left
    buzz(g, "jelgava", 12 * S, arrive=12 * S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    deadline = g.state.question.answer_deadline
    g.at(deadline - 4 * S).run(c.Pause)
    g.at(deadline + 60 * S).run(c.Resume)
    assert g.state.question.answer_deadline == deadline + 64 * S


def test_score_adjustments_need_a_reason_and_a_known_team():
    g = setup([buzzer_round()])
    [changed] = g.run(c.AdjustScore, team_id="liepaja", delta=-3, reason="noise during question 4")
    assert changed == ev.ScoreChanged(
        at=g.now, team_id="liepaja", delta=-3, reason="adjustment", note="noise during question 4"
    )
    assert g.state.scores["liepaja"] == -3
    with pytest.raises(InvalidSetup, match="reason"):
        g.run(c.AdjustScore, team_id="liepaja", delta=2, reason="  ")
    with pytest.raises(InvalidSetup, match="changes nothing"):
        g.run(c.AdjustScore, team_id="liepaja", delta=0, reason="x")
    with pytest.raises(UnknownTeam):
        g.run(c.AdjustScore, team_id="riga", delta=2, reason="x")
    g.run(c.EndContest)
    g.run(c.AdjustScore, team_id="liepaja", delta=3, reason="appeal upheld after the end")
    assert g.state.scores["liepaja"] == 0


@pytest.mark.parametrize("delta", [10**100, -(10**100), 10_001, -10_001, 2**63])
def test_an_adjustment_beyond_ten_thousand_points_is_refused_and_changes_nothing(delta):
    g = setup([buzzer_round()])
    before = g.state
    with pytest.raises(RuleError) as refused:
        g.run(c.AdjustScore, team_id="liepaja", delta=delta, reason="typo on the console")
    assert refused.value.code == "invalid_points"
    assert "10,000" in refused.value.message
    assert g.state is before and g.state.scores["liepaja"] == 0


def test_adjustments_up_to_ten_thousand_points_either_way_are_allowed():
    g = setup([buzzer_round()])
    g.run(c.AdjustScore, team_id="liepaja", delta=10_000, reason="the largest adjustment")
    g.run(c.AdjustScore, team_id="jelgava", delta=-10_000, reason="the largest deduction")
    assert (g.state.scores["liepaja"], g.state.scores["jelgava"]) == (10_000, -10_000)


def _buzzer_answering(team: str = "jelgava", **rules: int):
    g = setup([buzzer_round(**rules)])
    g.at(0).run(c.StartRound)
    g.run(c.ShowQuestion)
    g.at(1 * S).run(c.OpenBuzzers)
    buzz(g, team, 2 * S, arrive=2 * S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    return g


def test_undo_a_correct_judgement_restores_the_score_and_asks_again():
    g = _buzzer_answering()
    g.at(4 * S).run(c.Judge, team_id="jelgava", correct=True)
    events = g.at(5 * S).run(c.UndoJudgement)
    assert events == [
        ev.JudgementUndone(at=5 * S, team_id="jelgava", answer_deadline=15 * S),
        ev.ScoreChanged(
            at=5 * S, team_id="jelgava", delta=-10, reason="undo", question_id="q-single"
        ),
    ]
    assert g.state.scores["jelgava"] == 0
    q = g.state.question
    # Rule (docs/game-rules.md, "Score adjustments and undo"): the same team is answering again,
    # with a fresh answer time (10 s), and the host judges again.
    assert (q.phase, q.answering_team, q.answer_deadline) == ("answering", "jelgava", 15 * S)
    assert pending_timers(g.state) == (Timer(key="answer_time", due=15 * S),)
    g.run(c.Judge, team_id="jelgava", correct=False)
    assert g.state.scores["jelgava"] == -5
    assert g.state.question.phase == "armed"


def test_after_an_undo_the_answering_team_answers_on_its_tablet_and_its_clock_runs():
    g = _buzzer_answering()
    g.at(3 * S).run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p1", answer=ChoiceAnswer(option="a")
    )
    g.at(4 * S).run(c.Judge, team_id="jelgava", correct=False)
    g.at(5 * S).run(c.UndoJudgement)
    assert team_view(g.state, "jelgava")["question"]["my_turn"] is True
    assert host_view(g.state)["question"]["answers"]["jelgava"]["answer"]["option"] == "a"
    with pytest.raises(NotYourTurn):  # still only the team that won the buzz
        g.run(
            c.SubmitAnswer,
            team_id="liepaja",
            player_id="liepaja-p1",
            answer=ChoiceAnswer(option="b"),
        )
    g.at(6 * S).run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p1", answer=ChoiceAnswer(option="b")
    )
    assert host_view(g.state)["question"]["suggested_verdicts"] == {"jelgava": "correct"}
    [judged, penalty] = fire(g, "answer_time", 15 * S)  # no verdict in time counts as wrong
    assert judged == ev.Judged(
        at=15 * S,
        team_id="jelgava",
        correct=False,
        by="timeout",
        reopens_at=15 * S + 500 * MS,
        closes_at=35 * S + 500 * MS,
    )
    assert penalty.delta == -5 and g.state.scores["jelgava"] == -5


def test_undoing_a_timeout_gives_the_team_its_answer_time_again():
    g = _buzzer_answering()
    deadline = g.state.question.answer_deadline
    fire(g, "answer_time", deadline)
    assert g.state.scores["jelgava"] == -5
    g.at(deadline + 2 * S).run(c.UndoJudgement)
    q = g.state.question
    assert (q.phase, q.answer_deadline) == ("answering", deadline + 12 * S)
    assert fire(g, "answer_time", deadline) == []  # the old deadline is stale
    g.run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p1", answer=ChoiceAnswer(option="b")
    )
    g.run(c.Judge, team_id="jelgava", correct=True)
    assert g.state.scores["jelgava"] == 10


def test_an_undo_while_paused_starts_the_answer_time_at_the_resume():
    g = _buzzer_answering()
    g.at(4 * S).run(c.Judge, team_id="jelgava", correct=True)
    g.at(5 * S).run(c.Pause)
    g.at(7 * S).run(c.UndoJudgement)  # the host may undo while paused
    assert pending_timers(g.state) == ()
    g.at(20 * S).run(c.Resume)
    assert g.state.question.phase == "answering"
    assert pending_timers(g.state) == (Timer(key="answer_time", due=30 * S),)


def test_a_log_whose_buzzer_undo_has_no_deadline_replays_to_the_deadline_the_team_had():
    """Logs written before undo events carried the new answer deadline still replay."""
    g = _buzzer_answering()
    deadline = g.state.question.answer_deadline
    g.at(4 * S).run(c.Judge, team_id="jelgava", correct=True)
    g.at(5 * S).run(c.UndoJudgement)
    old_log = [
        ev.JudgementUndone(at=e.at, team_id=e.team_id) if isinstance(e, ev.JudgementUndone) else e
        for e in g.log
    ]
    q = replay(old_log).question
    assert (q.phase, q.answering_team, q.answer_deadline) == ("answering", "jelgava", deadline)


def test_undo_a_wrong_judgement_unlocks_the_team_and_forgets_what_followed():
    g = _buzzer_answering(false_start_penalty=2)
    g.run(c.Judge, team_id="jelgava", correct=False)
    buzz(g, "liepaja", g.now, arrive=g.now + 10)  # a false start after the wrong answer
    assert g.state.scores == {"jelgava": -5, "liepaja": -2, "siauliai": 0}
    g.run(c.UndoJudgement)
    assert g.state.scores == {"jelgava": 0, "liepaja": 0, "siauliai": 0}
    assert g.state.question.locked_out == ()
    g.run(c.Judge, team_id="jelgava", correct=True)
    assert g.state.scores["jelgava"] == 10


def test_undo_twice_walks_back_two_judgements():
    g = _buzzer_answering()
    g.run(c.Judge, team_id="jelgava", correct=False)
    buzz(g, "liepaja", g.now + 600 * MS, arrive=g.now + 600 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(c.Judge, team_id="liepaja", correct=True)
    g.run(c.UndoJudgement)
    assert g.state.question.answering_team == "liepaja"
    g.run(c.UndoJudgement)
    assert g.state.question.answering_team == "jelgava"
    assert g.state.scores == {"jelgava": 0, "liepaja": 0, "siauliai": 0}
    with pytest.raises(NothingToUndo):
        g.run(c.UndoJudgement)


def test_undo_is_refused_after_a_buzzer_reveal_and_without_judgements():
    g = _buzzer_answering()
    with pytest.raises(NothingToUndo):
        g.run(c.UndoJudgement)
    g.run(c.Judge, team_id="jelgava", correct=True)
    g.run(c.Reveal)
    with pytest.raises(NothingToUndo, match="adjust the score"):
        g.run(c.UndoJudgement)


def test_the_log_is_append_only_undo_adds_compensating_events():
    g = _buzzer_answering()
    g.run(c.Judge, team_id="jelgava", correct=True)
    before = list(g.log)
    g.run(c.UndoJudgement)
    assert g.log[: len(before)] == before
    assert sum(e.delta for e in g.log if isinstance(e, ev.ScoreChanged)) == 0


def _level_at_the_top():
    g = setup([all_play_round()])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    for team in ("jelgava", "liepaja"):
        g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=ChoiceAnswer(option="b"))
    g.run(c.Reveal)
    g.run(c.NextQuestion)  # the round ends
    return g


def test_a_tie_break_is_a_sudden_death_buzzer_question_for_the_leaders():
    g = _level_at_the_top()
    [started] = g.run(c.StartTieBreak, question=single("tb"))
    rnd = started.round
    assert rnd.tiebreak and rnd.teams == ("jelgava", "liepaja") and rnd.kind == "buzzer"
    g.run(c.ShowQuestion)
    g.at(g.now + S).run(c.OpenBuzzers)
    with pytest.raises(TeamLockedOut):
        buzz(g, "siauliai", g.now + S, arrive=g.now + S)  # not level at the top: not playing
    buzz(g, "liepaja", g.now + S, arrive=g.now + S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(c.Judge, team_id="liepaja", correct=True)
    assert g.state.scores == {"jelgava": 10, "liepaja": 11, "siauliai": 0}
    g.run(c.NextQuestion)
    with pytest.raises(NoTie):
        g.run(c.StartTieBreak, question=single("tb2"))


def test_a_tie_break_wrong_answer_hands_the_question_to_the_other_leader():
    g = _level_at_the_top()
    g.run(c.StartTieBreak, question=single("tb"))
    g.run(c.ShowQuestion)
    g.run(c.OpenBuzzers)
    buzz(g, "jelgava", g.now + S, arrive=g.now + S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    [judged] = g.run(c.Judge, team_id="jelgava", correct=False)  # no penalty in a tie-break
    assert judged.reopens_at is not None  # Liepāja may still buzz; Šiauliai does not count


def test_a_tie_break_needs_the_round_to_be_over_and_a_tie():
    g = setup([all_play_round()])
    g.run(c.StartRound)
    with pytest.raises(WrongPhase, match="finish the current round"):
        g.run(c.StartTieBreak, question=single("tb"))
    g.run(c.EndRound)
    g.run(c.AdjustScore, team_id="siauliai", delta=4, reason="bonus round won on paper")
    with pytest.raises(NoTie):
        g.run(c.StartTieBreak, question=single("tb"))


def test_ending_the_contest_freezes_it():
    g = setup([buzzer_round()])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    g.run(c.EndContest)
    assert g.state.status == "finished" and g.state.question is None
    with pytest.raises(ContestNotRunning):
        g.run(c.StartRound)
    with pytest.raises(WrongPhase):
        g.run(c.EndContest)
    with pytest.raises(WrongPhase):
        g.run(c.AddTeam, team_id="late", name="Late", venue="Late")


@pytest.mark.parametrize("phase", sorted(TRANSITIONS))
def test_every_transition_missing_from_the_table_is_illegal(phase):
    from typing import get_args

    from game.phases import Transition

    for transition in get_args(Transition):
        if transition in TRANSITIONS[phase]:
            assert next_phase(phase, transition) in TRANSITIONS
        else:
            with pytest.raises(WrongPhase):
                next_phase(phase, transition)


def test_error_codes_are_stable_and_unique():
    from game.errors import RULE_ERRORS

    codes = [cls.code for cls in RULE_ERRORS]
    assert len(codes) == len(set(codes))
    assert {
        "buzzers_closed",
        "team_locked_out",
        "not_your_turn",
        "unknown_team",
        "question_not_active",
    } <= set(codes)
    assert all(cls().message for cls in RULE_ERRORS)
