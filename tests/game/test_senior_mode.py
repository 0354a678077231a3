"""Senior and accessible mode: a team's own answering time, and no speed bonus for it
(docs/game-rules.md, "Senior and accessible mode")."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game import commands as c
from game import events as ev
from game.errors import DeadlinePassed, InvalidSetup, UnknownTeam, WrongPhase
from game.model import EXTENDED_TIME_FACTOR, Round
from game.questions import ChoiceAnswer, NumberAnswer
from game.state import pending_timers, replay
from game.views import display_view, host_view, team_view
from tests.game.factory import (
    LANGS,
    TEAMS,
    Game,
    S,
    all_play_round,
    buzzer_round,
    estimation_round,
    fire,
    setup,
    single,
)

SHOWN = 5 * S
LIMIT = 20 * S


def contest(round_: Round, modes: dict[str, str], start: bool = True) -> Game:
    """Three teams with the given time modes (others standard), added with ``AddTeam``."""
    g = Game()
    g.run(c.CreateContest, contest_id="demo", title="Demo", languages=LANGS, seed=42)
    for team in TEAMS:
        mode = modes.get(team, "standard")
        g.run(c.AddTeam, team_id=team, name=team.title(), venue=team.title(), time_mode=mode)
        g.run(c.AddPlayer, player_id=f"{team}-p1", team_id=team, display_name=f"{team} one")
    g.run(c.AddRound, round=round_)
    if start:
        g.run(c.StartContest)
        g.at(1 * S).run(c.StartRound)
        g.at(SHOWN).run(c.ShowQuestion)
    return g


def answer(g: Game, team: str, at: int, option: str = "b") -> list[ev.Event]:
    g.at(at)
    return g.run(
        c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=ChoiceAnswer(option=option)
    )


def test_an_extended_team_answers_after_the_standard_deadline_and_a_standard_team_cannot():
    g = contest(all_play_round(time_limit_s=20), {"liepaja": "extended"})
    late = SHOWN + LIMIT + 5 * S  # after the standard deadline, before the extended one
    assert answer(g, "liepaja", late)[0].time_mode == "extended"
    with pytest.raises(DeadlinePassed):
        answer(g, "jelgava", late)
    extended_deadline = SHOWN + EXTENDED_TIME_FACTOR * LIMIT
    with pytest.raises(DeadlinePassed):
        answer(g, "liepaja", extended_deadline + 1)


def test_the_answers_lock_at_the_last_timed_deadline():
    g = contest(all_play_round(time_limit_s=20), {"siauliai": "extended"})
    assert [t.due for t in pending_timers(g.state)] == [SHOWN + 2 * LIMIT]
    assert fire(g, "answers_lock", SHOWN + LIMIT) == []  # the standard deadline locks nothing
    assert g.state.question.phase == "answers_open"
    assert isinstance(fire(g, "answers_lock", SHOWN + 2 * LIMIT)[0], ev.AnswersLocked)


def test_an_untimed_team_answers_until_the_host_locks():
    g = contest(all_play_round(time_limit_s=20), {"jelgava": "untimed", "liepaja": "extended"})
    assert pending_timers(g.state) == ()  # only the host's lock ends the question
    much_later = SHOWN + 10 * LIMIT
    event = answer(g, "jelgava", much_later)[0]
    assert event.time_mode == "untimed" and event.remaining_us == 0
    with pytest.raises(DeadlinePassed):
        answer(g, "liepaja", much_later)
    g.run(c.LockAnswers)
    with pytest.raises(DeadlinePassed):
        answer(g, "jelgava", much_later + 1)


def test_a_senior_team_never_earns_the_speed_bonus():
    g = contest(
        all_play_round(single(correct="b"), time_limit_s=20, speed_bonus=10),
        {"liepaja": "extended", "siauliai": "untimed"},
    )
    for team in TEAMS:
        answer(g, team, SHOWN + 1)  # all correct, at once
    g.at(SHOWN + S).run(c.Reveal)
    scored = {e.team_id for e in g.log if isinstance(e, ev.ScoreChanged)}
    assert scored == set(TEAMS)
    speed = {
        e.team_id for e in g.log if isinstance(e, ev.ScoreChanged) and e.reason == "speed_bonus"
    }
    assert speed == {"jelgava"}
    assert g.state.scores == {"jelgava": 20, "liepaja": 10, "siauliai": 10}


def test_an_answer_given_in_extended_mode_earns_no_bonus_after_a_switch_to_standard():
    g = contest(
        all_play_round(single(correct="b"), time_limit_s=20, speed_bonus=10),
        {"liepaja": "extended"},
    )
    answer(g, "liepaja", SHOWN + 1)
    g.run(c.SetTeamTimeMode, team_id="liepaja", time_mode="standard")
    g.run(c.Reveal)
    assert g.state.scores["liepaja"] == 10


def test_the_host_sets_a_mode_during_a_question_and_it_applies_at_once():
    g = contest(all_play_round(time_limit_s=20), {})
    g.at(SHOWN + 3 * S)
    (event,) = g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="extended")
    assert event.open_question and event.deadline == SHOWN + 2 * LIMIT
    assert g.state.teams["jelgava"].time_mode == "extended"
    assert [t.due for t in pending_timers(g.state)] == [SHOWN + 2 * LIMIT]
    g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="untimed")
    assert pending_timers(g.state) == ()
    g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="standard")
    assert g.state.question.team_deadlines == {}
    assert [t.due for t in pending_timers(g.state)] == [SHOWN + LIMIT]
    assert replay(g.log) == g.state


def test_a_mode_set_outside_an_open_question_waits_for_the_next_one():
    g = contest(all_play_round(single("q1"), single("q2"), time_limit_s=20), {})
    g.at(SHOWN + 1).run(c.LockAnswers)
    (event,) = g.run(c.SetTeamTimeMode, team_id="siauliai", time_mode="untimed")
    assert not event.open_question
    assert g.state.question.team_deadlines == {}  # the locked question is left as it was
    g.run(c.Reveal)
    g.at(60 * S).run(c.NextQuestion)
    assert g.state.question.team_deadlines == {"siauliai": None}


def test_a_team_that_does_not_play_the_round_gets_no_deadline():
    round_ = Round(
        id="r-two",
        title={"en": "Two"},
        rules=all_play_round().rules,
        questions=(single(),),
        teams=("jelgava", "liepaja"),
    )
    g = contest(round_, {"siauliai": "untimed"})
    assert g.state.question.team_deadlines == {}
    assert [t.due for t in pending_timers(g.state)] == [SHOWN + 30 * S]
    (event,) = g.run(c.SetTeamTimeMode, team_id="siauliai", time_mode="extended")
    assert not event.open_question


def test_buzzer_rounds_are_not_changed_by_senior_mode():
    g = contest(buzzer_round(single()), {"jelgava": "untimed"})
    assert g.state.question.deadline is None and g.state.question.team_deadlines == {}
    (event,) = g.run(c.SetTeamTimeMode, team_id="liepaja", time_mode="extended")
    assert not event.open_question
    assert team_view(g.state, "jelgava")["question"]["my_deadline"] is None


def test_an_estimation_round_follows_the_team_deadlines():
    g = contest(estimation_round(time_limit_s=10), {"liepaja": "extended"})
    g.at(SHOWN + 15 * S)
    g.run(c.SubmitAnswer, team_id="liepaja", player_id="liepaja-p1", answer=NumberAnswer(value=200))
    with pytest.raises(DeadlinePassed):
        g.run(
            c.SubmitAnswer,
            team_id="jelgava",
            player_id="jelgava-p1",
            answer=NumberAnswer(value=206),
        )


def test_a_pause_moves_the_team_deadlines_too():
    g = contest(all_play_round(time_limit_s=20), {"liepaja": "extended"})
    g.at(SHOWN + S).run(c.Pause)
    g.at(SHOWN + 11 * S).run(c.Resume)
    assert g.state.question.team_deadlines == {"liepaja": SHOWN + 2 * LIMIT + 10 * S}
    assert [t.due for t in pending_timers(g.state)] == [SHOWN + 2 * LIMIT + 10 * S]


def test_each_tablet_is_told_its_own_deadline_and_screens_see_the_modes():
    g = contest(all_play_round(time_limit_s=20), {"liepaja": "extended", "siauliai": "untimed"})
    assert team_view(g.state, "jelgava")["question"]["my_deadline"] == SHOWN + LIMIT
    assert team_view(g.state, "liepaja")["question"]["my_deadline"] == SHOWN + 2 * LIMIT
    mine = team_view(g.state, "siauliai")
    assert mine["question"]["my_deadline"] is None and mine["team"]["time_mode"] == "untimed"
    assert mine["question"]["answers_lock_at"] is None
    screen = display_view(g.state)
    assert screen["question"]["team_deadlines"] == {
        "liepaja": SHOWN + 2 * LIMIT,
        "siauliai": None,
    }
    modes = {row["team_id"]: row["time_mode"] for row in screen["scoreboard"]}
    assert modes == {"jelgava": "standard", "liepaja": "extended", "siauliai": "untimed"}
    host = host_view(g.state)
    assert {t["id"]: t["time_mode"] for t in host["teams"]}["liepaja"] == "extended"


def test_the_mode_is_checked():
    g = contest(all_play_round(), {}, start=False)
    with pytest.raises(InvalidSetup):
        g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="slow")  # type: ignore[arg-type]
    with pytest.raises(UnknownTeam):
        g.run(c.SetTeamTimeMode, team_id="nobody", time_mode="extended")
    with pytest.raises(InvalidSetup):
        g.run(c.AddTeam, team_id="x", name="X", venue="X", time_mode="slow")  # type: ignore[arg-type]
    g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="extended")  # in setup: fine
    assert g.state.teams["jelgava"].time_mode == "extended"
    g.run(c.EndContest)
    with pytest.raises(WrongPhase):
        g.run(c.SetTeamTimeMode, team_id="jelgava", time_mode="standard")


def test_a_log_written_before_senior_mode_still_replays():
    g = setup([all_play_round()])
    g.at(1 * S).run(c.StartRound)
    g.at(SHOWN).run(c.ShowQuestion)
    old = [
        msgspec.json.decode(
            msgspec.json.encode(
                {
                    k: v
                    for k, v in msgspec.to_builtins(e).items()
                    if k not in ("team_deadlines", "time_mode")
                }
            ),
            type=ev.Event,
        )
        for e in g.log
    ]
    assert replay(old) == g.state


@settings(max_examples=60, deadline=None)
@given(
    mode=st.sampled_from(["standard", "extended", "untimed"]),
    limit_s=st.integers(1, 120),
    after_us=st.integers(0, 400 * S),
    bonus=st.integers(1, 20),
)
def test_a_team_answers_exactly_until_its_own_deadline(mode, limit_s, after_us, bonus):
    g = contest(
        all_play_round(single(correct="b"), time_limit_s=limit_s, speed_bonus=bonus),
        {"liepaja": mode},
    )
    own = {"standard": limit_s * S, "extended": EXTENDED_TIME_FACTOR * limit_s * S}.get(mode)
    at = SHOWN + after_us
    if own is not None and after_us > own:
        with pytest.raises(DeadlinePassed):
            answer(g, "liepaja", at)
        return
    answer(g, "liepaja", at)
    g.run(c.Reveal)
    earned = g.state.scores["liepaja"]
    if mode == "standard":
        assert 10 <= earned <= 10 + bonus
    else:
        assert earned == 10  # never a speed bonus in senior mode
