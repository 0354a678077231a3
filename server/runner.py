"""The contest runner: one single-writer task per live contest.

Theory of operation (DESIGN.md "Data flow of one command")
---------------------------------------------------------
Connections and the HTTP API ``submit`` commands; the runner's task takes them from its queue in
batches (everything waiting, up to ``BATCH``; a command that brings setup rows — a team's join
code, a player's token hash — is a batch of its own), and for each batch::

    read the log's tail if it is in doubt (below)  # and, once, the ids of recent messages
    events = decide(...) for each command         # pure; a RuleError refuses just that command
    store.append(all the batch's events + rows)   # one transaction (PostgreSQL: in the store's
                                                  # thread; SQLite: inline, see _append)
    state = the new state                         # only after the commit
    hub.publish(state)                            # views to every connection
    resolve each command's future                 # its ack: the seq of its last event
    arm the timers the state waits for            # TimerFired comes back through the queue

Group commit makes a storm of answers cheap (one transaction for many) while keeping the rule:
nobody hears of an event before it is durable.

Resent messages (DESIGN.md: "commands are idempotent by message id"). A client's command comes
with a ``CommandRef``: its sender (the host, a player, an agent) and a digest of the whole message,
its id included. The ref is stored with the command's last event; the runner remembers the newest
``REMEMBERED`` refs (read back from the log after a restart, before the first batch). A message
seen before — same sender, id and content — is not decided again: it gets the first ack. Two
copies in one batch are caught the same way. An id reused for another message is a new message.
Refused messages are not remembered: a resend is decided again.

When the commit fails:

- ``DuplicateRow`` (a join code drawn twice): nothing was written; that command is refused.
- anything else leaves the outcome unknown — the connection may have dropped during COMMIT after
  the database committed. The runner re-reads the log after its seq. Its batch there (same seqs,
  types, payloads and refs): committed after all, carried on as if the commit had answered.
  Nothing there: not committed; the state stays, the commands get ``database_unavailable``.
  Other events there: adopted into the state (folded and published); the commands are refused.
  If the re-read fails too, the log's tail is *in doubt*: the commands get
  ``database_unavailable`` saying the outcome is unknown (a resend with the same id is safe), and
  the runner reads the tail again before its next batch — it is never wedged.
- timers whose batch failed are armed again after a short backoff (``RETRY_FIRST`` doubling to
  ``RETRY_MAX``) until they commit, so a deadline that passed during an outage takes effect as
  soon as the database is back.

Host commands get ``at`` = the time they are decided; buzzes and answers keep their arrival time.

Several processes (``server.cluster``): a runner is either the contest's *owner* — started, it
decides and appends with its lease's fencing token (``fence``) — or a *follower*: not started,
its ``submit`` hands commands to ``forward`` (to the owner), and ``follow`` folds the events the
owner committed into its state and publishes them to this process's connections. An append the
database refuses as ``Fenced`` (another process owns the contest now) calls ``on_fenced`` and
refuses the batch with ``owner_changed``: nothing was written, a resend reaches the new owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from game import commands as c
from game.engine import decide
from game.errors import RuleError
from game.events import Event
from game.state import ContestState, Timer, apply, decode_state, encode_state, pending_timers
from server.clock import ContestClock
from server.fencing import Fenced
from server.hub import ContestHub
from server.store import DuplicateRow, PlayerErasure, SetupRow, Store, StoredEvent

log = logging.getLogger(__name__)

BATCH = 256
QUEUE_LIMIT = 10_000
REMEMBERED = 10_000
"""How many refs of carried-out messages a runner remembers (per contest, newest kept)."""
RETRY_FIRST = 0.05
RETRY_MAX = 0.5
"""Backoff (seconds) of timers whose commit failed: doubling from the first to the most."""

DATABASE_UNAVAILABLE = "database_unavailable"
NOT_COMMITTED = "the database is unavailable; nothing was changed; try again shortly"
OUTCOME_UNKNOWN = (
    "the database is unavailable and it is not known whether this was saved; resend the message "
    "with the same id once the contest is back (it is never carried out twice)"
)
OWNER_CHANGED = "owner_changed"
OWNER_CHANGED_MESSAGE = (
    "another server process took the contest over; nothing was changed; resend the message "
    "with the same id (it is never carried out twice)"
)

T = TypeVar("T")

Forward = Callable[[c.Command, bool, "CommandRef | None", Sequence[SetupRow]], Awaitable[int]]
"""Hands a command to the contest's owner in another process and returns its ack's seq."""


class ContestBusy(Exception):
    """The contest's command queue is full."""


