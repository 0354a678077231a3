"""Tablet touch latency (docs/game-rules.md, "Tablet latency"): host-set, bounded, after the
clamp, tablets only, logged in the press."""

from __future__ import annotations

import pytest

from game import commands as c
from game import events as ev
from game.errors import InvalidSetup, UnknownPlayer, WrongPhase
from game.state import replay
from tests.game.factory import MS, S, buzz, buzzer_round, fire, setup, single

OPEN = 10 * S + 500 * MS


def _open(**latencies: int):
    g = setup([buzzer_round(single())])
    for player, ms in latencies.items():
        g.run(c.SetTouchLatency, player_id=player, latency_ms=ms)
    g.at(1 * S).run(c.StartRound)
    g.at(5 * S).run(c.ShowQuestion)
    g.at(10 * S).run(c.OpenBuzzers)
    return g


def test_a_calibrated_tablet_press_counts_its_latency_earlier_and_says_so():
    g = _open(**{"liepaja-p1": 30})
    assert g.state.players["liepaja-p1"].touch_latency_us == 30 * MS
    # Jelgava's tablet reports 20 ms before Liepāja's, but Liepāja's tablet is 30 ms slower
    buzz(g, "jelgava", OPEN + 200 * MS, arrive=OPEN + 215 * MS)
    buzz(g, "liepaja", OPEN + 220 * MS, arrive=OPEN + 235 * MS)
    awarded = fire(g, "buzz_window", g.state.question.window_closes_at)[0]
    assert isinstance(awarded, ev.BuzzAwarded) and awarded.photo.winner == "liepaja"
    liepaja = next(p for p in awarded.photo.presses if p.team_id == "liepaja")
    assert (liepaja.pressed_at, liepaja.effective_at) == (OPEN + 220 * MS, OPEN + 190 * MS)
    assert liepaja.compensation_us == 30 * MS and not liepaja.clamped


def test_the_compensation_applies_after_the_clamp_so_it_cannot_stretch_it():
    g = _open(**{"jelgava-p1": 30})
    # claims 200 ms before arrival on a 40 ms path: clamped to arrival - 40 ms, then 30 ms earlier
    events = buzz(g, "jelgava", OPEN + 100 * MS, arrive=OPEN + 300 * MS, path=40 * MS)
    press = events[0].press
    assert press.clamped and press.effective_at == OPEN + 230 * MS


def test_box_presses_are_not_compensated():
    g = _open(**{"jelgava-p1": 30})
    events = g.at(OPEN + 50 * MS).run(
        c.Buzz,
        team_id="jelgava",
        player_id="jelgava-p1",
        pressed_at=OPEN + 40 * MS,
        allowed_path_us=20 * MS,
        source="box:b1",
    )
    assert events[0].press.effective_at == OPEN + 40 * MS
    assert events[0].press.compensation_us == 0


def test_a_compensated_press_before_the_opening_is_a_false_start():
    g = _open(**{"jelgava-p1": 30})
    events = buzz(g, "jelgava", OPEN + 10 * MS, arrive=OPEN + 30 * MS)
    assert isinstance(events[0], ev.FalseStart) and events[0].pressed_at == OPEN - 20 * MS


@pytest.mark.parametrize(
    ("player", "latency", "error"),
    [
        ("jelgava-p1", 61, InvalidSetup),
        ("jelgava-p1", -1, InvalidSetup),
        ("nobody", 10, UnknownPlayer),
    ],
)
def test_a_touch_latency_out_of_range_or_for_nobody_is_refused(player, latency, error):
    g = setup()
    with pytest.raises(error):
        g.run(c.SetTouchLatency, player_id=player, latency_ms=latency)


def test_no_touch_latency_after_the_end_and_replays_keep_it():
    g = _open(**{"jelgava-p1": 60})
    assert replay(g.log) == g.state
    g.run(c.EndContest)
    with pytest.raises(WrongPhase):
        g.run(c.SetTouchLatency, player_id="jelgava-p1", latency_ms=10)
