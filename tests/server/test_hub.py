"""Fan-out: one encoding per stream, bounded queues, resume from history, dropping slow clients."""

from __future__ import annotations

import asyncio

from game import commands as c
from game.engine import decide
from game.state import ContestState
from server.hub import HISTORY, Connection, ContestHub


def _state() -> ContestState:
    state = ContestState()
    state = decide(
        state, c.CreateContest(at=1, contest_id="x", title="T", languages=("lv",), seed=1)
    ).state
    for team in ("a", "b"):
        state = decide(state, c.AddTeam(at=1, team_id=team, name=team, venue=team)).state
    return state


def test_each_stream_is_encoded_once_and_offered_to_all_its_connections():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        screens = [Connection(role="display", contest_id="x", queue_size=8) for _ in range(3)]
        team_a = Connection(role="player", contest_id="x", queue_size=8, team_id="a")
        for conn in (*screens, team_a):
            hub.attach(conn, None)
        state = _state()
        hub.publish(state, state.version, ["team_added"])
        texts = {conn.queue.get_nowait()[1] for conn in screens for _ in range(2)}
        assert len(texts) == 2  # the snapshot and the one shared update
        shared = [screens[i].queue for i in range(3)]
        assert all(q.empty() for q in shared)
        assert '"role":"player"' in team_a.queue.get_nowait()[1]

    asyncio.run(scenario())


def test_a_full_queue_marks_the_connection_for_dropping():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        slow = Connection(role="audience", contest_id="x", queue_size=4)
        hub.attach(slow, None)
        state = _state()
        for seq in range(10):
            hub.publish(state, seq, [])
        assert slow.overflowed
        assert slow.queue.qsize() == 4

    asyncio.run(scenario())


def test_resume_replays_history_or_falls_back_to_a_snapshot():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        keeper = Connection(role="display", contest_id="x", queue_size=1000)
        hub.attach(keeper, None)
        state = _state()
        for seq in range(1, HISTORY + 11):
            hub.publish(state, seq, ["e"])
        late = Connection(role="display", contest_id="x", queue_size=1000)
        hub.attach(late, HISTORY + 5)
        assert late.queue.qsize() == 5 and '"snapshot":false' in late.queue.get_nowait()[1]
        old = Connection(role="display", contest_id="x", queue_size=1000)
        hub.attach(old, 2)
        assert old.queue.qsize() == 1 and '"snapshot":true' in old.queue.get_nowait()[1]
        current = Connection(role="display", contest_id="x", queue_size=1000)
        hub.attach(current, HISTORY + 10)
        assert current.queue.empty()

    asyncio.run(scenario())


def test_audience_messages_are_released_after_the_delay():
    async def scenario():
        hub = ContestHub("x", lambda: 100.0)
        audience = Connection(role="audience", contest_id="x", queue_size=8, delay=30.0)
        hub.attach(audience, None)
        audience.queue.get_nowait()
        hub.publish(_state(), 3, [])
        release, _ = audience.queue.get_nowait()
        assert release == 130.0

    asyncio.run(scenario())


def test_a_delayed_audience_never_starts_ahead_of_its_delay():
    async def scenario():
        clock = [0.0]
        hub = ContestHub("x", lambda: clock[0])
        live = Connection(role="audience", contest_id="x", queue_size=100)
        hub.attach(live, None)
        state = _state()
        for seq, at in ((1, 10.0), (2, 50.0), (3, 95.0)):
            clock[0] = at
            hub.publish(state, seq, [f"e{seq}"])
        clock[0] = 100.0
        late = Connection(role="audience", contest_id="x", queue_size=100, delay=30.0)
        hub.attach(late, None)
        first = late.queue.get_nowait()
        assert first[0] == 0.0 and '"seq":2' in first[1]  # 50 s old: the newest at least 30 s old
        second = late.queue.get_nowait()
        assert second[0] == 125.0 and '"seq":3' in second[1]  # released 30 s after it happened
        assert late.queue.empty()

    asyncio.run(scenario())


def test_connection_changes_reach_the_host_at_most_twice_a_second():
    async def scenario():
        hub = ContestHub("x", lambda: 0.0)
        host = Connection(role="host", contest_id="x", queue_size=16)
        hub.attach(host, None)
        host.queue.get_nowait()  # the snapshot
        for _ in range(500):  # a crowd arrives at once
            hub.attach(Connection(role="audience", contest_id="x", queue_size=4), None)
        await asyncio.sleep(0.7)
        assert host.queue.qsize() == 1 and not host.overflowed
        assert '"audience":500' in host.queue.get_nowait()[1]

    asyncio.run(scenario())
