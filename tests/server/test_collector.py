"""The collector policy: freeze after a burst of connections settles, thaw after many left."""

from __future__ import annotations

import gc

from server.collector import CollectorPolicy, apply


def test_a_burst_of_connections_is_frozen_once_it_has_settled():
    policy = CollectorPolicy(burst=100, settle=1.0)
    assert policy.tick(0.0, 50) is None
    assert policy.tick(0.5, 400) is None  # still arriving
    assert policy.tick(1.0, 800) is None
    assert policy.tick(1.5, 800) is None  # settling
    assert policy.tick(2.1, 800) == "freeze"
    assert policy.tick(5.0, 800) is None  # nothing new since


def test_a_few_arrivals_do_not_freeze():
    policy = CollectorPolicy(burst=100, settle=1.0)
    policy.tick(0.0, 30)
    assert policy.tick(10.0, 30) is None


def test_when_half_of_the_frozen_connections_left_the_policy_thaws_once():
    policy = CollectorPolicy(burst=100, settle=1.0)
    policy.tick(0.0, 2000)
    assert policy.tick(2.0, 2000) == "freeze"
    assert policy.tick(3.0, 1500) is None
    assert policy.tick(4.5, 1500) is None  # 500 left: not half of 2000
    assert policy.tick(5.0, 900) is None  # 1100 left, but they are still leaving
    assert policy.tick(6.5, 900) == "thaw"
    assert policy.tick(9.0, 900) is None


def test_thawing_collects_cycles_the_departed_left_behind():
    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.collect()
    gc.disable()  # no automatic collection may reclaim the cycles before the freeze
    try:
        for _ in range(1000):
            Node()  # a reference cycle: only the collector reclaims it
        apply("freeze")
        frozen = gc.get_freeze_count()
        assert frozen >= 1000
        apply("thaw")
        assert gc.get_freeze_count() <= frozen - 1000
    finally:
        gc.enable()
        gc.unfreeze()
