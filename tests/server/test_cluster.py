"""Several `quiz serve` processes on one PostgreSQL and one Redis (server/cluster.py).

Real processes (``loadtests.harness.QuizServer``), real PostgreSQL (QUIZ_TEST_POSTGRES_URL) and
real Redis (QUIZ_TEST_REDIS_URL). In CI (``CI=true``) a missing service fails these tests;
elsewhere they skip and say why.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from loadtests.harness import QuizServer
from server.demo_questions import STORK, SUN
from server.fencing import Fenced
from server.store import Store, StoredEvent
from tests.server.conftest import postgres_url, questions, setup_contest

FAST_LEASE = {"QUIZ_LEASE_SECONDS": "2", "QUIZ_LEASE_RENEW_SECONDS": "0.5"}


def _required(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"{variable} is not set: CI must test {what}")
    pytest.skip(f"{variable} is not set: no {what} to test against")


@pytest.fixture
def redis_url() -> str:
    return _required("QUIZ_TEST_REDIS_URL", "Redis")


@pytest.fixture
def pg_url() -> str:
    if os.environ.get("CI") == "true" and not os.environ.get("QUIZ_TEST_POSTGRES_URL"):
        pytest.fail("QUIZ_TEST_POSTGRES_URL is not set: CI must test PostgreSQL")
    return postgres_url()


@pytest.fixture
def cluster(tmp_path: Path, pg_url: str, redis_url: str) -> Iterator[Any]:
    """``start(n, env)``: n processes on the test's PostgreSQL and Redis; stopped afterwards."""
    started: list[QuizServer] = []

    def start(count: int, env: dict[str, str] | None = None) -> list[QuizServer]:
        servers = []
        for _ in range(count):
            base = {"QUIZ_DATABASE_URL": pg_url, "QUIZ_REDIS_URL": redis_url, **(env or {})}
            server = QuizServer(base, data_dir=tmp_path / f"node{len(started)}", log_level="info")
            started.append(server)
            servers.append(server.start())
        return servers

    yield start
    for server in started:
        if server.proc is not None and server.proc.poll() is None:
            os.kill(server.pid, signal.SIGCONT)  # a paused one must be able to stop
        server.stop()


# --- WebSocket helpers ----------------------------------------------------------------------------


async def _recv(ws: Any, predicate: Any, timeout: float = 20) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message

    return await asyncio.wait_for(loop(), timeout)


async def _connect(base: str, contest_id: str, tls: Any = None, **hello: Any) -> Any:
    ws = await websockets.connect(f"{base}/ws/{contest_id}", ssl=tls)
    await ws.send(json.dumps({"type": "hello", **hello}))
    await _recv(ws, lambda m: m["type"] == "welcome")
    return ws


async def _send(ws: Any, message: dict[str, Any], timeout: float = 20) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    return await _recv(ws, lambda m: m["type"] in ("ack", "error") and m.get("id") == message["id"])


async def _command(ws: Any, ident: str, command: dict[str, Any]) -> int:
    reply = await _send(ws, {"type": "command", "id": ident, "command": command})
    assert reply["type"] == "ack", reply
    return int(reply["seq"])


async def _final_view(ws: Any, seq: int) -> dict[str, Any]:
    view = await _recv(ws, lambda m: m["type"] == "view" and m["seq"] >= seq)
    return dict(view)


def _add_round(http: httpx.Client, contest: dict[str, Any]) -> None:
    added = http.post(
        f"/api/contests/{contest['id']}/rounds",
        headers=contest["auth"],
        json={
            "rules": {"kind": "all_play", "time_limit_s": 30},
            "questions": questions(STORK, SUN),
        },
    )
    assert added.status_code == 201, added.text


ANSWERS = {
    "jelgava": ({"kind": "choice", "option": "b"}, {"kind": "bool", "value": True}),
    "liepaja": ({"kind": "choice", "option": "a"}, {"kind": "bool", "value": True}),
    "siauliai": ({"kind": "choice", "option": "b"}, {"kind": "bool", "value": False}),
}


