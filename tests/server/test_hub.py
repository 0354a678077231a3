"""Fan-out: one encoding per stream, direct writes, backlogs for slow sockets, merged views,
resume from history, dropping slow clients."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from game import commands as c
from game.engine import decide
from game.state import ContestState
from server.hub import (
    HISTORY,
    PING,
    TIMELINE_KEEP,
    TIMELINE_STEP,
    Connection,
    ContestHub,
    Stream,
)


def _state() -> ContestState:
    state = ContestState()
    state = decide(
        state, c.CreateContest(at=1, contest_id="x", title="T", languages=("lv",), seed=1)
    ).state
    for team in ("a", "b"):
        state = decide(state, c.AddTeam(at=1, team_id=team, name=team, venue=team)).state
    return state


class Socket:
    """The ASGI side of one WebSocket: records what is written; ``jam()`` makes writes wait,
    as uvicorn's do while the client's socket buffer is full."""

    def __init__(self) -> None:
        self.written: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self.closed_with: int | None = None

    async def send(self, message: dict[str, Any]) -> None:
        await self.writable.wait()
        self.events.append(message)
        self.written.append(message["text"])

    async def close(self, code: int) -> None:
        self.closed_with = code

    def jam(self) -> None:
        self.writable.clear()

    def unjam(self) -> None:
        self.writable.set()

    def seqs(self) -> list[int]:
        return [json.loads(text)["seq"] for text in self.written]


def _connection(role: str = "display", **fields: Any) -> tuple[Connection, Socket]:
    socket = Socket()
    fields.setdefault("queue_size", 1000)
    conn = Connection(
        role=role,  # type: ignore[arg-type]
        contest_id="x",
        send=socket.send,
        close=socket.close,
        **fields,
    )
    return conn, socket


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_each_stream_is_encoded_once_and_written_to_all_its_connections_at_once():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        screens = [_connection() for _ in range(3)]
        team_a, tablet = _connection("player", team_id="a")
        for conn, _ in (*screens, (team_a, tablet)):
            hub.attach(conn, None)
        state = _state()
        hub.publish(state, state.version, ["team_added"])
        # Written during publish itself: no queue, no task per connection.
        updates = [socket.written[1] for _, socket in screens]
        assert all(text is updates[0] for text in updates)  # encoded once, shared
        assert all(socket.events[1] is screens[0][1].events[1] for _, socket in screens)
        assert json.loads(updates[0])["events"] == ["team_added"]
        assert [conn.writer for conn, _ in screens] == [None, None, None]
        assert json.loads(tablet.written[1])["view"]["role"] == "player"

    asyncio.run(scenario())


def test_a_jammed_socket_gets_a_backlog_in_order_and_the_others_are_not_held_up():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        slow, slow_socket = _connection("audience")
        fast, fast_socket = _connection("audience")
        hub.attach(slow, None)
        hub.attach(fast, None)
        slow_socket.jam()
        state = _state()
        for seq in (1, 2, 3):
            hub.publish(state, seq, [])
        assert fast_socket.seqs()[1:] == [1, 2, 3]
        assert slow_socket.seqs()[1:] == [] and slow.writer is not None
        slow_socket.unjam()
        await _settle()
        assert slow_socket.seqs()[1:] == [1, 2, 3]
        assert slow.writer is None and slow.backlog is None  # back to direct writes
        hub.publish(state, 4, [])
        assert slow_socket.seqs()[-1] == 4

    asyncio.run(scenario())


def test_a_backlog_that_overflows_closes_the_connection_with_4008():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        slow, socket = _connection("audience", queue_size=4)
        hub.attach(slow, None)
        socket.jam()
        state = _state()
        for seq in range(1, 11):
            hub.publish(state, seq, [])
        assert slow.overflowed and slow.backlog is not None and len(slow.backlog) == 4
        assert not slow.offer("more")  # dropped from now on
        socket.unjam()
        await _settle()
        assert socket.closed_with == 4008
        assert socket.seqs()[1:] == [1]  # the send that was under way, then the close

    asyncio.run(scenario())


def test_a_client_that_is_gone_is_not_written_to_again():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        calls = []

        async def broken(message: dict[str, Any]) -> None:
            calls.append(message)
            raise ConnectionResetError

        gone = Connection(role="audience", contest_id="x", queue_size=8, send=broken)
        hub.attach(gone, None)
        hub.publish(_state(), 1, [])
        assert gone.closed and len(calls) == 1

    asyncio.run(scenario())


def test_changes_within_the_view_interval_are_merged_into_one_view():
    async def scenario():
        loop = asyncio.get_running_loop()
        hub = ContestHub("x", loop.time, min_interval=0.05)
        screen, socket = _connection()
        hub.attach(screen, None)
        state = _state()
        hub.publish(state, 1, ["answer_submitted"])  # after a quiet spell: at once
        hub.publish(state, 2, ["answer_submitted"])
        hub.publish(state, 3, ["answers_locked"])
        assert socket.seqs() == [0, 1]
        await asyncio.sleep(0.1)
        assert socket.seqs() == [0, 1, 3]  # one view for both changes, the newest
        merged = json.loads(socket.written[-1])
        assert merged["events"] == ["answer_submitted", "answers_locked"]
        await asyncio.sleep(0.1)
        hub.publish(state, 4, ["score_changed"])  # quiet again: at once
        assert socket.seqs()[-1] == 4

    asyncio.run(scenario())


def test_the_interval_grows_when_a_round_of_views_costs_more_than_its_share_of_it():
    hub = ContestHub("x", lambda: 0.0, min_interval=0.05)
    for team, cost in (("a", 0.02), ("b", 0.03), ("c", 0.01)):
        conn, _ = _connection("player", team_id=team)
        hub.streams.setdefault(conn.stream, Stream()).connections.add(conn)
        hub.streams[conn.stream].cost = cost
    assert hub.interval() == pytest.approx(0.15)  # 60 ms of views per round: 40 % of 150 ms
    hub.streams["team:b"].connections.clear()  # nobody listens: costs nothing
    assert hub.interval() == pytest.approx(0.075)
    hub.streams["team:a"].cost = hub.streams["team:c"].cost = 0.001
    assert hub.interval() == 0.05  # never below QUIZ_VIEW_INTERVAL
    assert ContestHub("x", lambda: 0.0).interval() == 0.0  # 0: every change at once


def test_the_roster_goes_out_only_when_it_changed():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        tablet, socket = _connection("player", team_id="a")
        host, host_socket = _connection("host")
        state = _state()
        state = decide(
            state, c.AddPlayer(at=1, player_id="p1", team_id="a", display_name="Anna K.")
        ).state
        hub.publish(state, state.version, [])
        hub.attach(tablet, None)
        hub.attach(host, None)
        assert "members" in json.loads(socket.written[0])["view"]  # a snapshot: always
        hub.publish(state, state.version, [])  # first view on the stream: with the roster
        hub.publish(state, state.version, ["score_changed"])  # same players: without
        views = [json.loads(text)["view"] for text in socket.written]
        assert ["members" in view for view in views] == [True, True, False]
        assert ["players" in json.loads(t)["view"] for t in host_socket.written] == [
            True,
            True,
            False,
        ]
        state = decide(
            state, c.AddPlayer(at=2, player_id="p2", team_id="a", display_name="Jonas P.")
        ).state
        hub.publish(state, state.version, ["player_joined"])
        members = json.loads(socket.written[-1])["view"]["members"]
        assert [m["display_name"] for m in members] == ["Anna K.", "Jonas P."]

    asyncio.run(scenario())


def test_resume_replays_history_or_falls_back_to_a_snapshot():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        keeper, _ = _connection()
        hub.attach(keeper, None)
        state = _state()
        for seq in range(1, HISTORY + 11):
            hub.publish(state, seq, ["e"])
        late, late_socket = _connection()
        hub.attach(late, HISTORY + 5)
        assert late_socket.seqs() == [HISTORY + 6 + i for i in range(5)]
        assert '"snapshot":false' in late_socket.written[0]
        old, old_socket = _connection()
        hub.attach(old, 2)
        assert len(old_socket.written) == 1 and '"snapshot":true' in old_socket.written[0]
        current, current_socket = _connection()
        hub.attach(current, HISTORY + 10)
        assert current_socket.written == []

    asyncio.run(scenario())


def test_a_stream_nobody_listened_to_resumes_from_a_snapshot_not_stale_history():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        tablet, _ = _connection("player", team_id="a")
        hub.attach(tablet, None)
        state = _state()
        hub.publish(state, 1, [])
        hub.detach(tablet)
        hub.publish(state, 2, [])  # nobody on team a's stream: not projected
        back, socket = _connection("player", team_id="a")
        hub.attach(back, 0)
        assert len(socket.written) == 1
        message = json.loads(socket.written[0])
        assert message["snapshot"] and message["seq"] == 2

    asyncio.run(scenario())


def test_audience_messages_are_released_after_the_delay():
    async def scenario():
        loop = asyncio.get_running_loop()
        hub = ContestHub("x", loop.time)
        audience, socket = _connection("audience", delay=0.2)
        hub.attach(audience, None)
        hub.publish(_state(), 3, [])
        await asyncio.sleep(0.05)
        assert socket.seqs() == []  # not even the first state is 0.2 s old yet
        await asyncio.sleep(0.3)
        assert socket.seqs() == [0, 3]

    asyncio.run(scenario())


def test_a_delayed_audience_never_starts_ahead_of_its_delay():
    async def scenario():
        clock = [0.0]
        hub = ContestHub("x", lambda: clock[0])
        live, _ = _connection("audience")
        hub.attach(live, None)
        state = _state()
        for seq, at in ((1, 10.0), (2, 50.0), (3, 95.0)):
            clock[0] = at
            hub.publish(state, seq, [f"e{seq}"])
        clock[0] = 100.0
        late, _ = _connection("audience", delay=30.0)
        late.writer = asyncio.get_running_loop().create_future()  # type: ignore[assignment]
        hub.attach(late, None)  # (a writer "busy": everything goes to the backlog to inspect)
        assert late.backlog is not None
        first, second = late.backlog
        assert first[0] == 0.0 and '"seq":2' in first[1]  # 50 s old: the newest at least 30 s old
        assert second[0] == 125.0 and '"seq":3' in second[1]  # released 30 s after it happened
        late.writer = None

    asyncio.run(scenario())


def test_pings_are_stamped_when_they_are_written():
    async def scenario():
        now = [1000.0]
        tablet, socket = _connection("player", team_id="a", stamp=lambda: now[0])
        assert tablet.clock is not None and tablet.pending_pings == {}
        socket.jam()
        tablet.offer("first")
        tablet.offer(PING)
        now[0] = 1500.0
        socket.unjam()
        await _settle()
        ping = json.loads(socket.written[1])
        assert ping["type"] == "ping" and ping["t0"] == 1500.0
        assert tablet.pending_pings == {ping["id"]: 1500.0}

    asyncio.run(scenario())


def test_only_players_and_agents_carry_a_clock_estimate():
    audience, _ = _connection("audience")
    agent, _ = _connection("agent")
    assert audience.clock is None and audience.pending_pings is None
    assert agent.clock is not None


def test_connection_changes_reach_the_host_at_most_twice_a_second():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        host, socket = _connection("host")
        hub.attach(host, None)
        for _ in range(500):  # a crowd arrives at once
            hub.attach(_connection("audience", queue_size=4)[0], None)
        await asyncio.sleep(0.7)
        assert len(socket.written) == 2 and not host.overflowed  # the snapshot and one census
        assert '"audience":500' in socket.written[1]

    asyncio.run(scenario())


def _late_audience(hub: ContestHub, delay: float) -> tuple[Connection, list[tuple[float, str]]]:
    """Attach a delayed audience and return what it was given (release time, text) without
    writing it (a writer "busy": everything goes to the backlog to inspect)."""
    late, _ = _connection("audience", delay=delay)
    late.writer = asyncio.get_running_loop().create_future()  # type: ignore[assignment]
    hub.attach(late, None)
    given = list(late.backlog or [])
    late.writer = None
    return late, given


def test_the_first_audience_after_a_quiet_spell_gets_nothing_newer_than_its_delay():
    # Audit: with a 3 s delay, the first audience after a quiet spell got the revealed answer
    # 0.3 s after the reveal: nobody listened, so the stream had no history to pick from.
    async def scenario():
        clock = [0.0]
        hub = ContestHub("x", lambda: clock[0])
        state = _state()
        hub.state, hub.seq = state, state.version
        for seq, at in ((1, 10.0), (2, 20.0), (3, 99.7)):  # nobody is listening
            clock[0] = at
            hub.publish(state, seq, [f"e{seq}"])
        clock[0] = 100.0
        _, given = _late_audience(hub, 3.0)
        first, second = given
        assert first[0] == 0.0 and json.loads(first[1])["seq"] == 2  # 80 s old: at once
        assert second[0] == 102.7 and json.loads(second[1])["seq"] == 3  # 3 s after it happened
        assert json.loads(second[1])["events"] == ["e3"]

    asyncio.run(scenario())


def test_after_a_restart_a_delayed_audience_waits_for_the_recovered_state_to_be_old_enough():
    async def scenario():
        clock = [500.0]
        hub = ContestHub("x", lambda: clock[0])  # a hub made at recovery, 500 s after boot
        state = _state()
        hub.state, hub.seq = state, 7
        clock[0] = 501.0
        _, given = _late_audience(hub, 3.0)
        ((release, text),) = given
        assert release == 503.0 and json.loads(text)["seq"] == 7

    asyncio.run(scenario())


def test_the_audience_timeline_keeps_only_what_the_longest_delay_needs():
    async def scenario():
        clock = [0.0]
        hub = ContestHub("x", lambda: clock[0], audience_delay=5.0)
        state = _state()
        for seq in range(1, 2001):
            clock[0] = seq * 0.1
            hub.publish(state, seq, ["e"])
        assert len(hub.timeline) <= 2 * TIMELINE_KEEP / TIMELINE_STEP + 3
        clock[0] = 200.05
        _, given = _late_audience(hub, 5.0)
        assert given[0][0] == 0.0 and json.loads(given[0][1])["seq"] <= 1950
        assert all(release >= 200.05 for release, _ in given[1:])

    asyncio.run(scenario())


@pytest.mark.parametrize("role", ["display", "host"])
def test_a_client_resuming_from_a_seq_the_server_never_reached_gets_a_snapshot(role):
    # Audit: a fresh screen (or a console whose server lost its data folder) with a last_seq
    # above the server's stayed blank: it was taken for "up to date".
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        state = _state()
        keeper, _ = _connection(role)
        hub.attach(keeper, None)
        hub.publish(state, state.version, ["team_added"])  # the stream has a history
        conn, socket = _connection(role)
        hub.attach(conn, state.version + 40)
        assert len(socket.written) == 1
        message = json.loads(socket.written[0])
        assert message["snapshot"] is True and message["seq"] == state.version
        up_to_date, quiet = _connection(role)
        hub.attach(up_to_date, state.version)
        assert quiet.written == []  # nothing new: nothing until the next change

    asyncio.run(scenario())


def test_the_owner_exports_audience_and_display_views_even_without_listeners_of_its_own():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        exported: list[tuple[str, int, str]] = []
        hub.export = lambda stream, seq, text: exported.append((stream, seq, text))
        tablet, _ = _connection("player", team_id="a")
        hub.attach(tablet, None)
        state = _state()
        hub.publish(state, state.version, ["team_added"])
        assert sorted(stream for stream, _, _ in exported) == ["audience", "display"]
        audience = next(text for stream, _, text in exported if stream == "audience")
        assert json.loads(audience)["view"]["role"] == "audience"
        assert all(seq == state.version for _, seq, _ in exported)  # team views stay here

    asyncio.run(scenario())


def test_a_follower_writes_the_owners_view_bytes_and_projects_only_when_none_comes(monkeypatch):
    monkeypatch.setattr("server.hub.VIEW_GRACE", 0.05)

    async def scenario():
        loop = asyncio.get_running_loop()
        hub = ContestHub("x", loop.time)
        hub.imported = True
        late, late_socket = _connection("audience")
        screen, socket = _connection("audience")
        hub.attach(screen, None)  # snapshot at seq 0
        state = _state()
        owners = '{"type":"view","seq":5,"snapshot":false,"events":["x"],"view":{"owner":1}}'
        hub.forward_view("audience", 5, owners)  # the owner's view arrives before the events
        hub.publish(state, 5, ["team_added"])  # nothing projected: it was sent already
        await asyncio.sleep(0.1)
        assert socket.written[1:] == [owners]
        hub.attach(late, 4)  # resumes from the owner's text in the history
        assert late_socket.written == [owners]
        hub.publish(state, 6, ["score_changed"])  # no view from the owner (Redis down) ...
        assert socket.seqs()[-1] == 5
        await asyncio.sleep(0.1)
        assert socket.seqs()[-1] == 6  # ... so the follower projects it itself
        assert json.loads(socket.written[-1])["view"]["role"] == "audience"
        hub.forward_view("audience", 6, owners.replace('"seq":5', '"seq":6'))  # too late
        assert socket.seqs() == [0, 5, 6]

    asyncio.run(scenario())


def test_a_follower_does_not_resend_a_view_to_a_screen_whose_snapshot_has_it():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        hub.imported = True
        old, old_socket = _connection("audience")
        hub.attach(old, None)
        state = _state()
        hub.publish(state, 7, ["team_added"])  # the events came first (the view is on its way)
        new, new_socket = _connection("audience")
        hub.attach(new, None)  # snapshot at 7
        hub.forward_view("audience", 7, '{"type":"view","seq":7}')
        assert old_socket.seqs() == [0, 7]
        assert new_socket.seqs() == [7]

    asyncio.run(scenario())
