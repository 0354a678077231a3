"""Several ``quiz serve`` processes on one database and one Redis: leases, forwarding, fan-out.

Theory of operation (DESIGN.md "Persistence and scale", docs/architecture.md "Several processes")
---------------------------------------------------------------------------------------------
Every process keeps every contest it serves in memory (a ``ContestRunner`` and its hub), but only
one process — the contest's *owner* — decides and writes. The others are *followers*.

Ownership is a Redis lease per contest, ``quiz:lease:<contest>`` = ``"<process> <token>"``, set
with ``NX`` and an expiry of ``QUIZ_LEASE_SECONDS``. Taking it draws a **fencing token** from
``quiz:fence:<contest>`` (``INCR``, in the same Lua script, so tokens only grow). Before the new
owner reads the log it *claims* the token in the database (``Store.claim_fence``); every append
checks, in its own transaction, that its token is still the newest (``Store.append(fence=…)``).
An owner that stopped (paused, partitioned) and wakes up after its lease was taken can therefore
never write: its append is refused (``Fenced``), and it steps down. Every
``QUIZ_LEASE_RENEW_SECONDS`` each process renews the leases it holds (a compare-and-set script)
and tries to take the leases nobody holds; a process that finds its lease taken steps down.

Commands (``ContestRunner.submit``) reaching a follower are *forwarded*: pushed on the Redis
list ``quiz:cmd:<contest>``, which the owner pops (``BLPOP``), carries out through its runner —
the same idempotency by message ref, group commit and rules — and answered on the pub/sub
channel ``quiz:reply:<process>`` with the correlation id; the follower waits until its own state
has the acknowledged seq (read-your-writes), then acknowledges. A command that waits in the list
while the owner dies is carried out by the next owner, if its sender still waits for it.

Fan-out: after each commit the owner publishes the batch's events (already JSON, as stored) on
``quiz:events:<contest>``; every follower folds them into its state (``ContestRunner.follow``),
which keeps authentication, the HTTP API, resume and failover current. The views of the streams
with crowds — audience and display (``hub.SHARED``) — are projected and encoded once, by the
owner's hub, and published as they are on ``quiz:views:<contest>`` (``<stream> <seq>\n`` and
the text); every follower's hub writes those bytes to its own connections without projecting or
encoding them (``ContestHub.forward_view``), and projects them itself only when the owner's view
does not come (``hub.VIEW_GRACE``, Redis down). The host's and the teams' streams (a few
connections each) are projected by every process from its state; views are pure functions of the
state, so every process sends the same view for the same seq, and resume (``last_seq``) works on
any process. A follower that sees a gap, or reconnects to Redis, reads the
missing events from the log; it also reads the log's tail at every renewal, so no lost Redis
message leaves it behind for long.

Who is connected: every renewal each process writes its hubs' own census and agents rows to
the hash ``quiz:census:<contest>`` (a field per process, valid for three renewals) and hands the
other processes' fields to its hub (``ContestHub.set_remote``), which merges them into what the
host is sent.

Redis down (docs/deployment.md): the owner of a contest keeps playing it — its appends are still
fenced by the database, so nothing can diverge — and its own clients see every change; followers
catch up from the log at every renewal, so their clients see the game too, but commands reaching
them are refused with ``cluster_unavailable`` (nothing was changed; resend). A contest that has no
owner when Redis goes away gets none until Redis is back. When Redis returns (even empty, after a
restart) the owner sets its lease again and raises the token counter above its token.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import msgspec
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from game import commands as c
from game import errors as game_errors
from game.events import Event
from game.state import ContestState
from server import store as stores
from server.runner import (
    CommandRef,
    CommitFailed,
    ContestBusy,
    ContestRunner,
    event_type,
)
from server.store import DuplicateRow, SetupRow, StoredEvent

if TYPE_CHECKING:
    from server.contests import ContestService

log = logging.getLogger(__name__)

CLUSTER_UNAVAILABLE = "cluster_unavailable"
NO_OWNER = (
    "the server process that runs this contest cannot be reached; nothing was changed; resend "
    "the message with the same id shortly (it is never carried out twice)"
)
POP_WAIT = 1  # seconds a BLPOP of the owner's command list blocks before it looks again

ACQUIRE = """
if redis.call('exists', KEYS[1]) == 1 then return 0 end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. ' ' .. token, 'px', ARGV[2])
return token
"""
"""Take a free lease with a fresh fencing token; 0 when someone holds it."""

RENEW = """
local held = redis.call('get', KEYS[1])
if held == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if held then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
if tonumber(redis.call('get', KEYS[2]) or '0') < tonumber(ARGV[3]) then
  redis.call('set', KEYS[2], ARGV[3])
