"""The online audience, many at once: one client process holding many watching WebSockets.

Theory of operation
-------------------
``watch(plan, reports, stop)`` is the entry point of one client process. It opens
``plan.clients`` WebSockets to ``plan.url`` (a bounded number of handshakes at a time), sends each
the ``hello`` of the audience role and waits for its first view (the snapshot), then reports
``("ready", worker, connected, failed)``. From then on every view a connection receives is stamped
with ``time.monotonic()`` the moment the client's receive loop gets it, and filed under the view's
``seq``. When every live connection of the process has received a ``seq``, the process reports
``("seq", worker, seq, first, median, last, size)``: the earliest, median and latest receipt time
and the message size in bytes. Only those few numbers cross the process boundary, so the parent
sees the latest receipt over every connection without copying every stamp.

The ``seq`` is read from the start of the frame (``{"type":"view","seq":57,…``, the compact JSON
both the quiz server and the floor server send) instead of parsing the whole view, so the client
side spends as little as possible per message: what is measured is the server's fan-out.

The process stops when ``stop`` is set, or by itself when its parent is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from loadtests.harness import raise_fd_limit

VIEW_PREFIX = '{"type":"view","seq":'
HANDSHAKES_AT_ONCE = 50


@dataclass(frozen=True)
class WatchPlan:
    """What one audience client process does."""

    worker: int
    url: str
    hello: str
    clients: int


def view_seq(raw: str) -> int | None:
    """The ``seq`` of a view frame, read from its first bytes; None for other messages."""
    if not raw.startswith(VIEW_PREFIX):
        return None
    start = len(VIEW_PREFIX)
    end = raw.index(",", start)
    return int(raw[start:end])


class Tally:
    """Receipt times per ``seq`` over this process's live connections."""

    def __init__(self, worker: int, reports: Queue[Any]) -> None:
        self.worker = worker
        self.reports = reports
        self.live = 0
        self.times: dict[int, list[float]] = {}
        self.sizes: dict[int, int] = {}

    def received(self, seq: int, at: float, raw: str) -> None:
        """File one receipt; report the ``seq`` once every live connection has it."""
        stamps = self.times.setdefault(seq, [])
        if not stamps:
            self.sizes[seq] = len(raw.encode())
        stamps.append(at)
        if len(stamps) >= self.live:
            self._report(seq)

    def lost(self) -> None:
        """A connection closed: seqs waiting only for it are complete now."""
        self.live -= 1
        for seq in [s for s, stamps in self.times.items() if len(stamps) >= self.live]:
            self._report(seq)

    def _report(self, seq: int) -> None:
        stamps = self.times.pop(seq)
        size = self.sizes.pop(seq)
        self.reports.put(
            ("seq", self.worker, seq, min(stamps), statistics.median(stamps), max(stamps), size)
        )


async def _watcher(
    plan: WatchPlan, tally: Tally, gate: asyncio.Semaphore, ready: asyncio.Queue[bool]
) -> None:
    ws: ClientConnection | None = None
    try:
        async with gate:
            ws = await connect(
                plan.url, compression=None, max_size=None, proxy=None, open_timeout=120
            )
            await ws.send(plan.hello)
            while view_seq(str(await ws.recv())) is None:  # the welcome, then the snapshot
                pass
    except Exception:
        await ready.put(False)
        if ws is not None:
            await ws.close()
        return
    tally.live += 1
    await ready.put(True)
    try:
        async for raw in ws:
            at = time.monotonic()
            text = str(raw)
            seq = view_seq(text)
            if seq is not None:
                tally.received(seq, at, text)
    except Exception:
        pass
    finally:
        tally.lost()


async def _watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    parent = os.getppid()
    tally = Tally(plan.worker, reports)
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    ready: asyncio.Queue[bool] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(_watcher(plan, tally, gate, ready)) for _ in range(plan.clients)]
    outcomes = [await ready.get() for _ in range(plan.clients)]
    reports.put(("ready", plan.worker, outcomes.count(True), outcomes.count(False)))
    while not stop.is_set() and os.getppid() == parent:
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)


def watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    """Entry point of an audience client process (see the module's docstring)."""
    raise_fd_limit()
    asyncio.run(_watch(plan, reports, stop))
