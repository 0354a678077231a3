"""Fan-out: every change of a contest, projected once per stream, written to every connection.

Theory of operation (DESIGN.md "Slow clients never slow the game")
------------------------------------------------------------------
Connections are grouped into *streams* by what they may see: ``host``, ``team:<id>`` (a team's
players), ``display`` (big screens and venue agents) and ``audience``. When the runner publishes a
new state, the hub projects the view of each stream that has listeners (``game.views``), encodes
it **once**, keeps it in the stream's short history (for resuming clients) and offers it to every
connection of the stream.

A stream publishes at most once per *interval*: the first change after a quiet spell (no change
for ``min_interval``) goes out at once, later changes within the interval are merged into one view
sent when the interval ends (views are whole states, so the newest one carries every change; its
``events`` list names all the merged events). The interval is ``QUIZ_VIEW_INTERVAL`` (0.05 s),
or longer when one round of views to every stream of the contest costs more than
``FANOUT_SHARE`` (40 %) of it: with thousands of tablets answering at once, fan-out takes at most
that share of the event loop and the answers the rest, instead of one view per group commit to
every tablet.

Writing: a connection whose socket keeps up is written to directly. Under uvicorn the view's
WebSocket frame is built once and its bytes go straight to every transport (``server.wire``);
otherwise the ASGI ``send`` of an open WebSocket completes without waiting, so
``Connection.offer`` runs it to completion on the spot. Either way there is no queue and no task
per connection (like ``websockets.broadcast()``). Only when a send has to wait (the client's
socket buffer is full) or a message is delayed (a delayed audience) does the connection get a
*backlog*, bounded by ``QUIZ_SEND_QUEUE``, and a writer task that drains it in order and ends
when it is empty. A connection whose backlog overflows is closed with 4008 and resynchronises
when it reconnects.

Several processes (``server.cluster``): the contest's owner also hands the views of the
``SHARED`` streams (audience and display, the ones with crowds) to ``export``, whether or not it
has listeners of its own, and the cluster publishes those bytes over Redis. The other processes'
hubs are ``imported``: they do not project or encode those streams at all but write the owner's
text to their connections (``forward_view``), keeping it in the stream's history for resuming
clients. Should no view for a newer state come from the owner within ``VIEW_GRACE`` (Redis
down), a follower projects that stream itself, so its screens never stall.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

from game.state import ContestState
from game.views import audience_view, display_view, host_view, team_view
from server.agents import HEARTBEAT_INTERVAL, STATUS_INTERVAL, AgentBoard, BuzzerCheck, buzzers_live
from server.calibration import TouchCalibration
from server.clock import ClockEstimator
from server.protocol import CLOSE_TOO_SLOW, CLOSE_UNAUTHORIZED, Role, encode, error
from server.wire import DirectFrames, text_frame

log = logging.getLogger(__name__)

HISTORY = 64
FANOUT_SHARE = 0.4  # a burst of views takes at most this share of the event loop (ContestHub)
CENSUS_INTERVAL = 0.5  # at most two "who is connected" updates a second to the host
PING = "\x00ping"  # a backlog marker: the ping is stamped (t0) when it is really written
AGENT_PINGS = 5  # pings of each venue agent per ping interval (a tablet gets one; server.ws)
MAX_PENDING_PINGS = 8  # unanswered pings kept per ping a round: eight rounds' worth
REMOVED = error("player_removed", "the host removed this player from the contest").decode()
REVOKED = error("agent_revoked", "the host revoked this agent's token").decode()
CHECK_STREAMS = ("host", "display")  # buzzer-check messages: the host, big screens and agents
TIMELINE_STEP = 0.25  # seconds between two states a delayed audience can start from
TIMELINE_KEEP = 60.0  # seconds of states kept at least, for audiences asking for a longer delay
SHARED = ("audience", "display")  # streams whose views the owner publishes to other processes
VIEW_GRACE = 1.0  # seconds a follower waits for the owner's view before projecting it itself

Send = Callable[[dict[str, Any]], Awaitable[None]]
"""An ASGI ``send`` callable of one WebSocket."""


@types.coroutine
def _go_on(coro: Coroutine[Any, Any, None], pending: Any) -> Generator[Any, Any, None]:
    """Finish, inside a task, a coroutine that was started by hand and suspended.

    ``Connection.offer`` steps an ASGI send by hand (``coro.send(None)``); if it suspends, what it
    waits on (``pending``) is handed on here, and every value or exception the task resumes this
    with is passed to the coroutine — exactly what ``yield from coro`` would have done.
    """
    while True:
        try:
            value = yield pending
        except BaseException as error:  # cancellation and the like go to the coroutine
            try:
                pending = coro.throw(error)
            except StopIteration:
                return
        else:
            try:
                pending = coro.send(value)
            except StopIteration:
                return


async def _nothing(message: dict[str, Any]) -> None:
    """The send of a connection that has none yet (nothing is written)."""


@dataclass(eq=False, slots=True)
class Connection:
    """One client connection: who it is, its clock estimate and its way out.

    ``send`` is the WebSocket's ASGI send; ``close`` closes it with a code (used on overflow).
    """

    role: Role
    contest_id: str
    queue_size: int
    send: Send = _nothing
    close: Callable[[int], Awaitable[None]] | None = None
    team_id: str | None = None
    player_id: str | None = None
    agent_id: str | None = None
    agent_teams: frozenset[str] = frozenset()
    venue: str | None = None  # an agent's name (its venue label)
    display_name: str | None = None
    lang: str | None = None
    delay: float = 0.0
    last_seq: int | None = None
    stamp: Callable[[], float] | None = None  # the server clock (ms) for pings
    clock: ClockEstimator | None = None
    clock_sent: tuple[float, float] | None = None  # the estimate the client was last told
    pending_pings: dict[int, float] | None = None
    last_ping_id: int = 0
    overflowed: bool = False
    closed: bool = False
    backlog: deque[tuple[float, str]] | None = None
    writer: asyncio.Task[None] | None = None
    direct: DirectFrames | None = None  # writes shared frame bytes without ASGI (server.wire)
    snapshot_seq: int = -1  # the seq of the snapshot it was sent when it attached

    def __post_init__(self) -> None:
        if self.syncs_clock:  # only players and agents are pinged: nobody else needs these
            # an agent is pinged AGENT_PINGS times an interval and keeps 64 samples: the best of
            # more pings lands nearer the link's quickest round trip, so its offset estimate is
            # steadier over an uneven link (docs/performance.md, the agent's figures)
            self.clock = ClockEstimator(window=64 if self.role == "agent" else 16)
            self.pending_pings = {}

    @property
    def stream(self) -> str:
        """The stream this connection listens to."""
        if self.role == "player":
            return f"team:{self.team_id}"
        if self.role == "agent":
            return "display"
        return self.role

    @property
    def syncs_clock(self) -> bool:
        """Whether the server pings this connection for clock sync."""
        return self.role in ("player", "agent")

    def offer(
        self,
        text: str,
        release_at: float = 0.0,
        message: dict[str, Any] | None = None,
        frame: bytes | None = None,
    ) -> bool:
        """Write a message now, or queue it behind what is waiting; False when it is dropped.

        ``message`` is the ASGI event and ``frame`` the WebSocket frame of ``text`` when the
        caller shares them among many connections; ``release_at`` (event-loop time) holds a
        delayed audience's message back.
        """
        if self.closed or self.overflowed:
            return False
        if self.writer is None and not release_at:
            if frame is not None and self.direct is not None and self.direct.write(frame):
                return True  # written, with no ASGI event at all
            if text is PING:
                text, message = self._ping(), None
            coro = self.send(message or {"type": "websocket.send", "text": text})
            try:
                pending = coro.send(None)  # type: ignore[attr-defined]
            except StopIteration:
                return True  # written
            except Exception:  # the client is gone; its receive loop will detach it
                self.closed = True
                return False
            # The socket is full: finish this send, and everything after it, on a writer task.
            self.backlog = deque()
            self._start_writer(_go_on(coro, pending))  # type: ignore[arg-type]
            return True
        if self.backlog is None:
            self.backlog = deque()
        if len(self.backlog) >= self.queue_size:
            self.overflowed = True
            log.info("dropping a %s connection that fell behind (%s)", self.role, CLOSE_TOO_SLOW)
            if self.writer is None:
                self._start_writer(None)
            return False
        self.backlog.append((release_at, text))
        if self.writer is None:
            self._start_writer(None)
        return True

    def _start_writer(self, first: Awaitable[None] | None) -> None:
        self.writer = asyncio.get_running_loop().create_task(
            self._drain(first), name=f"ws-writer:{self.contest_id}"
        )

    async def _drain(self, first: Awaitable[None] | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            if first is not None:
                await first
            while self.backlog:
                # The backlog can only overflow while this task is stuck sending to a slow
                # client; it notices as soon as that send returns.
                if self.overflowed:
                    if self.close is not None:
                        await self.close(CLOSE_TOO_SLOW)
                    return
                release_at, text = self.backlog[0]
                wait = release_at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                self.backlog.popleft()
                if text is PING:
                    text = self._ping()
                await self.send({"type": "websocket.send", "text": text})
        except asyncio.CancelledError:
            raise
        except Exception:  # the client is gone
            self.closed = True
        finally:
            self.writer = None
            if not self.backlog:
                self.backlog = None

    def _ping(self) -> str:
        """A clock-sync ping stamped now (t0, server clock in ms)."""
        assert self.pending_pings is not None and self.stamp is not None
        self.last_ping_id += 1
        t0 = self.stamp()
        self.pending_pings[self.last_ping_id] = t0
        kept = MAX_PENDING_PINGS * (AGENT_PINGS if self.role == "agent" else 1)
        if len(self.pending_pings) > kept:
            self.pending_pings.pop(min(self.pending_pings))
        return encode({"type": "ping", "id": self.last_ping_id, "t0": t0}).decode()

    async def stop(self) -> None:
        """Stop the writer task, if any (the connection is over)."""
        self.closed = True
        writer = self.writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(BaseException):  # it was cancelled, or the client was gone
                await writer


@dataclass(slots=True)
class Moment:
    """A state of the contest and the time (event-loop clock) it became current."""

    at: float
    seq: int
    state: ContestState
    events: list[str] = field(default_factory=list)
    text: str | None = None  # its audience view, encoded when first needed


@dataclass
class Stream:
    """Listeners of one projection, its recent messages and its publication schedule."""

    connections: set[Connection] = field(default_factory=set)
    history: deque[tuple[int, str, float]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    published_at: float = float("-inf")
    changed_at: float = float("-inf")  # the last change, sent or merged
    events: list[str] = field(default_factory=list)  # merged events waiting for the next view
    due: asyncio.TimerHandle | None = None
    published_seq: int = -1
    roster: Any = None  # the players mapping whose list the stream's clients have last been sent
    cost: float = 0.0  # seconds its last view took to project, encode and write
    newest_snapshot: int = -1  # the newest snapshot seq sent to a connection that attached


def merge_census(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several processes' censuses as one (counts added, players and agents put together)."""
    merged: dict[str, Any] = {"host": 0, "display": 0, "audience": 0}
    players: dict[str, list[str]] = {}
    agents: list[dict[str, Any]] = []
    for part in parts:
        for role in ("host", "display", "audience"):
            merged[role] += part.get(role, 0)
        for team, names in part.get("players", {}).items():
            players.setdefault(team, []).extend(names)
        agents.extend(part.get("agents", []))
    merged["players"] = {team: sorted(names) for team, names in players.items()}
    merged["agents"] = sorted(agents, key=lambda a: str(a.get("agent_id")))
    return merged


