"""Results, statistics and participation from hand-built event logs (game/results.py)."""

from __future__ import annotations

import msgspec

from game import commands as c
from game import events as ev
from game.questions import ChoiceAnswer
from game.results import contest_results, participation, public_results
from game.state import replay
from tests.game.factory import MS, Game, S, all_play_round, buzz, buzzer_round, fire, setup, single

OPEN = 10 * S + 500 * MS


def played() -> Game:
    """Two rounds: a buzzer question (Šiauliai wins the photo finish, correct), a second buzzer
    question Liepāja gets wrong, and an all-play question Jelgava and Šiauliai get right."""
    g = setup(
        [
            buzzer_round(single("b1"), single("b2"), collect_window_ms=300),
            all_play_round(single("a1")),
        ]
    )
    g.at(1 * S).run(c.StartRound)
    g.at(5 * S).run(c.ShowQuestion)
    g.at(10 * S).run(c.OpenBuzzers)
    fire(g, "buzzers_open", OPEN)
    buzz(g, "liepaja", OPEN + 100 * MS, arrive=OPEN + 130 * MS)
    buzz(g, "siauliai", OPEN + 80 * MS, arrive=OPEN + 170 * MS)
    fire(g, "buzz_window", OPEN + 430 * MS)
    g.at(OPEN + 2 * S).run(c.Judge, team_id="siauliai", correct=True)
    g.at(13 * S).run(c.Reveal)
    g.at(14 * S).run(c.NextQuestion)
    g.at(20 * S).run(c.OpenBuzzers)
    fire(g, "buzzers_open", 20 * S + 500 * MS)
    buzz(g, "liepaja", 20 * S + 700 * MS, arrive=20 * S + 720 * MS)
    fire(g, "buzz_window", 20 * S + 1020 * MS)
    g.at(22 * S).run(c.Judge, team_id="liepaja", correct=False)
    g.at(23 * S).run(c.SkipQuestion)
    g.at(24 * S).run(c.EndRound)
    g.at(30 * S).run(c.StartRound)
    g.at(31 * S).run(c.ShowQuestion)
    for team, option in (("jelgava", "b"), ("liepaja", "a"), ("siauliai", "b")):
        g.at(32 * S).run(
            c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=ChoiceAnswer(option=option)
        )
    g.at(40 * S).run(c.LockAnswers)
    g.at(41 * S).run(c.Reveal)
    g.at(42 * S).run(c.EndRound)
    g.at(43 * S).run(c.AdjustScore, team_id="jelgava", delta=3, reason="bonus")
    g.at(44 * S).run(c.EndContest)
    return g


def test_the_ranking_and_the_rounds_add_up_to_the_final_scores():
    g = played()
    results = contest_results(g.log)
    assert {r.team_id: r.score for r in results.ranking} == g.state.scores
    assert results.ranking[0].team_id == "siauliai"
    for line in results.ranking:
        assert sum(line.per_round) + line.other == line.score
    siauliai = next(r for r in results.ranking if r.team_id == "siauliai")
    assert siauliai.per_round == (10, 10)
    liepaja = next(r for r in results.ranking if r.team_id == "liepaja")
    assert liepaja.per_round == (-5, 0)
    jelgava = next(r for r in results.ranking if r.team_id == "jelgava")
    assert jelgava.other == 3 and jelgava.score == 13
    assert results.status == "finished" and results.finished_at == 44 * S


def test_progression_follows_every_question_and_ends_at_the_final_score():
    results = contest_results(played().log)
    points = results.progression
    assert points[0].scores == {"jelgava": 0, "liepaja": 0, "siauliai": 0}
    assert [(p.round_index, p.question_index) for p in points[1:4]] == [(0, 0), (0, 1), (1, 0)]
    assert points[1].scores["siauliai"] == 10
    assert points[2].scores["liepaja"] == -5
    assert points[-1].scores == {"jelgava": 13, "liepaja": -5, "siauliai": 20}


