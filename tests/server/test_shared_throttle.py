"""The throttle of wrong codes and PINs, shared by several processes through Redis
(server/throttle.py): one allowance for the whole cluster, kept small in Redis, and still a
throttle while Redis is away. Real Redis (QUIZ_TEST_REDIS_URL)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

import pytest
import redis.asyncio as aioredis

from server.throttle import SharedThrottle
from tests.server.test_cluster import redis_url  # noqa: F401 - a fixture


def _pair(client: aioredis.Redis, limit: int = 3, window: float = 60.0) -> list[SharedThrottle]:
    """Two processes' throttles of one name (a fresh one, so runs never meet)."""
    name = f"test-{secrets.token_hex(4)}"
    return [SharedThrottle(name, limit, window, time.monotonic, lambda: client) for _ in range(2)]


def test_failures_on_two_processes_count_against_one_allowance(redis_url):  # noqa: F811
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        try:
            first, second = _pair(client)
            await first.failed("guesser")
            await second.failed("guesser")
            assert await first.retry_after("guesser") == 0  # two of three
            await first.failed("guesser")
            for process in (first, second):  # the third, on either process, blocks both
                wait = await process.retry_after("guesser")
                assert 0 < wait <= 60
            assert await second.retry_after("someone else") == 0
            assert second.local.retry_after("guesser") == 0  # the second process alone: 1 of 3
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_redis_keeps_only_the_last_failures_and_forgets_them_with_the_window(redis_url):  # noqa: F811
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        try:
            first, _ = _pair(client, limit=3, window=30.0)
            for _ in range(10):
                await first.failed("flood")
            key = f"quiz:throttle:{first.name}:flood"
            assert await client.zcard(key) == 3
            assert 0 < await client.pttl(key) <= 30_000
        finally:
            await client.aclose()

    asyncio.run(scenario())


def test_without_redis_each_process_still_throttles_and_says_so_once(caplog):
    async def scenario() -> None:
        gone = aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
        try:
            (alone, _) = _pair(gone)
            with caplog.at_level(logging.WARNING, logger="server.throttle"):
                for _ in range(3):
                    assert await alone.retry_after("guesser") == 0
                    await alone.failed("guesser")
                assert await alone.retry_after("guesser") > 0
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1 and "this process only" in warnings[0].getMessage()
        finally:
            await gone.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize("limit", [1, 5])
def test_one_process_without_a_cluster_counts_in_memory(limit):
    async def scenario() -> None:
        throttle = SharedThrottle("alone", limit, 60.0, time.monotonic)
        for _ in range(limit):
            assert await throttle.retry_after("guesser") == 0
            await throttle.failed("guesser")
        assert 0 < await throttle.retry_after("guesser") <= 60

    asyncio.run(scenario())
