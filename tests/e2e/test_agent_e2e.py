"""The venue buzzer agent end to end: simulated bz1 boxes on ptys → `quiz agent` (real
subprocesses) → `quiz serve` → the engine's buzz decision → the lamp commands back at the boxes.

Every wait is on a condition with a generous limit; nothing asserts on how long something took.
"""

from __future__ import annotations

import asyncio
import random
import time
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
    # Liepāja's network is slow: its presses arrive long after the others'.
    slow = await LinkProxy(server.port, up=(0.15, 0.0), down=(0.15, 0.0)).start()
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
        await asyncio.sleep(0.08)
        boxes["siauliai"].press(channel["siauliai"])
        await asyncio.sleep(0.08)
        boxes["jelgava"].press(channel["jelgava"])
        awarded = await until(lambda: contest.of_type("buzz_awarded"), "the buzz decision")
        photo = awarded[0]["event"]["photo"]
        assert photo["winner"] == "liepaja"
        assert [p["team_id"] for p in photo["presses"]] == ["liepaja", "siauliai", "jelgava"]
        arrivals = {p["team_id"]: p["arrived_at"] for p in photo["presses"]}
        assert arrivals["liepaja"] > arrivals["jelgava"]  # it won by press time, not arrival
        assert {p["source"] for p in photo["presses"]} == {"box:JELG-1", "box:LIEP-1", "box:SIAU-1"}
        # the pressed times keep the true gaps between the venues
        pressed = {p["team_id"]: p["pressed_at"] for p in photo["presses"]}
        for a, b in (("liepaja", "siauliai"), ("siauliai", "jelgava")):
            true_gap_us = (
                true_press(boxes[b], channel[b]) - true_press(boxes[a], channel[a])
            ) / 1000
            assert abs((pressed[b] - pressed[a]) - true_gap_us) < 20_000, (pressed, a, b)
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
