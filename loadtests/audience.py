"""The online audience, many at once: one client process holding many watching WebSockets.

Theory of operation
-------------------
``watch(plan, reports, stop)`` is the entry point of one client process. It opens
``plan.clients`` WebSockets to ``plan.url`` (a bounded number of handshakes at a time), sends each
the ``hello`` of the audience role and waits for its first view (the snapshot), then reports
``("ready", worker, connected, failed)``.

Each connection is a plain ``asyncio.Protocol`` around websockets' sans-I/O ``ClientProtocol``:
bytes from the socket go into the protocol, frames come out — no task, future or queue per
connection and per message, so the client side costs as little as a well-made Python client can
and what is measured is the server's fan-out. ``data_received`` stamps ``time.monotonic()`` when
the bytes arrive, and every view frame in them is filed under its ``seq``, read from the start of
the frame (``{"type":"view","seq":57,…``, the compact JSON both the quiz server and the floor
server send) instead of parsing the whole view.

When every live connection of the process has received a ``seq``, the process reports
``("seq", worker, seq, first, median, last, size)``: the earliest, median and latest receipt time
and the message size in bytes. Only those few numbers cross the process boundary.

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

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from loadtests.harness import raise_fd_limit

VIEW_PREFIX = b'{"type":"view","seq":'
HANDSHAKES_AT_ONCE = 50


@dataclass(frozen=True)
class WatchPlan:
    """What one audience client process does."""

    worker: int
    url: str
    hello: str
    clients: int


def view_seq(frame: bytes | bytearray | memoryview) -> int | None:
    """The ``seq`` of a view frame, read from its first bytes; None for other messages."""
    head = bytes(frame[:48])
    if not head.startswith(VIEW_PREFIX):
        return None
    start = len(VIEW_PREFIX)
    return int(head[start : head.index(b",", start)])


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


class Watcher(asyncio.Protocol):
    """One audience connection: handshake, hello, then stamp every view it receives."""

    def __init__(self, url: str, hello: str, tally: Tally) -> None:
        self.ws = ClientProtocol(parse_uri(url), max_size=None)
        self.hello = hello.encode()
        self.tally = tally
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._fail()
                    return
                self.ws.send_text(self.hello)
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                seq = view_seq(event.data)
                if seq is None:
                    continue
                if not self.ready.done():  # the snapshot: this connection is watching now
                    self.counted = True
                    self.tally.live += 1
                    self.ready.set_result(True)
                else:
                    self.tally.received(seq, at, len(event.data))
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.counted = False
            self.tally.lost()
        if not self.ready.done():
            self.ready.set_result(False)

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.ws.data_to_send():
            if chunk:
                self.transport.write(chunk)
            else:  # the protocol wants the connection closed
                self.transport.close()

    def _fail(self) -> None:
        if not self.ready.done():
            self.ready.set_result(False)
        self.abandon()

    def abandon(self) -> None:
        """Close the connection without a closing handshake."""
        if self.transport is not None:
            self.transport.abort()


async def _open(plan: WatchPlan, tally: Tally, gate: asyncio.Semaphore) -> Watcher | None:
    uri = parse_uri(plan.url)
    loop = asyncio.get_running_loop()
    async with gate:
        try:
            _, watcher = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Watcher(plan.url, plan.hello, tally), uri.host, uri.port
                ),
                120,
            )
        except (OSError, TimeoutError):
            return None
        try:
            if await asyncio.wait_for(watcher.ready, 120):
                return watcher
        except TimeoutError:
            pass
        watcher.abandon()
        return None


async def _watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    parent = os.getppid()
    tally = Tally(plan.worker, reports)
    gate = asyncio.Semaphore(HANDSHAKES_AT_ONCE)
    opened = await asyncio.gather(*(_open(plan, tally, gate) for _ in range(plan.clients)))
    watchers = [w for w in opened if w is not None]
    reports.put(("ready", plan.worker, len(watchers), plan.clients - len(watchers)))
    while not stop.is_set() and os.getppid() == parent:
        await asyncio.sleep(0.1)
    for watcher in watchers:
        watcher.abandon()
    with contextlib.suppress(Exception):
        await asyncio.sleep(0.1)


def watch(plan: WatchPlan, reports: Queue[Any], stop: Event) -> None:
    """Entry point of an audience client process (see the module's docstring)."""
    raise_fd_limit()
    asyncio.run(_watch(plan, reports, stop))
