"""Buzzer round rules, with explicit times (docs/game-rules.md, "Buzzer round")."""

from __future__ import annotations

import pytest

from game import commands as c
from game import events as ev
from game.errors import BuzzersClosed, NotYourTurn, QuestionNotActive, TeamLockedOut, WrongPhase
from game.questions import ChoiceAnswer
from game.state import Timer, pending_timers
from tests.game.factory import MS, S, buzz, buzzer_round, fire, setup, single

OPEN = 10 * S + 500 * MS  # buzzers open 500 ms after the host's command at t = 10 s


def armed(**rules: int):
    """A buzzer question shown at t=5 s, buzzers commanded open at t=10 s (opening at OPEN);
    the collection window is 300 ms unless given."""
    rules.setdefault("collect_window_ms", 300)
    g = setup([buzzer_round(single(), single("q2"), **rules)])
    g.at(1 * S).run(c.StartRound)
    g.at(5 * S).run(c.ShowQuestion)
    g.at(10 * S).run(c.OpenBuzzers)
    return g


def awarded(winner: str = "jelgava", **rules: int):
    g = armed(**rules)
    buzz(g, winner, OPEN + 10 * MS, arrive=OPEN + 40 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    assert g.state.question.answering_team == winner
    return g


def test_opening_is_scheduled_and_a_timer_flips_the_phase():
    g = armed()
    q = g.state.question
    assert (q.phase, q.opens_at, q.closes_at) == ("armed", OPEN, OPEN + 20 * S)
    assert pending_timers(g.state) == (
        Timer(key="buzzers_open", due=OPEN),
        Timer(key="buzz_timeout", due=OPEN + 20 * S),
    )
    assert [e.__class__ for e in fire(g, "buzzers_open", OPEN)] == [ev.BuzzersOpened]
    assert g.state.question.phase == "open"


@pytest.mark.parametrize(
    ("pressed_at", "false_start"),
    [
        (OPEN - 1, True),  # one microsecond early
        (OPEN, False),  # exactly at the opening
        (OPEN + 200 * MS, False),
    ],
)
def test_a_press_before_the_opening_is_a_false_start(pressed_at, false_start):
    g = armed(false_start_penalty=3)
    events = buzz(g, "jelgava", pressed_at, arrive=max(pressed_at, OPEN - 50 * MS) + 30 * MS)
    if false_start:
        assert isinstance(events[0], ev.FalseStart)
        assert events[1] == ev.ScoreChanged(
            at=g.now, team_id="jelgava", delta=-3, reason="false_start", question_id="q-single"
        )
        assert "jelgava" in g.state.question.locked_out
        with pytest.raises(TeamLockedOut):
            buzz(g, "jelgava", OPEN + 300 * MS, arrive=OPEN + 320 * MS)
    else:
        assert isinstance(events[0], ev.BuzzAccepted)


def test_a_press_while_the_question_is_read_is_a_false_start_without_default_penalty():
    g = setup([buzzer_round(single())])
    g.at(1 * S).run(c.StartRound)
    g.at(5 * S).run(c.ShowQuestion)
    events = buzz(g, "liepaja", 6 * S, arrive=6 * S + 20 * MS)
    assert [type(e) for e in events] == [ev.FalseStart]
    assert g.state.scores["liepaja"] == 0


def test_all_teams_false_starting_ends_the_question():
    g = armed()
    buzz(g, "jelgava", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    buzz(g, "liepaja", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    events = buzz(g, "siauliai", OPEN - 5 * MS, arrive=OPEN - 1 * MS)
    assert events[-1] == ev.QuestionClosed(at=OPEN - 1 * MS, reason="all_locked_out")
    assert g.state.question.phase == "closed"


def test_the_earliest_press_wins_not_the_first_arrival():
    g = armed()
    # Liepāja's press arrives first, but Šiauliai pressed 20 ms earlier over a slower path.
    first = buzz(g, "liepaja", OPEN + 100 * MS, arrive=OPEN + 130 * MS)
    assert first[0].window_closes_at == OPEN + 130 * MS + 300 * MS
    buzz(g, "siauliai", OPEN + 80 * MS, arrive=OPEN + 170 * MS)
    [award] = fire(g, "buzz_window", OPEN + 430 * MS)
    assert isinstance(award, ev.BuzzAwarded)
    photo = award.photo
    assert photo.winner == "siauliai"
    assert [p.team_id for p in photo.presses] == ["siauliai", "liepaja"]
    assert photo.tied == ("siauliai",) and photo.draw is None
    assert (photo.window_opened_at, photo.window_closed_at) == (OPEN + 130 * MS, OPEN + 430 * MS)
    assert award.answer_deadline == OPEN + 430 * MS + 10 * S
    assert g.state.question.phase == "answering"


def test_presses_arriving_after_the_window_do_not_count():
    g = armed()
    buzz(g, "liepaja", OPEN + 100 * MS, arrive=OPEN + 130 * MS)
    with pytest.raises(BuzzersClosed):
        buzz(g, "jelgava", OPEN + 10 * MS, arrive=OPEN + 431 * MS)
    assert [p.team_id for p in g.state.question.presses] == ["liepaja"]


def test_a_second_press_of_the_same_team_changes_nothing():
    g = armed()
    buzz(g, "liepaja", OPEN + 100 * MS, arrive=OPEN + 130 * MS)
    [refused] = buzz(g, "liepaja", OPEN + 50 * MS, arrive=OPEN + 140 * MS)
    assert isinstance(refused, ev.PressRefused) and refused.reason == "duplicate"
    assert refused.press.pressed_at == OPEN + 50 * MS  # logged for disputes, nothing else
    assert len(g.state.question.presses) == 1


def test_claims_earlier_than_the_path_allows_are_clamped():
    g = armed()
    # claims to have pressed 400 ms before arrival, but its measured path is only 60 ms
    [accepted] = buzz(g, "jelgava", OPEN + 100 * MS, arrive=OPEN + 500 * MS, path=60 * MS)
    assert accepted.press.effective_at == OPEN + 440 * MS
    assert accepted.press.clamped and accepted.press.pressed_at == OPEN + 100 * MS
    # an honest press 30 ms later on a 10 ms path wins against the clamped claim
    buzz(g, "liepaja", OPEN + 460 * MS, arrive=OPEN + 470 * MS, path=60 * MS)
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.winner == "jelgava"  # 440 < 460: the clamped claim is still earlier
    g2 = armed()
    buzz(g2, "jelgava", OPEN + 100 * MS, arrive=OPEN + 500 * MS, path=60 * MS)
    buzz(g2, "liepaja", OPEN + 420 * MS, arrive=OPEN + 430 * MS, path=60 * MS)
    [award2] = fire(g2, "buzz_window", g2.state.question.window_closes_at)
    assert award2.photo.winner == "liepaja"  # without the clamp Jelgava would have won


def test_a_claim_in_the_future_is_clamped_to_its_arrival():
    g = armed()
    [accepted] = buzz(g, "jelgava", OPEN + 900 * MS, arrive=OPEN + 100 * MS)
    assert accepted.press.effective_at == OPEN + 100 * MS and accepted.press.clamped


def test_presses_within_the_resolution_tie_and_a_seeded_draw_decides():
    g = armed(tie_resolution_us=2000)
    buzz(g, "jelgava", OPEN + 100_000, arrive=OPEN + 130 * MS)
    buzz(g, "liepaja", OPEN + 101_500, arrive=OPEN + 140 * MS)  # 1.5 ms later: a tie
    buzz(g, "siauliai", OPEN + 102_000, arrive=OPEN + 150 * MS)  # exactly 2 ms later: no tie
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    photo = award.photo
    assert photo.tied == ("jelgava", "liepaja")
    assert photo.draw is not None and photo.winner == photo.tied[photo.draw % 2]
    # the same inputs draw the same team: the decision replays exactly
    g2 = armed(tie_resolution_us=2000)
    buzz(g2, "jelgava", OPEN + 100_000, arrive=OPEN + 130 * MS)
    buzz(g2, "liepaja", OPEN + 101_500, arrive=OPEN + 140 * MS)
    buzz(g2, "siauliai", OPEN + 102_000, arrive=OPEN + 150 * MS)
    assert fire(g2, "buzz_window", g2.state.question.window_closes_at)[0].photo == photo


def _box_press(g, team: str, pressed_at: int, arrive: int, box: str, channel: int):
    return g.at(arrive).run(
        c.Buzz,
        team_id=team,
        pressed_at=pressed_at,
        allowed_path_us=100 * MS,
        source=f"box:{box}",
        box=box,
        channel=channel,
    )


def test_two_presses_on_one_box_are_ordered_by_its_clock_without_a_tie_tolerance():
    g = armed()  # resolution 1 ms
    _box_press(g, "liepaja", OPEN + 100_300, OPEN + 104 * MS, "venue-box", 2)
    _box_press(g, "jelgava", OPEN + 100_000, OPEN + 105 * MS, "venue-box", 1)  # 0.3 ms earlier
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.tied == ("jelgava",) and award.photo.draw is None
    assert award.photo.winner == "jelgava"
    assert [(p.box, p.channel) for p in award.photo.presses] == [
        ("venue-box", 1),
        ("venue-box", 2),
    ]


def test_a_press_on_another_box_still_ties_and_equal_box_times_still_draw():
    g = armed(tie_resolution_us=1000)
    _box_press(g, "jelgava", OPEN + 100_000, OPEN + 104 * MS, "box-a", 1)
    _box_press(g, "liepaja", OPEN + 100_200, OPEN + 105 * MS, "box-a", 2)  # after jelgava on A
    _box_press(g, "siauliai", OPEN + 100_500, OPEN + 120 * MS, "box-b", 1)  # 0.5 ms: other clock
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.tied == ("jelgava", "siauliai") and award.photo.draw is not None
    g = armed()
    _box_press(g, "jelgava", OPEN + 100_000, OPEN + 104 * MS, "box-a", 1)
    _box_press(g, "liepaja", OPEN + 100_000, OPEN + 105 * MS, "box-a", 2)  # the same instant
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.tied == ("jelgava", "liepaja") and award.photo.draw is not None


def test_draws_differ_between_seeds_and_attempts():
    from game.buzz import seeded_draw

    draws = {seeded_draw(seed, 0, 0, 0) % 2 for seed in range(40)}
    assert draws == {0, 1}
    assert seeded_draw(1, 0, 0, 0) == seeded_draw(1, 0, 0, 0)
    assert seeded_draw(1, 0, 0, 0) != seeded_draw(1, 0, 0, 1)


def test_correct_answer_earns_points_and_closes_the_question():
    g = awarded("liepaja")
    events = g.run(c.Judge, team_id="liepaja", correct=True)
    assert events[1] == ev.ScoreChanged(
        at=g.now, team_id="liepaja", delta=10, reason="correct", question_id="q-single"
    )
    assert g.state.question.phase == "closed"
    assert g.state.scores == {"jelgava": 0, "liepaja": 10, "siauliai": 0}


def test_question_points_override_the_round_default():
    g = setup([buzzer_round(single(points=25))])
    g.at(1 * S).run(c.StartRound)
    g.run(c.ShowQuestion)
    g.run(c.OpenBuzzers)
    buzz(g, "jelgava", 2 * S, arrive=2 * S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(c.Judge, team_id="jelgava", correct=True)
    assert g.state.scores["jelgava"] == 25


def test_wrong_answer_costs_points_locks_out_and_reopens_for_the_others():
    g = awarded("jelgava", wrong_penalty=4)
    t = g.now
    events = g.run(c.Judge, team_id="jelgava", correct=False)
    assert events[0] == ev.Judged(
        at=t,
        team_id="jelgava",
        correct=False,
        by="host",
        reopens_at=t + 500 * MS,
        closes_at=t + 500 * MS + 20 * S,
    )
    assert g.state.scores["jelgava"] == -4
    q = g.state.question
    assert (q.phase, q.opens_at, q.answering_team) == ("armed", t + 500 * MS, None)
    assert "jelgava" in q.locked_out
    with pytest.raises(TeamLockedOut):
        buzz(g, "jelgava", t + 600 * MS, arrive=t + 610 * MS)
    # a press before the reopening is a false start for the others too
    assert isinstance(buzz(g, "siauliai", t + 100 * MS, arrive=t + 120 * MS)[0], ev.FalseStart)
    [accepted] = buzz(g, "liepaja", t + 600 * MS, arrive=t + 620 * MS)
    assert isinstance(accepted, ev.BuzzAccepted)


def test_when_every_team_has_answered_wrongly_the_question_ends():
    g = awarded("jelgava")
    g.run(c.Judge, team_id="jelgava", correct=False)
    t = g.now
    buzz(g, "liepaja", t + 600 * MS, arrive=t + 620 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(c.Judge, team_id="liepaja", correct=False)
    t = g.now
    buzz(g, "siauliai", t + 600 * MS, arrive=t + 620 * MS)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    events = g.run(c.Judge, team_id="siauliai", correct=False)
    assert events[0].reopens_at is None
    assert g.state.question.phase == "closed"
    assert len(g.state.question.photo_finishes) == 3


def test_no_buzz_ends_the_question_when_the_buzzers_time_out():
    g = armed(buzz_time_ms=5000)
    assert g.state.question.closes_at == OPEN + 5 * S
    [closed] = fire(g, "buzz_timeout", OPEN + 5 * S)
    assert closed == ev.QuestionClosed(at=OPEN + 5 * S, reason="no_buzz")
    with pytest.raises(BuzzersClosed):
        buzz(g, "jelgava", OPEN + 6 * S, arrive=OPEN + 6 * S)


def test_a_press_after_the_buzzers_closed_is_rejected_even_before_the_timer_runs():
    g = armed(buzz_time_ms=5000)
    with pytest.raises(BuzzersClosed):
        buzz(g, "jelgava", OPEN + 5 * S + 1, arrive=OPEN + 5 * S + 10)


def test_running_out_of_answer_time_counts_as_a_wrong_answer():
    g = awarded("jelgava", answer_time_ms=8000)
    deadline = g.state.question.answer_deadline
    events = fire(g, "answer_time", deadline)
    assert events[0].by == "timeout" and not events[0].correct
    assert g.state.scores["jelgava"] == -5
    assert g.state.question.phase == "armed"


def test_the_answering_team_may_submit_on_its_tablet_and_others_may_not():
    g = awarded("jelgava")
    with pytest.raises(NotYourTurn):
        g.run(
            c.SubmitAnswer,
            team_id="liepaja",
            player_id="liepaja-p1",
            answer=ChoiceAnswer(option="b"),
        )
    [submitted] = g.run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p2", answer=ChoiceAnswer(option="b")
    )
    assert submitted.team_id == "jelgava"
    assert g.state.question.answers["jelgava"].answer == ChoiceAnswer(option="b")
    with pytest.raises(NotYourTurn):
        g.run(c.Judge, team_id="liepaja", correct=True)


def test_buzzing_while_a_team_answers_or_after_the_question_is_rejected():
    g = awarded("jelgava")
    with pytest.raises(BuzzersClosed):
        buzz(g, "liepaja", g.now, arrive=g.now)
    g.run(c.Judge, team_id="jelgava", correct=True)
    with pytest.raises(BuzzersClosed):
        buzz(g, "liepaja", g.now, arrive=g.now)


def test_buzzing_without_a_question_or_in_another_round_type_is_rejected():
    from tests.game.factory import all_play_round

    g = setup([all_play_round()])
    with pytest.raises(QuestionNotActive):
        buzz(g, "jelgava", 0, arrive=0)
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    with pytest.raises(WrongPhase, match="not a buzzer round"):
        buzz(g, "jelgava", 0, arrive=0)


def test_reveal_is_refused_while_a_team_answers():
    g = awarded("jelgava")
    with pytest.raises(WrongPhase, match="judge the answer first"):
        g.run(c.Reveal)


def test_opening_twice_is_an_illegal_transition():
    g = armed()
    with pytest.raises(WrongPhase, match="cannot arm while the question is armed"):
        g.run(c.OpenBuzzers)


def test_stale_timers_are_ignored():
    g = armed()
    assert fire(g, "buzz_window", OPEN) == []  # no window is open
    assert fire(g, "buzzers_open", OPEN - 1) == []  # not the armed deadline
    before = g.state
    g.at(OPEN - 10)
    assert g.run(c.TimerFired, key="buzzers_open", due=OPEN) == []  # fired early
    assert g.state == before


def test_a_resolution_of_zero_ties_only_identical_press_times():
    g = armed(tie_resolution_us=0)  # used to fail the award with an empty tie
    buzz(g, "jelgava", OPEN + 100_000, arrive=OPEN + 130 * MS)
    buzz(g, "liepaja", OPEN + 100_001, arrive=OPEN + 131 * MS)
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.tied == ("jelgava",) and award.photo.winner == "jelgava"
    g = armed(tie_resolution_us=0)
    buzz(g, "jelgava", OPEN + 100_000, arrive=OPEN + 130 * MS)
    buzz(g, "liepaja", OPEN + 100_000, arrive=OPEN + 131 * MS)
    [award] = fire(g, "buzz_window", g.state.question.window_closes_at)
    assert award.photo.tied == ("jelgava", "liepaja") and award.photo.draw is not None


def test_the_default_window_and_tie_resolution_are_the_measured_ones():
    # docs/game-rules.md, "Buzz arbitration": chosen with loadtests/bench_fairness.py
    rules = buzzer_round(single()).rules
    assert (rules.collect_window_ms, rules.tie_resolution_us) == (100, 250)


def test_a_press_made_before_the_question_was_shown_is_refused_not_a_false_start():
    """A venue agent delivers a press it held through an outage: one made before this question
    was shown belongs to the previous one (docs/game-rules.md, "Buzz arbitration")."""
    g = armed(false_start_penalty=3)
    held = 5 * S - 200 * MS  # pressed while the previous question was on
    with pytest.raises(BuzzersClosed, match="before the buzzers were armed"):
        buzz(g, "jelgava", held, arrive=OPEN + 100 * MS, path=30 * S)
    assert "jelgava" not in g.state.question.locked_out and g.state.scores["jelgava"] == 0
    # made after the question was shown, it is a false start as always
    assert isinstance(
        buzz(g, "jelgava", 5 * S + 1, arrive=OPEN + 100 * MS, path=30 * S)[0], ev.FalseStart
    )


def test_after_a_wrong_answer_a_press_from_the_earlier_attempt_is_refused():
    g = awarded("jelgava")
    judged = g.now
    g.run(c.Judge, team_id="jelgava", correct=False)
    # pressed while Jelgava was answering (before the judgement), delivered after the re-arming
    with pytest.raises(BuzzersClosed):
        buzz(g, "liepaja", judged - 50 * MS, arrive=judged + 700 * MS, path=30 * S)
    assert "liepaja" not in g.state.question.locked_out
    # pressed after the judgement but before the re-opening: a false start
    assert isinstance(
        buzz(g, "liepaja", judged + 100 * MS, arrive=judged + 700 * MS, path=30 * S)[0],
        ev.FalseStart,
    )