end
return 1
"""
"""Extend our lease; set it again if Redis lost it (a restart), raising the token counter so no
later token is older than ours; 0 when another process holds it."""

RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

RAISE_FLOOR = """
if tonumber(redis.call('get', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('set', KEYS[1], ARGV[1])
end
return 1
"""
"""The database knows a newer token than Redis (Redis restarted empty): count on from it."""


class Forwarded(msgspec.Struct, frozen=True):
    """A command a follower hands to the owner (``quiz:cmd:<contest>``)."""

    reply_to: str
    corr: str
    deadline: float  # time.time() after which the sender no longer waits: not carried out
    command: c.Command
    keep_time: bool
    ref: str | None
    rows: list[tuple[str, dict[str, Any]]]  # (class name in server.store, fields)


class Reply(msgspec.Struct, frozen=True):
    """The owner's answer (``quiz:reply:<process>``): a seq, or why it was refused."""

    corr: str
    seq: int | None = None
    kind: str = ""  # rule, busy, commit, duplicate_row, not_owner
    code: str = ""
    message: str = ""


class Control(msgspec.Struct, frozen=True):
    """What the contest's hubs in every process must hear (``quiz:control:<contest>``): an agent
    whose token the host revoked (each process closes its connections), or the buzzer check
    turned on or off, or a press during it (``ContestHub.relay``)."""

    contest_id: str
    origin: str  # the process it comes from (which has applied it already)
    agent_revoked: str | None = None
    check: bool | None = None
    press: tuple[str, str, str | None, int | None, int] | None = None


class Committed(msgspec.Struct, frozen=True):
    """A committed batch (``quiz:events:<contest>``): events ``first``, ``first + 1``, …"""

    contest_id: str
    first: int
    events: list[tuple[str, int, str]]  # (type, at, payload as stored)


RULE_ERRORS: dict[str, type[game_errors.RuleError]] = {}


def _collect_rule_errors(root: type[game_errors.RuleError]) -> None:
    for sub in root.__subclasses__():
        RULE_ERRORS.setdefault(sub.code, sub)
        _collect_rule_errors(sub)


_collect_rule_errors(game_errors.RuleError)


def lease_key(contest_id: str) -> str:
    return f"quiz:lease:{contest_id}"


def fence_key(contest_id: str) -> str:
    return f"quiz:fence:{contest_id}"


def census_key(contest_id: str) -> str:
    return f"quiz:census:{contest_id}"


def command_key(contest_id: str) -> str:
    return f"quiz:cmd:{contest_id}"


def refusal(reply: Reply) -> BaseException:
    """The exception a refused forwarded command raises at its sender."""
    if reply.kind == "rule":
        return RULE_ERRORS.get(reply.code, game_errors.RuleError)(reply.message)
    if reply.kind == "busy":
        return ContestBusy()
    if reply.kind == "duplicate_row":
        return DuplicateRow(reply.message)
    if reply.kind == "commit":
        return CommitFailed(reply.code, reply.message)
    return CommitFailed("internal_error", "the server failed; nothing was changed")


def reply_for(corr: str, error: BaseException) -> Reply:
    """A refusal as a ``Reply``."""
    if isinstance(error, game_errors.RuleError):
        return Reply(corr, kind="rule", code=error.code, message=error.message)
    if isinstance(error, ContestBusy):
        return Reply(corr, kind="busy")
    if isinstance(error, DuplicateRow):
        return Reply(corr, kind="duplicate_row", message=str(error))
    if isinstance(error, CommitFailed):
        return Reply(corr, kind="commit", code=error.code, message=error.message)
    return Reply(corr, kind="internal")


def encode_rows(rows: Sequence[SetupRow]) -> list[tuple[str, dict[str, Any]]]:
    return [(type(row).__name__, msgspec.to_builtins(row)) for row in rows]


def decode_rows(rows: list[tuple[str, dict[str, Any]]]) -> list[SetupRow]:
    decoded: list[SetupRow] = []
    for name, fields in rows:
        kind = getattr(stores, name, None)
        if kind is None or not name.endswith(("Row", "Erasure")):
            raise ValueError(f"unknown setup row {name!r}")
        decoded.append(kind(**fields))
    return decoded


class Cluster:
    """This process's part in a cluster: its leases, forwarded commands and the event feed."""

    def __init__(self, service: ContestService) -> None:
        settings = service.settings
        self.service = service
        self.node = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease_ms = int(settings.lease_seconds * 1000)
        self.renew = settings.lease_renew_seconds
        self.forward_wait = settings.lease_seconds + 5 * settings.lease_renew_seconds + 2
        # One quick retry (a pooled connection that died with a restarted Redis), never the
        # client's own back-off: the loops below notice an outage and try again at each renewal,
        # and a command waiting for Redis would only hold its client's answer back
        self.redis = aioredis.Redis.from_url(
            settings.redis_url,
            socket_timeout=max(1.0, settings.lease_renew_seconds),
            socket_connect_timeout=1.0,
            retry=Retry(NoBackoff(), 1),
        )
        # BLPOP and the subscription wait up to POP_WAIT for news: their reads get more time
        self.listening = aioredis.Redis.from_url(
            settings.redis_url,
            socket_timeout=POP_WAIT + 2.0,
            socket_connect_timeout=1.0,
            retry=Retry(NoBackoff(), 0),  # the subscriber subscribes afresh itself
            health_check_interval=10,  # a silently dead subscription fails its PING
        )
        # whether our reply channel is subscribed: a command forwarded while it is not would be
        # carried out with nobody listening for its reply
        self.subscribed = asyncio.Event()
        self.tokens: dict[str, int] = {}  # contests this process owns: their fencing tokens
        self.pending: dict[str, asyncio.Future[Reply]] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.consumers: dict[str, asyncio.Task[None]] = {}
        self.outbox: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        self.background: set[asyncio.Task[None]] = set()
        self.redis_up: bool | None = None  # None: not asked yet
        self._scripts = {
            name: self.redis.register_script(text)
            for name, text in (
                ("acquire", ACQUIRE),
                ("renew", RENEW),
                ("release", RELEASE),
                ("floor", RAISE_FLOOR),
            )
        }

    # --- lifespan ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the lease loop, the subscriber and the publisher (Redis may be down: they wait)."""
        loop = asyncio.get_running_loop()
        self.tasks = [
            loop.create_task(self._subscriber(), name="cluster:subscriber"),
            loop.create_task(self._publisher(), name="cluster:publisher"),
            loop.create_task(self._lease_loop(), name="cluster:leases"),
        ]

    async def stop(self) -> None:
        """Release every lease (another process takes over at its next renewal) and stop."""
        for contest_id in list(self.service.hubs):  # our connections are gone from the census
            with contextlib.suppress(RedisError, OSError):
                await self.redis.hdel(census_key(contest_id), self.node)
        for contest_id in list(self.tokens):
            with contextlib.suppress(RedisError, OSError):
                await self._scripts["release"](
                    keys=[lease_key(contest_id)], args=[self._holder(contest_id)]
                )
        for task in [*self.tasks, *self.consumers.values(), *self.background]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()
        self.consumers.clear()
        for client in (self.redis, self.listening):
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()

    def adopt(self, runner: ContestRunner) -> None:
        """A contest this process now serves: a follower until it takes the lease (at once if
        nobody holds it)."""
        runner.forward = self._forwarder(runner)
        runner.hub.relay = self._relay(runner.contest_id)
        runner.hub.imported = True  # audience and display views come from the owner
        self._spawn(self._tick(runner), f"lease:{runner.contest_id}")

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """A short task of the cluster's own, kept until it ends (cancelled on ``stop``)."""
        task = asyncio.get_running_loop().create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def owns(self, contest_id: str) -> bool:
        return contest_id in self.tokens

    def _holder(self, contest_id: str) -> str:
        return f"{self.node} {self.tokens.get(contest_id, 0)}"

    # --- leases -----------------------------------------------------------------------------------

    async def _lease_loop(self) -> None:
        while True:
            for runner in list(self.service.runners.values()):
                try:
                    await self._tick(runner)
                except Exception:  # one contest's trouble must not stop the others' leases
                    log.exception("contest %s: lease renewal failed", runner.contest_id)
            try:
                await self._share_census()
            except (RedisError, OSError) as down:
                self._redis_down(down)
                for hub in list(self.service.hubs.values()):
                    hub.set_remote({})  # the host sees this process's connections only
            except Exception:
                log.exception("sharing the census failed")
            await asyncio.sleep(self.renew)

    async def _share_census(self) -> None:
        """Each process puts its connections and agents rows of each contest in the hash
        ``quiz:census:<contest>`` (its field: ``until`` a few renewals from now) and reads the
        others', which its hub merges into what the host is sent (a process that died drops out
        when its ``until`` has passed)."""
        now_ms = time.time() * 1000
        keep_ms = int(3 * self.renew * 1000)
        for contest_id, hub in list(self.service.hubs.items()):
            key = census_key(contest_id)
            mine = {"until": now_ms + keep_ms, "census": hub.local_census()}
            mine["agents"] = hub.agents.rows()
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, self.node, msgspec.json.encode(mine))
                pipe.pexpire(key, keep_ms)
                pipe.hgetall(key)
                *_, shared = await pipe.execute()
            others: dict[str, dict[str, Any]] = {}
            stale: list[str] = []
            for node, raw in sorted(shared.items()):
                name = node.decode()
                if name == self.node:
                    continue
                entry = msgspec.json.decode(raw)
                if entry["until"] < now_ms:
                    stale.append(name)
                    continue
                others[name] = {"census": entry["census"], "agents": entry["agents"]}
            if stale:
                await self.redis.hdel(key, *stale)
            hub.set_remote(others)

    async def _tick(self, runner: ContestRunner) -> None:
        """Renew the lease we hold, or take a free one; followers read the log's tail."""
        lock = self.locks.setdefault(runner.contest_id, asyncio.Lock())
        async with lock:
            contest_id = runner.contest_id
            if contest_id in self.tokens:
                try:
                    held = await self._scripts["renew"](
                        keys=[lease_key(contest_id), fence_key(contest_id)],
                        args=[self._holder(contest_id), self.lease_ms, self.tokens[contest_id]],
                    )
                except (RedisError, OSError) as down:
                    self._redis_down(down)  # keep playing: the database still fences us
                    return
                self._redis_back()
                if not held:
                    log.warning("contest %s: the lease was taken; stepping down", contest_id)
                    await self._step_down(runner)
                return
            try:
                token = int(
                    await self._scripts["acquire"](
                        keys=[lease_key(contest_id), fence_key(contest_id)],
                        args=[self.node, self.lease_ms],
                    )
                )
            except (RedisError, OSError) as down:
                self._redis_down(down)
                await self._catch_up(runner)
                return
            self._redis_back()
            if token:
                await self._take_over(runner, token)
            else:
                await self._catch_up(runner)

    async def _take_over(self, runner: ContestRunner, token: int) -> None:
        """We hold the lease: claim the token in the database, read the log to its end, start."""
        contest_id = runner.contest_id
        holder = f"{self.node} {token}"
        try:
            held, current = await self._db(self.service.store.claim_fence, contest_id, token)
        except Exception as failure:
            log.warning("contest %s: cannot claim the lease's token: %s", contest_id, failure)
            await self._release(contest_id, holder)
            return
        if not held:  # Redis forgot newer tokens (a restart): count on from the database
            log.warning(
                "contest %s: token %d is not newer than the database's %d; drawing again",
                contest_id,
                token,
                current,
            )
            with contextlib.suppress(RedisError, OSError):
                await self._scripts["floor"](keys=[fence_key(contest_id)], args=[current])
            await self._release(contest_id, holder)
            return
        try:
            await self._catch_up(runner, strict=True)
        except Exception as failure:
            log.warning("contest %s: cannot read the log to take over: %s", contest_id, failure)
            await self._release(contest_id, holder)
            return
        self.tokens[contest_id] = token
        runner.forward = None
        runner.fence = token
        runner.tail_in_doubt = False
        runner._refs_read = False  # read the previous owners' acks from the log first
        runner.on_fenced = lambda: self._fenced(runner)
        runner.on_events = self._committed
        runner.hub.imported = False
        runner.hub.export = self._exporter(contest_id)
        runner.start()
        self.consumers[contest_id] = asyncio.get_running_loop().create_task(
            self._consume(runner), name=f"commands:{contest_id}"
        )
        log.info(
            "contest %s: this process owns it now (fencing token %d, seq %d)",
            contest_id,
            token,
            runner.seq,
        )

    async def _step_down(self, runner: ContestRunner) -> None:
        contest_id = runner.contest_id
        self.tokens.pop(contest_id, None)
        consumer = self.consumers.pop(contest_id, None)
        if consumer is not None:
            consumer.cancel()
        runner.on_fenced = None
        runner.on_events = None
        runner.hub.export = None
        runner.hub.imported = True
        await runner.step_down(self._forwarder(runner))
        log.warning("contest %s: another process owns it now; following", contest_id)

    def _fenced(self, runner: ContestRunner) -> None:
        if runner.contest_id in self.tokens:
            self._spawn(self._step_down_locked(runner), f"fenced:{runner.contest_id}")

    async def _step_down_locked(self, runner: ContestRunner) -> None:
        async with self.locks.setdefault(runner.contest_id, asyncio.Lock()):
            if runner.contest_id in self.tokens:
                await self._step_down(runner)

    async def _release(self, contest_id: str, holder: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._scripts["release"](keys=[lease_key(contest_id)], args=[holder])

    def _redis_down(self, error: BaseException) -> None:
        if self.redis_up is not False:
            log.warning(
                "Redis is unreachable (%s): owned contests play on; commands reaching other "
                "processes are refused until it is back",
                type(error).__name__,
            )
        self.redis_up = False

    def _redis_back(self) -> None:
        if self.redis_up is False:
            log.info("Redis answers again (process %s)", self.node)
        self.redis_up = True

    # --- following --------------------------------------------------------------------------------

    async def _catch_up(self, runner: ContestRunner, *, strict: bool = False) -> None:
        """Fold the log's events after the runner's seq (a follower, or an owner-to-be)."""
        if runner.contest_id in self.tokens:
            return
        while True:
            try:
                tail = await self._db(
                    self.service.store.events_after, runner.contest_id, runner.seq
                )
            except Exception:
                if strict:
                    raise
                return
            if not tail:
                return
            runner.follow(tail)

    def _committed(self, contest_id: str, events: list[Event], state: ContestState) -> None:
        """The owner's runner committed ``events``: publish them to the other processes."""
        first = state.version - len(events) + 1
        message = Committed(
            contest_id,
            first,
            [(event_type(e), e.at, msgspec.json.encode(e).decode()) for e in events],
        )
        self.outbox.put_nowait((f"quiz:events:{contest_id}", msgspec.json.encode(message)))

    def _exporter(self, contest_id: str) -> Callable[[str, int, str], None]:
        """The owner's hub hands it each audience and display view: publish its bytes."""
        channel = f"quiz:views:{contest_id}"

        def export(stream: str, seq: int, text: str) -> None:
            self.outbox.put_nowait((channel, f"{stream} {seq}\n{text}".encode()))

        return export

    async def _publisher(self) -> None:
        while True:
            channel, payload = await self.outbox.get()
            try:
                await self.redis.publish(channel, payload)
            except (RedisError, OSError) as down:  # followers read the log at their renewal
                self._redis_down(down)

    async def _subscriber(self) -> None:
        """Replies to our forwarded commands, and the owners' committed events."""
        while True:
            pubsub = self.listening.pubsub()
            try:
                await pubsub.subscribe(f"quiz:reply:{self.node}")
                await pubsub.psubscribe("quiz:events:*", "quiz:views:*", "quiz:control:*")
                self.subscribed.set()
                for runner in list(self.service.runners.values()):
                    await self._catch_up(runner)  # what we missed while unsubscribed
                while True:
                    message = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=POP_WAIT
                    )
                    if message is not None:
                        await self._heard(message)
            except (RedisError, OSError) as down:
                self._redis_down(down)
                await asyncio.sleep(self.renew)
            except Exception:  # a bug: log it, subscribe again (followers also read the log)
                log.exception("the cluster's subscriber failed; subscribing again")
                await asyncio.sleep(self.renew)
            finally:
                self.subscribed.clear()
                # typed here: redis-py annotates aclose from 8.2 on, not before
                close: Callable[[], Awaitable[object]] = pubsub.aclose
                with contextlib.suppress(Exception):
                    await close()

    async def _heard(self, message: dict[str, Any]) -> None:
        channel = message["channel"].decode()
        if channel.startswith("quiz:reply:"):
            reply = msgspec.json.decode(message["data"], type=Reply)
            waiting = self.pending.get(reply.corr)
            if waiting is not None and not waiting.done():
                waiting.set_result(reply)
            return
        if channel.startswith("quiz:views:"):
            contest_id = channel.removeprefix("quiz:views:")
            hub = self.service.hubs.get(contest_id)
            if hub is None or contest_id in self.tokens:
                return
            head, _, text = message["data"].decode().partition("\n")
            stream, _, seq = head.partition(" ")
            hub.forward_view(stream, int(seq), text)
            return
        if channel.startswith("quiz:control:"):
            control = msgspec.json.decode(message["data"], type=Control)
            hub = self.service.hubs.get(control.contest_id)
            if hub is None or control.origin == self.node:
                return
            if control.agent_revoked is not None:
                hub.close_agent(control.agent_revoked)
            if control.check is not None:
                hub.set_check(control.check, relayed=True)
            if control.press is not None:
                hub.check_press(*control.press, relayed=True)
            return
        committed = msgspec.json.decode(message["data"], type=Committed)
        runner = self.service.runners.get(committed.contest_id)
        if runner is None or committed.contest_id in self.tokens:
            return
        if committed.first > runner.seq + 1:  # we missed some: the log has them
            await self._catch_up(runner)
        if committed.first <= runner.seq + 1:
            runner.follow(
                [
                    StoredEvent(committed.first + i, kind, at, payload)
                    for i, (kind, at, payload) in enumerate(committed.events)
                ]
            )

    def agent_revoked(self, contest_id: str, agent_id: str) -> None:
        """Tell every process to close the revoked agent's connections (the token opens none
        anywhere already: it is checked against the database at every hello)."""
        self._control(Control(contest_id, self.node, agent_revoked=agent_id))

    def _control(self, control: Control) -> None:
        self.outbox.put_nowait((f"quiz:control:{control.contest_id}", msgspec.json.encode(control)))

    def _relay(self, contest_id: str) -> Callable[[dict[str, Any]], None]:
        def relay(change: dict[str, Any]) -> None:
            self._control(
                msgspec.convert({**change, "contest_id": contest_id, "origin": self.node}, Control)
            )

        return relay

    # --- forwarding -------------------------------------------------------------------------------

    def _forwarder(
        self, runner: ContestRunner
    ) -> Callable[[c.Command, bool, CommandRef | None, Sequence[SetupRow]], Awaitable[int]]:
        async def forward(
            command: c.Command, keep_time: bool, ref: CommandRef | None, rows: Sequence[SetupRow]
        ) -> int:
            return await self._forward(runner, command, keep_time, ref, rows)

        return forward

    async def _forward(
        self,
        runner: ContestRunner,
        command: c.Command,
        keep_time: bool,
        ref: CommandRef | None,
        rows: Sequence[SetupRow],
    ) -> int:
        """Carry a command out at the owner; wait until our state has its ack's seq."""
        contest_id = runner.contest_id
        corr = secrets.token_hex(8)
        deadline = time.time() + self.forward_wait
        waiting: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self.pending[corr] = waiting
        try:
            try:
                if not await self.redis.exists(lease_key(contest_id)):
                    await self._tick(runner)  # nobody owns it (a new contest): take it now
                if runner.forward is None:  # we own it now
                    return await runner.submit(command, keep_time=keep_time, ref=ref, rows=rows)
                if not self.subscribed.is_set():  # its reply could not reach us yet
                    await self._until_subscribed(deadline)
                forwarded = Forwarded(
                    self.node,
                    corr,
                    deadline,
                    command,
                    keep_time,
                    ref.text if ref else None,
                    encode_rows(rows),
                )
                await self.redis.rpush(command_key(contest_id), msgspec.json.encode(forwarded))
            except (RedisError, OSError) as down:
                self._redis_down(down)
                raise CommitFailed(CLUSTER_UNAVAILABLE, NO_OWNER) from None
            try:
                reply = await asyncio.wait_for(waiting, self.forward_wait)
            except TimeoutError:
                raise CommitFailed(CLUSTER_UNAVAILABLE, NO_OWNER) from None
        finally:
            self.pending.pop(corr, None)
        if reply.seq is None:
            raise refusal(reply)
        if runner.seq < reply.seq:  # read-your-writes: the events may still be on their way
            await self._catch_up(runner)
        return reply.seq

    async def _until_subscribed(self, deadline: float) -> None:
        """Wait (until ``deadline``, wall clock) for the subscriber to be back on our reply
        channel; refuse the command, never send it, if it is not."""
        try:
            await asyncio.wait_for(self.subscribed.wait(), max(0.0, deadline - time.time()))
        except TimeoutError:
            raise CommitFailed(CLUSTER_UNAVAILABLE, NO_OWNER) from None

    async def _consume(self, runner: ContestRunner) -> None:
        """The owner's side: pop forwarded commands and carry each out in a task of its own."""
        contest_id = runner.contest_id
        while contest_id in self.tokens:
            try:
                popped = await self.listening.blpop([command_key(contest_id)], timeout=POP_WAIT)
            except (RedisError, OSError) as down:
                self._redis_down(down)
                await asyncio.sleep(self.renew)
                continue
            if popped is None:
                continue
            try:
                forwarded = msgspec.json.decode(popped[1], type=Forwarded)
                rows = decode_rows(forwarded.rows)
            except (msgspec.DecodeError, ValueError, TypeError) as bad:
                log.error("contest %s: a forwarded command is unreadable: %s", contest_id, bad)
                continue
            if forwarded.deadline < time.time():
                continue  # its sender gave up (and told its client): not carried out
            self._spawn(self._carry_out(runner, forwarded, rows), "forwarded")

    async def _carry_out(
        self, runner: ContestRunner, forwarded: Forwarded, rows: list[SetupRow]
    ) -> None:
        ref = CommandRef(forwarded.ref) if forwarded.ref else None
        try:
            seq = await runner.submit(
                forwarded.command, keep_time=forwarded.keep_time, ref=ref, rows=rows
            )
            reply = Reply(forwarded.corr, seq=seq)
        except (game_errors.RuleError, ContestBusy, CommitFailed, DuplicateRow) as refused:
            reply = reply_for(forwarded.corr, refused)
        except Exception:
            log.exception("contest %s: a forwarded command failed", runner.contest_id)
            reply = Reply(forwarded.corr, kind="internal")
        try:
            await self.redis.publish(f"quiz:reply:{forwarded.reply_to}", msgspec.json.encode(reply))
        except (RedisError, OSError) as down:
            self._redis_down(down)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.service.executor, lambda: fn(*args))
