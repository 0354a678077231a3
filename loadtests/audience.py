"""The online audience, many at once: one client process holding many watching WebSockets.

Theory of operation
-------------------
``watch(plan, reports, stop)`` is the entry point of one client process. It opens
``plan.clients`` WebSockets to ``plan.url`` (a bounded number of handshakes at a time), sends each
the ``hello`` of the audience role and waits for its first view (the snapshot), then reports
``("ready", worker, connected, failed)``.

Each connection is a ``loadtests.wsclient.LeanClient`` (websockets' sans-I/O protocol driven by
asyncio callbacks, no task or future per message), so the client side costs as little as a
well-made Python client can and what is measured is the server's fan-out. A view is stamped with
the ``time.monotonic()`` at which its bytes reached the process and filed under its ``seq``,
read from the start of the frame (``{"type":"view","seq":57,…``, the compact JSON both the quiz
server and the floor server send) instead of parsing the whole view.

When every live connection of the process has received a ``seq``, the process reports
``("seq", worker, seq, first, median, last, size)``: the earliest, median and latest receipt time
and the message size in bytes. Only those few numbers cross the process boundary.

The process stops when ``stop`` is set, or by itself when its parent is gone.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import statistics
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

from loadtests.harness import raise_fd_limit
from loadtests.wsclient import LeanClient, open_client

VIEW_PREFIX = b'{"type":"view","seq":'
HANDSHAKES_AT_ONCE = 50


@dataclass(frozen=True)
class WatchPlan:
    """What one audience client process does."""

    worker: int
    url: str
    hello: str
    clients: int
    cafile: str | None = None  # a wss:// URL's certificate (nginx's self-signed one)


def view_seq(frame: bytes) -> int | None:
    """The ``seq`` of a view frame, read from its first bytes; None for other messages."""
    if not frame.startswith(VIEW_PREFIX):
        return None
    start = len(VIEW_PREFIX)
    return int(frame[start : frame.index(b",", start)])


class Tally:
    """Receipt times per ``seq`` over this process's live connections."""

    def __init__(self, worker: int, reports: Queue[Any]) -> None:
        self.worker = worker
        self.reports = reports
        self.live = 0
        self.times: dict[int, list[float]] = {}
        self.sizes: dict[int, int] = {}

    def received(self, seq: int, at: float, size: int) -> None:
        """File one receipt; report the ``seq`` once every live connection has it."""
        stamps = self.times.setdefault(seq, [])
        if not stamps:
            self.sizes[seq] = size
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


class Watcher(LeanClient):
    """One audience connection: hello, then stamp every view it receives."""

    def __init__(self, url: str, hello: str, tally: Tally) -> None:
        super().__init__(url)
        self.hello = hello
        self.tally = tally
        self.counted = False

    def on_open(self) -> None:
        self.send_text(self.hello)

    def on_text(self, data: bytes, at: float) -> None:
        seq = view_seq(data)
        if seq is None:
            return
        if not self.counted:  # the snapshot: this connection is watching now
            self.counted = True
            self.tally.live += 1
            self.ready()
        else:
            self.tally.received(seq, at, len(data))

    def on_close(self) -> None:
        if self.counted:
            self.counted = False
            self.tally.lost()


async def _watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    parent = os.getppid()
    tally = Tally(plan.worker, reports)
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    tls = ssl.create_default_context(cafile=plan.cafile) if plan.cafile else None
    opened = await asyncio.gather(
        *(
            open_client(lambda: Watcher(plan.url, plan.hello, tally), plan.url, gate, tls=tls)
            for _ in range(plan.clients)
        )
    )
    watchers = [w for w in opened if w is not None]
    reports.put(("ready", plan.worker, len(watchers), plan.clients - len(watchers)))
    while not stop.is_set() and os.getppid() == parent:
        await asyncio.sleep(0.1)
    for watcher in watchers:
        watcher.abandon()
    await asyncio.sleep(0.1)  # let the transports close


def watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    """Entry point of an audience client process (see the module's docstring)."""
    raise_fd_limit()
    asyncio.run(_watch(plan, reports, stop))
