"""The venue buzzer agent end to end: simulated bz1 boxes on ptys → `quiz agent` (real
subprocesses) → `quiz serve` → the engine's buzz decision → the lamp commands back at the boxes.

Every wait is on a condition with a generous limit; nothing asserts on how long something took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
import tty
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from buzzers.bz1 import U32, LampMode
from buzzers.simbox import SimulatedBox
from buzzers.simulator import PtySimulator
from loadtests.agent_harness import AgentProcess, LinkProxy, venue_toml
from loadtests.harness import HostConsole, QuizServer
from server.demo_questions import OXYGEN, STORK, SUN, WATER

TIMEOUT = 30.0
TEAMS = ("jelgava", "liepaja", "siauliai")
SLOW_BUZZER = {
    "kind": "buzzer",
    "open_delay_ms": 0,
    "collect_window_ms": 1500,
    "buzz_time_ms": 120_000,
    "answer_time_ms": 120_000,
}


async def until(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll ``predicate`` until it is truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Contest:
    """A contest on a real server, set up over the HTTP API."""

    server: QuizServer
    id: str
    secret: str
    agent_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    def events(self) -> list[dict[str, Any]]:
        with httpx.Client(base_url=self.server.base, trust_env=False) as http:
            got = http.get(f"/api/contests/{self.id}/events", headers=self.auth)
            got.raise_for_status()
            return list(got.json()["events"])

    def add_agent(self, venue: str, teams: list[str]) -> str:
        with httpx.Client(base_url=self.server.base, trust_env=False) as http:
            made = http.post(
                f"/api/contests/{self.id}/agents",
                headers=self.auth,
                json={"venue": venue, "teams": teams},
            )
            assert made.status_code == 201, made.text
            return str(made.json()["agent_token"])

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["type"] == kind]


def make_contest(server: QuizServer, rules: dict[str, Any] | None = None) -> Contest:
    with httpx.Client(base_url=server.base, trust_env=False) as http:
        made = http.post("/api/contests", json={"title": "Agent test", "languages": ["lv", "en"]})
        assert made.status_code == 201, made.text
        contest = Contest(server, made.json()["contest_id"], made.json()["host_secret"])
        for name in ("Jelgava", "Liepāja", "Šiauliai"):
            team = http.post(
                f"/api/contests/{contest.id}/teams", headers=contest.auth, json={"name": name}
            )
            assert team.status_code == 201, team.text
        questions = [msgspec.to_builtins(q) for q in (STORK, SUN, OXYGEN, WATER)]
        added = http.post(
            f"/api/contests/{contest.id}/rounds",
            headers=contest.auth,
            json={"rules": rules or SLOW_BUZZER, "questions": questions},
        )
        assert added.status_code == 201, added.text
    return contest


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "server"


@pytest.fixture
def server(data_dir: Path) -> Iterator[QuizServer]:
    quiz = QuizServer(data_dir=data_dir, log_level=None, env={"QUIZ_PING_INTERVAL": "0.25"})
    quiz.start()
    yield quiz
    quiz.stop()


@pytest.fixture
def sims(tmp_path: Path) -> Iterator[Callable[..., PtySimulator]]:
    started: list[PtySimulator] = []

    def make(**box: Any) -> PtySimulator:
        sim = PtySimulator(
            SimulatedBox(**box, rng=random.Random(len(started) + 7)),
            tmp_path / f"bz1-{len(started)}",
        )
        sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[Callable[..., AgentProcess]]:
    started: list[AgentProcess] = []

    def make(
        url: str,
        contest: Contest,
        token: str,
        boxes: list[tuple[str, dict[int, str]]],
        name: str,
        lang: str = "en",
    ) -> AgentProcess:
        text = venue_toml(
            url, contest.id, boxes, state_file=tmp_path / f"{name}-state.json", lang=lang
        )
        agent = AgentProcess(tmp_path / "agents", text, token, name).start()
        started.append(agent)
        return agent

    yield make
    for agent in started:
        agent.stop()


@pytest.fixture
async def proxies() -> AsyncIterator[list[LinkProxy]]:
    made: list[LinkProxy] = []
    yield made
    for proxy in made:
        await proxy.close()


def box_shows(sim: PtySimulator, channel: int, mode: LampMode, armed: bool | None = None) -> bool:
    return sim.box.lamps.get(channel) is mode and (armed is None or sim.box.armed is armed)


async def open_first_buzz(host: HostConsole) -> None:
    for command in ("start_contest", "start_round", "show_question", "open_buzzers"):
        await host.command({"type": command})


def true_press(sim: PtySimulator, channel: int) -> int:
    return next(t.host_ns for t in sim.truth if t.kind == "press" and t.channel == channel)


# --- the tests ------------------------------------------------------------------------------------


async def test_three_venues_the_first_true_press_wins_and_the_lamps_follow(
    server: QuizServer, sims: Any, agents: Any, proxies: list[LinkProxy]
) -> None:
    contest = make_contest(server)
    boxes = {
        "jelgava": sims(drift=0.0015, start_us=U32 - 20_000_000, box_id="JELG-1"),
        "liepaja": sims(drift=-0.0018, start_us=1_234_567_890, box_id="LIEP-1"),
        "siauliai": sims(drift=0.0003, start_us=3_000_000_000, box_id="SIAU-1"),
    }
    channel = {"jelgava": 3, "liepaja": 1, "siauliai": 5}
    # Liepāja's network is slow: its presses arrive long after the others' (0.3 s against gaps
    # of 0.1 s between the presses: arrivals at about 0.1 s, 0.2 s and 0.3 s, so a busy machine
    # can neither turn the arrival order round nor push Liepāja out of the 0.3 s collection
    # window that the first arrival opens)
    slow = await LinkProxy(server.port, up=(0.3, 0.0), down=(0.3, 0.0)).start()
    proxies.append(slow)
    running = {}
    for team, sim in boxes.items():
        token = contest.add_agent(team, [team])
        port = slow.port if team == "liepaja" else server.port
        running[team] = agents(
            f"ws://127.0.0.1:{port}", contest, token, [(str(sim.link), {channel[team]: team})], team
        )
    for agent in running.values():
        await asyncio.to_thread(agent.wait_for_log, r"synchronised")
        await asyncio.to_thread(agent.wait_for_log, r"Connected to the contest server")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
        for team, sim in boxes.items():
            await until(
                lambda s=sim, t=team: box_shows(s, channel[t], LampMode.BLINK, armed=True),
                f"{team}'s lamp blinking and its box armed",
            )
        # true order: Liepāja, then Šiauliai, then Jelgava; arrival order: Liepāja last
        boxes["liepaja"].press(channel["liepaja"])
        await asyncio.sleep(0.1)
        boxes["siauliai"].press(channel["siauliai"])
        await asyncio.sleep(0.1)
        boxes["jelgava"].press(channel["jelgava"])
        awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
        photo = awarded[0]["event"]["photo"]
        assert photo["winner"] == "liepaja", photo
        assert [p["team_id"] for p in photo["presses"]] == ["liepaja", "siauliai", "jelgava"]
        arrivals = {p["team_id"]: p["arrived_at"] for p in photo["presses"]}
        assert arrivals["liepaja"] > arrivals["jelgava"]  # it won by press time, not arrival
        assert {p["source"] for p in photo["presses"]} == {"box:JELG-1", "box:LIEP-1", "box:SIAU-1"}
        # the pressed times keep the true gaps between the venues
        pressed = {p["team_id"]: p["pressed_at"] for p in photo["presses"]}
        # (through the fast links to 20 ms; through the slow one — a 0.6 s round trip, whose
        # clock sync a busy test machine upsets by tens of ms — to half a gap)
        for a, b, within_us in (("liepaja", "siauliai", 50_000), ("siauliai", "jelgava", 20_000)):
            true_gap_us = (
                true_press(boxes[b], channel[b]) - true_press(boxes[a], channel[a])
            ) / 1000
            assert abs((pressed[b] - pressed[a]) - true_gap_us) < within_us, (pressed, a, b)
        # the winner's lamp is steady, the others dark, every box disarmed
        await until(
            lambda: box_shows(boxes["liepaja"], 1, LampMode.ON, armed=False), "winner lamp on"
        )
        for team in ("jelgava", "siauliai"):
            await until(
                lambda t=team: box_shows(boxes[t], channel[t], LampMode.OFF, armed=False),
                f"{team} lamp off",
            )
        # wrong answer: Liepāja is locked out, the buzzers reopen for the others
        await host.command({"type": "judge", "team_id": "liepaja", "correct": False})
        await until(lambda: box_shows(boxes["jelgava"], 3, LampMode.BLINK, armed=True), "reopen")
        await until(lambda: box_shows(boxes["liepaja"], 1, LampMode.OFF, armed=True), "locked out")
    for agent in running.values():
        assert "Traceback" not in agent.log()


def acks_of(agent: AgentProcess, team: str) -> list[tuple[str, str]]:
    """(press id, seq) of every acknowledgement the agent logged for ``team``."""
    found = re.findall(rf"press (\S+) of team {team} acknowledged \(seq (\d+)", agent.log())
    return [(press_id, seq) for press_id, seq in found]


async def test_server_restart_mid_buzz_loses_no_press_and_counts_it_once(
    server: QuizServer, data_dir: Path, sims: Any, agents: Any
) -> None:
    contest = make_contest(server)
    sim = sims(drift=0.001, box_id="JELG-1")
    token = contest.add_agent("Jelgava", ["jelgava", "liepaja"])
    agent = agents(server.ws, contest, token, [(str(sim.link), {1: "jelgava", 2: "liepaja"})], "j")
    await asyncio.to_thread(agent.wait_for_log, r"synchronised")
    await asyncio.to_thread(agent.wait_for_log, r"Connected to the contest server")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
    await until(lambda: box_shows(sim, 1, LampMode.BLINK, armed=True), "buzzers open at the box")
    server.kill()  # SIGKILL while the buzzers are open
    await asyncio.to_thread(agent.wait_for_log, r"Lost the contest server")
    sim.press(1)  # pressed while the server is down: kept by the agent
    await asyncio.to_thread(agent.wait_for_log, r"press \S+: team jelgava")
    again = QuizServer(data_dir=data_dir, log_level=None, env={"QUIZ_PING_INTERVAL": "0.25"})
    again.port = server.port  # the agent's configuration names this address
    again.start()
    try:
        contest.server = again
        await asyncio.to_thread(agent.wait_for_log, r" acknowledged \(seq")
        accepted = await until(lambda: contest.of_type("buzz_accepted"), "the press accepted")
        assert [e["event"]["press"]["team_id"] for e in accepted] == ["jelgava"]
        assert accepted[0]["event"]["press"]["source"] == "box:JELG-1"
        awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
        assert awarded[0]["event"]["photo"]["winner"] == "jelgava"
        await until(lambda: box_shows(sim, 1, LampMode.ON, armed=False), "the winner's lamp")
        assert len(contest.of_type("buzz_accepted")) == 1
    finally:
        again.stop()


async def test_agent_restart_resends_unacknowledged_presses_with_the_same_ids(
    server: QuizServer, sims: Any, agents: Any, proxies: list[LinkProxy], tmp_path: Path
) -> None:
    contest = make_contest(server)
    sim = sims(drift=-0.001, box_id="LIEP-1")
    link = await LinkProxy(server.port).start()
    proxies.append(link)
    token = contest.add_agent("Liepāja", ["liepaja"])
    agent = agents(
        f"ws://127.0.0.1:{link.port}", contest, token, [(str(sim.link), {2: "liepaja"})], "l"
    )
    await asyncio.to_thread(agent.wait_for_log, r"synchronised")
    await asyncio.to_thread(agent.wait_for_log, r"Connected to the contest server")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
    await until(lambda: box_shows(sim, 2, LampMode.BLINK, armed=True), "buzzers open at the box")
    link.refuse = True
    link.cut()  # the venue's network goes down
    await asyncio.to_thread(agent.wait_for_log, r"Lost the contest server")
    sim.press(2)
    await asyncio.to_thread(agent.wait_for_log, r"press \S+: team liepaja")
    state = tmp_path / "l-state.json"
    await until(lambda: '"liepaja"' in state.read_text(), "the press in the state file")
    before_ack = state.read_text()  # as if the agent dies between the send and the ack
    agent.kill()
    link.refuse = False
    agent.start()  # a fresh process: it finds the press in its state file
    await asyncio.to_thread(agent.wait_for_log, r"1 unacknowledged presses will be sent again")
    await asyncio.to_thread(agent.wait_for_log, r" acknowledged \(seq")
    first = acks_of(agent, "liepaja")
    assert len(first) == 1
    await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
    agent.kill()
    state.write_text(before_ack)  # the ack was "lost": the press is sent once more
    agent.start()
    await asyncio.to_thread(agent.wait_for_log, r" acknowledged \(seq", count=2)
    assert acks_of(agent, "liepaja") == first * 2  # same id, the first ack's seq
    accepted = contest.of_type("buzz_accepted")
    assert [e["event"]["press"]["team_id"] for e in accepted] == ["liepaja"]


async def test_link_down_while_pressing_presses_are_sent_on_reconnect_late_ones_refused(
    server: QuizServer, sims: Any, agents: Any, proxies: list[LinkProxy]
) -> None:
    contest = make_contest(server)
    near = sims(box_id="JELG-1")
    far = sims(drift=0.0012, box_id="SIAU-1")
    link = await LinkProxy(server.port).start()
    proxies.append(link)
    a = agents(
        server.ws,
        contest,
        contest.add_agent("J", ["jelgava"]),
        [(str(near.link), {1: "jelgava"})],
        "a",
    )
    b = agents(
        f"ws://127.0.0.1:{link.port}",
        contest,
        contest.add_agent("S", ["siauliai"]),
        [(str(far.link), {1: "siauliai"})],
        "b",
    )
    for agent in (a, b):
        await asyncio.to_thread(agent.wait_for_log, r"synchronised")
        await asyncio.to_thread(agent.wait_for_log, r"Connected to the contest server")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
        await until(lambda: box_shows(far, 1, LampMode.BLINK, armed=True), "buzzers open")
        link.refuse = True
        link.cut()
        await asyncio.to_thread(b.wait_for_log, r"Lost the contest server")
        far.press(1)  # Šiauliai presses while its link is down
        await asyncio.to_thread(b.wait_for_log, r"press \S+: team siauliai")
        near.press(1)
        await until(lambda: contest.of_type("buzz_accepted"), "Jelgava's press")
        link.refuse = False  # back within the collection window
        awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
        presses = {p["team_id"]: p for p in awarded[0]["event"]["photo"]["presses"]}
        assert set(presses) == {"jelgava", "siauliai"}  # the buffered press took part
        # it waited far longer than the link's round trip, and is judged by its box time all the
        # same (a venue agent's held press is not clamped like a tablet's)
        assert presses["siauliai"]["clamped"] is False
        held_us = presses["siauliai"]["arrived_at"] - presses["siauliai"]["pressed_at"]
        assert held_us > 100_000
        # next question: a press buffered until after the window is refused, and the agent says why
        await host.command(
            {"type": "judge", "team_id": awarded[0]["event"]["photo"]["winner"], "correct": True}
        )
        await host.command({"type": "next_question"})
        await host.command({"type": "open_buzzers"})
        await until(lambda: box_shows(far, 1, LampMode.BLINK, armed=True), "buzzers open again")
        link.refuse = True
        link.cut()
        await asyncio.to_thread(b.wait_for_log, r"Lost the contest server", count=2)
        far.press(1)
        await asyncio.sleep(0.3)
        near.press(1)
        await until(lambda: len(contest.of_type("buzz_awarded")) == 2, "the second decision")
        link.refuse = False
        await asyncio.to_thread(
            b.wait_for_log, r"A press of team siauliai was refused: buzzers_closed"
        )
    assert (
        len(
            [
                e
                for e in contest.of_type("buzz_accepted")
                if e["event"]["press"]["team_id"] == "siauliai"
            ]
        )
        == 1
    )


async def test_box_unplugged_rebooted_and_garbage_the_agent_goes_on(
    server: QuizServer, sims: Any, agents: Any
) -> None:
    contest = make_contest(server)
    sim = sims(drift=0.002, start_us=U32 - 3_000_000, box_id="JELG-1")
    agent = agents(
        server.ws,
        contest,
        contest.add_agent("J", ["jelgava"]),
        [(str(sim.link), {4: "jelgava"})],
        "j",
    )
    await asyncio.to_thread(agent.wait_for_log, r"synchronised")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
        await until(lambda: box_shows(sim, 4, LampMode.BLINK, armed=True), "buzzers open")
        sim.send_raw(b"\x00\xffnoise\n" + b"Z" * 200 + b"\n")
        await asyncio.to_thread(
            agent.wait_for_log, r"damaged lines skipped \(garbage 1, over-long 1"
        )
        sim.unplug().wait(5)
        await asyncio.to_thread(agent.wait_for_log, r"Buzzer box on \S+ is gone")
        sim.reboot()  # it lost power meanwhile: lamps and ARM are forgotten
        sim.replug()
        await asyncio.to_thread(agent.wait_for_log, r"restarted; synchronising")
        await until(lambda: box_shows(sim, 4, LampMode.BLINK, armed=True), "lamps restored")
        sim.press(4)
        awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
        assert awarded[0]["event"]["photo"]["winner"] == "jelgava"
        await until(lambda: box_shows(sim, 4, LampMode.ON, armed=False), "the winner's lamp")
    assert agent.proc is not None and agent.proc.poll() is None
    assert "Traceback" not in agent.log()


async def test_wrong_token_and_a_team_the_agent_does_not_serve_are_told_clearly(
    server: QuizServer, sims: Any, agents: Any
) -> None:
    contest = make_contest(server)
    sim = sims(box_id="JELG-1")
    wrong = agents(
        server.ws, contest, "at_not-a-real-token", [(str(sim.link), {1: "jelgava"})], "w"
    )
    await asyncio.to_thread(wrong.wait_for_log, r"refused the agent token")
    assert wrong.proc is not None and wrong.proc.poll() is None  # it keeps trying, slowly
    assert "at_not-a-real-token" not in wrong.log()
    wrong.stop()
    other = sims(box_id="JELG-2")
    token = contest.add_agent("Jelgava", ["jelgava"])
    agent = agents(
        server.ws, contest, token, [(str(other.link), {1: "jelgava", 2: "liepaja"})], "t", lang="lv"
    )
    text = await asyncio.to_thread(agent.wait_for_log, r"Konfigurētās komandas liepaja")
    assert token not in text
    await asyncio.to_thread(agent.wait_for_log, r"synchronised")
    async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
        await open_first_buzz(host)
        await until(lambda: box_shows(other, 1, LampMode.BLINK, armed=True), "buzzers open")
        other.press(2)
        await asyncio.to_thread(
            agent.wait_for_log, r"Komandas liepaja spiediens noraidīts: not_your_team"
        )
        assert contest.of_type("buzz_accepted") == []


def test_a_bad_configuration_stops_with_status_2_and_one_line(tmp_path: Path) -> None:
    config = tmp_path / "venue.toml"
    config.write_text(
        'server = "wss://quiz.example.lv"\ncontest = "c"\n[[box]]\nport = "/dev/null"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "agent", "--config", str(config)],
        env={"QUIZ_AGENT_TOKEN": "at_x", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("quiz agent: error: box 1 (/dev/null): `channels` must map")
    missing_token = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "agent",
            "--server",
            "ws://h/ws/c",
            "--box",
            "/dev/null,1=t",
        ],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing_token.returncode == 2
    assert "QUIZ_AGENT_TOKEN" in missing_token.stderr


class RawHost:
    """The host's WebSocket, keeping every message (for ``agents`` and ``check_press``)."""

    def __init__(self, server: QuizServer, contest: Contest) -> None:
        self.url = f"{server.ws}/ws/{contest.id}"
        self.secret = contest.secret
        self.messages: list[dict[str, Any]] = []
        self._ids = iter(range(1, 1 << 30))

    async def __aenter__(self) -> RawHost:
        import websockets

        self.ws = await websockets.connect(self.url, proxy=None)
        await self.ws.send(json.dumps({"type": "hello", "role": "host", "secret": self.secret}))
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        async for raw in self.ws:
            self.messages.append(json.loads(raw))

    async def send(self, message: dict[str, Any]) -> dict[str, Any]:
        message_id = next(self._ids)
        await self.ws.send(json.dumps({**message, "id": message_id}))
        return await until(
            lambda: next(
                (
                    m
                    for m in self.messages
                    if m.get("id") == message_id and m["type"] in ("ack", "error")
                ),
                None,
            ),
            f"the reply to {message}",
        )

    def newest(self, kind: str) -> dict[str, Any] | None:
        return next((m for m in reversed(self.messages) if m["type"] == kind), None)


