"""What the host sees of its venue agents (issue 12): the agent's ``status`` message is checked at
the edge and kept in memory, and the host receives ``agents`` messages with every agent's
connection, boxes, clock bound, heartbeat and presses — accepted, and refused with their reasons."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from server.agents import AgentBoard
from server.hub import Connection, ContestHub
from tests.server.conftest import receive_until, reply_to

STATUS = {
    "type": "status",
    "id": "s-1",
    "boxes": [
        {
            "port": "/dev/ttyUSB0",
            "state": "open",
            "box": "LIEP-1",
            "firmware": "bz1 1.2",
            "channels": {"1": "liepaja", "2": "liepaja"},
            "bound_ms": 0.25,
            "error": None,
        },
        {"port": "rfc2217://10.0.0.7:4000", "state": "down", "error": "connection refused"},
    ],
    "buffered": 2,
}


@pytest.fixture
def live(with_agent):
    return with_agent


def _agent(connect: Any, contest: dict[str, Any]) -> Any:
    return connect("agent", token=contest["agent"]["agent_token"])


def _host(connect: Any, contest: dict[str, Any]) -> Any:
    return connect("host", secret=contest["secret"])


def _sync(agent: Any) -> float:
    """Answer a ping from an agent clock that reads 5.0 when the ping is sent; returns the agent
    clock's offset (agent minus server time, ms) as the server estimates it."""
    ping = receive_until(agent, lambda m: m["type"] == "ping")
    agent.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": 5.0, "t2": 5.1})
    return float(receive_until(agent, lambda m: m["type"] == "clock")["offset"])


def _agents(host: Any, predicate: Any) -> dict[str, Any]:
    """The first ``agents`` row of the Liepāja agent that matches."""
    message = receive_until(
        host,
        lambda m: m["type"] == "agents" and any(predicate(row) for row in m["agents"]),
        limit=500,
    )
    return next(row for row in message["agents"] if predicate(row))


def _command(host: Any, kind: str) -> None:
    host.send_json({"type": "command", "id": f"c-{kind}", "command": {"type": kind}})
    assert reply_to(host, limit=500)["type"] == "ack"


def test_a_status_is_acknowledged_and_the_host_sees_the_boxes(live):
    _, contest, connect = live
    host = _host(connect, contest)
    agent = _agent(connect, contest)
    agent.send_json(STATUS)
    ack = reply_to(agent)
    assert ack["type"] == "ack" and ack["id"] == "s-1" and isinstance(ack["seq"], int)
    row = _agents(host, lambda r: r["boxes"])
    assert row["agent_id"] == contest["agent"]["agent_id"] and row["venue"] == "Liepāja"
    assert row["connected"] is True and row["connections"] == 1 and row["teams"] == ["liepaja"]
    assert row["buffered"] == 2 and row["since"] > 1.7e12 and row["last_heard"] >= row["since"]
    first, second = row["boxes"]
    assert first["box"] == "LIEP-1" and first["channels"] == {"1": "liepaja", "2": "liepaja"}
    assert first["state"] == "open" and first["bound_ms"] == 0.25 and first["firmware"] == "bz1 1.2"
    assert first["total_bound_ms"] is None  # the link is not synced yet
    assert second["state"] == "down" and second["error"] == "connection refused"
    assert row["link_bound_ms"] is None


def test_the_host_sees_the_link_bound_plus_the_box_bound(live):
    _, contest, connect = live
    host = _host(connect, contest)
    agent = _agent(connect, contest)
    _sync(agent)
    agent.send_json(STATUS)
    reply_to(agent)
    row = _agents(host, lambda r: r["boxes"] and r["link_bound_ms"] is not None)
    assert row["link_bound_ms"] >= 0
    assert row["boxes"][0]["total_bound_ms"] == pytest.approx(row["link_bound_ms"] + 0.25)
    assert row["boxes"][1]["total_bound_ms"] is None  # a box without a mapping yet


def test_a_host_that_connects_later_gets_the_status_at_once(live):
    _, contest, connect = live
    agent = _agent(connect, contest)
    agent.send_json(STATUS)
    reply_to(agent)
    host = _host(connect, contest)
    row = _agents(host, lambda r: r["boxes"])
    assert row["connected"] is True and len(row["boxes"]) == 2


def test_the_host_sees_an_agent_leave(live):
    client, contest, connect = live
    host = _host(connect, contest)
    with client.websocket_connect(f"/ws/{contest['id']}") as agent:
        agent.send_json(
            {"type": "hello", "role": "agent", "token": contest["agent"]["agent_token"]}
        )
        assert agent.receive_json()["type"] == "welcome"
        joined = _agents(host, lambda r: r["connected"])
    left = _agents(host, lambda r: not r["connected"])
    assert left["connections"] == 0 and left["since"] >= joined["since"]


