"""Press mapping: a tablet's buzz or an agent's box press, turned into the engine's ``Buzz``.

Theory of operation (docs/game-rules.md, "Buzz arbitration"; docs/protocol.md §3.5)
-----------------------------------------------------------------------------------
A press arrives with a time on the sender's own clock. The connection's ``ClockEstimator`` maps
it onto the server clock (``to_server``), gives its error bound (half the best round trip) and
the path the press may plausibly have taken (``allowed_path``, the anti-cheat clamp's input).
An agent's press adds the box mapping's own bound (``buzzers.clock``) and names its box and
channel; it may have been held through an outage (``HELD_PRESS_MS``). Nothing here reads a
clock or talks to a socket: the WebSocket endpoint (``server.ws``) and the fairness benchmark
(``loadtests/bench_fairness.py``) call the same functions, so the benchmark measures the server's
own mapping.
"""

from __future__ import annotations

from game import commands as c
from game.events import ClockInputs
from server.clock import UNSYNCED_BOUND_MS, ClockEstimator

HELD_PRESS_MS = 30_000.0
"""How long an agent's press may have waited before it arrived (ms). A venue agent is venue
equipment, created by the host with its own token, that keeps the box's presses through a
network outage (``press_max_age_s`` in docs/buzzers.md) and sends them with their box times: its
presses are judged by that time, not clamped to the link's round trip as a tablet's are. The
engine refuses a held press made before the current attempt began (docs/game-rules.md)."""


def clock_inputs(clock: ClockEstimator, claim_ms: float) -> ClockInputs | None:
    """What the decision log keeps of the clock a press was mapped with (``None`` unsynced)."""
    if not clock.synced:
        return None
    best, median = clock.round_trips()
    return ClockInputs(
        claim_ms=claim_ms,
        offset_ms=clock.offset,
        best_delay_ms=best,
        median_delay_ms=median,
        samples=clock.samples,
    )


def tablet_buzz(
    clock: ClockEstimator,
    *,
    team_id: str,
    player_id: str | None,
    pressed_at_ms: float,
    arrived_us: int,
) -> c.Buzz:
    """A tablet's buzz: its press time (tablet clock, ms) on the server clock.

    Before the first clock sample the arrival is trusted, with a wide bound.
    """
    if clock.synced:
        pressed_us = int(clock.to_server(pressed_at_ms) * 1000)
        bound_ms = clock.bound
    else:
        pressed_us, bound_ms = arrived_us, UNSYNCED_BOUND_MS
    return c.Buzz(
        at=arrived_us,
        team_id=team_id,
        player_id=player_id,
        pressed_at=pressed_us,
        bound_us=int(bound_ms * 1000),
        allowed_path_us=int(clock.allowed_path() * 1000),
        source="tablet",
        clock=clock_inputs(clock, pressed_at_ms),
    )


def box_press(
    clock: ClockEstimator,
    *,
    team_id: str,
    pressed_at_ms: float,
    box_bound_ms: float,
    box: str | None,
    arrived_us: int,
    channel: int | None = None,
) -> c.Buzz:
    """An agent's box press: its press time (agent clock, ms) on the server clock.

    The caller refuses presses from an agent whose clock is not synced yet. The anti-cheat
    clamp allows ``HELD_PRESS_MS``: an agent's press is judged by its box time (see there).
    """
    return c.Buzz(
        at=arrived_us,
        team_id=team_id,
        player_id=None,
        pressed_at=int(clock.to_server(pressed_at_ms) * 1000),
        bound_us=int((clock.bound + max(0.0, box_bound_ms)) * 1000),
        allowed_path_us=int(HELD_PRESS_MS * 1000),
        source=f"box:{box}" if box else "box",
        box=box or None,
        channel=channel,
        clock=clock_inputs(clock, pressed_at_ms),
    )
