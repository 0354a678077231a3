"""The press mapping shared by the WebSocket endpoint and the fairness benchmark."""

from __future__ import annotations

import pytest

from server.clock import UNSYNCED_BOUND_MS, ClockEstimator
from server.presses import box_press, tablet_buzz


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