def test_refused_presses_are_counted_by_reason_and_accepted_ones_too(live):
    _, contest, connect = live
    host = _host(connect, contest)
    agent = _agent(connect, contest)
    agent.send_json({"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 10.0})
    assert reply_to(agent)["code"] == "clock_not_synced"
    agent.send_json({"type": "press", "id": 2, "team_id": "jelgava", "pressed_at": 10.0})
    assert reply_to(agent)["code"] == "not_your_team"
    offset = _sync(agent)
    agent.send_json({"type": "press", "id": 3, "team_id": "liepaja", "pressed_at": 6.0})
    assert reply_to(agent)["code"] == "contest_not_running"
    row = _agents(host, lambda r: sum(r["refused"].values()) == 3)
    assert row["refused"] == {"clock_not_synced": 1, "not_your_team": 1, "contest_not_running": 1}
    recent = row["refused_recent"]
    assert [r["code"] for r in recent] == [
        "clock_not_synced",
        "not_your_team",
        "contest_not_running",
    ]
    assert [r["team_id"] for r in recent] == ["liepaja", "jelgava", "liepaja"]
    assert all(r["at"] > 1.7e12 for r in recent)
    assert row["presses"] == {"accepted": 0, "checked": 0}
    for kind in ("start_contest", "start_round", "show_question", "open_buzzers"):
        _command(host, kind)
    receive_until(
        agent,
        lambda m: m["type"] == "view" and (m["view"]["question"] or {}).get("phase") == "open",
    )
    now_on_agent_clock = time.time() * 1000 + offset
    agent.send_json(
        {"type": "press", "id": 4, "team_id": "liepaja", "pressed_at": now_on_agent_clock}
    )
    assert reply_to(agent)["type"] == "ack"
    row = _agents(host, lambda r: r["presses"]["accepted"] == 1)
    assert sum(row["refused"].values()) == 3


def test_a_resent_press_that_gets_its_first_ack_again_counts_once(live):
    """An agent resends a press whose ack it did not see (docs/protocol.md §3.4): the server
    answers it with the first ack; the host's count of accepted presses must not grow."""
    _, contest, connect = live
    host = _host(connect, contest)
    agent = _agent(connect, contest)
    offset = _sync(agent)
    for kind in ("start_contest", "start_round", "show_question", "open_buzzers"):
        _command(host, kind)
    receive_until(
        agent,
        lambda m: m["type"] == "view" and (m["view"]["question"] or {}).get("phase") == "open",
    )
    press = {
        "type": "press",
        "id": "k1-1",
        "team_id": "liepaja",
        "pressed_at": time.time() * 1000 + offset,
    }
    agent.send_json(press)
    first = reply_to(agent)
    assert first["type"] == "ack"
    agent.send_json(press)  # the resend after a lost ack
    assert reply_to(agent) == first
    agent.send_json(STATUS)  # a change the host hears of at once, after both acks
    row = _agents(host, lambda r: r["reported_at"] is not None)
    assert row["presses"]["accepted"] == 1


def test_only_the_newest_refusals_are_kept_in_full(live):
    _, contest, connect = live
    host = _host(connect, contest)
    agent = _agent(connect, contest)
    for n in range(8):
        agent.send_json({"type": "press", "id": n, "team_id": "jelgava", "pressed_at": 1.0})
        assert reply_to(agent)["code"] == "not_your_team"
    row = _agents(host, lambda r: r["refused"].get("not_your_team") == 8)
    assert len(row["refused_recent"]) == 5


@pytest.mark.parametrize(
    "change",
    [
        {"boxes": [{"port": "/dev/ttyUSB0", "state": "maybe"}]},
        {"boxes": [{"state": "open"}]},
        {"boxes": [{"port": "x" * 201, "state": "open"}]},
        {"boxes": [{"port": "p", "state": "open", "channels": {"one": "liepaja"}}]},
        {"boxes": [{"port": "p", "state": "open", "channels": {"1": "t" * 101}}]},
        {"boxes": [{"port": "p", "state": "open", "channels": {str(n): "t" for n in range(65)}}]},
        {"boxes": [{"port": "p", "state": "open", "bound_ms": -1}]},
        {"boxes": [{"port": "p", "state": "open", "bound_ms": 60_001}]},
        {"boxes": [{"port": "p", "state": "open", "box": "b" * 65}]},
        {"boxes": [{"port": "p", "state": "open", "error": "e" * 201}]},
        {"boxes": [{"port": "p", "state": "open"}] * 17},
        {"boxes": "all fine"},
        {"buffered": -1},
        {"buffered": 1_000_001},
        {"id": None},
    ],
)
def test_a_status_outside_the_limits_is_refused_and_changes_nothing(live, change):
    _, contest, connect = live
    agent = _agent(connect, contest)
    message = {**STATUS, **change}
    if message["id"] is None:
        del message["id"]
    agent.send_json(message)
    refused = reply_to(agent)
    assert refused["type"] == "error" and refused["code"] == "invalid_message"
    agent.send_json({"type": "status", "id": "ok"})  # the connection goes on
    assert reply_to(agent)["type"] == "ack"


@pytest.mark.parametrize("role", ["host", "player", "display"])
def test_only_agents_send_status(live, role):
    _, contest, connect = live
    credential = {
        "host": {"secret": contest["secret"]},
        "player": {"token": contest["tokens"]["jelgava"]},
        "display": {"token": contest["screen_token"]},
    }[role]
    ws = connect(role, **credential)
    ws.send_json(STATUS)
    refused = reply_to(ws)
    assert refused["code"] == "forbidden" and refused["id"] == "s-1"


def test_nobody_but_the_host_receives_the_status(live):
    _, contest, connect = live
    screen = connect("display", token=contest["screen_token"])
    agent = _agent(connect, contest)
    agent.send_json(STATUS)
    reply_to(agent)
    host = _host(connect, contest)
    _agents(host, lambda r: r["boxes"])
    screen.send_json({"type": "time", "id": "probe"})
    seen = []
    while True:
        message = screen.receive_json()
        if message["type"] == "time":
            break
        seen.append(message["type"])
    assert "agents" not in seen
    agent.send_json({"type": "time", "id": "probe"})
    seen = []
    while (message := agent.receive_json())["type"] != "time":
        seen.append(message["type"])
    assert "agents" not in seen


# --- the hub's throttle, without a server ---------------------------------------------------------


class _Socket:
    def __init__(self) -> None:
        self.written: list[str] = []

    async def send(self, message: dict[str, Any]) -> None:
        self.written.append(message["text"])


def test_heartbeats_alone_reach_the_host_seldom_and_changes_soon():
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        hub = ContestHub("x", loop.time)
        socket = _Socket()
        host = Connection(role="host", contest_id="x", queue_size=100, send=socket.send)
        hub.attach(host, None)
        agent = Connection(role="agent", contest_id="x", queue_size=100, agent_id="ag-1")
        agent.agent_teams = frozenset({"liepaja"})
        hub.agents.connected(agent, time.time() * 1000)
        due = hub._agents_due
        assert due is not None and hub._agents_due_at <= loop.time() + 0.5
        for _ in range(100):  # a hundred pongs: still the one message already due
            hub.agents.heard(agent, time.time() * 1000)
        assert hub._agents_due is due
        assert not [t for t in socket.written if '"type":"agents"' in t]  # nothing yet
        due.cancel()
        hub._send_agents()  # what the timer does when it is due (no waiting in tests)
        agents = [t for t in socket.written if '"type":"agents"' in t]
        assert len(agents) == 1 and hub._agents_due is None
        hub.agents.heard(agent, time.time() * 1000)  # only a heartbeat: the slow lane
        assert hub._agents_due_at > loop.time() + 4
        hub.agents.accepted(agent)  # a press: the fast lane replaces it
        assert hub._agents_due_at <= loop.time() + 0.5
        hub.stop()

    asyncio.run(scenario())


def test_the_board_keeps_agents_by_venue_and_counts_by_reason():
    board = AgentBoard()
    for agent_id, venue in (("ag-2", "Šiauliai"), ("ag-1", "Jelgava")):
        conn = Connection(role="agent", contest_id="x", queue_size=1, agent_id=agent_id)
        conn.venue = venue
        board.connected(conn, 1000.0)
        board.refused(conn, "buzzers_closed", "t", 1001.0)
        board.refused(conn, "buzzers_closed", "t", 1002.0)
        board.refused(conn, "late", "t", 1003.0)
    rows = board.rows()
    assert [r["venue"] for r in rows] == ["Jelgava", "Šiauliai"]
    assert rows[0]["refused"] == {"buzzers_closed": 2, "late": 1}
    board.renamed("ag-1", "Zilupe")
    assert [r["venue"] for r in board.rows()] == ["Šiauliai", "Zilupe"]
