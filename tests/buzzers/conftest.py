"""Shared factories for the buzzer tests: a simulated box on a real pty, and event waiting."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from buzzers.events import Press, SourceEvent
from buzzers.simbox import SimulatedBox, TrueEvent
from buzzers.simulator import PtySimulator
from buzzers.transport import PressSource

TIMEOUT_S = 15.0  # generous: waiting on a condition, never asserting on a duration
MS = 1_000_000


@pytest.fixture
def make_simulator(tmp_path: Path) -> Iterator[Callable[..., PtySimulator]]:
    """Start simulated boxes on real pseudo-terminals; all are stopped after the test."""
    started: list[PtySimulator] = []

    def make(**box_options: object) -> PtySimulator:
        sim = PtySimulator(SimulatedBox(**box_options), tmp_path / f"bz1-{len(started)}")  # type: ignore[arg-type]
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


def wait_for(
    source: PressSource,
    predicate: Callable[[SourceEvent], bool],
    seen: list[SourceEvent] | None = None,
) -> SourceEvent:
    """Collect events (into ``seen``) until one satisfies ``predicate``; fail after TIMEOUT_S."""
    end = time.monotonic() + TIMEOUT_S
    while time.monotonic() < end:
        event = source.get(timeout=0.1)
        if event is None:
            continue
        if seen is not None:
            seen.append(event)
        if predicate(event):
            return event
    raise AssertionError(f"no matching event within {TIMEOUT_S} s; saw {seen}")


def truth_of(sim: PtySimulator, press: Press) -> TrueEvent:
    """The simulator's record of the press the host reported."""
    matches = [
        t
        for t in sim.truth
        if t.kind == "press" and t.seq == press.seq and t.device_us == press.device_us
    ]
    assert len(matches) == 1, (press, sim.truth)
    return matches[0]


def assert_on_time(sim: PtySimulator, press: Press) -> None:
    """The host's estimate is within 1 ms of the true press time, and within its own bound."""
    true = truth_of(sim, press)
    error = abs(press.host_ns - true.host_ns)
    assert error < 1 * MS, (press, true)
    assert error <= press.bound_ns, (press, true)
