"""Fan-out: every change of a contest, projected once per stream, queued per connection.

Theory of operation (DESIGN.md "Slow clients never slow the game")
------------------------------------------------------------------
Connections are grouped into *streams* by what they may see: ``host``, ``team:<id>`` (a team's
players), ``display`` (big screens and venue agents) and ``audience``. When the runner publishes a
new state, the hub projects the view of each stream that has listeners (``game.views``), encodes
it **once**, keeps it in the stream's short history (for resuming clients) and offers it to every
connection of the stream. Each connection has its own bounded queue drained by its own sender
task; a connection whose queue is full is marked for dropping (close 4008) and resynchronises when
it reconnects. Audience connections get each message after their delay.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from game.state import ContestState
from game.views import audience_view, display_view, host_view, team_view
from server.clock import ClockEstimator
from server.protocol import CLOSE_TOO_SLOW, Role, encode

log = logging.getLogger(__name__)

HISTORY = 64
CENSUS_INTERVAL = 0.5  # at most two "who is connected" updates a second to the host
PING = "\x00ping"  # a queue marker: the sender stamps t0 when it really sends


@dataclass(eq=False)
class Connection:
    """One client connection's identity, clock estimate and outgoing queue."""

    role: Role
    contest_id: str
    queue_size: int
    team_id: str | None = None
    player_id: str | None = None
    agent_id: str | None = None
    agent_teams: frozenset[str] = frozenset()
    display_name: str | None = None
    lang: str | None = None
    delay: float = 0.0
    last_seq: int | None = None
    clock: ClockEstimator = field(default_factory=ClockEstimator)
    pending_pings: dict[int, float] = field(default_factory=dict)
    ping_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    overflowed: bool = False

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[tuple[float, str]] = asyncio.Queue(self.queue_size)

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

    def offer(self, text: str, release_at: float = 0.0) -> bool:
        """Queue a message; on overflow mark the connection for dropping and return False."""
        if self.overflowed:
            return False
        try:
            self.queue.put_nowait((release_at, text))
        except asyncio.QueueFull:
            self.overflowed = True
            return False
        return True


@dataclass
class Stream:
    """Listeners of one projection and its recent messages."""

    connections: set[Connection] = field(default_factory=set)
    history: deque[tuple[int, str, float]] = field(default_factory=lambda: deque(maxlen=HISTORY))


def project(stream: str, state: ContestState) -> dict[str, Any]:
    """The view of ``stream`` for ``state``."""
    if stream == "host":
        return host_view(state)
    if stream.startswith("team:"):
        return team_view(state, stream.removeprefix("team:"))
    if stream == "display":
        return display_view(state)
    return audience_view(state)


class ContestHub:
    """The fan-out of one contest."""

    def __init__(self, contest_id: str, now: Callable[[], float]) -> None:
        self.contest_id = contest_id
        self.streams: dict[str, Stream] = {}
        self._now = now  # the event loop's clock, for audience delays
        self.state = ContestState()
        self.seq = 0
        self._census_due: asyncio.TimerHandle | None = None

    def _message(self, stream: str, *, snapshot: bool, events: list[str]) -> str:
        view = project(stream, self.state)
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
        """Fan out the views of a new state to every listener."""
        self.state, self.seq = state, seq
        for key, stream in self.streams.items():
            if not stream.connections:
                continue
            text = self._message(key, snapshot=False, events=events)
            stream.history.append((seq, text, self._now()))
            self._offer(stream, text)

    def _offer(self, stream: Stream, text: str) -> None:
        now = self._now()
        for conn in list(stream.connections):
            if not conn.offer(text, now + conn.delay if conn.delay else 0.0):
                log.info(
                    "dropping a %s connection that fell behind (close %s)",
                    conn.role,
                    CLOSE_TOO_SLOW,
                )

    def attach(self, conn: Connection, last_seq: int | None) -> None:
        """Add a connection and queue what it missed since ``last_seq``, or a snapshot."""
        stream = self.streams.setdefault(conn.stream, Stream())
        stream.connections.add(conn)
        if conn.delay:
            self._attach_delayed(conn, stream)
        elif last_seq is not None and last_seq >= self.seq:
            pass  # up to date: nothing until the next change
        elif last_seq is not None and stream.history and stream.history[0][0] <= last_seq + 1:
            for seq, text, _ in stream.history:
                if seq > last_seq:
                    conn.offer(text)
        else:
            conn.offer(self._message(conn.stream, snapshot=True, events=[]))
        self.connections_changed()

    def _attach_delayed(self, conn: Connection, stream: Stream) -> None:
        """A delayed audience starts from the newest view at least ``delay`` old, never newer."""
        cutoff = self._now() - conn.delay
        older = [entry for entry in stream.history if entry[2] <= cutoff]
        newer = [entry for entry in stream.history if entry[2] > cutoff]
        if older:
            conn.offer(older[-1][1])
        elif not stream.history:
            conn.offer(self._message(conn.stream, snapshot=True, events=[]))
        for _, text, published in newer:
            conn.offer(text, published + conn.delay)

    def detach(self, conn: Connection) -> None:
        """Remove a connection."""
        stream = self.streams.get(conn.stream)
        if stream is not None:
            stream.connections.discard(conn)
        self.connections_changed()

    def connections_changed(self) -> None:
        """Tell the host console who is connected, at most every ``CENSUS_INTERVAL`` seconds
        (a crowd of audience connections must not flood the host's queue)."""
        if self._census_due is None:
            self._census_due = asyncio.get_running_loop().call_later(
                CENSUS_INTERVAL, self._send_census
            )

    def _send_census(self) -> None:
        self._census_due = None
        host = self.streams.get("host")
        if host and host.connections:
            self._offer(host, self._message("host", snapshot=False, events=["connections"]))

    def census(self) -> dict[str, Any]:
        """Who is connected, for the host console."""
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
                            "synced": conn.clock.synced,
                        }
                    )
                else:
                    counts[conn.role] += 1
        return {**counts, "players": {t: sorted(n) for t, n in players.items()}, "agents": agents}

    def all_connections(self) -> list[Connection]:
        """Every connection of the contest."""
        return [c for s in self.streams.values() for c in s.connections]