async def _play(bases: list[str], contest: dict[str, Any], tls: Any = None) -> list[dict[str, Any]]:
    """The script: host on the first process, each team's player and an audience spread over
    the others (or all through one load balancer); two all-play questions and the end. Returns
    every client's last view."""
    cid = contest["id"]
    spread = [bases[i % len(bases)] for i in range(1, 1 + 3)]
    host = await _connect(bases[0], cid, tls, role="host", secret=contest["secret"])
    players = {
        team: await _connect(spread[i], cid, tls, role="player", token=contest["tokens"][team])
        for i, team in enumerate(ANSWERS)
    }
    audiences = [await _connect(base, cid, tls, role="audience") for base in [*bases, *bases]]
    await _command(host, "s1", {"type": "start_contest"})
    await _command(host, "s2", {"type": "start_round", "round_index": 2})
    for number in range(2):
        if number == 0:  # next_question shows the next one itself
            await _command(host, f"q{number}", {"type": "show_question"})
        for team, ws in players.items():
            for _ in range(30):  # the view that opens the question may still be on its way
                reply = await _send(
                    ws, {"type": "answer", "id": f"{team}{number}", "answer": ANSWERS[team][number]}
                )
                if reply["type"] == "ack":
                    break
                assert reply["code"] == "question_not_active", reply
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"{team} could not answer question {number}")
        await _command(host, f"l{number}", {"type": "lock_answers"})
        await _command(host, f"r{number}", {"type": "reveal"})
        if number == 0:
            await _command(host, f"n{number}", {"type": "next_question"})
    last = await _command(host, "end", {"type": "end_contest"})
    views = [await _final_view(ws, last) for ws in [host, *players.values(), *audiences]]
    for ws in [host, *players.values(), *audiences]:
        await ws.close()
    return views


def _outcome(views: list[dict[str, Any]]) -> list[Any]:
    """What every client must agree on: the final seq, status and scoreboard."""
    return [
        (
            v["seq"],
            v["view"]["contest"]["status"],
            [(r["team_id"], r["score"]) for r in v["view"]["scoreboard"]],
        )
        for v in views
    ]


def _single_process_outcome(tmp_path: Path) -> list[Any]:
    with (
        QuizServer(data_dir=tmp_path / "single") as single,
        httpx.Client(base_url=single.base) as http,
    ):
        contest = setup_contest(http)
        _add_round(http, contest)
        return _outcome(asyncio.run(_play([single.ws], contest)))


# --- tests ----------------------------------------------------------------------------------------


def test_fenced_append_is_refused(pg_url: str) -> None:
    """The store's half of fencing: after a newer token is claimed, an append with the older
    one writes nothing."""
    store = Store(pg_url)
    store.upgrade()
    from server.store import ContestRow

    cid = f"fence-{os.getpid()}-{time.monotonic_ns()}"
    store.create_contest(ContestRow(cid, "t", "setup", "x" * 64, 0, 0))
    assert store.claim_fence(cid, 3) == (True, 3)
    event = StoredEvent(1, "contest_created", 0, "{}")
    store.append(cid, [event], status="finished", fence=3)  # finished: no server recovers it
    assert store.claim_fence(cid, 7) == (True, 7)
    assert store.claim_fence(cid, 5) == (False, 7)  # an older claim changes nothing
    # a Redis that lost its data hands out a token again: the second claim of it must not hold,
    # or two processes would append with the same token
    assert store.claim_fence(cid, 7) == (False, 7)
    with pytest.raises(Fenced):
        store.append(cid, [StoredEvent(2, "contest_created", 0, "{}")], status="finished", fence=3)
    assert [e.seq for e in store.events_after(cid, 0)] == [1]
    store.close()


def test_two_processes_play_like_one(cluster: Any, tmp_path: Path) -> None:
    expected = _single_process_outcome(tmp_path)
    first, second = cluster(2)
    with httpx.Client(base_url=second.base) as http:  # setup through the other process
        contest = setup_contest(http)
        _add_round(http, contest)
    outcome = _outcome(asyncio.run(_play([first.ws, second.ws], contest)))
    assert outcome == [expected[0]] * len(outcome)
    assert len(outcome) == 1 + 3 + 4


def _owner(servers: list[QuizServer], contest_id: str, redis_url: str) -> QuizServer:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            held = client.get(f"quiz:lease:{contest_id}")
            if held is not None:
                pid = int(held.decode().split(":")[1])
                for server in servers:
                    if server.pid == pid:
                        return server
            time.sleep(0.1)
    finally:
        client.close()
    raise AssertionError("no process took the contest's lease")


