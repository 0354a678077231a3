"""The contest runner: one single-writer task per live contest.

Theory of operation (DESIGN.md "Data flow of one command")
---------------------------------------------------------
Connections and the HTTP API ``submit`` commands; the runner's task takes them from its queue in
batches (everything waiting, up to ``BATCH``), and for each batch::

    events = decide(...) for each command         # pure; a RuleError refuses just that command
    store.append(all the batch's events)          # one transaction (PostgreSQL: in the store's
                                                  # thread; SQLite: inline, see _commit)
    state = the new state                         # only after the commit
    hub.publish(state)                            # views to every connection
    resolve each command's future                 # the client's ack carries the new seq
    arm the timers the state waits for            # TimerFired comes back through the queue

Group commit makes a storm of answers cheap (one transaction for many) while keeping the rule:
nobody hears of an event before it is durable. If the commit fails, the batch is forgotten — the
state stays as it was and every command of the batch gets an internal error.

Host commands get ``at`` = the time they are decided; buzzes and answers keep their arrival time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import msgspec

from game import commands as c
from game.engine import decide
from game.errors import RuleError
from game.events import Event
from game.state import ContestState, Timer, apply, decode_state, encode_state, pending_timers
from server.clock import ContestClock
from server.hub import ContestHub
from server.store import Store, StoredEvent

log = logging.getLogger(__name__)

BATCH = 256
QUEUE_LIMIT = 10_000


class ContestBusy(Exception):
    """The contest's command queue is full."""


class CommitFailed(Exception):
    """The database refused the batch; nothing happened."""


@dataclass
class _Job:
    command: c.Command
    keep_time: bool
    future: asyncio.Future[int] | None


def event_type(event: Event) -> str:
    """The ``type`` tag of an event."""
    return str(event.__struct_config__.tag)


