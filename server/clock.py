"""Clock sync: a pure estimator of a client's clock offset, and the server's contest clock.

Theory of operation (docs/protocol.md §3.5)
-------------------------------------------
The server pings a client with its time ``t0``; the client answers with its own readings ``t1``
(ping received) and ``t2`` (pong sent); the server notes ``t3`` (pong received). NTP's formulas
give the round-trip delay ``δ = (t3 − t0) − (t2 − t1)`` and the offset
``θ = ((t1 − t0) + (t2 − t3)) / 2`` (client minus server). The true offset lies within ``δ / 2`` of
``θ``, so the sample with the lowest delay among the recent ones is the most trustworthy: its
offset is the estimate and half its delay the error bound.

The anti-cheat clamp (docs/game-rules.md, "Anti-cheat clamp") needs how long a press may
plausibly take from the client to the server: ``allowed_path``. A press's one-way trip is about
half the best round trip, plus the link's jitter since that sample. So the allowance is half the
best recent round trip, plus the *typical* jitter — the median recent round trip above the best,
at most ``MAX_SPREAD_MS`` — plus ``PATH_SLACK_MS``, at most ``MAX_PATH_MS``. The median ignores a
minority of slow pongs, so a client that answers some pings late (to widen its allowance) gains
nothing. The round trip is the server's own measurement (``t3 − t0``) less the hold the client
claims, so the only way to widen the allowance is to really answer late: a client that holds
*every* pong looks like a slow link, its allowance grows by half the added delay, and
``MAX_PATH_MS`` bounds what it can gain.

``ClockEstimator`` only does arithmetic on the numbers it is given (milliseconds); the server
feeds it from the WebSocket. ``ContestClock`` is the server's time source: wall-clock based so that
deadlines survive a restart, but advancing with the monotonic clock while the process runs.
"""

from __future__ import annotations

import math
import time
from collections import deque

import msgspec

MAX_PATH_MS = 250.0
"""The most any press may claim to have travelled (a cheater holding every pong gains at most
this)."""
PATH_SLACK_MS = 10.0
"""Added to every allowance: the tablet's or box's own time to send a press."""
MAX_SPREAD_MS = 60.0
"""The most the jitter term of an allowance may add."""
UNSYNCED_BOUND_MS = 500.0
# A client clock reading, in ms, lies within this of the server's (about 317 years): wide enough
# for an epoch clock on the wrong date or a device's uptime clock, never wider.
MAX_OFFSET_MS = 1e13


class ClockSample(msgspec.Struct, frozen=True, gc=False):
    """One ping/pong exchange, in milliseconds.

    ``gc=False``: thousands of tablets keep 16 samples each; holding only floats, they cannot
    form cycles, so the garbage collector need not scan them.
    """

    offset: float
    delay: float


class ClockEstimator:
    """Offset and error bound of one client's clock from its recent lowest-delay samples."""

    def __init__(self, window: int = 16) -> None:
        self._samples: deque[ClockSample] = deque(maxlen=window)

    def add(self, t0: float, t1: float, t2: float, t3: float) -> ClockSample | None:
        """Record a ping/pong exchange; returns the sample, or ``None`` when it is impossible.

        Impossible (the client's numbers cannot be true, so they are not evidence): a reading
        that is not a finite number; a pong sent before its ping arrived (``t2 < t1``); an
        answer before the question (``t3 < t0``); a negative round trip (the client claims to
        have held the ping longer than the whole exchange took); a client clock more than
        ``MAX_OFFSET_MS`` from the server's.
        """
        if not all(math.isfinite(t) for t in (t0, t1, t2, t3)):
            return None
        delay = (t3 - t0) - (t2 - t1)
        if t2 < t1 or t3 < t0 or delay < 0:
            return None
        if abs(t1 - t0) > MAX_OFFSET_MS or abs(t2 - t3) > MAX_OFFSET_MS:
            return None
        sample = ClockSample(offset=((t1 - t0) + (t2 - t3)) / 2, delay=delay)
        self._samples.append(sample)
        return sample

    @property
    def samples(self) -> int:
        """How many samples the estimate rests on."""
        return len(self._samples)

    @property
    def synced(self) -> bool:
        """Whether there is at least one sample."""
        return bool(self._samples)

    def best(self) -> ClockSample | None:
        """The lowest-delay recent sample."""
        return min(self._samples, key=lambda s: s.delay, default=None)

    @property
    def offset(self) -> float:
        """Client clock minus server clock, in ms (0 before the first sample)."""
        best = self.best()
        return best.offset if best else 0.0

    @property
    def bound(self) -> float:
        """Error bound of ``offset`` in ms: half the best sample's round trip."""
        best = self.best()
        return best.delay / 2 if best else UNSYNCED_BOUND_MS

    def allowed_path(self) -> float:
        """How long a press from this client may plausibly take to arrive, in ms (the anti-cheat
        clamp of docs/game-rules.md): half the best recent round trip, plus the median recent
        round trip's excess over the best (at most ``MAX_SPREAD_MS``), plus ``PATH_SLACK_MS``;
        at most ``MAX_PATH_MS``, which is also the allowance before the first sample."""
        if not self._samples:
            return MAX_PATH_MS
        best, median = self.round_trips()
        spread = min(median - best, MAX_SPREAD_MS)
        return min(MAX_PATH_MS, best / 2 + spread + PATH_SLACK_MS)

    def round_trips(self) -> tuple[float, float]:
        """The best and the median recent round trip, in ms (the inputs of ``bound`` and
        ``allowed_path``); ``(0, 0)`` before the first sample."""
        if not self._samples:
            return 0.0, 0.0
        delays = sorted(s.delay for s in self._samples)
        return delays[0], delays[len(delays) // 2]

    def to_server(self, client_time: float) -> float:
        """A reading of the client's clock, in server time (ms)."""
        return client_time - self.offset


class ContestClock:
    """Server time in microseconds: wall-clock based, monotonic while the process runs."""

    def __init__(self) -> None:
        self._wall_base = time.time_ns() // 1000
        self._mono_base = time.monotonic_ns() // 1000

    def now_us(self) -> int:
        """The current server time, in µs."""
        return self._wall_base + time.monotonic_ns() // 1000 - self._mono_base

    def now_ms(self) -> float:
        """The current server time, in ms."""
        return self.now_us() / 1000

    def loop_delay(self, due_us: int) -> float:
        """Seconds from now until ``due_us``, for scheduling on the event loop (never negative)."""
        return max(0.0, (due_us - self.now_us()) / 1_000_000)