def test_question_statistics_come_from_the_logged_verdicts_and_photo_finishes():
    g = played()
    results = contest_results(g.log)
    first, second, third = results.questions
    assert first.verdicts == {"siauliai": "correct"}
    assert first.correct_share == 1.0
    assert first.fastest_team == "siauliai" and first.fastest_ms == 80.0
    [seq] = first.photo_finish_seq
    assert isinstance(g.log[seq - 1], ev.BuzzAwarded)
    assert second.verdicts == {"liepaja": "wrong"} and second.skipped
    assert second.correct_share == 0.0 and second.points == {"liepaja": -5}
    assert third.correct_share == 2 / 3
    assert third.points == {"jelgava": 10, "siauliai": 10}
    assert third.fastest_team is None and third.photo_finish_seq == ()
    by_team = {line.name: (line.correct, line.answered) for line in results.by_team}
    assert by_team == {"Jelgava": (1, 1), "Liepaja": (0, 2), "Siauliai": (2, 2)}


def test_players_by_library_and_generation_and_the_public_version_has_no_names():
    g = setup([all_play_round()], start=False)
    g.run(c.AddPlayer, player_id="kid", team_id="jelgava", display_name="Ilze", generation="child")
    results = contest_results(g.log, libraries={"kid": "Jelgavas bērnu bibliotēka"})
    assert results.players_by_library["Jelgava"] == {"unknown": 2}
    assert results.players_by_library["Jelgavas bērnu bibliotēka"] == {"child": 1}
    public = public_results(results)
    text = msgspec.json.encode(public).decode()
    assert "Ilze" not in text and "jelgava one" not in text and public.public
    assert public.players_by_library == results.players_by_library
    assert results.progression == () and results.questions == ()


def test_results_of_a_replayed_log_match_the_live_state():
    g = played()
    assert contest_results(g.log).ranking == contest_results(list(g.log)).ranking
    assert replay(g.log).scores == g.state.scores


def test_participation_adds_contests_up_by_library_city_and_generation():
    one = contest_results(played().log)
    g = setup([all_play_round()], teams=("jelgava",), start=False)
    g.run(c.AddPlayer, player_id="s", team_id="jelgava", display_name="Aina", generation="senior")
    two = contest_results(g.log)
    report = participation([("2026-05-02", two), ("2026-04-01", one)], "2026-04-01", "2026-05-31")
    assert [x.date for x in report.contests] == ["2026-04-01", "2026-05-02"]
    assert report.teams == 4 and report.players == 9
    assert report.by_generation == {"senior": 1, "unknown": 8}
    assert report.by_city["Jelgava"] == {"senior": 1, "unknown": 4}
    assert report.by_library["Liepaja"] == {"unknown": 2}


def test_how_players_registered_is_kept_per_player_and_counted_even_in_public():
    g = setup([all_play_round()], teams=("jelgava",), start=False)
    g.run(c.AddPlayer, player_id="card", team_id="jelgava", display_name="Ilze", generation="child")
    g.run(c.AddPlayer, player_id="lib", team_id="jelgava", display_name="Aina", generation="senior")
    via = {"card": "card", "lib": "librarian"}
    results = contest_results(
        g.log, libraries={"card": "Jelgava", "lib": "Jelgava"}, registered_via=via
    )
    lines = {p.player_id: (p.library, p.registered_via) for p in results.players}
    assert lines["card"] == ("Jelgava", "card") and lines["lib"] == ("Jelgava", "librarian")
    assert {p.registered_via for p in results.players if p.player_id not in via} == {"code"}
    assert results.players_by_registration == {"card": 1, "librarian": 1, "code": 2}
    public = public_results(results)
    assert public.players_by_registration == results.players_by_registration
    report = participation([("2026-05-02", results)], "2026-05-01", "2026-05-31")
    assert report.by_registration == {"card": 1, "librarian": 1, "code": 2}
    assert report.by_library["Jelgava"] == {"child": 1, "senior": 1, "unknown": 2}