def merge_agent_rows(boards: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Several processes' agent boards as one: per agent, the row of the process it is connected
    to (else the one that heard it last), with connections and press counts added up."""
    by_agent: dict[str, list[dict[str, Any]]] = {}
    order: list[str] = []
    for board in boards:
        for row in board:
            if row["agent_id"] not in by_agent:
                order.append(row["agent_id"])
            by_agent.setdefault(row["agent_id"], []).append(row)
    merged: list[dict[str, Any]] = []
    for agent_id in order:
        rows = by_agent[agent_id]
        best = max(rows, key=lambda r: (bool(r["connected"]), r.get("last_heard") or 0))
        row = dict(best)
        if len(rows) > 1:
            row["connections"] = sum(r["connections"] for r in rows)
            row["connected"] = any(r["connected"] for r in rows)
            row["revoked"] = any(r["revoked"] for r in rows)
            row["presses"] = {
                kind: sum(r["presses"][kind] for r in rows) for kind in best["presses"]
            }
            refused: dict[str, int] = {}
            for r in rows:
                for code, count in r["refused"].items():
                    refused[code] = refused.get(code, 0) + count
            row["refused"] = refused
        merged.append(row)
    return merged


def project(stream: str, state: ContestState, *, roster: bool = True) -> dict[str, Any]:
    """The view of ``stream`` for ``state``; ``roster=False`` leaves out the list of players
    (the host's ``players``, a team's ``members``)."""
    if stream == "host":
        return host_view(state, with_players=roster)
    if stream.startswith("team:"):
        return team_view(state, stream.removeprefix("team:"), with_members=roster)
    if stream == "display":
        return display_view(state)
    return audience_view(state)


class ContestHub:
    """The fan-out of one contest."""

    def __init__(
        self,
        contest_id: str,
        now: Callable[[], float],
        min_interval: float = 0.0,
        audience_delay: float = 0.0,
    ) -> None:
        self.contest_id = contest_id
        self.streams: dict[str, Stream] = {}
        self._now = now  # the event loop's clock, for audience delays and the view interval
        self.min_interval = min_interval
        self.audience_delay = audience_delay  # the server's floor (QUIZ_AUDIENCE_DELAY)
        self.state = ContestState()
        self.seq = 0
        self._census_due: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Future[None]] = set()  # closes of removed players' sockets
        self.timeline: deque[Moment] = deque()
        """Recent states with the time each became current, oldest first, for delayed
        audiences (see ``_attach_delayed``); kept whether or not anyone listens."""
        self._born = now()  # a state the hub starts with is current since at least now
        self.longest_delay = 0.0  # the longest delay any audience has asked for (kept: ≤ 600 s)
        self.agents = AgentBoard(self.agents_changed)
        """The venue agents' status, sent to the host (``server.agents``)."""
        self.check = BuzzerCheck()
        self.calibration = TouchCalibration()
        """Tablet touch latencies learned at the buzzer check (``server.calibration``)."""
        self.revoked_agents: set[str] = set()
        """Agents whose token the host revoked while this hub ran (a hello that read the token
        before the revocation must not attach after it)."""
        self._agents_due: asyncio.TimerHandle | None = None
        self._agents_due_at = 0.0
        self.relay: Callable[[dict[str, Any]], None] | None = None
        """Several processes (``server.cluster``): buzzer-check changes and presses are also
        sent to the contest's hubs in the other processes, whose screens and agents light too."""
        self.export: Callable[[str, int, str], None] | None = None
        """The owner of a contest served by several processes: each ``SHARED`` stream's view
        (stream, seq, text), for the other processes (see the module's docstring)."""
        self.imported = False
        """A follower: the ``SHARED`` streams' views come from the owner (``forward_view``)."""
        self.remote: dict[str, dict[str, Any]] = {}
        """The other processes' ``census`` and ``agents`` rows, by process (``server.cluster``
        shares them over Redis), merged into what the host is sent."""

    def _message(
        self, stream: str, *, snapshot: bool, events: list[str], roster: bool = True
    ) -> str:
        view = project(stream, self.state, roster=roster)
        if stream == "host":
            view["connections"] = self.census()
        body = {
            "type": "view",
            "seq": self.seq,
            "snapshot": snapshot,
            "events": events,
            "view": view,
        }
        return encode(body).decode()

    def publish(self, state: ContestState, seq: int, events: list[str]) -> None:
        """Fan out the views of a new state to every listener (see the interval above)."""
        self._remember(state, seq, events)
        self.state, self.seq = state, seq
        if "player_removed" in events:
            self._disconnect_removed_players()
        if self.check.on and buzzers_live(state):
            self.set_check(False)  # a forgotten check must never swallow a real press
        now = self._now()
        interval = self.interval()
        if self.export is not None:  # other processes' crowds need these views too
            for key in SHARED:
                self.streams.setdefault(key, Stream())
        for key, stream in self.streams.items():
            if not stream.connections and not self._exported(key):
                continue
            stream.events.extend(events)
            if self.imported and key in SHARED:
                # the owner's view is on its way; project it here only if it does not come
                if stream.published_seq >= seq:
                    stream.events.clear()  # its view came first
                elif stream.due is None:
                    stream.due = asyncio.get_running_loop().call_later(
                        VIEW_GRACE, self._flush, key, stream
                    )
                continue
            quiet = now - stream.changed_at >= self.min_interval
            stream.changed_at = now
            if stream.due is not None:
                continue  # a merged view is already on its way
            wait = 0.0 if quiet else stream.published_at + interval - now
            if wait <= 0:
                self._flush(key, stream)
            else:
                stream.due = asyncio.get_running_loop().call_later(wait, self._flush, key, stream)

    def _disconnect_removed_players(self) -> None:
        """Close, at once, every connection of a player who is no longer in the contest: it
        must not receive another view of the team (docs/protocol.md §4)."""
        players = self.state.players
        for key, stream in self.streams.items():
            if not key.startswith("team:"):
                continue
            for conn in [c for c in stream.connections if c.player_id not in players]:
                self._shut(stream, conn, REMOVED)

    def _shut(self, stream: Stream, conn: Connection, farewell: str) -> None:
        """Send ``farewell`` (an error) and close the connection with 4001 at once; it gets
        nothing more from its stream."""
        stream.connections.discard(conn)
        conn.offer(farewell)
        conn.closed = True
        if conn.close is not None:
            task = asyncio.ensure_future(conn.close(CLOSE_UNAUTHORIZED))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def close_agent(self, agent_id: str) -> None:
        """The host revoked an agent's token: close its connections now (``agent_revoked``,
        4001), and refuse any that was welcomed with the token just before."""
        self.revoked_agents.add(agent_id)
        self.agents.revoked(agent_id)
        stream = self.streams.get("display")
        if stream is None:
            return
        for conn in [c for c in stream.connections if c.agent_id == agent_id]:
            self._shut(stream, conn, REVOKED)

    def interval(self) -> float:
        """The least time between two views of a stream: ``min_interval``, or longer when one
        round of views of every stream costs more than ``FANOUT_SHARE`` of it."""
        if not self.min_interval:
            return 0.0
        cost = sum(stream.cost for stream in self.streams.values() if stream.connections)
        return max(self.min_interval, cost / FANOUT_SHARE)

    def _flush(self, key: str, stream: Stream) -> None:
        if stream.due is not None:
            stream.due.cancel()
            stream.due = None
        events, stream.events = stream.events, []
        if not stream.connections and not self._exported(key):
            return
        started = time.perf_counter()
        events = list(dict.fromkeys(events))
        text = self._message(key, snapshot=False, events=events, roster=self._roster_due(stream))
        stream.published_at = now = self._now()
        stream.published_seq = self.seq
        stream.history.append((self.seq, text, now))
        if self.export is not None and key in SHARED:
            self.export(key, self.seq, text)
        self._offer(stream, text)
        stream.cost = time.perf_counter() - started

    def _exported(self, key: str) -> bool:
        return self.export is not None and key in SHARED

    def forward_view(self, key: str, seq: int, text: str) -> None:
        """A follower: the owner's view ``text`` of a ``SHARED`` stream at ``seq``; written as it
        is to this process's connections (nothing is projected or encoded here)."""
        stream = self.streams.get(key)
        if stream is None or not self.imported or seq <= stream.published_seq:
            return  # nobody listens here, or a view as new was sent already
        if seq >= self.seq:  # the owner's view covers every state this hub has
            if stream.due is not None:
                stream.due.cancel()
                stream.due = None
            stream.events = []
        started = time.perf_counter()
        stream.published_at = now = self._now()
        stream.published_seq = seq
        stream.history.append((seq, text, now))
        if seq > stream.newest_snapshot:
            self._offer(stream, text)
        else:  # some just attached with a snapshot this new: not twice
            message = {"type": "websocket.send", "text": text}
            frame = text_frame(text)
            for conn in list(stream.connections):
                if conn.snapshot_seq < seq:
                    conn.offer(text, now + conn.delay if conn.delay else 0.0, message, frame)
        stream.cost = time.perf_counter() - started

    def _roster_due(self, stream: Stream) -> bool:
        """Whether the stream's next view must carry the roster (host: players, team: members):
        only when it changed since the last one sent — the engine keeps the same players
        mapping until a player joins or leaves. Marks it as sent."""
        due = stream.roster is not self.state.players
        stream.roster = self.state.players
        return due

    def _offer(self, stream: Stream, text: str) -> None:
        now = self._now()
        message = {"type": "websocket.send", "text": text}  # one ASGI event for everyone
        frame = text_frame(text)  # and one frame, for the connections written to directly
        for conn in list(stream.connections):
            conn.offer(text, now + conn.delay if conn.delay else 0.0, message, frame)

    def attach(self, conn: Connection, last_seq: int | None) -> None:
        """Add a connection and send what it missed since ``last_seq``, or a snapshot."""
        stream = self.streams.setdefault(conn.stream, Stream())
        if not stream.connections and stream.due is None and stream.published_seq != self.seq:
            # Changes happened while nobody listened: the history lacks them.
            stream.history.clear()
        stream.connections.add(conn)
        if conn.delay:
            self.longest_delay = max(self.longest_delay, conn.delay)
            self._attach_delayed(conn, stream)
        elif last_seq is not None and last_seq == self.seq:
            pass  # up to date: nothing until the next change (a last_seq from the future —
            # a log this server never had — falls through to a snapshot)
        elif (
            last_seq is not None
            and last_seq < self.seq
            and stream.history
            and stream.history[0][0] <= last_seq + 1
        ):
            for seq, text, _ in stream.history:
                if seq > last_seq:
                    conn.offer(text)
        else:
            conn.offer(self._message(conn.stream, snapshot=True, events=[]))
            conn.snapshot_seq = self.seq
            stream.newest_snapshot = max(stream.newest_snapshot, self.seq)
        if self.check.on and conn.stream in CHECK_STREAMS:
            conn.offer(self._check_text())
        if conn.role == "host" and (
            self.agents.entries or any(r["agents"] for r in self.remote.values())
        ):
            conn.offer(self.agents_message())
        if conn.role == "host" and self.calibration.differences:
            conn.offer(self.calibration_message())
        self.connections_changed()

    def _remember(self, state: ContestState, seq: int, events: list[str]) -> None:
        """Add a new state to the audience timeline: states at least ``TIMELINE_STEP`` apart
        (a newer state within the step replaces the newest, with its own time, so every moment
        still says "this state was current at that time"), no older than the longest delay
        needs (plus the newest state before that)."""
        now = self._now()
        timeline = self.timeline
        if not timeline:
            timeline.append(Moment(self._born, self.seq, self.state))
        if len(timeline) >= 2 and now - timeline[-2].at < TIMELINE_STEP:
            merged = timeline.pop().events
            timeline.append(Moment(now, seq, state, [*merged, *events]))
        else:
            timeline.append(Moment(now, seq, state, list(events)))
        longest = max(self.audience_delay, self.longest_delay, TIMELINE_KEEP)
        while len(timeline) >= 2 and timeline[1].at <= now - longest:
            timeline.popleft()

    def _moment_text(self, moment: Moment) -> str:
        """A moment's audience view, encoded once however many audiences start from it."""
        if moment.text is None:
            view = audience_view(moment.state)
            body = {
                "type": "view",
                "seq": moment.seq,
                "snapshot": True,
                "events": list(dict.fromkeys(moment.events)),
                "view": view,
            }
            moment.text = encode(body).decode()
        return moment.text

    def _attach_delayed(self, conn: Connection, stream: Stream) -> None:
        """A delayed audience starts from the newest state that was current at least ``delay``
        ago — never a newer one, even after a quiet spell or a restart (then it waits until the
        state it can have is old enough) — and receives every later moment ``delay`` after it
        happened."""
        now = self._now()
        cutoff = now - conn.delay
        if not self.timeline:
            self.timeline.append(Moment(self._born, self.seq, self.state))
        older = [m for m in self.timeline if m.at <= cutoff]
        newer = [m for m in self.timeline if m.at > cutoff]
        if older:
            conn.offer(self._moment_text(older[-1]))
        for moment in newer:
            conn.offer(self._moment_text(moment), moment.at + conn.delay)

    def detach(self, conn: Connection) -> None:
        """Remove a connection."""
        stream = self.streams.get(conn.stream)
        if stream is not None:
            stream.connections.discard(conn)
        self.connections_changed()

    def connections_changed(self) -> None:
        """Tell the host console who is connected, at most every ``CENSUS_INTERVAL`` seconds
        (a crowd of audience connections must not flood the host's connection)."""
        if self._census_due is None:
            self._census_due = asyncio.get_running_loop().call_later(
                CENSUS_INTERVAL, self._send_census
            )

    def _send_census(self) -> None:
        self._census_due = None
        host = self.streams.get("host")
        if host and host.connections:
            roster = self._roster_due(host)
            census = self._message("host", snapshot=False, events=["connections"], roster=roster)
            self._offer(host, census)

    def census(self) -> dict[str, Any]:
        """Who is connected, for the host console: this process's connections and, with several
        processes, the others' (``remote``)."""
        local = self.local_census()
        if not self.remote:
            return local
        return merge_census([local, *(r["census"] for r in self.remote.values())])

    def set_remote(self, remote: dict[str, dict[str, Any]]) -> None:
        """Several processes (``server.cluster``): the other processes' census and agents rows,
        by process; the host is told when they changed."""
        if remote == self.remote:
            return
        agents_moved = [r.get("agents") for r in remote.values()] != [
            r.get("agents") for r in self.remote.values()
        ]
        self.remote = remote
        self.connections_changed()
        if agents_moved:
            self.agents_changed(True)

    def local_census(self) -> dict[str, Any]:
        """Who is connected to this process."""
        players: dict[str, list[str]] = {}
        agents: list[dict[str, Any]] = []
        counts = {"host": 0, "display": 0, "audience": 0}
        for stream in self.streams.values():
            for conn in stream.connections:
                if conn.role == "player" and conn.team_id:
                    players.setdefault(conn.team_id, []).append(conn.display_name or "?")
                elif conn.role == "agent":
                    agents.append(
                        {
                            "agent_id": conn.agent_id,
                            "teams": sorted(conn.agent_teams),
                            "synced": conn.clock is not None and conn.clock.synced,
                        }
                    )
                else:
                    counts[conn.role] += 1
        return {**counts, "players": {t: sorted(n) for t, n in players.items()}, "agents": agents}

    # --- venue agents and the buzzer check (server.agents) ---------------------------------------

    def agents_changed(self, urgent: bool) -> None:
        """Send the host the agents' status soon: within ``STATUS_INTERVAL`` for a change that
        matters (``urgent``), within ``HEARTBEAT_INTERVAL`` when only heartbeats moved."""
        wait = STATUS_INTERVAL if urgent else HEARTBEAT_INTERVAL
        now = self._now()
        due = self._agents_due
        if due is not None and self._agents_due_at <= now + wait:
            return  # one is already on its way, soon enough
        if due is not None:
            due.cancel()
        self._agents_due_at = now + wait
        self._agents_due = asyncio.get_running_loop().call_later(wait, self._send_agents)

    def agents_message(self) -> str:
        """The host's ``agents`` message (docs/protocol.md §3.6)."""
        rows = self.agents.rows()
        if self.remote:
            rows = merge_agent_rows([rows, *(r["agents"] for r in self.remote.values())])
        return encode({"type": "agents", "agents": rows}).decode()

    def _send_agents(self) -> None:
        self._agents_due = None
        host = self.streams.get("host")
        if host and host.connections:
            self._offer(host, self.agents_message())

    def calibration_press(self, player_id: str | None, pressed_us: int) -> None:
        """A buzzer-check press mapped onto the server clock — a player's tablet, or a box
        (``None``) — for the touch-latency calibration (server.calibration); a completed pair
        sends the host the suggestions at once."""
        calibration = self.calibration
        paired = (
            calibration.box(pressed_us)
            if player_id is None
            else calibration.tablet(player_id, pressed_us)
        )
        if paired:
            host = self.streams.get("host")
            if host and host.connections:
                self._offer(host, self.calibration_message())

    def calibration_message(self) -> str:
        """The host's ``calibration`` message (docs/protocol.md §3.7)."""
        return encode({"type": "calibration", "players": self.calibration.suggestions()}).decode()

    def _check_text(self) -> str:
        return encode({"type": "check", "on": self.check.on}).decode()

    def _tell_check_streams(self, text: str) -> None:
        for key in CHECK_STREAMS:
            stream = self.streams.get(key)
            if stream is not None and stream.connections:
                self._offer(stream, text)

    def set_check(self, on: bool, *, relayed: bool = False) -> None:
        """Turn the buzzer check on or off and tell the host, the big screens and the agents
        (nothing is sent when it does not change); ``relayed``: it came from another process."""
        if self.check.on == on:
            return
        self.check.on = on
        self._tell_check_streams(self._check_text())
        if self.relay is not None and not relayed:
            self.relay({"check": on})

    def check_press(
        self,
        team_id: str,
        source: str,
        box: str | None,
        channel: int | None,
        at_us: int,
        *,
        relayed: bool = False,
    ) -> None:
        """A press in buzzer-check mode: the host, the big screens and the agents light the
        team (docs/protocol.md §3.7); ``relayed``: it came from another process."""
        if self.relay is not None and not relayed:
            self.relay({"press": [team_id, source, box, channel, at_us]})
        message = {
            "type": "check_press",
            "team_id": team_id,
            "source": source,
            "box": box,
            "channel": channel,
            "at": at_us,
        }
        self._tell_check_streams(encode(message).decode())

    def all_connections(self) -> list[Connection]:
        """Every connection of the contest."""
        return [c for s in self.streams.values() for c in s.connections]

    def stop(self) -> None:
        """Cancel the hub's timers (the contest is unloaded)."""
        for stream in self.streams.values():
            if stream.due is not None:
                stream.due.cancel()
                stream.due = None
        if self._census_due is not None:
            self._census_due.cancel()
            self._census_due = None
        if self._agents_due is not None:
            self._agents_due.cancel()
            self._agents_due = None
