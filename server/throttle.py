"""Throttling failed attempts (wrong join codes, PINs, card checks): at most ``limit`` failures
per ``window`` seconds per key, then ``retry_after`` says how long until the oldest failure
leaves the window.

Only failures count, so a venue full of tablets joining through one address with the right code
is never slowed down; a guesser is.

``FailureThrottle`` keeps keys and their failure times in memory (one process; a restart forgets
them, which only gives a guesser one more window). A key with no failure left in the window is
forgotten, and the number of keys is capped so a flood of addresses cannot grow it without bound.

``SharedThrottle`` is what the server uses: with several processes (``QUIZ_REDIS_URL``,
server/cluster.py) the failures are counted in Redis, so a guesser whose requests a load
balancer spreads over N processes gets the same allowance as against one, not N times it. Each
key is a sorted set of failure times on Redis's own clock (one clock for every process), trimmed
to the last ``limit`` and expiring with the window, so Redis forgets keys by itself. The process
also counts in memory; while Redis cannot be reached it throttles on its own count, so an outage
loosens the throttle to one process's allowance but never lifts it.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

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


# Redis's TIME is the clock (ms), so every process measures alike.
_NOW = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS[1]: the key's sorted set; ARGV: window (ms), limit. Returns ms until the key may try
# again, 0 when it may now.
RETRY_AFTER = (
    _NOW
    + """
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[2]) then return 0 end
local oldest = redis.call('zrange', KEYS[1], 0, 0, 'withscores')
return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[1]) - now)
"""
)

# KEYS[1]: the key's sorted set; ARGV: window (ms), limit, a member unique to this failure.
FAILED = (
    _NOW
    + """
redis.call('zadd', KEYS[1], now, ARGV[3])
redis.call('zremrangebyrank', KEYS[1], 0, -(tonumber(ARGV[2]) + 1))
redis.call('pexpire', KEYS[1], ARGV[1])
return 0
"""
)


class SharedThrottle:
    """Failures per key, counted in Redis when ``redis()`` gives a client (several processes)
    and always in this process's ``FailureThrottle``, which answers alone without Redis."""

    def __init__(
        self,
        name: str,
        limit: int,
        window: float,
        now: Callable[[], float],
        redis: Callable[[], Any] = lambda: None,
    ) -> None:
        self.name = name
        self.local = FailureThrottle(limit, window, now)
        self._redis = redis
        self._window_ms = int(window * 1000)
        self._unreachable = False  # logged once per outage
        self._scripts: dict[str, Any] = {}  # registered once: EVALSHA, like server/cluster.py

    async def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        shared = await self._run(RETRY_AFTER, key)
        return self.local.retry_after(key) if shared is None else shared / 1000

    async def failed(self, key: str) -> None:
        """Count one failure of ``key``."""
        self.local.failed(key)
        await self._run(FAILED, key, secrets.token_hex(8))

    async def _run(self, script: str, key: str, *more: str) -> float | None:
        client = self._redis()
        if client is None:
            return None
        if script not in self._scripts:
            self._scripts[script] = client.register_script(script)
        try:
            answer = await self._scripts[script](
                keys=[f"quiz:throttle:{self.name}:{key}"],
                args=[self._window_ms, self.local.limit, *more],
                client=client,
            )
        except RedisError as error:
            if not self._unreachable:
                log.warning("throttle %s counts in this process only: Redis: %s", self.name, error)
            self._unreachable = True
            return None
        if self._unreachable:
            log.info("throttle %s counts in Redis again", self.name)
        self._unreachable = False
        return float(answer)
