"""The press mapping shared by the WebSocket endpoint and the fairness benchmark."""

from __future__ import annotations

import random

import msgspec
import pytest

from game import commands as c
from game import events as ev
from game.audit import redecide
from server.clock import UNSYNCED_BOUND_MS, ClockEstimator
from server.presses import box_press, tablet_buzz
from tests.game.factory import TEAMS, S, buzzer_round, fire, setup, single


def _synced(offset: float = 500.0, delay: float = 20.0) -> ClockEstimator:
    clock = ClockEstimator()
    # the ping leaves at 1000 (server), arrives after delay/2; the client's clock is offset ahead
    t0 = 1000.0
    t1 = t0 + delay / 2 + offset
    clock.add(t0, t1, t1, t0 + delay)
    return clock


def test_a_synced_tablet_press_is_mapped_onto_the_server_clock() -> None:
    clock = _synced()
    buzz = tablet_buzz(
        clock, team_id="a", player_id="a-1", pressed_at_ms=2500.0, arrived_us=2_030_000
    )
    assert buzz.pressed_at == 2_000_000 and buzz.at == 2_030_000
    assert buzz.bound_us == 10_000 and buzz.source == "tablet" and buzz.player_id == "a-1"
    assert buzz.allowed_path_us == int(clock.allowed_path() * 1000)


def test_an_unsynced_tablet_press_trusts_its_arrival_with_a_wide_bound() -> None:
    buzz = tablet_buzz(
        ClockEstimator(), team_id="a", player_id=None, pressed_at_ms=1.0, arrived_us=7_000
    )
    assert buzz.pressed_at == 7_000 and buzz.bound_us == int(UNSYNCED_BOUND_MS * 1000)


@pytest.mark.parametrize(("box", "source"), [("b1", "box:b1"), (None, "box")])
def test_a_box_press_adds_the_box_bound_and_names_its_box(box: str | None, source: str) -> None:
    clock = _synced()
    buzz = box_press(
        clock,
        team_id="a",
        pressed_at_ms=2500.0,
        box_bound_ms=0.25,
        box=box,
        arrived_us=2_010_000,
        channel=3,
    )
    assert buzz.pressed_at == 2_000_000 and buzz.player_id is None
    assert buzz.bound_us == 10_250 and buzz.source == source
    assert (buzz.box, buzz.channel) == (box, 3)


def test_a_mapped_press_logs_the_clock_it_was_mapped_with() -> None:
    clock = _synced()
    buzz = tablet_buzz(
        clock, team_id="a", player_id="a-1", pressed_at_ms=2500.25, arrived_us=2_030_000
    )
    assert buzz.clock is not None
    assert (buzz.clock.claim_ms, buzz.clock.offset_ms) == (2500.25, clock.offset)
    assert (buzz.clock.best_delay_ms, buzz.clock.median_delay_ms) == clock.round_trips()
    assert buzz.clock.samples == 1
    assert int((buzz.clock.claim_ms - buzz.clock.offset_ms) * 1000) == buzz.pressed_at
    unsynced = tablet_buzz(
        ClockEstimator(), team_id="a", player_id=None, pressed_at_ms=1.0, arrived_us=7_000
    )
    assert unsynced.clock is None


def test_whole_contests_of_mapped_presses_re_decide_identically() -> None:
    """Twenty buzzes of three drifting tablets, mapped as the server maps them, decided by the
    engine; the log re-decides every buzz identically (game.audit), also through JSON."""
    rng = random.Random(14)
    g = setup([buzzer_round(*(single(f"q{n}") for n in range(20)), tie_resolution_us=1000)])
    g.run(c.SetTouchLatency, player_id="liepaja-p1", latency_ms=28)
    clocks = {team: ClockEstimator() for team in TEAMS}
    offsets = {team: rng.uniform(-5000, 5000) for team in TEAMS}
    g.at(S).run(c.StartRound)
    for n in range(20):
        now = (10 + 10 * n) * S
        for team, clock in clocks.items():  # a few pings on a jittery link
            for k in range(4):
                t0 = now / 1000 - 4000 + 1000 * k
                down, up = rng.uniform(3, 20), rng.uniform(3, 40)
                clock.add(t0, t0 + down + offsets[team], t0 + down + offsets[team], t0 + down + up)
        g.at(now).run(c.ShowQuestion)
        g.run(c.OpenBuzzers)
        opens = g.state.question.opens_at
        fire(g, "buzzers_open", opens)
        arrivals = []
        for team in TEAMS:
            pressed = opens + rng.randint(150_000, 190_000)
            arrived = pressed + rng.randint(2_000, 60_000)
            claim = (pressed - rng.choice([0, 0, 120_000])) / 1000 + offsets[team]  # some cheat
            arrivals.append((arrived, team, claim))
        for arrived, team, claim in sorted(arrivals):
            mapped = tablet_buzz(
                clocks[team],
                team_id=team,
                player_id=f"{team}-p1",
                pressed_at_ms=claim,
                arrived_us=arrived,
            )
            window = g.state.question.window_closes_at
            if window is None or arrived <= window:
                g.at(arrived).do(mapped)
        fire(g, "buzz_window", g.state.question.window_closes_at)
        g.at(g.now + S).run(c.Judge, team_id=g.state.question.answering_team, correct=True)
        g.run(c.Reveal)
    assert sum(isinstance(e, ev.BuzzAwarded) for e in g.log) == 20
    assert any(isinstance(e, ev.BuzzAccepted) and e.press.clamped for e in g.log)
    assert redecide(g.log) == []
    assert redecide(msgspec.json.decode(msgspec.json.encode(g.log), type=list[ev.Event])) == []
