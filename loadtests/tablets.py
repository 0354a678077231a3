"""Team tablets, many at once: one client process holding many player WebSockets.

Theory of operation
-------------------
``play(plan, reports, storm, start_at, stop)`` is the entry point of one client process. It opens
one ``loadtests.wsclient.LeanClient`` per player token in ``plan.tokens`` (a bounded number of
handshakes at a time), sends the player's ``hello``, waits for the welcome and the first view, and
reports ``("ready", worker, connected, failed)``. Like a tablet, every connection answers the
server's clock-sync ``ping`` at once with a ``pong`` (docs/protocol.md §3.5).

The parent starts a storm by setting ``start_at`` to a ``time.monotonic()`` instant and then
raising ``storm`` to the storm's number (1, 2, …). Each player answers the question once, at
``start_at`` plus its own offset drawn uniformly from ``[0, plan.spread)`` seconds (seeded by the
worker and storm numbers, so runs are repeatable): it notes the time, sends
``{"type": "answer", "id": <storm>, …}`` and stamps the arrival of the matching ``ack`` or
``error``. When every player has its reply (or ``plan.timeout`` has passed) the process reports
``("answers", worker, storm, acks, errors, missing, waited, view_bytes)``: for each ack the send →
ack time in seconds and the ``seq`` it carried, the error codes received, how many answers got no
reply, for each tablet how many views reached it while it waited for its ack, and the size of the
largest team view.

Only the first bytes of each frame are looked at: views (the big messages) are skipped unread;
pings, acks and errors are small and decoded.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any

import msgspec

from loadtests.harness import raise_fd_limit
from loadtests.wsclient import LeanClient, open_client

HANDSHAKES_AT_ONCE = 50
PING = b'{"type":"ping"'
REPLIES = (b'{"type":"ack"', b'{"type":"error"')
VIEW = b'{"type":"view"'
Report = tuple[str, int, int, list[tuple[float, int | None]], dict[str, int], int, list[int], int]


@dataclass(frozen=True)
class PlayPlan:
    """What one tablet client process does."""

    worker: int
    url: str
    tokens: tuple[str, ...]
    option: str
    spread: float
    timeout: float


class Tablet(LeanClient):
    """One player's connection: hello, pongs, and one answer per storm with its reply."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url)
        self.token = token
        self.answer_id = 0
        self.sent_at: float | None = None
        self.latency: float | None = None
        self.seq: int | None = None
        self.error: str | None = None
        self.views_waited = 0  # views that arrived between sending the answer and its reply
        self.view_bytes = 0
        self.replied: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_open(self) -> None:
        self.send_text(
            msgspec.json.encode({"type": "hello", "role": "player", "token": self.token})
        )

    def on_text(self, data: bytes, at: float) -> None:
        if data.startswith(VIEW):
            self.ready()  # the first view follows the welcome: this tablet is in the contest
            if self.sent_at is not None and not self.replied.done():
                self.views_waited += 1
            self.view_bytes = max(self.view_bytes, len(data))
        elif data.startswith(PING):
            ping = msgspec.json.decode(data)
            now = time.monotonic() * 1000
            pong = {"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": now, "t2": now}
            self.send_text(msgspec.json.encode(pong))
        elif data.startswith(REPLIES):
            reply = msgspec.json.decode(data)
            if reply.get("id") != self.answer_id or self.sent_at is None or self.replied.done():
                return
            self.latency = at - self.sent_at
            self.seq = reply.get("seq")
            if reply["type"] == "error":
                self.error = str(reply.get("code"))
            self.replied.set_result(None)

    def on_close(self) -> None:
        if not self.replied.done():
            self.replied.set_result(None)

    def answer(self, storm: int, option: str) -> None:
        """Send this storm's answer now."""
        self.answer_id = storm
        self.latency = self.seq = self.error = None
        self.views_waited = 0
        self.replied = asyncio.get_running_loop().create_future()
        message = {"type": "answer", "id": storm, "answer": {"kind": "choice", "option": option}}
        self.sent_at = time.monotonic()
        self.send_text(msgspec.json.encode(message))


async def _answer_at(tablet: Tablet, when: float, storm: int, option: str) -> None:
    await asyncio.sleep(max(0.0, when - time.monotonic()))
    tablet.answer(storm, option)


async def _storm(plan: PlayPlan, tablets: list[Tablet], storm: int, start: float) -> Report:
    draw = random.Random(plan.worker * 1000 + storm)
    await asyncio.gather(
        *(_answer_at(t, start + draw.random() * plan.spread, storm, plan.option) for t in tablets)
    )
    await asyncio.wait([t.replied for t in tablets], timeout=plan.timeout)
    acks = [(t.latency, t.seq) for t in tablets if t.latency is not None and t.error is None]
    errors = Counter(t.error for t in tablets if t.error is not None)
    missing = sum(1 for t in tablets if t.latency is None)
    waited = [t.views_waited for t in tablets]
    view_bytes = max((t.view_bytes for t in tablets), default=0)
    return ("answers", plan.worker, storm, acks, dict(errors), missing, waited, view_bytes)


async def _play(
    plan: PlayPlan,
    reports: Queue[Any],
    storm: Synchronized[int],
    start_at: Synchronized[float],
    stop: Event,
) -> None:
    parent = os.getppid()
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    opened = await asyncio.gather(
        *(
            open_client(functools.partial(Tablet, plan.url, token), plan.url, gate)
            for token in plan.tokens
        )
    )
    tablets = [t for t in opened if t is not None]
    reports.put(("ready", plan.worker, len(tablets), len(plan.tokens) - len(tablets)))
    played = 0
    while not stop.is_set() and os.getppid() == parent:
        if storm.value > played:
            played = storm.value
            reports.put(await _storm(plan, tablets, played, start_at.value))
        await asyncio.sleep(0.01)
    for tablet in tablets:
        tablet.abandon()
    await asyncio.sleep(0.1)  # let the transports close


def play(
    plan: PlayPlan,
    reports: Queue[Any],
    storm: Synchronized[int],
    start_at: Synchronized[float],
    stop: Event,
) -> None:
    """Entry point of a tablet client process (see the module's docstring)."""
    raise_fd_limit()
    asyncio.run(_play(plan, reports, storm, start_at, stop))