async def test_buzzer_check_lights_the_box_and_status_reaches_the_host(
    server: QuizServer, sims: Any, agents: Any
) -> None:
    contest = make_contest(server)
    sim = sims(box_id="SIAU-1")
    token = contest.add_agent("Šiauliai", ["siauliai"])
    agent = agents(server.ws, contest, token, [(str(sim.link), {6: "siauliai"})], "s")
    await asyncio.to_thread(agent.wait_for_log, r"synchronised")
    async with RawHost(server, contest) as host:

        def reported_box() -> dict[str, Any] | None:
            agents_message = host.newest("agents")
            if not agents_message or not agents_message["agents"]:
                return None
            boxes = agents_message["agents"][0]["boxes"]
            return boxes[0] if boxes and boxes[0]["bound_ms"] is not None else None

        box = await until(reported_box, "the agent's status at the host")
        assert box["state"] == "open" and box["box"] == "SIAU-1"
        assert box["channels"] == {"6": "siauliai"} and box["port"] == str(sim.link)
        assert (await host.send({"type": "check", "on": True}))["type"] == "ack"
        await until(lambda: box_shows(sim, 6, LampMode.BLINK, armed=True), "check: lamps blink")
        sim.press(6)
        pressed = await until(lambda: host.newest("check_press"), "the check press at the host")
        assert pressed["team_id"] == "siauliai" and pressed["box"] == "SIAU-1"
        assert pressed["channel"] == 6
        await until(lambda: box_shows(sim, 6, LampMode.ON), "the pressed team's lamp steady")
        await until(lambda: box_shows(sim, 6, LampMode.BLINK), "back to blinking")
        await asyncio.to_thread(agent.wait_for_log, r"acknowledged \(seq None, buzzer check")
        assert (await host.send({"type": "check", "on": False}))["type"] == "ack"
        await until(lambda: box_shows(sim, 6, LampMode.OFF, armed=False), "check off: dark")
        sim.unplug().wait(5)
        await until(
            lambda: (
                (host.newest("agents") or {"agents": [{"boxes": [{}]}]})["agents"][0]["boxes"][
                    0
                ].get("state")
                == "down"
            ),
            "the unplugged box reported down",
        )
    assert contest.of_type("buzz_accepted") == []
    assert "does not take status" not in agent.log()


