"""Venue agents as the host sees them (the status board) and the host's buzzer check.

Theory of operation (docs/protocol.md §3.6, §3.7)
-------------------------------------------------
Both live in memory, one of each per contest, held by the contest's hub; neither touches the
event log, and both start empty after a restart (the agents report again as they reconnect).

``AgentBoard`` keeps one ``AgentEntry`` per agent that connected since the server started. The
WebSocket layer tells it what happens — an agent connected or left, was heard from (any message,
pongs included: the heartbeat), reported its boxes (``status``), had a press carried out or
refused (with the error code) or pressed in check mode — giving the time of each, so the board
itself reads no clock. Each change calls ``on_change(urgent)``; the hub turns that into an
``agents`` message to the host at most every ``STATUS_INTERVAL`` seconds for a change that matters
(a connection, a report, a press) and every ``HEARTBEAT_INTERVAL`` when only heartbeat times moved,
so a hundred pongs a second never reach the host console one by one. ``rows()`` is that message's
list: the clock error bound of an agent's link is read from its live connections' clock estimators
at that moment, and each box's total bound adds the bound the agent reports for its box mapping.

``BuzzerCheck`` is the host's test mode before the contest: while it is on, a press from a box or
a tablet is answered ``ack`` with ``check: true`` and announced as ``check_press`` to the host,
the big screens and the agents, and never reaches the contest engine. It cannot start while a
buzzer question is live (``buzzers_live``), and it ends by itself when the buzzers of a question
are armed, so a forgotten check never swallows a real press.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec

from game.state import ContestState

if TYPE_CHECKING:
    from server.hub import Connection
    from server.protocol import StatusMessage

STATUS_INTERVAL = 0.5  # seconds: at most two "agents" messages a second for real changes
HEARTBEAT_INTERVAL = 5.0  # seconds: heartbeat times alone are refreshed this often
RECENT_REFUSALS = 5  # refused presses kept per agent, newest last
REMEMBERED_PRESSES = 10_000  # acknowledged presses kept per agent, so a resend counts once
LIVE_BUZZER_PHASES = frozenset({"armed", "open", "collecting", "answering"})
"""Phases of a buzzer question in which a press counts (or a team is answering)."""


def buzzers_live(state: ContestState) -> bool:
    """Whether the current question is a buzzer question whose buzzers are armed or open, or
    whose winner is answering: no buzzer check then (docs/protocol.md §3.7)."""
    question = state.question
    if question is None or question.kind != "buzzer":
        return False
    return question.phase in LIVE_BUZZER_PHASES


@dataclass(eq=False)
class AgentEntry:
    """What the server knows of one agent since it started (times: ms of server time)."""

    agent_id: str
    venue: str
    teams: tuple[str, ...]
    connections: set[Connection] = field(default_factory=set)
    since: float | None = None  # connected since (or, when not connected, left at)
    last_heard: float | None = None
    boxes: list[dict[str, Any]] = field(default_factory=list)
    buffered: int = 0
    reported_at: float | None = None
    accepted: int = 0
    checked: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT_REFUSALS))
    revoked: bool = False
    acked: dict[Hashable, None] = field(default_factory=dict)  # presses counted, oldest first

    def link_bound(self) -> float | None:
        """The best clock error bound (ms) among the agent's live, synced connections."""
        bounds = [
            conn.clock.bound
            for conn in self.connections
            if conn.clock is not None and conn.clock.synced
        ]
        return min(bounds) if bounds else None

    def row(self) -> dict[str, Any]:
        """The entry as the host's ``agents`` message shows it."""
        link = self.link_bound()
        boxes = [
            {
                **box,
                "total_bound_ms": (
                    None if link is None or box.get("bound_ms") is None else link + box["bound_ms"]
                ),
            }
            for box in self.boxes
        ]
        return {
            "agent_id": self.agent_id,
            "venue": self.venue,
            "teams": list(self.teams),
            "connected": bool(self.connections),
            "connections": len(self.connections),
            "since": self.since,
            "last_heard": self.last_heard,
            "link_bound_ms": link,
            "boxes": boxes,
            "buffered": self.buffered,
            "reported_at": self.reported_at,
            "presses": {"accepted": self.accepted, "checked": self.checked},
            "refused": dict(self.refused),
            "refused_recent": list(self.recent),
            "revoked": self.revoked,
        }


class AgentBoard:
    """The live status of a contest's agents, for the host console."""

    def __init__(self, on_change: Callable[[bool], None] = lambda urgent: None) -> None:
        self.entries: dict[str, AgentEntry] = {}
        self.on_change = on_change

    def _entry(self, conn: Connection) -> AgentEntry:
        assert conn.agent_id is not None
        entry = self.entries.get(conn.agent_id)
        if entry is None:
            entry = AgentEntry(conn.agent_id, conn.venue or "", tuple(sorted(conn.agent_teams)))
            self.entries[conn.agent_id] = entry
        return entry

    def connected(self, conn: Connection, at: float) -> None:
        """An agent's connection was welcomed."""
        entry = self._entry(conn)
        if not entry.connections:
            entry.since = at
        entry.connections.add(conn)
        entry.venue = conn.venue or entry.venue
        entry.teams = tuple(sorted(conn.agent_teams))
        entry.last_heard = at
        self.on_change(True)

    def left(self, conn: Connection, at: float) -> None:
        """An agent's connection ended."""
        entry = self._entry(conn)
        if conn not in entry.connections:
            return
        entry.connections.discard(conn)
        if not entry.connections:
            entry.since = at
        self.on_change(True)

    def heard(self, conn: Connection, at: float) -> None:
        """Any message from the agent (a pong too): its heartbeat."""
        self._entry(conn).last_heard = at
        self.on_change(False)

    def reported(self, conn: Connection, status: StatusMessage, at: float) -> None:
        """The agent's ``status``: its boxes, replacing the previous report."""
        entry = self._entry(conn)
        entry.boxes = [msgspec.to_builtins(box) for box in status.boxes]
        entry.buffered = status.buffered
        entry.reported_at = at
        self.on_change(True)

    def accepted(self, conn: Connection, press: Hashable | None = None) -> None:
        """A press of the agent was acknowledged as carried out by the contest.

        A resend of a press already carried out gets its first ack again (docs/protocol.md §3.4):
        ``press`` (the frozen message: same id and content is the same press) acknowledged before
        — among the agent's newest ``REMEMBERED_PRESSES`` — is not counted again."""
        entry = self._entry(conn)
        if press is not None:
            if press in entry.acked:
                return
            entry.acked[press] = None
            while len(entry.acked) > REMEMBERED_PRESSES:
                del entry.acked[next(iter(entry.acked))]
        entry.accepted += 1
        self.on_change(True)

    def refused(self, conn: Connection, code: str, team_id: str, at: float) -> None:
        """A press of the agent was refused with ``code``."""
        entry = self._entry(conn)
        entry.refused[code] = entry.refused.get(code, 0) + 1
        entry.recent.append({"code": code, "team_id": team_id, "at": at})
        self.on_change(True)

    def checked(self, conn: Connection) -> None:
        """A press of the agent in buzzer-check mode."""
        self._entry(conn).checked += 1
        self.on_change(True)

    def clock_changed(self, conn: Connection) -> None:
        """The clock estimate of an agent's connection changed (its bound may have)."""
        self._entry(conn)
        self.on_change(True)

    def renamed(self, agent_id: str, venue: str) -> None:
        """The host renamed an agent."""
        entry = self.entries.get(agent_id)
        if entry is not None:
            entry.venue = venue
            self.on_change(True)

    def revoked(self, agent_id: str) -> None:
        """The host revoked an agent's token."""
        entry = self.entries.get(agent_id)
        if entry is not None:
            entry.revoked = True
            self.on_change(True)

    def rows(self) -> list[dict[str, Any]]:
        """Every agent heard of since the start, by venue."""
        entries: Iterable[AgentEntry] = sorted(
            self.entries.values(), key=lambda e: (_collation_key(e.venue), e.agent_id)
        )
        return [entry.row() for entry in entries]


def _collation_key(name: str) -> str:
    """Sort names as people read them: "Šiauliai" between "Riga" and "Tukums"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


@dataclass
class BuzzerCheck:
    """The host's buzzer check of one contest: on or off, in memory only."""

    on: bool = False
