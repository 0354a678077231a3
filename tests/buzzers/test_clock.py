"""Mapping a drifting, wrapping 32-bit box clock onto host time, with honest error bounds."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buzzers.bz1 import U32
from buzzers.clock import MAX_DRIFT, BoxClock, SyncSample, Unwrapper, fit_samples
from buzzers.errors import NotSynchronised

MS = 1_000_000


def box_reading(host_ns: int, drift: float, offset_us: int) -> int:
    """The box clock of a box running ``drift`` fast, as a 32-bit reading."""
    return (offset_us + int(host_ns * (1 + drift) / 1000)) % U32


def test_unwrap_moves_forward_across_the_wrap() -> None:
    unwrapper = Unwrapper()
    assert unwrapper.unwrap(U32 - 10) == U32 - 10
    assert unwrapper.unwrap(5) == U32 + 5
    assert unwrapper.unwrap(U32 - 3) == U32 - 3  # a press stamped just before the wrap
    assert unwrapper.unwrap(20) == U32 + 20


def test_unwrap_keeps_counting_over_several_wraps() -> None:
    unwrapper = Unwrapper()
    values = [unwrapper.unwrap((k * (U32 // 3)) % U32) for k in range(10)]
    assert values == [k * (U32 // 3) for k in range(10)]


def ping(clock: BoxClock, sent: int, up: int, down: int, drift: float, offset_us: int) -> bool:
    at_box = box_reading(sent + up, drift, offset_us)
    return clock.add_sample(sent, sent + up + down, at_box, at_box)


def usb_delay(rng: random.Random) -> int:
    """One-way delay of a USB serial link: mostly 0.05-0.5 ms, one in ten stuck 2-20 ms."""
    if rng.random() < 0.1:
        return rng.randint(2 * MS, 20 * MS)
    return rng.randint(50_000, 500_000)


def uniform_delay(rng: random.Random) -> int:
    """A bad link: anything from 0.05 to 5 ms each way."""
    return rng.randint(50_000, 5 * MS)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    drift=st.floats(-0.002, 0.002),
    offset_us=st.integers(0, U32 - 1),
    seed=st.integers(0, 2**32),
    pings=st.integers(3, 70),
    link=st.sampled_from([usb_delay, uniform_delay]),
)
def test_every_estimate_is_within_its_bound(
    drift: float, offset_us: int, seed: int, pings: int, link: object
) -> None:
    rng = random.Random(seed)
    delay = link  # type: ignore[assignment]
    clock = BoxClock()
    start = 10**12
    for k in range(pings):  # one ping a second
        sent = start + k * 1000 * MS
        ping(clock, sent, delay(rng), delay(rng), drift, offset_us)  # type: ignore[operator]
    last = start + (pings - 1) * 1000 * MS
    for true_ns in (start - 5000 * MS, start, last, last + 300 * MS, last + 1500 * MS):
        estimate = clock.estimate(box_reading(true_ns, drift, offset_us))
        assert abs(estimate.host_ns - true_ns) <= estimate.bound_ns


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    drift=st.floats(-0.002, 0.002),
    offset_us=st.integers(0, U32 - 1),
    seed=st.integers(0, 2**32),
)
def test_on_a_usb_link_presses_are_placed_within_a_millisecond(
    drift: float, offset_us: int, seed: int
) -> None:
    rng = random.Random(seed)
    clock = BoxClock()
    start = 10**12
    for k in range(30):
        ping(clock, start + k * 1000 * MS, usb_delay(rng), usb_delay(rng), drift, offset_us)
    for later_ms in (0, 300, 999):
        true_ns = start + 29 * 1000 * MS + later_ms * MS
        estimate = clock.estimate(box_reading(true_ns, drift, offset_us))
        assert abs(estimate.host_ns - true_ns) < 1 * MS
        assert estimate.bound_ns < 2 * MS  # a worst-case bound, wider than the usual error


def test_drift_is_measured() -> None:
    clock = BoxClock()
    for k in range(20):
        ping(clock, k * 1000 * MS, 100_000, 100_000, 0.002, 0)
    assert clock.fit is not None
    assert clock.fit.drift == pytest.approx(-0.002 / 1.002, abs=1e-5)


def test_slow_replies_do_not_pull_the_fit() -> None:
    clock = BoxClock()
    for k in range(20):  # every third reply is stuck 20 ms on the way back
        down = 20 * MS if k % 3 == 0 else 100_000
        ping(clock, k * 1000 * MS, 100_000, down, 0.0, 0)
    true_ns = 19_500 * MS
    estimate = clock.estimate(box_reading(true_ns, 0.0, 0))
    assert abs(estimate.host_ns - true_ns) < 50_000
    assert estimate.bound_ns < 1 * MS


def test_one_sample_assumes_nominal_rate_and_bounds_the_full_drift() -> None:
    clock = BoxClock()
    ping(clock, 0, 100_000, 100_000, 0.002, 0)
    true_ns = 1000 * MS
    estimate = clock.estimate(box_reading(true_ns, 0.002, 0))
    assert abs(estimate.host_ns - true_ns) <= estimate.bound_ns
    assert estimate.bound_ns >= MAX_DRIFT * 1000 * MS


def test_no_estimate_before_a_sample_or_after_a_reset() -> None:
    clock = BoxClock()
    with pytest.raises(NotSynchronised):
        clock.estimate(5)
    ping(clock, 0, 1000, 1000, 0.0, 0)
    clock.reset()
    assert clock.sample_count == 0
    with pytest.raises(NotSynchronised):
        clock.estimate(5)


def test_useless_samples_are_refused() -> None:
    clock = BoxClock()
    assert not clock.add_sample(100, 50, 10, 10)  # answered before it was asked
    assert not clock.add_sample(0, 200 * MS, 10, 10)  # a 200 ms round trip
    assert not clock.add_sample(0, 1 * MS, 20, 10)  # box replied before receiving
    assert clock.sample_count == 0


def test_sample_half_delay_subtracts_the_box_processing_time() -> None:
    sample = SyncSample(host_sent_ns=0, host_received_ns=1_000_000, box_rx_us=100, box_tx_us=300)
    assert sample.half_delay_ns == 400_000
    assert sample.host_mid_ns == 500_000
    assert sample.box_mid_us == 200


def test_fit_of_nothing_is_none() -> None:
    assert fit_samples([]) is None