class CommitFailed(Exception):
    """The command was not carried out: its batch could not be committed.

    ``code`` is ``database_unavailable`` (the database failed; ``__cause__`` is its error) or
    ``internal_error`` (a bug in the server).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CommandRef:
    """Who sent a command and as which message: the key of idempotency.

    ``text`` — stored in ``events.ref`` — is the sender (``host``, ``player:<player id>``,
    ``agent:<agent id>``) and a digest of the whole message, its ``id`` included: a resend is the
    same message from the same sender; an id reused for another message is another message.
    """

    text: str

    @classmethod
    def of(cls, sender: str, message: bytes) -> CommandRef:
        """The ref of a message from ``sender`` (``message``: its canonical encoding)."""
        return cls(f"{sender} {_digest(message)}")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass
class _Job:
    command: c.Command
    keep_time: bool
    future: asyncio.Future[int] | None
    ref: CommandRef | None = None
    rows: Sequence[SetupRow] = ()


@dataclass
class _Outcome:
    job: _Job
    result: int | BaseException  # the ack's seq, or why it was refused
    committed: bool = False  # the seq was acked before (a resend): true whatever this batch does


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
        self.acked: OrderedDict[str, int] = OrderedDict()
        """Refs of carried-out messages and their acks' seq, oldest first."""
        self.tail_in_doubt = False
        """Whether the log may hold events the state lacks (a commit of unknown outcome)."""
        self._refs_read = False
        self._held: _Job | None = None  # a setup job waiting for a batch of its own
        self._backoff = 0.0
        self.fence: int | None = None
        """The fencing token appends carry (several processes); None: one process, no check."""
        self.forward: Forward | None = None
        """Set while another process owns the contest: ``submit`` hands commands to it."""
        self.on_fenced: Callable[[], None] | None = None
        """Called when the database refused an append as fenced (another process owns it)."""
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

    async def submit(
        self,
        command: c.Command,
        *,
        keep_time: bool = False,
        ref: CommandRef | None = None,
        rows: Sequence[SetupRow] = (),
    ) -> int:
        """Queue a command and wait until it is decided and durable; returns the seq of its last
        event (the contest's seq after it).

        Args:
            command: the engine command (``at`` is set here unless ``keep_time``).
            keep_time: keep the command's own ``at`` (buzzes and answers: their arrival).
            ref: the client message it comes from; a message already carried out gets the seq
                of its first ack and is not decided again.
            rows: setup rows written in the same transaction as the command's events (only if
                it has events); the command is committed in a batch of its own.

        Raises:
            RuleError: the rules refused it (nothing changed).
            ContestBusy: the queue is full.
            CommitFailed: the batch could not be committed (``code`` says why).
            DuplicateRow: one of ``rows`` is taken (nothing changed).
        """
        if self.forward is not None:  # another process owns the contest
            return await self.forward(command, keep_time, ref, tuple(rows))
        if isinstance(command, c.RemovePlayer) and not rows:
            # A removed player's personal data goes with them, in the same transaction as the
            # player_removed event (docs/api.md, "Players and their data").
            rows = (PlayerErasure(self.contest_id, command.player_id),)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            self.queue.put_nowait(_Job(command, keep_time, future, ref, tuple(rows)))
        except asyncio.QueueFull:
            raise ContestBusy() from None
        try:
            return await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self.forward is None or (task is not None and task.cancelling()):
                raise
            # the runner stepped down (another process owns the contest) mid-batch
            raise CommitFailed(OWNER_CHANGED, OWNER_CHANGED_MESSAGE) from None

    async def step_down(self, forward: Forward) -> None:
        """Stop being the contest's owner (several processes): from now on ``submit`` hands
        commands to ``forward``; commands still waiting are refused with ``owner_changed``
        (nothing was written; a resend reaches the new owner); timers and the task stop."""
        self.forward = forward
        self.fence = None
        waiting = [*filter(None, [self._held])]
        self._held = None
        while not self.queue.empty():
            waiting.append(self.queue.get_nowait())
        for job in waiting:
            _settle(job, CommitFailed(OWNER_CHANGED, OWNER_CHANGED_MESSAGE))
        await self.stop()

    def now_us(self) -> int:
        """The contest clock."""
        return self.clock.now_us()

    # --- the batch loop ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            jobs = await self._next_batch()
            try:
                await self._process(jobs)
            except asyncio.CancelledError:
                for job in [*jobs, *filter(None, [self._held])]:
                    if job.future and not job.future.done():
                        job.future.cancel()
                raise
            except Exception as failure:  # a bug: log it, refuse the batch, keep the contest alive
                log.exception("contest %s: runner failed on a batch", self.contest_id)
                for job in jobs:
                    refused = CommitFailed(
                        "internal_error", "the server failed; nothing was changed"
                    )
                    refused.__cause__ = failure  # the API tells a database outage apart
                    _settle(job, refused)
                self._arm_timers(retry=True)

    async def _next_batch(self) -> list[_Job]:
        """Every job waiting (up to ``BATCH``); a job with setup rows goes alone, so that a taken
        row refuses nothing else."""
        first = self._held or await self.queue.get()
        self._held = None
        jobs = [first]
        while not first.rows and len(jobs) < BATCH and not self.queue.empty():
            job = self.queue.get_nowait()
            if job.rows:
                self._held = job
                break
            jobs.append(job)
        return jobs

    async def _process(self, jobs: list[_Job]) -> None:
        try:
            await self._catch_up()
        except Exception as failure:  # the database is still away: decide nothing
            log.warning(
                "contest %s: the event log cannot be read (%s); %d commands refused",
                self.contest_id,
                _reason(failure),
                len(jobs),
            )
            for job in jobs:
                refused = CommitFailed(DATABASE_UNAVAILABLE, NOT_COMMITTED)
                refused.__cause__ = failure
                _settle(job, refused)
            self._arm_timers(retry=True)
            return
        base = self.state.version
        state = self.state
        produced: list[Event] = []
        refs: list[str | None] = []  # of each produced event
        rows: list[SetupRow] = []
        fresh: dict[str, int] = {}  # refs carried out in this batch
        outcomes: list[_Outcome] = []
        for job in jobs:
            if job.ref is not None:
                in_batch = fresh.get(job.ref.text)
                seen = in_batch or self.acked.get(job.ref.text)
                if seen is not None:  # a resend: the first ack
                    outcomes.append(_Outcome(job, seen, committed=in_batch is None))
                    continue
            command = job.command
            if not job.keep_time:
                command = msgspec.structs.replace(command, at=self.now_us())
            try:
                decision = decide(state, command)
            except RuleError as refused:
                outcomes.append(_Outcome(job, refused))
                continue
            state = decision.state
            produced.extend(decision.events)
            refs.extend(None for _ in decision.events)
            seq = base + len(produced)
            if decision.events:
                rows.extend(job.rows)
                if job.ref is not None:
                    refs[-1] = job.ref.text
                    fresh[job.ref.text] = seq
            outcomes.append(_Outcome(job, seq))
        if produced:
            batch = [
                StoredEvent(base + i, event_type(e), e.at, msgspec.json.encode(e).decode(), ref)
                for i, (e, ref) in enumerate(zip(produced, refs, strict=True), start=1)
            ]
            try:
                await self._commit(batch, rows, state)
            except (CommitFailed, DuplicateRow) as failure:
                for outcome in outcomes:
                    if not outcome.committed and isinstance(outcome.result, int):
                        outcome.result = _copy(failure)
                self._finish(outcomes, retry=isinstance(failure, CommitFailed))
                return
            self.state = state
            self._remember_refs(batch)
            self.hub.publish(state, state.version, [event_type(e) for e in produced])
            if self.on_events is not None:
                self.on_events(self.contest_id, produced, state)
        self._finish(outcomes)

    def _finish(self, outcomes: list[_Outcome], *, retry: bool = False) -> None:
        for outcome in outcomes:
            _settle(outcome.job, outcome.result)
        self._arm_timers(retry=retry)

    # --- the log --------------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        """Before deciding: read what the runner does not know — the log's tail after a commit of
        unknown outcome, and (once) the refs of recent messages."""
        if self.tail_in_doubt:
            tail = await self._read(self.store.events_after, self.contest_id, self.state.version)
            self.tail_in_doubt = False
            if tail:
                self._adopt(tail)
        if not self._refs_read:
            recent = await self._read(self.store.recent_refs, self.contest_id, REMEMBERED)
            for seq, ref in recent:
                self._remember(ref, seq)
            self._refs_read = True

    async def _commit(
        self, batch: list[StoredEvent], rows: list[SetupRow], state: ContestState
    ) -> None:
        """Append the batch; when the database fails, find out whether it was committed.

        Returns when the batch is in the log (also if the database said otherwise).

        Raises:
            DuplicateRow: a setup row is taken; nothing was written.
            CommitFailed: the batch is not in the log, or it is not known (``tail_in_doubt``).
        """
        snapshot = None
        if state.version // self.snapshot_every > self.state.version // self.snapshot_every:
            snapshot = (state.version, encode_state(state).decode())
        try:
            await self._append(batch, rows, state.status, snapshot)
            return
        except DuplicateRow:
            raise
        except Fenced:
            log.warning(
                "contest %s: fencing token %s is stale; another process owns the contest",
                self.contest_id,
                self.fence,
            )
            if self.on_fenced is not None:
                self.on_fenced()
            raise CommitFailed(OWNER_CHANGED, OWNER_CHANGED_MESSAGE) from None
        except Exception as failure:
            log.error(
                "contest %s: commit of seq %d-%d failed (%s); reading the log to see whether it "
                "was committed",
                self.contest_id,
                batch[0].seq,
                batch[-1].seq,
                _reason(failure),
            )
            cause = failure
        try:
            tail = await self._read(self.store.events_after, self.contest_id, self.state.version)
        except Exception as unreadable:
            log.error(
                "contest %s: the event log cannot be read either (%s); it is read again before "
                "the next commit",
                self.contest_id,
                _reason(unreadable),
            )
            self.tail_in_doubt = True
            raise CommitFailed(DATABASE_UNAVAILABLE, OUTCOME_UNKNOWN) from cause
        if tail == batch:
            log.warning(
                "contest %s: seq %d-%d were committed after all",
                self.contest_id,
                batch[0].seq,
                batch[-1].seq,
            )
            return
        if tail:  # not ours: events the runner did not know of (it adopts them)
            self._adopt(tail)
        raise CommitFailed(DATABASE_UNAVAILABLE, NOT_COMMITTED) from cause

    async def _append(
        self,
        batch: list[StoredEvent],
        rows: list[SetupRow],
        status: str,
        snapshot: tuple[int, str] | None,
    ) -> None:
        if self.store.inline:
            # SQLite in WAL mode commits without waiting for the disk: about a millisecond
            # of CPU, less than handing it to the store's thread and back while the event
            # loop is busy fanning out (every hand-over waits for the interpreter lock).
            # Checkpoints, which do write and sync, go to the store's thread.
            self.store.append(
                self.contest_id,
                batch,
                status=status,
                snapshot=snapshot,
                rows=rows,
                fence=self.fence,
            )
            if self.store.checkpoint_due():
                checkpoint = asyncio.get_running_loop().run_in_executor(
                    self.executor, self.store.checkpoint
                )
                checkpoint.add_done_callback(_checkpoint_done)
            return
        await asyncio.get_running_loop().run_in_executor(
            self.executor,
            lambda: self.store.append(
                self.contest_id,
                batch,
                status=status,
                snapshot=snapshot,
                rows=rows,
                fence=self.fence,
            ),
        )

    async def _read(self, read: Callable[..., T], *args: Any) -> T:
        """A read of the store: inline on SQLite (like appends), in the store's thread otherwise."""
        if self.store.inline:
            return read(*args)
        return await asyncio.get_running_loop().run_in_executor(self.executor, lambda: read(*args))

    def follow(self, tail: list[StoredEvent]) -> None:
        """Fold events another process committed (the owner's, read from Redis or the log) into
        the state and publish them; events the state already has are skipped.

        Raises:
            RuntimeError: ``tail`` starts after the state's next seq (a gap: read the log).
        """
        tail = [e for e in tail if e.seq > self.state.version]
        if tail:
            self._fold(tail)

    def _adopt(self, tail: list[StoredEvent]) -> None:
        """Fold events found in the log after the state's seq (committed although the runner was
        not told) into the state, remember their refs and publish them."""
        self._fold(tail)
        log.warning(
            "contest %s: adopted seq %d-%d found in the event log",
            self.contest_id,
            tail[0].seq,
            tail[-1].seq,
        )

    def _fold(self, tail: list[StoredEvent]) -> None:
        if tail[0].seq != self.state.version + 1:
            raise RuntimeError(f"the log after seq {self.state.version} starts at {tail[0].seq}")
        decoder = msgspec.json.Decoder(Event)
        events = [decoder.decode(e.payload) for e in tail]
        state = self.state
        for event in events:
            state = apply(state, event)
        self.state = state
        self._remember_refs(tail)
        self.hub.publish(state, state.version, [event_type(e) for e in events])
        if self.on_events is not None:
            self.on_events(self.contest_id, events, state)

    def _remember_refs(self, events: list[StoredEvent]) -> None:
        """Remember the refs of committed events (each on its command's last event: its ack)."""
        for stored in events:
            if stored.ref:
                self._remember(stored.ref, stored.seq)

    def _remember(self, ref: str, seq: int) -> None:
        self.acked[ref] = seq
        self.acked.move_to_end(ref)
        while len(self.acked) > REMEMBERED:
            self.acked.popitem(last=False)

    # --- timers ---------------------------------------------------------------------------------

    def _arm_timers(self, *, retry: bool = False) -> None:
        """Arm a timer for every deadline the state waits for; cancel the others. After a failed
        batch (``retry``) new timers wait at least the backoff, which doubles from
        ``RETRY_FIRST`` to ``RETRY_MAX``; a batch that goes through resets it."""
        self._backoff = min(RETRY_MAX, self._backoff * 2 or RETRY_FIRST) if retry else 0.0
        wanted = set(pending_timers(self.state))
        for timer in list(self.timers):
            if timer not in wanted:
                self.timers.pop(timer).cancel()
        loop = asyncio.get_running_loop()
        for timer in wanted - set(self.timers):
            delay = max(self.clock.loop_delay(timer.due) + 0.001, self._backoff)
            self.timers[timer] = loop.call_later(delay, self._fire, timer)

    def _fire(self, timer: Timer) -> None:
        self.timers.pop(timer, None)
        command = c.TimerFired(at=0, key=timer.key, due=timer.due)
        try:
            self.queue.put_nowait(_Job(command, False, None))
        except asyncio.QueueFull:  # pragma: no cover - re-armed after the next batch
            log.warning("contest %s: queue full, timer %s postponed", self.contest_id, timer.key)


def _settle(job: _Job, result: int | BaseException) -> None:
    if job.future is None or job.future.done():
        return
    if isinstance(result, BaseException):
        job.future.set_exception(result)
    else:
        job.future.set_result(result)


def _copy(failure: CommitFailed | DuplicateRow) -> BaseException:
    """A fresh exception per future (one instance raised in many places gathers tracebacks)."""
    if isinstance(failure, DuplicateRow):
        return DuplicateRow(str(failure))
    copy = CommitFailed(failure.code, failure.message)
    copy.__cause__ = failure.__cause__
    return copy


def _reason(error: BaseException) -> str:
    """One line for the log: the driver's message, not SQL or parameters."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0][:200] if lines else 'no message'}"


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
    """A refusal as the protocol's error fields."""
    if isinstance(error, RuleError | CommitFailed):
        return {"code": error.code, "message": error.message}
    if isinstance(error, ContestBusy):
        return {"code": "contest_busy", "message": "the contest is busy; try again"}
    return {"code": "internal_error", "message": "the server failed; nothing was changed"}
