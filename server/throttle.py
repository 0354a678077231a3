"""Throttling failed attempts (wrong join codes): at most ``limit`` failures per ``window``
seconds per key, then ``retry_after`` says how long until the oldest failure leaves the window.

Only failures count, so a venue full of tablets joining through one address with the right code
is never slowed down; a guesser is. Keys and their failure times live in memory (one process; a
restart forgets them, which only gives a guesser one more window). A key with no failure left in
the window is forgotten, and the number of keys is capped so a flood of addresses cannot grow it
without bound.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable

MAX_KEYS = 100_000


class FailureThrottle:
    """Failures per key in a sliding window; ``now`` is a monotonic clock in seconds."""

    def __init__(self, limit: int, window: float, now: Callable[[], float]) -> None:
        self.limit = limit
        self.window = window
        self._now = now
        self._failures: OrderedDict[Hashable, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._failures)

    def retry_after(self, key: Hashable) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        failures = self._recent(key)
        if failures is None or len(failures) < self.limit:
            return 0.0
        return failures[0] + self.window - self._now()

    def failed(self, key: Hashable) -> None:
        """Count one failure of ``key``."""
        failures = self._recent(key)
        if failures is None:
            failures = self._failures[key] = deque(maxlen=self.limit)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)
        failures.append(self._now())
        self._failures.move_to_end(key)

    def _recent(self, key: Hashable) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        horizon = self._now() - self.window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures
