"""Audience fan-out benchmark: how long until the LAST of N audience screens shows a change.

Run with ``make bench`` (or ``python -m loadtests.bench_fanout --clients 1000 5000``). For each
audience size N it measures two servers on this machine with the same clients:

1. ``quiz serve`` in a subprocess (SQLite in a temporary folder) with a running contest — three
   city teams, an all-play round, a question in three languages on the screen — and N audience
   WebSockets spread over a few client processes (``loadtests.audience``);
2. the floor: ``loadtests.floor_server``, a minimal ``websockets.broadcast()`` server, with the
   same N clients and view messages of the same size.

What is measured, per change: the parent sends a host command (``adjust_score`` on the quiz
server, a bare ``command`` on the floor) and notes ``time.monotonic()`` just before the send.
Every audience connection stamps the moment its receive loop gets the view carrying the change's
``seq``. The figures are, over ``--changes`` changes sent one after another (the next one once
every client has the previous one, after a short pause), the p50 and p99 of

- **to last**: send → receipt by the last of the N clients (the goal: at most 1.3× the floor);
- **to first**: send → receipt by the first client (the commit and projection alone);
- **ack**: send → the host receiving its ack.

The quiz server's "to last" includes parsing the command, the engine's decision, the SQLite commit
(persist, then publish), projecting and encoding the audience view once, and queueing and sending
it N times; the floor's includes only encoding once and ``broadcast()``.

Memory per connection: the server's ``VmRSS`` (``/proc/PID/status``) after the clients have
connected and a few warm-up changes went out, minus ``VmRSS`` before they connected, divided by N
(the goal: at most 25 KiB).

The clients run on the same machine as the server (2 cores on the recording machine): client
processes and the server compete for the CPU, and the client side's own receive cost is inside
every figure, for the floor as for the quiz server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import queue
import subprocess
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from typing import Any

import httpx
import msgspec

from loadtests.audience import WatchPlan, watch
from loadtests.harness import (
    Contest,
    HostConsole,
    QuizServer,
    die_with_parent,
    free_port,
    machine,
    percentile,
    raise_fd_limit,
    rss_kib,
    summary_ms,
)
from server.demo_questions import STORK

WARM_UP = 5
GOAL_RATIO = 1.3
GOAL_KIB = 25.0


@dataclass
class Run:
    """The figures of one server at one audience size."""

    server: str
    clients: int
    connected: int = 0
    failed: int = 0
    connect_s: float = 0.0
    to_last: list[float] = field(default_factory=list)
    to_first: list[float] = field(default_factory=list)
    to_ack: list[float] = field(default_factory=list)
    incomplete: int = 0
    size: int = 0
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    host_drops: int = 0

    @property
    def kib_per_connection(self) -> float:
        """Server memory per audience connection."""
        return (self.rss_after_kib - self.rss_before_kib) / max(1, self.connected)

    def print(self) -> None:
        """Print this run's figures."""
        print(
            f"  {self.server:<6} {self.connected}/{self.clients} connected in "
            f"{self.connect_s:.1f} s ({self.failed} failed), view {self.size} bytes, "
            f"{len(self.to_last)} changes ({self.incomplete} incomplete)"
        )
        print(f"    to last : {summary_ms(self.to_last)}")
        print(f"    to first: {summary_ms(self.to_first)}")
        print(f"    ack     : {summary_ms(self.to_ack)}")
        print(
            f"    memory  : VmRSS {self.rss_before_kib / 1024:.1f} -> "
            f"{self.rss_after_kib / 1024:.1f} MiB = {self.kib_per_connection:.1f} KiB/connection"
        )
        if self.host_drops:
            print(f"    the host console was dropped {self.host_drops} time(s) and reconnected")


class Crowd:
    """The audience client processes and their reports."""

    def __init__(
        self,
        url: str,
        hello: dict[str, Any],
        clients: int,
        processes: int,
        cafile: str | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.reports: multiprocessing.Queue[Any] = context.Queue()
        self.stop = context.Event()
        shares = [clients // processes + (i < clients % processes) for i in range(processes)]
        text = json.dumps(hello)
        self.processes: list[SpawnProcess] = [
            context.Process(
                target=watch,
                args=(WatchPlan(i, url, text, share, cafile), self.reports, self.stop),
                daemon=True,
                name=f"audience-{i}",
            )
            for i, share in enumerate(shares)
            if share
        ]
        self.seqs: dict[int, list[tuple[float, float, float, int]]] = {}
        self.arrived = asyncio.Event()
        self._collector: asyncio.Task[None] | None = None

    async def start(self, timeout: float) -> tuple[int, int]:
        """Start the processes and wait until every connection is open; (connected, failed)."""
        for process in self.processes:
            process.start()
        connected = failed = 0
        deadline = time.monotonic() + timeout
        for _ in self.processes:
            report = await self._next(deadline - time.monotonic())
            if report is None:
                raise RuntimeError("the audience did not connect in time")
            _, _, ok, bad = report
            connected, failed = connected + ok, failed + bad
        self._collector = asyncio.get_running_loop().create_task(
            self._collect(), name="crowd-reports"
        )
        return connected, failed

    async def _next(self, timeout: float) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.reports.get, True, max(0.0, timeout))
        except queue.Empty:
            return None

    async def _collect(self) -> None:
        while True:
            report = await self._next(0.5)
            if report is not None and report[0] == "seq":
                _, _, seq, first, _median, last, size = report
                self.seqs.setdefault(seq, []).append((first, _median, last, size))
                self.arrived.set()

    async def received(self, seq: int, timeout: float) -> list[tuple[float, float, float, int]]:
        """Wait until every process has reported ``seq``; what they reported (maybe partial)."""
        deadline = time.monotonic() + timeout
        while len(self.seqs.get(seq, [])) < len(self.processes):
            self.arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)
        return self.seqs.pop(seq, [])

    def close(self) -> None:
        """Stop the client processes."""
        if self._collector is not None:
            self._collector.cancel()
        self.stop.set()
        for process in self.processes:
            process.join(60)
            if process.is_alive():
                process.terminate()
                process.join(10)


