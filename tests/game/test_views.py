"""What each screen may see: the secrecy rule, live team answers, the scoreboard."""

from __future__ import annotations

import msgspec

from game import commands as c
from game.questions import ChoiceAnswer, TextAnswer
from game.views import audience_view, display_view, host_view, scoreboard, team_view
from tests.game.factory import S, all_play_round, buzz, buzzer_round, fire, open_text, setup, single


def _all_play_with_answers():
    g = setup([all_play_round(open_text(), single("q2"))])
    g.run(c.StartRound)
    g.at(S).run(c.ShowQuestion)
    g.run(
        c.SubmitAnswer, team_id="jelgava", player_id="jelgava-p1", answer=TextAnswer(text="Oxygen")
    )
    g.run(
        c.SubmitAnswer,
        team_id="liepaja",
        player_id="liepaja-p1",
        answer=TextAnswer(text="ūdeņradis"),
    )
    return g


def _text(view) -> str:
    return msgspec.json.encode(view).decode()


def test_before_the_reveal_only_the_host_sees_the_answer_and_every_team_answer():
    g = _all_play_with_answers()
    host = host_view(g.state)["question"]
    assert host["answer"]["accepted"]["lv"] == ["Skābeklis"]
    assert host["answers"]["liepaja"]["answer"] == {"kind": "text", "text": "ūdeņradis"}
    assert host["suggested_verdicts"] == {"jelgava": "correct", "liepaja": "pending"}
    for view in (display_view(g.state), audience_view(g.state), team_view(g.state, "siauliai")):
        text = _text(view)
        assert "Skābeklis" not in text and "Deguonis" not in text
        assert "ūdeņradis" not in text and "Oxygen" not in text
    jelgava = _text(team_view(g.state, "jelgava"))
    assert "Oxygen" in jelgava and "ūdeņradis" not in jelgava
    assert display_view(g.state)["question"]["answered_teams"] == ["jelgava", "liepaja"]


def test_after_the_reveal_everyone_sees_the_answer_results_and_explanation():
    g = _all_play_with_answers()
    g.run(c.LockAnswers)
    g.run(c.Judge, team_id="liepaja", correct=False)
    g.run(c.Reveal)
    for view in (display_view(g.state), audience_view(g.state), team_view(g.state, "siauliai")):
        q = view["question"]
        assert q["answer"]["accepted"]["en"] == ["Oxygen", "O2"]
        assert q["results"]["jelgava"]["points"] == 10
        assert q["results"]["liepaja"]["verdict"] == "wrong"
        assert q["results"]["siauliai"]["answer"] is None


def test_buzzer_views_show_who_buzzed_but_not_the_answer():
    g = setup([buzzer_round(single())])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    g.at(S).run(c.OpenBuzzers)
    buzz(g, "siauliai", 2 * S, arrive=2 * S)
    fire(g, "buzz_window", g.state.question.window_closes_at)
    g.run(
        c.SubmitAnswer, team_id="siauliai", player_id="siauliai-p1", answer=ChoiceAnswer(option="c")
    )
    screen = display_view(g.state)["question"]
    assert screen["answering_team"] == "siauliai" and screen["buzz"]["winner"] == "siauliai"
    assert screen["answer"] is None
    assert team_view(g.state, "siauliai")["question"]["my_turn"] is True
    assert team_view(g.state, "jelgava")["question"]["my_turn"] is False
    assert '"option":"c"' not in _text(team_view(g.state, "jelgava"))
    assert host_view(g.state)["question"]["suggested_verdicts"] == {"siauliai": "wrong"}


def test_scoreboard_orders_by_score_and_shares_ranks():
    g = setup()
    g.run(c.AdjustScore, team_id="liepaja", delta=5, reason="r")
    g.run(c.AdjustScore, team_id="siauliai", delta=5, reason="r")
    rows = scoreboard(g.state)
    assert [(r["team_id"], r["score"], r["rank"]) for r in rows] == [
        ("liepaja", 5, 1),
        ("siauliai", 5, 1),
        ("jelgava", 0, 3),
    ]


def test_views_are_json_ready_and_idle_contest_has_no_question():
    g = setup()
    for view in (
        host_view(g.state),
        display_view(g.state),
        audience_view(g.state),
        team_view(g.state, "jelgava"),
    ):
        assert view["question"] is None
        msgspec.json.encode(view)
    assert team_view(g.state, "nobody")["team"] is None


def test_the_roster_can_be_left_out_and_is_otherwise_the_teams_players():
    g = _all_play_with_answers()
    members = team_view(g.state, "jelgava")["members"]
    assert members and {m["id"] for m in members} == {
        p.id for p in g.state.players.values() if p.team_id == "jelgava"
    }
    slim = team_view(g.state, "jelgava", with_members=False)
    assert "members" not in slim and slim["question"]["my_answer"] is not None
    assert len(host_view(g.state)["players"]) == len(g.state.players)
    assert "players" not in host_view(g.state, with_players=False)


def test_only_the_host_sees_the_anti_cheat_internals_of_a_photo_finish():
    g = setup([buzzer_round(single())])
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    g.at(S).run(c.OpenBuzzers)
    opens = g.state.question.opens_at
    g.at(opens + 90_000).run(  # claims 80 ms early on a 37 ms path: clamped
        c.Buzz,
        team_id="jelgava",
        player_id="jelgava-p1",
        pressed_at=opens + 10_000,
        bound_us=4_321,
        allowed_path_us=37_000,
        source="box:venue-box-7",
    )
    fire(g, "buzz_window", g.state.question.window_closes_at)
    host = host_view(g.state)["question"]
    assert host["buzz"]["presses"][0]["allowed_path_us"] == 37_000
    assert host["buzz"]["presses"][0]["clamped"] is True
    internals = ("allowed_path", "bound_us", "clamped", "arrived_at", "pressed_at", "venue-box-7")
    for view in (display_view(g.state), audience_view(g.state), team_view(g.state, "jelgava")):
        photo = view["question"]["buzz"]
        assert photo["winner"] == "jelgava"
        assert photo["presses"] == [
            {
                "team_id": "jelgava",
                "player_id": "jelgava-p1",
                "effective_at": opens + 53_000,
                "source": "box",
            }
        ]
        text = _text(view)
        assert not [word for word in internals if word in text]


def test_the_host_keeps_every_photo_finish_of_the_contest():
    g = setup([buzzer_round(single(), single("q2"))])
    g.run(c.StartRound)
    for n in range(2):
        g.at((10 + 10 * n) * S).run(c.ShowQuestion)
        g.run(c.OpenBuzzers)
        fire(g, "buzzers_open", g.state.question.opens_at)
        team = ("jelgava", "liepaja")[n]
        opens = g.state.question.opens_at
        buzz(g, team, opens + 50_000, arrive=opens + 70_000)
        fire(g, "buzz_window", g.state.question.window_closes_at)
        g.run(c.Judge, team_id=team, correct=True)
        g.run(c.Reveal)
    decisions = host_view(g.state)["buzz_decisions"]
    assert [(d["question_index"], d["question_id"], d["photo"]["winner"]) for d in decisions] == [
        (0, "q-single", "jelgava"),
        (1, "q2", "liepaja"),
    ]
    assert decisions[0]["photo"]["presses"][0]["allowed_path_us"] == 100_000
    for view in (display_view(g.state), audience_view(g.state), team_view(g.state, "jelgava")):
        assert "buzz_decisions" not in view