def test_sigkill_the_owner_mid_question(cluster: Any, redis_url: str) -> None:
    servers = cluster(3, FAST_LEASE)
    with httpx.Client(base_url=servers[0].base) as http:
        contest = setup_contest(http)
        _add_round(http, contest)
    cid = contest["id"]
    owner = _owner(servers, cid, redis_url)
    others = [s for s in servers if s is not owner]

    async def scenario() -> float:
        host = await _connect(others[0].ws, cid, role="host", secret=contest["secret"])
        players = {
            team: await _connect(
                others[i % 2].ws, cid, role="player", token=contest["tokens"][team]
            )
            for i, team in enumerate(ANSWERS)
        }
        await _command(host, "s1", {"type": "start_contest"})
        await _command(host, "s2", {"type": "start_round", "round_index": 2})
        await _command(host, "q0", {"type": "show_question"})
        acked = {}
        for team in ("jelgava", "liepaja"):
            for _ in range(30):
                reply = await _send(
                    players[team], {"type": "answer", "id": team, "answer": ANSWERS[team][0]}
                )
                if reply["type"] == "ack":
                    acked[team] = reply["seq"]
                    break
                await asyncio.sleep(0.05)
        assert set(acked) == {"jelgava", "liepaja"}
        watcher = await _connect(owner.ws, cid, role="audience")  # on the owner: it reconnects
        seen = await _recv(watcher, lambda m: m["type"] == "view" and m["seq"] >= acked["liepaja"])
        owner.kill()  # SIGKILL in the middle of the question
        killed = time.monotonic()
        # the third team answers through a surviving process; it is carried out by the new owner
        while True:
            reply = await _send(
                players["siauliai"],
                {"type": "answer", "id": "siauliai", "answer": ANSWERS["siauliai"][0]},
            )
            if reply["type"] == "ack":
                break
            assert reply["code"] in ("cluster_unavailable", "owner_changed"), reply
            assert time.monotonic() - killed < 20, "no new owner"
        failover = time.monotonic() - killed
        # the audience of the dead process reconnects to another one and resumes
        watcher = await _connect(others[1].ws, cid, role="audience", last_seq=seen["seq"])
        await _command(host, "l0", {"type": "lock_answers"})
        await _command(host, "r0", {"type": "reveal"})
        last = await _command(host, "end", {"type": "end_contest"})
        views = [await _final_view(ws, last) for ws in [host, *players.values(), watcher]]
        answers = (
            views[0]["view"]["question"]["answers"] if views[0]["view"].get("question") else None
        )
        outcome = _outcome(views)
        assert outcome == [outcome[0]] * len(outcome)
        scores = dict(outcome[0][2])
        assert scores == {"jelgava": 10, "liepaja": 0, "siauliai": 10}, (scores, answers)
        return failover

    failover = asyncio.run(scenario())
    print(f"failover after SIGKILL: {failover:.2f} s")
    store = Store(os.environ["QUIZ_TEST_POSTGRES_URL"])
    try:
        log = store.events_after(cid, 0)
    finally:
        store.close()
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    answered = [
        t for e in log if e.type == "answer_submitted" for t in ANSWERS if f'"{t}"' in e.payload
    ]
    assert sorted(answered) == sorted(ANSWERS), "every acknowledged answer is in the log, once"
    assert _owner([s for s in servers if s is not owner], cid, redis_url) is not owner


def test_lease_settings_are_checked() -> None:
    from server.settings import Settings, SettingsError

    settings = Settings.from_environ({})
    assert (settings.redis_url, settings.lease_seconds, settings.lease_renew_seconds) == ("", 5, 1)
    with pytest.raises(SettingsError, match="QUIZ_LEASE_RENEW_SECONDS must be at most a third"):
        Settings.from_environ({"QUIZ_LEASE_SECONDS": "2", "QUIZ_LEASE_RENEW_SECONDS": "1"})
    with pytest.raises(SettingsError, match="QUIZ_REDIS_URL must start with one of redis://"):
        Settings.from_environ({"QUIZ_REDIS_URL": "127.0.0.1:6379"})
    with pytest.raises(SettingsError, match="QUIZ_LEASE_SECONDS must be between"):
        Settings.from_environ({"QUIZ_LEASE_SECONDS": "0.1"})


