"""Tablet touch latency learned at the buzzer check, against the venue's box.

Theory of operation (docs/game-rules.md, "Tablet latency")
----------------------------------------------------------
During the host's buzzer check a player presses their tablet's buzz button and a box button
together, with one movement, a number of times. Both presses reach the server mapped onto its
clock the way contest presses are (``server.presses``): the box stamps the instant of its press,
the tablet reports its touch some time later (its touch latency, plus whatever the clock sync of
its link cannot see). ``TouchCalibration`` pairs each tablet press with the box press nearest to
it within ``PAIR_WINDOW_US`` — each press is used once — and keeps the difference (tablet minus
box) per player. The median of a player's newest ``KEEP`` differences, once there are
``MIN_SAMPLES``, is the suggested touch latency, rounded to whole ms and held to the range the
host may set (0–60 ms). The host sees the suggestion and sets it (``set_touch_latency``); the
server never applies it by itself, and a device never reports its own latency.

Pure: the caller gives every press time; nothing here reads a clock or sends a message.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

PAIR_WINDOW_US = 150_000  # a tablet press and a box press this close were one movement
KEEP = 30  # differences kept per player, newest last
MIN_SAMPLES = 5  # fewer than this suggest nothing yet
MAX_LATENCY_MS = 60  # the host's set_touch_latency range (game.commands.SetTouchLatency)
UNPAIRED_KEEP = 16  # presses waiting for their partner, per kind


@dataclass
class _Waiting:
    at_us: int
    player_id: str | None  # a tablet's player; None for a box press


@dataclass
class TouchCalibration:
    """The buzzer check's pairs of tablet and box presses, per player."""

    differences: dict[str, deque[float]] = field(default_factory=dict)
    _tablets: deque[_Waiting] = field(default_factory=lambda: deque(maxlen=UNPAIRED_KEEP))
    _boxes: deque[_Waiting] = field(default_factory=lambda: deque(maxlen=UNPAIRED_KEEP))

    def tablet(self, player_id: str, pressed_us: int) -> bool:
        """A player's tablet press (server clock); True when it completed a pair."""
        box = _take_nearest(self._boxes, pressed_us)
        if box is None:
            self._tablets.append(_Waiting(pressed_us, player_id))
            return False
        self._record(player_id, pressed_us - box.at_us)
        return True

    def box(self, pressed_us: int) -> bool:
        """A box press (server clock); True when it completed a pair."""
        tablet = _take_nearest(self._tablets, pressed_us)
        if tablet is None:
            self._boxes.append(_Waiting(pressed_us, None))
            return False
        assert tablet.player_id is not None
        self._record(tablet.player_id, tablet.at_us - pressed_us)
        return True

    def _record(self, player_id: str, difference_us: int) -> None:
        kept = self.differences.setdefault(player_id, deque(maxlen=KEEP))
        kept.append(difference_us / 1000)

    def suggestions(self) -> dict[str, dict[str, Any]]:
        """Per player: samples, their median (ms, may be negative) and, from ``MIN_SAMPLES`` on,
        the suggested touch latency (whole ms, 0–60)."""
        out: dict[str, dict[str, Any]] = {}
        for player_id, kept in self.differences.items():
            median = statistics.median(kept)
            suggested = None
            if len(kept) >= MIN_SAMPLES:
                suggested = min(MAX_LATENCY_MS, max(0, round(median)))
            out[player_id] = {
                "samples": len(kept),
                "median_ms": round(median, 1),
                "suggested_ms": suggested,
            }
        return out

    def clear(self) -> None:
        """Forget everything (the host starts a new check)."""
        self.differences.clear()
        self._tablets.clear()
        self._boxes.clear()


def _take_nearest(waiting: deque[_Waiting], at_us: int) -> _Waiting | None:
    """Remove and return the waiting press nearest to ``at_us`` within ``PAIR_WINDOW_US``."""
    best: _Waiting | None = None
    for press in waiting:
        gap = abs(press.at_us - at_us)
        if gap <= PAIR_WINDOW_US and (best is None or gap < abs(best.at_us - at_us)):
            best = press
    if best is not None:
        waiting.remove(best)
    return best