class ContestRunner:
    """Owns one live contest's state; the only writer of its event log."""

    def __init__(
        self,
        contest_id: str,
        state: ContestState,
        *,
        store: Store,
        executor: Executor,
        hub: ContestHub,
        clock: ContestClock,
        snapshot_every: int,
        on_events: Callable[[str, list[Event], ContestState], None] | None = None,
    ) -> None:
        self.contest_id = contest_id
        self.state = state
        self.store = store
        self.executor = executor
        self.hub = hub
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.on_events = on_events
        self.queue: asyncio.Queue[_Job] = asyncio.Queue(QUEUE_LIMIT)
        self.timers: dict[Timer, asyncio.TimerHandle] = {}
        self.task: asyncio.Task[None] | None = None
        hub.state, hub.seq = state, state.version

    @property
    def seq(self) -> int:
        """The contest's sequence number: events in its log."""
        return self.state.version

    def start(self) -> None:
        """Start the runner's task and arm the timers of the current state."""
        self.task = asyncio.get_running_loop().create_task(
            self._run(), name=f"runner:{self.contest_id}"
        )
        self._arm_timers()

    async def stop(self) -> None:
        """Cancel timers and the task; wait for it to end."""
        for handle in self.timers.values():
            handle.cancel()
        self.timers.clear()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def submit(self, command: c.Command, *, keep_time: bool = False) -> int:
        """Queue a command and wait until it is decided and durable; returns the new seq.

        Raises:
            RuleError: the rules refused it (nothing changed).
            ContestBusy: the queue is full.
            CommitFailed: the database refused the batch.
        """
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            self.queue.put_nowait(_Job(command, keep_time, future))
        except asyncio.QueueFull:
            raise ContestBusy() from None
        return await future

    def now_us(self) -> int:
        """The contest clock."""
        return self.clock.now_us()

    async def _run(self) -> None:
        while True:
            jobs = [await self.queue.get()]
            while len(jobs) < BATCH and not self.queue.empty():
                jobs.append(self.queue.get_nowait())
            try:
                await self._process(jobs)
            except asyncio.CancelledError:
                for job in jobs:
                    if job.future and not job.future.done():
                        job.future.cancel()
                raise
            except Exception as failure:  # a bug: log it, refuse the batch, keep the contest alive
                log.exception("contest %s: runner failed on a batch", self.contest_id)
                for job in jobs:
                    if job.future and not job.future.done():
                        refused = CommitFailed("internal error")
                        refused.__cause__ = failure  # the API tells a database outage apart
                        job.future.set_exception(refused)

    async def _process(self, jobs: list[_Job]) -> None:
        state = self.state
        produced: list[Event] = []
        outcomes: list[tuple[_Job, BaseException | None]] = []
        for job in jobs:
            command = job.command
            if not job.keep_time:
                command = msgspec.structs.replace(command, at=self.now_us())
            try:
                decision = decide(state, command)
            except RuleError as refused:
                outcomes.append((job, refused))
                continue
            state = decision.state
            produced.extend(decision.events)
            outcomes.append((job, None))
        if produced:
            await self._commit(produced, state)
            self.state = state
            self.hub.publish(state, state.version, [event_type(e) for e in produced])
            if self.on_events is not None:
                self.on_events(self.contest_id, produced, state)
        for job, problem in outcomes:
            if job.future is None or job.future.done():
                continue
            if problem is None:
                job.future.set_result(self.state.version)
            else:
                job.future.set_exception(problem)
        self._arm_timers()

    async def _commit(self, produced: list[Event], state: ContestState) -> None:
        first = self.state.version + 1
        batch = [
            StoredEvent(first + i, event_type(e), e.at, msgspec.json.encode(e).decode())
            for i, e in enumerate(produced)
        ]
        snapshot = None
        if state.version // self.snapshot_every > self.state.version // self.snapshot_every:
            snapshot = (state.version, encode_state(state).decode())
        try:
            if self.store.inline:
                # SQLite in WAL mode commits without waiting for the disk: about a millisecond
                # of CPU, less than handing it to the store's thread and back while the event
                # loop is busy fanning out (every hand-over waits for the interpreter lock).
                # Checkpoints, which do write and sync, go to the store's thread.
                self.store.append(self.contest_id, batch, status=state.status, snapshot=snapshot)
                if self.store.checkpoint_due():
                    checkpoint = asyncio.get_running_loop().run_in_executor(
                        self.executor, self.store.checkpoint
                    )
                    checkpoint.add_done_callback(_checkpoint_done)
            else:
                await asyncio.get_running_loop().run_in_executor(
                    self.executor,
                    lambda: self.store.append(
                        self.contest_id, batch, status=state.status, snapshot=snapshot
                    ),
                )
        except Exception as failure:
            log.error("contest %s: commit failed: %s", self.contest_id, failure)
            raise CommitFailed(str(failure)) from failure

    def _arm_timers(self) -> None:
        wanted = set(pending_timers(self.state))
        for timer in list(self.timers):
            if timer not in wanted:
                self.timers.pop(timer).cancel()
        loop = asyncio.get_running_loop()
        for timer in wanted - set(self.timers):
            delay = self.clock.loop_delay(timer.due) + 0.001
            self.timers[timer] = loop.call_later(delay, self._fire, timer)

    def _fire(self, timer: Timer) -> None:
        self.timers.pop(timer, None)
        command = c.TimerFired(at=0, key=timer.key, due=timer.due)
        try:
            self.queue.put_nowait(_Job(command, False, None))
        except asyncio.QueueFull:  # pragma: no cover - re-armed after the next batch
            log.warning("contest %s: queue full, timer %s postponed", self.contest_id, timer.key)


def _checkpoint_done(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("checkpoint of the event log failed: %s", future.exception())


def restore(loaded_snapshot: str | None, payloads: list[str]) -> ContestState:
    """Rebuild a state from a snapshot and the events after it."""
    state = decode_state(loaded_snapshot.encode()) if loaded_snapshot else ContestState()
    decoder = msgspec.json.Decoder(Event)
    for payload in payloads:
        state = apply(state, decoder.decode(payload))
    return state


def describe(error: BaseException) -> dict[str, Any]:
    """A rule error as the protocol's error fields."""
    if isinstance(error, RuleError):
        return {"code": error.code, "message": error.message}
    if isinstance(error, ContestBusy):
        return {"code": "contest_busy", "message": "the contest is busy; try again"}
    return {"code": "internal_error", "message": "the server failed; nothing was changed"}
