"""Mapping a buzzer box's microsecond clock onto the host's monotonic clock.

Theory of operation
-------------------
A box stamps presses with its own clock: an unsigned 32-bit count of microseconds that wraps every
71.6 minutes and runs up to 0.2 % fast or slow (docs/buzzer-protocol.md, "Clock"). The host wants
each press on its own monotonic clock, in nanoseconds, with an honest error bound.

1. *Unwrap.* ``Unwrapper`` extends each 32-bit reading to the value nearest the latest one seen, so
   a reading a little older than the latest (a press reported after a heartbeat) stays in the past
   and a reading just after the wrap moves forward. It needs a reading at least every 35 minutes;
   heartbeats come every second.
2. *Sample.* A sync ping leaves the host at ``sent`` and its reply arrives at ``received``; the box
   stamped receipt ``t_rx`` and reply ``t_tx``. The box midpoint ``(t_rx + t_tx) / 2`` happened at
   host time ``(sent + received) / 2`` give or take half the round trip less the box's own
   processing time (NTP's argument). That half-delay is the sample's error bound ``h``.
3. *Fit.* Among the recent samples of the current boot, the lowest-delay ones are fitted by least
   squares: ``host = c + s · (box − b0)``
   with the slope ``s`` (nanoseconds per box microsecond, nominally 1000) clamped to the drift the
   protocol allows. Because every sample's error is bounded by its ``h``, the fit's error is
   bounded too: at the centre by the mean ``h``, and the slope by ``Σ|xᵢ|hᵢ / Σxᵢ²``. With one
   sample the slope is nominal and its bound is the full allowed drift. How many of the
   lowest-delay samples take part is chosen to make the bound a second after the newest sample
   smallest.
4. *Estimate.* A box time maps to ``c + s · (box − b0)`` with bound
   ``mean h + |box − b0| · slope bound + resolution``.

A new boot id means a new clock: the caller calls ``reset()`` and collects new samples before it
trusts any estimate. Time is always an argument here; nothing reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from buzzers.bz1 import U32
from buzzers.errors import NotSynchronised

NOMINAL_NS_PER_US = 1000.0
MAX_DRIFT = 0.003  # boxes are specified at ±0.2 %; accept a little more before clamping
RESOLUTION_NS = 4_000  # micros() on a 16 MHz AVR counts in steps of 4 µs
MAX_HALF_DELAY_NS = 25_000_000  # replies slower than a 50 ms round trip are useless
DEFAULT_WINDOW = 128  # samples kept per boot: 32 s at four pings a second
HORIZON_US = 1_000_000  # fits are judged by their bound this far after the newest sample
_CANDIDATE_COUNTS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)


class Unwrapper:
    """Extends 32-bit box readings onto one unbounded timeline."""

    def __init__(self) -> None:
        self._latest: int | None = None

    def reset(self) -> None:
        """The box clock restarted: forget the timeline."""
        self._latest = None

    def unwrap(self, t_us: int) -> int:
        """The unwrapped value of the 32-bit reading ``t_us`` nearest the latest reading."""
        if self._latest is None:
            self._latest = t_us
            return t_us
        diff = (t_us - self._latest) % U32
        if diff >= U32 // 2:
            diff -= U32
        value = self._latest + diff
        self._latest = max(self._latest, value)
        return value


@dataclass(frozen=True, slots=True)
class SyncSample:
    """One answered sync ping, on unwrapped box time."""

    host_sent_ns: int
    host_received_ns: int
    box_rx_us: int
    box_tx_us: int

    @property
    def box_mid_us(self) -> float:
        """The box time halfway between receipt and reply."""
        return (self.box_rx_us + self.box_tx_us) / 2

    @property
    def host_mid_ns(self) -> float:
        """The host time halfway between sending and receiving."""
        return (self.host_sent_ns + self.host_received_ns) / 2

    @property
    def half_delay_ns(self) -> float:
        """Error bound of the sample: half the round trip less the box's processing time."""
        round_trip = self.host_received_ns - self.host_sent_ns
        processing = (self.box_tx_us - self.box_rx_us) * NOMINAL_NS_PER_US
        return max(0.0, (round_trip - processing) / 2)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A box time placed on the host monotonic clock: ``host_ns ± bound_ns``."""

    host_ns: int
    bound_ns: int


@dataclass(frozen=True, slots=True)
class ClockFit:
    """``host = host_center + slope · (box − box_center)`` and what bounds its error."""

    box_center_us: float
    host_center_ns: float
    slope_ns_per_us: float
    center_bound_ns: float
    slope_bound: float  # ns per µs
    samples_used: int

    @property
    def drift(self) -> float:
        """How much faster the host clock runs than the box's (0.001 = 0.1 %)."""
        return self.slope_ns_per_us / NOMINAL_NS_PER_US - 1

    def estimate(self, box_us: int) -> Estimate:
        """Map an unwrapped box time to host time with its error bound."""
        distance = box_us - self.box_center_us
        host = self.host_center_ns + self.slope_ns_per_us * distance
        bound = self.center_bound_ns + abs(distance) * self.slope_bound + RESOLUTION_NS
        return Estimate(round(host), round(bound))