def test_a_revoked_agent_is_closed_on_every_process(cluster: Any) -> None:
    """The host revokes an agent through one process; its connection to another one closes."""
    first, second = cluster(2)
    with httpx.Client(base_url=first.base) as http:
        contest = setup_contest(http)
        made = http.post(
            f"/api/contests/{contest['id']}/agents",
            headers=contest["auth"],
            json={"venue": "Jelgava", "teams": ["jelgava"]},
        )
        assert made.status_code == 201, made.text
        agent = made.json()

    async def scenario() -> None:
        ws = await _connect(second.ws, contest["id"], role="agent", token=agent["agent_token"])
        with httpx.Client(base_url=first.base) as http:
            revoked = http.post(
                f"/api/contests/{contest['id']}/agents/{agent['agent_id']}/revoke",
                headers=contest["auth"],
                json={},
            )
            assert revoked.status_code == 200, revoked.text
        told = await _recv(ws, lambda m: m["type"] == "error")
        assert told["code"] == "agent_revoked", told
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(_recv(ws, lambda m: False), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4001

    asyncio.run(scenario())


def test_the_buzzer_check_reaches_every_process(cluster: Any) -> None:
    """The host turns the check on through one process; a tablet on the other lights its team
    at the host and on a screen of that other process; the check's end reaches it too."""
    first, second = cluster(2)
    with httpx.Client(base_url=first.base) as http:
        contest = setup_contest(http)
    cid = contest["id"]

    async def scenario() -> None:
        host = await _connect(first.ws, cid, role="host", secret=contest["secret"])
        screen = await _connect(second.ws, cid, role="display", token=contest["screen_token"])
        player = await _connect(second.ws, cid, role="player", token=contest["tokens"]["liepaja"])
        reply = await _send(host, {"type": "check", "id": "on", "on": True})
        assert reply["type"] == "ack", reply
        await _recv(screen, lambda m: m["type"] == "check" and m["on"] is True)
        pressed = await _send(player, {"type": "buzz", "id": "b1", "pressed_at": 1.0})
        assert pressed["type"] == "ack" and pressed.get("check") is True, pressed
        lit = await _recv(host, lambda m: m["type"] == "check_press")
        assert (lit["team_id"], lit["source"]) == ("liepaja", "tablet")
        await _recv(screen, lambda m: m["type"] == "check_press" and m["team_id"] == "liepaja")
        assert (await _send(host, {"type": "check", "id": "off", "on": False}))["type"] == "ack"
        await _recv(screen, lambda m: m["type"] == "check" and m["on"] is False)

    asyncio.run(scenario())


def test_the_hosts_census_and_agents_board_cover_every_process(cluster: Any) -> None:
    """The host on one process sees who is connected to the other one — audience, screens, a
    tablet and a venue agent — in its census and its agents board, and sees them leave."""
    first, second = cluster(2)
    with httpx.Client(base_url=first.base) as http:
        contest = setup_contest(http)
        made = http.post(
            f"/api/contests/{contest['id']}/agents",
            headers=contest["auth"],
            json={"venue": "Jelgava", "teams": ["jelgava"]},
        )
        assert made.status_code == 201, made.text
        agent = made.json()
    cid = contest["id"]

    def counted(census: dict[str, Any]) -> tuple[int, int, list[str], list[str]]:
        return (
            census["audience"],
            census["display"],
            sorted(census["players"]),
            [a["agent_id"] for a in census["agents"]],
        )

    async def scenario() -> None:
        host = await _connect(first.ws, cid, role="host", secret=contest["secret"])
        others = [await _connect(second.ws, cid, role="audience") for _ in range(2)]
        others.append(await _connect(second.ws, cid, role="display", token=contest["screen_token"]))
        others.append(
            await _connect(second.ws, cid, role="player", token=contest["tokens"]["liepaja"])
        )
        box = await _connect(second.ws, cid, role="agent", token=agent["agent_token"])
        everyone = (2, 1, ["liepaja"], [agent["agent_id"]])
        view = await _recv(
            host,
            lambda m: m["type"] == "view" and counted(m["view"]["connections"]) == everyone,
        )
        assert view["view"]["connections"]["host"] == 1
        board = await _recv(
            host,
            lambda m: (
                m["type"] == "agents"
                and any(a["agent_id"] == agent["agent_id"] and a["connected"] for a in m["agents"])
            ),
        )
        assert [a["venue"] for a in board["agents"]] == ["Jelgava"]
        for ws in [*others, box]:
            await ws.close()
        await _recv(
            host,
            lambda m: m["type"] == "view" and counted(m["view"]["connections"]) == (0, 0, [], []),
        )
        await host.close()

    asyncio.run(scenario())


def test_wrong_join_codes_are_counted_across_processes(cluster: Any) -> None:
    """A guesser behind a load balancer that spreads requests over two processes gets the same
    ten wrong codes a minute as against one process, not ten per process."""
    first, second = cluster(2)
    with httpx.Client(base_url=first.base) as http:
        contest = setup_contest(http)
    statuses = []
    for n in range(11):
        server = (first, second)[n % 2]
        with httpx.Client(base_url=server.base) as http:
            guess = {"join_code": f"JEL-{100000 + n}", "display_name": "Guess"}
            statuses.append(http.post(f"/api/contests/{contest['id']}/join", json=guess))
    assert [r.status_code for r in statuses[:10]] == [403] * 10
    assert statuses[10].status_code == 429, statuses[10].text
    assert 1 <= int(statuses[10].headers["retry-after"]) <= 60
    with httpx.Client(base_url=first.base) as http:  # blocked on both, even with the right code
        right = {"join_code": contest["codes"]["jelgava"], "display_name": "Anna"}
        assert http.post(f"/api/contests/{contest['id']}/join", json=right).status_code == 429
