"""Keeping the garbage collector's full passes short while thousands of clients are connected.

Theory of operation (docs/performance.md)
-----------------------------------------
Every WebSocket keeps about 150 container objects alive for as long as it is open (the protocol
object, its buffers and events, the ASGI task and its coroutine frames). CPython's full
(generation 2) collection walks every one of them each time: with a few thousand connections,
a pause of 100–400 ms, every few seconds under load — exactly when a storm of answers arrives.

The policy: once a burst of new connections has settled (``SETTLE`` seconds without another),
``gc.freeze()`` moves everything alive into the permanent generation, which collections skip.
Freezing costs nothing (the lists are spliced) and nothing alive is lost; the price is that
reference cycles among frozen objects are not reclaimed while they stay frozen. So when many of
the frozen-in connections have gone again (half of them, at least ``BURST``), the policy thaws
once — ``gc.unfreeze()``, one full collection, ``gc.freeze()`` — at a quiet moment as well.

``CollectorPolicy`` is pure bookkeeping over (time, number of connections); ``tick`` returns
what to do and ``apply`` does it, so the decisions are tested without touching the collector.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Sized
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

BURST = 100  # connections that arrive (or leave) before the policy acts
SETTLE = 0.25  # seconds without a new connection before freezing

Action = Literal["freeze", "thaw"] | None


@dataclass
class CollectorPolicy:
    """When to freeze the live objects, and when to collect what the departed left behind."""

    burst: int = BURST
    settle: float = SETTLE
    frozen_for: int = 0  # connections alive at the last freeze
    left_since: int = 0  # connections closed since the last freeze
    arrived_since: int = 0  # connections opened since the last freeze
    last_change: float = 0.0
    _previous: int = 0

    def tick(self, now: float, connections: int) -> Action:
        """Note the number of connections now; the action due, if any."""
        if connections > self._previous:
            self.arrived_since += connections - self._previous
            self.last_change = now
        elif connections < self._previous:
            self.left_since += self._previous - connections
            self.last_change = now
        self._previous = connections
        if now - self.last_change < self.settle:
            return None
        if self.left_since >= max(self.burst, self.frozen_for // 2):
            self._reset(connections)
            return "thaw"
        if self.arrived_since >= self.burst:
            self._reset(connections)
            return "freeze"
        return None

    def _reset(self, connections: int) -> None:
        self.frozen_for = connections
        self.left_since = self.arrived_since = 0


def apply(action: Action) -> None:
    """Carry out an action of the policy."""
    # Not gc.get_freeze_count() in the log lines: it walks every frozen object, as long as a
    # full collection (20 ms with a thousand connections), which is what freezing avoids.
    if action == "freeze":
        gc.freeze()
        log.info("collector: live objects frozen")
    elif action == "thaw":
        started = time.perf_counter()
        gc.unfreeze()
        collected = gc.collect()
        gc.freeze()
        log.info(
            "collector: thawed, %d objects collected in %.0f ms",
            collected,
            (time.perf_counter() - started) * 1000,
        )


async def housekeeper(connections: Sized, interval: float = 0.25) -> None:
    """Run the policy over ``connections`` forever (a lifespan task)."""
    policy = CollectorPolicy()
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        apply(policy.tick(loop.time(), len(connections)))
