"""The clock-sync estimator: NTP arithmetic, lowest-delay choice, bounds and the path."""

from __future__ import annotations

import pytest

from server.clock import (
    MAX_OFFSET_MS,
    MAX_PATH_MS,
    MAX_SPREAD_MS,
    PATH_SLACK_MS,
    UNSYNCED_BOUND_MS,
    ClockEstimator,
)


def exchange(
    est: ClockEstimator,
    *,
    offset: float,
    out: float,
    back: float,
    at: float = 1000.0,
    hold: float = 0.5,
):
    """A ping at server time ``at`` to a client ``offset`` ms ahead; ``out``, ``back``: travel."""
    t0 = at
    t1 = at + out + offset
    t2 = t1 + hold
    t3 = at + out + hold + back
    return est.add(t0, t1, t2, t3)


def test_symmetric_paths_give_the_exact_offset():
    est = ClockEstimator()
    sample = exchange(est, offset=250.0, out=20, back=20)
    assert sample.delay == pytest.approx(40) and est.offset == pytest.approx(250)
    assert est.bound == pytest.approx(20)
    assert est.to_server(10_000 + 250) == pytest.approx(10_000)


def test_the_lowest_delay_sample_wins_and_its_half_delay_bounds_the_error():
    est = ClockEstimator()
    exchange(est, offset=100, out=80, back=10)  # asymmetric and slow: 35 ms off
    exchange(est, offset=100, out=3, back=2)  # fast: at most 2.5 ms off
    exchange(est, offset=100, out=40, back=60)
    assert abs(est.offset - 100) <= est.bound == pytest.approx(2.5)
    assert est.samples == 3
    # half the best round trip + the median's excess over it (90 - 5, capped) + slack
    assert est.allowed_path() == pytest.approx(5 / 2 + MAX_SPREAD_MS + PATH_SLACK_MS)


def test_only_recent_samples_count():
    est = ClockEstimator(window=2)
    exchange(est, offset=0, out=1, back=1)
    exchange(est, offset=50, out=10, back=10)
    exchange(est, offset=50, out=10, back=10)
    assert est.offset == pytest.approx(50)  # the old fast sample has left the window


def test_impossible_samples_are_refused_and_unsynced_defaults_are_wide():
    est = ClockEstimator()
    assert (
        est.add(100, 50, 200, 120) is None
    )  # the client claims to have held it longer than the trip
    assert not est.synced and est.bound == UNSYNCED_BOUND_MS
    assert est.allowed_path() == MAX_PATH_MS and est.offset == 0
    for _ in range(3):
        exchange(est, offset=0, out=5000, back=5000)
    assert est.allowed_path() == MAX_PATH_MS  # capped


@pytest.mark.parametrize(
    ("t0", "t1", "t2", "t3"),
    [
        (1000.0, 5000.0, 4990.0, 1020.0),  # pong sent 10 ms before the ping was received
        (1000.0, float("nan"), 5000.0, 1020.0),
        (1000.0, 5000.0, float("inf"), 1020.0),
        (float("-inf"), 5000.0, 5000.0, 1020.0),
        (1000.0, 5000.0, 5000.0, float("nan")),
        (1000.0, 5000.0, 5001.0, 1000.5),  # held 1 ms, but the round trip was 0.5 ms
        (1000.0, 1e300, 1e300, 1020.0),  # a clock absurdly far from the server's
        (1000.0, -1e300, -1e300, 1020.0),
        (1000.0, 1000.0 + MAX_OFFSET_MS + 1, 1000.0 + MAX_OFFSET_MS + 1, 1000.0),
    ],
)
def test_impossible_pongs_give_no_sample(t0, t1, t2, t3):
    est = ClockEstimator()
    assert est.add(t0, t1, t2, t3) is None
    assert not est.synced and est.samples == 0


def test_clocks_far_from_the_servers_but_plausible_still_sync():
    est = ClockEstimator()
    server = 1_795_600_004_000.0  # epoch ms
    assert est.add(server, 5.0, 5.5, server + 10) is not None  # an agent's uptime clock
    assert est.add(server, server + 3_600_000, server + 3_600_000, server + 8) is not None
    assert est.samples == 2


def test_late_pongs_from_a_minority_do_not_widen_the_allowance():
    """A client that answers one ping in four 1.9 s late (claiming it answered at once) keeps
    the allowance of its honest round trips (issue 14: it used to reach 1.95 s)."""
    honest, cheat = ClockEstimator(), ClockEstimator()
    for n in range(32):
        exchange(honest, offset=0, out=6 + n % 3, back=6)
        exchange(cheat, offset=0, out=6 + n % 3, back=6 + (1900 if n % 4 == 3 else 0))
    assert cheat.allowed_path() <= honest.allowed_path() + 2  # the median moves one sample
    assert cheat.allowed_path() < 30


def test_the_jitter_term_and_the_whole_allowance_are_capped():
    est = ClockEstimator()
    for n in range(16):  # most round trips far slower than the best
        exchange(est, offset=0, out=5 if n == 0 else 400, back=5 if n == 0 else 400)
    assert est.allowed_path() == pytest.approx(5 + MAX_SPREAD_MS + PATH_SLACK_MS)
    slow = ClockEstimator()
    for _ in range(4):
        exchange(slow, offset=0, out=600, back=600)
    assert slow.allowed_path() == MAX_PATH_MS