# --- the other press sources: a simple line box and a Sony Buzz! set -----------------------------


@pytest.fixture
def line_box(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A simple line box's port: a real pty whose terminal ``quiz agent`` opens under a stable
    link; the test writes the box's lines to the other end (the master, returned)."""
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing
    link = tmp_path / "line-box"
    link.symlink_to(os.ttyname(slave))
    yield link, master
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


async def test_a_line_box_presses_through_quiz_agent_and_the_first_line_wins(
    server: QuizServer, line_box: tuple[Path, int], tmp_path: Path
) -> None:
    link, master = line_box
    contest = make_contest(server)
    token = contest.add_agent("Jelgava", ["jelgava", "liepaja"])
    config = venue_toml(server.ws, contest.id, [], state_file=tmp_path / "lines-state.json")
    config += (
        f'[[box]]\nport = "{link}"\nadapter = "lines"\nname = "JELG-L"\npattern = "B{{ch}}"\n'
        'latency_ms = 2\nchannels = { 1 = "jelgava", 2 = "liepaja" }\n'
    )
    agent = AgentProcess(tmp_path / "agents", config, token, "lines").start()
    try:
        await asyncio.to_thread(agent.wait_for_log, r"Buzzer box JELG-L connected")
        await asyncio.to_thread(agent.wait_for_log, r"Connected to the contest server")
        async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
            await open_first_buzz(host)
            os.write(master, b"noise\r\nB7\r\n")  # garbage, and a channel no team has
            await asyncio.to_thread(agent.wait_for_log, r"channel 7 of box JELG-L, which no")
            os.write(master, b"B2\r\n")  # Liepāja first
            await asyncio.sleep(0.1)
            os.write(master, b"B1\r\n")
            awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
    finally:
        agent.stop()
    photo = awarded[0]["event"]["photo"]
    assert photo["winner"] == "liepaja", photo
    assert [p["team_id"] for p in photo["presses"]] == ["liepaja", "jelgava"]
    assert {p["source"] for p in photo["presses"]} == {"box:JELG-L"}
    assert [p["channel"] for p in photo["presses"]] == [2, 1]
    # stamped on arrival at the agent (less half the configured latency), in the order written
    assert photo["presses"][1]["pressed_at"] > photo["presses"][0]["pressed_at"]
    assert "damaged lines skipped (garbage 1" in agent.log()
    assert "Traceback" not in agent.log()


async def test_a_buzz_set_presses_through_the_agent_and_lights_the_winner(
    server: QuizServer, tmp_path: Path
) -> None:
    """Sony Buzz! needs a USB HID device, which CI does not have: the agent runs in this
    process with a ``BuzzSource`` over the fake ``hid`` module of tests/buzzers/test_buzz.py —
    everything from the HID reports on is the real code, against a real ``quiz serve``."""
    from buzzers.agent import Agent
    from buzzers.agent_config import load_config
    from buzzers.buzz import BuzzSource
    from tests.buzzers.test_buzz import FakeHid

    contest = make_contest(server)
    token = contest.add_agent("Šiauliai", ["siauliai", "jelgava"])
    config_text = venue_toml(server.ws, contest.id, [], state_file=tmp_path / "buzz-state.json")
    config_text += (
        '[[box]]\nport = "auto"\nadapter = "buzz"\nname = "BUZZ-1"\n'
        'channels = { 1 = "jelgava", 3 = "siauliai" }\n'
    )
    (tmp_path / "buzz.toml").write_text(config_text, encoding="utf-8")
    config = load_config(tmp_path / "buzz.toml", environ={"QUIZ_AGENT_TOKEN": token})
    hid = FakeHid()
    hid.fail_opens = 0
    source = BuzzSource(hid_module=hid, retry_s=0.05)
    agent = Agent(config, [source])
    running = asyncio.create_task(agent.run())
    try:
        await until(lambda: agent._ws is not None and agent._synced, "the agent synced")
        async with HostConsole(f"{server.ws}/ws/{contest.id}", contest.secret) as host:
            await open_first_buzz(host)
            # lamps of both playing handsets blink (the set alternates on and off reports)
            await until(
                lambda: bytes([0, 0, 0xFF, 0, 0xFF, 0, 0, 0]) in hid.written, "the lamps blink"
            )
            hid.reports.put(bytes.fromhex("7f7f0004f0"))  # handset 3, red: Šiauliai
            hid.reports.put(bytes.fromhex("7f7f0000f0"))
            await asyncio.sleep(0.1)
            hid.reports.put(bytes.fromhex("7f7f0100f0"))  # handset 1, red: Jelgava
            hid.reports.put(bytes.fromhex("7f7f0000f0"))
            awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
            photo = awarded[0]["event"]["photo"]
            assert photo["winner"] == "siauliai", photo
            assert [p["team_id"] for p in photo["presses"]] == ["siauliai", "jelgava"]
            assert {p["source"] for p in photo["presses"]} == {"box:BUZZ-1"}
            # the winner's lamp steady, the other dark
            await until(
                lambda: hid.written[-1:] == [bytes([0, 0, 0, 0, 0xFF, 0, 0, 0])],
                "only Šiauliai's lamp on",
            )
    finally:
        agent.stop()
        await asyncio.wait_for(running, TIMEOUT)