async def measure(
    run: Run,
    ws_url: str,
    host: HostConsole,
    pid: int,
    command: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    """Connect the audience, warm up, then time ``args.changes`` changes."""
    crowd = Crowd(ws_url, {"type": "hello", "role": "audience"}, run.clients, args.processes)
    run.rss_before_kib = rss_kib(pid)
    started = time.monotonic()
    try:
        run.connected, run.failed = await crowd.start(timeout=600)
        run.connect_s = time.monotonic() - started
        for number in range(WARM_UP + args.changes):
            sent = time.monotonic()
            future = await host.send(command)
            reply = await asyncio.wait_for(future, 60)
            acked = time.monotonic()
            if reply["type"] != "ack":
                raise RuntimeError(f"the server refused the change: {reply}")
            reports = await crowd.received(int(reply["seq"]), timeout=60)
            if number == WARM_UP - 1:
                run.rss_after_kib = rss_kib(pid)
            # Every change, warm-up included, follows the previous one after the same pause:
            # changes closer together than QUIZ_VIEW_INTERVAL are merged into one view.
            await asyncio.sleep(args.pause)
            if number < WARM_UP:
                continue
            if len(reports) < len(crowd.processes):
                run.incomplete += 1
                continue
            run.to_last.append(max(r[2] for r in reports) - sent)
            run.to_first.append(min(r[0] for r in reports) - sent)
            run.to_ack.append(acked - sent)
            run.size = reports[0][3]
    finally:
        crowd.close()


def run_quiz(clients: int, args: argparse.Namespace) -> Run:
    """The audience fan-out of ``quiz serve``."""
    run = Run("quiz", clients)
    with QuizServer() as server, httpx.Client(base_url=server.base, trust_env=False) as http:
        contest = Contest.create(http, "Fan-out benchmark")
        teams = [contest.add_team(name) for name in ("Jelgava", "Liepāja", "Šiauliai")]
        contest.add_round({"kind": "all_play", "time_limit_s": 3600}, [msgspec.to_builtins(STORK)])

        async def drive() -> None:
            async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
                for step in ("start_contest", "start_round", "show_question"):
                    await host.command({"type": step})
                delta = {"type": "adjust_score", "team_id": teams[0], "delta": 1}
                await measure(
                    run,
                    f"{server.ws}/ws/{contest.id}",
                    host,
                    server.pid,
                    {**delta, "reason": "fan-out benchmark"},
                    args,
                )
                run.host_drops = host.drops

        asyncio.run(drive())
    return run


def run_floor(clients: int, size: int, args: argparse.Namespace) -> Run:
    """The audience fan-out of the ``websockets.broadcast()`` floor server."""
    run = Run("floor", clients)
    port = free_port()
    floor = subprocess.Popen(
        [
            *(sys.executable, "-m", "loadtests.floor_server"),
            *("--port", str(port), "--size", str(size), "--lifetime", "1800"),
        ],
        preexec_fn=die_with_parent,
    )
    try:
        url = f"ws://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while True:
            try:
                with httpx.Client(trust_env=False) as probe:
                    probe.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the floor server did not start") from None
                time.sleep(0.1)

        async def drive() -> None:
            async with HostConsole(url, "") as host:
                await measure(run, url, host, floor.pid, {"type": "change"}, args)

        asyncio.run(drive())
    finally:
        floor.terminate()
        floor.wait(15)
    return run


def main() -> None:
    """Run the benchmark for each audience size and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--changes", type=int, default=50, help="measured changes per run")
    parser.add_argument("--processes", type=int, default=2, help="audience client processes")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between changes")
    args = parser.parse_args()
    limit = raise_fd_limit()
    print(f"audience fan-out benchmark — {machine()}; open files limit {limit}")
    for clients in args.clients:
        print(f"\n{clients} audience clients in {args.processes} client processes:")
        quiz = run_quiz(clients, args)
        quiz.print()
        floor = run_floor(clients, quiz.size, args)
        floor.print()
        if quiz.to_last and floor.to_last:
            p50 = percentile(quiz.to_last, 0.5) / percentile(floor.to_last, 0.5)
            p99 = percentile(quiz.to_last, 0.99) / percentile(floor.to_last, 0.99)
            verdict = "met" if max(p50, p99) <= GOAL_RATIO else "NOT met"
            print(
                f"  ratio quiz/floor, time to last client: p50 {p50:.2f}x, p99 {p99:.2f}x "
                f"(goal <= {GOAL_RATIO}x: {verdict})"
            )
        memory = "met" if quiz.kib_per_connection <= GOAL_KIB else "NOT met"
        print(
            f"  memory: {quiz.kib_per_connection:.1f} KiB per connection "
            f"(goal <= {GOAL_KIB:.0f} KiB: {memory})"
        )


if __name__ == "__main__":
    main()