def fit_samples(samples: list[SyncSample]) -> ClockFit | None:
    """Fit the lowest-delay samples (theory of operation, step 3); None without samples.

    The samples are ranked by half-delay; of the fits to the best 1, 2, 3, 4, 6, 8 … n of them,
    the one with the smallest error bound ``HORIZON_US`` after the newest sample wins (presses
    are placed up to that far ahead before the next ping). A single very quick reply therefore
    does not leave the slope unmeasured, and slow replies join only while they help.
    """
    if not samples:
        return None
    ranked = sorted(samples, key=lambda s: s.half_delay_ns)
    ahead = max(s.box_mid_us for s in samples) + HORIZON_US
    best: ClockFit | None = None
    best_bound = 0.0
    for count in sorted({min(c, len(ranked)) for c in _CANDIDATE_COUNTS}):
        fit = _least_squares(ranked[:count])
        bound = fit.center_bound_ns + abs(ahead - fit.box_center_us) * fit.slope_bound
        if best is None or bound < best_bound:
            best, best_bound = fit, bound
    return best


def _least_squares(chosen: list[SyncSample]) -> ClockFit:
    box0 = sum(s.box_mid_us for s in chosen) / len(chosen)
    host0 = sum(s.host_mid_ns for s in chosen) / len(chosen)
    center_bound = sum(s.half_delay_ns for s in chosen) / len(chosen)
    xs = [s.box_mid_us - box0 for s in chosen]
    sxx = sum(x * x for x in xs)
    low, high = NOMINAL_NS_PER_US * (1 - MAX_DRIFT), NOMINAL_NS_PER_US * (1 + MAX_DRIFT)
    if sxx < 1.0:
        slope, slope_bound = NOMINAL_NS_PER_US, NOMINAL_NS_PER_US * MAX_DRIFT
    else:
        sxy = sum(x * (s.host_mid_ns - host0) for x, s in zip(xs, chosen, strict=True))
        slope = min(high, max(low, sxy / sxx))
        worst = sum(abs(x) * s.half_delay_ns for x, s in zip(xs, chosen, strict=True)) / sxx
        slope_bound = min(high - low, worst)
    return ClockFit(box0, host0, slope, center_bound, slope_bound, len(chosen))


class BoxClock:
    """The clock of one box: unwrapping, sync samples of the current boot, and the fit."""

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self._unwrapper = Unwrapper()
        self._samples: deque[SyncSample] = deque(maxlen=window)
        self._fit: ClockFit | None = None

    def reset(self) -> None:
        """The box rebooted: its clock restarted, every sample and the fit are void."""
        self._unwrapper.reset()
        self._samples.clear()
        self._fit = None

    @property
    def sample_count(self) -> int:
        """Samples of the current boot in the window."""
        return len(self._samples)

    @property
    def fit(self) -> ClockFit | None:
        """The current fit, or None before the first sample."""
        return self._fit

    def unwrap(self, t_us: int) -> int:
        """Unwrap a 32-bit box reading (every reading should pass here, heartbeats too)."""
        return self._unwrapper.unwrap(t_us)

    def add_sample(self, sent_ns: int, received_ns: int, t_rx_us: int, t_tx_us: int) -> bool:
        """Record an answered sync ping; False if it was too slow or inconsistent to use."""
        rx = self.unwrap(t_rx_us)
        tx = self.unwrap(t_tx_us)
        sample = SyncSample(sent_ns, received_ns, rx, tx)
        if received_ns < sent_ns or tx < rx or sample.half_delay_ns > MAX_HALF_DELAY_NS:
            return False
        self._samples.append(sample)
        self._fit = fit_samples(list(self._samples))
        return True

    def estimate(self, t_us: int) -> Estimate:
        """Host time of the 32-bit box reading ``t_us``.

        Raises:
            NotSynchronised: no sample since the last reset.
        """
        if self._fit is None:
            raise NotSynchronised("no sync sample since the box clock started")
        return self._fit.estimate(self.unwrap(t_us))
