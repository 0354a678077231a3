"""Locust scenario for manual load runs: a host running all-play questions, and team tablets.

Start a server and point Locust at it, for example::

    quiz serve --port 8000 &
    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8000 \\
        --headless --users 300 --spawn-rate 50 --run-time 2m

(or without ``--headless`` for the web UI on 127.0.0.1:8089). Run it with Locust's local runner:
the contest is created in ``test_start`` in this process.

- On start, the scenario creates a contest from this machine (loopback needs no admin token) with
  ``--teams`` teams (Jelgava, Liepāja, Šiauliai, …) and a round of 10 single-choice questions
  drawn from the ``baltic-science`` pack.
- ``HostUser`` (exactly one) connects as the host over the WebSocket, starts the contest and the
  round, and then loops: show a question, wait ``--question-seconds``, reveal, next question; when
  the round runs out it adds another round through the API and starts it. Each command's time to
  its ``ack`` is reported as ``WS host <command>``.
- ``PlayerUser`` joins a team through ``POST /api/contests/{id}/join`` (reported by Locust's HTTP
  client), connects its tablet, answers clock-sync pings like a real tablet, and answers every
  question once after a random thinking time (within the question's time); the time from
  sending the answer to its ``ack`` is reported as ``WS answer`` (a refusal as a failure with its
  error code).

The WebSocket side uses ``websocket-client``, a blocking client without threads of its own, which
runs on Locust's gevent (Locust patches sockets when it starts). websockets' threaded sync client
does not survive gevent: its reader thread trips libev when Locust stops the users.
"""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from locust import HttpUser, User, between, events, task
from locust.env import Environment
from websocket import WebSocket, WebSocketTimeoutException, create_connection

CITIES = ("Jelgava", "Liepāja", "Šiauliai")


@dataclass
class Scenario:
    """The contest this run plays (created in ``test_start``)."""

    contest_id: str = ""
    secret: str = ""
    join_codes: list[str] = field(default_factory=list)
    rounds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_round(self, base: str) -> None:
        """Add a round of 10 single-choice pack questions through the API."""
        self.rounds += 1
        body = {
            "round_id": f"load-{self.rounds}",
            "rules": {"kind": "all_play", "time_limit_s": 60},
            "from_pack": {
                "pack": "baltic-science",
                "count": 10,
                "types": ["single_choice"],
                "seed": self.rounds,
            },
        }
        added = httpx.post(
            f"{base}/api/contests/{self.contest_id}/rounds",
            json=body,
            headers={"Authorization": f"Bearer {self.secret}"},
            trust_env=False,
        )
        added.raise_for_status()


SCENARIO = Scenario()


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _options(parser: Any) -> None:
    parser.add_argument("--teams", type=int, default=3, help="teams in the contest")
    parser.add_argument(
        "--question-seconds", type=float, default=12.0, help="seconds each question stays open"
    )


@events.test_start.add_listener  # type: ignore[untyped-decorator]
def _create_contest(environment: Environment, **_: Any) -> None:
    base = str(environment.host).rstrip("/")
    options = environment.parsed_options
    teams = int(getattr(options, "teams", 3))
    made = httpx.post(f"{base}/api/contests", json={"title": "Locust load run"}, trust_env=False)
    made.raise_for_status()
    SCENARIO.contest_id = made.json()["contest_id"]
    SCENARIO.secret = made.json()["host_secret"]
    for number in range(teams):
        name = f"{CITIES[number % len(CITIES)]} {number // len(CITIES) + 1}"
        team = httpx.post(
            f"{base}/api/contests/{SCENARIO.contest_id}/teams",
            json={"name": name},
            headers={"Authorization": f"Bearer {SCENARIO.secret}"},
            trust_env=False,
        )
        team.raise_for_status()
        SCENARIO.join_codes.append(team.json()["join_code"])
    SCENARIO.add_round(base)


def _connect(host: str) -> WebSocket:
    base = host.rstrip("/").replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    ws = create_connection(
        f"{base}/ws/{SCENARIO.contest_id}", timeout=30, skip_utf8_validation=True
    )
    ws.settimeout(1.0)
    return ws


def _report(name: str, started: float, reply: dict[str, Any] | None, size: int = 0) -> None:
    failure = None
    if reply is None:
        failure = RuntimeError("no reply")
    elif reply.get("type") == "error":
        failure = RuntimeError(str(reply.get("code")))
    events.request.fire(  # type: ignore[no-untyped-call]
        request_type="WS",
        name=name,
        response_time=(time.monotonic() - started) * 1000,
        response_length=size,
        exception=failure,
        context={},
    )


class HostUser(User):
    """The host console: runs the questions."""

    fixed_count = 1
    wait_time = between(0, 0)

    def on_start(self) -> None:
        self.ids = itertools.count(1)
        self.ws = _connect(str(self.host))
        self.ws.send(json.dumps({"type": "hello", "role": "host", "secret": SCENARIO.secret}))
        self.command("start_contest")
        self.command("start_round")

    def on_stop(self) -> None:
        self.ws.close()

    def command(self, kind: str) -> dict[str, Any] | None:
        """Send a host command and wait for its reply (views in between are skipped)."""
        message_id = next(self.ids)
        started = time.monotonic()
        message = {"type": "command", "id": message_id, "command": {"type": kind}}
        self.ws.send(json.dumps(message))
        deadline = started + 30
        while time.monotonic() < deadline:
            try:
                reply = json.loads(self.ws.recv())
            except WebSocketTimeoutException:
                continue
            if reply.get("id") == message_id and reply["type"] in ("ack", "error"):
                _report(f"host {kind}", started, reply)
                return dict(reply)
        _report(f"host {kind}", started, None)
        return None

    @task
    def run_question(self) -> None:
        """Show the next question, let it run, reveal it."""
        reply = self.command("show_question")
        if reply is None or reply["type"] == "error":  # the round is over: start another one
            self.command("end_round")
            with SCENARIO.lock:
                SCENARIO.add_round(str(self.host))
            self.command("start_round")
            return
        seconds = float(getattr(self.environment.parsed_options, "question_seconds", 12.0))
        time.sleep(seconds)
        self.command("reveal")
        time.sleep(2.0)


class PlayerUser(HttpUser):
    """A team tablet: joins, keeps its clock in sync, answers every question once."""

    wait_time = between(0, 0)

    def on_start(self) -> None:
        code = random.choice(SCENARIO.join_codes)
        body = {"join_code": code, "display_name": f"Load {random.randrange(10_000)}"}
        joined = self.client.post(
            f"/api/contests/{SCENARIO.contest_id}/join", json=body, name="/api/contests/[id]/join"
        )
        joined.raise_for_status()
        token = joined.json()["player_token"]
        self.ws = _connect(str(self.host))
        self.ws.send(json.dumps({"type": "hello", "role": "player", "token": token}))
        self.answered: set[tuple[int, int]] = set()
        self.due: tuple[float, tuple[int, int], str] | None = None
        self.sent: dict[int, float] = {}
        self.ids = itertools.count(1)

    def on_stop(self) -> None:
        self.ws.close()

    @task
    def play(self) -> None:
        """Handle what arrives within a second; answer when the thinking time is over."""
        try:
            raw = self.ws.recv()
        except WebSocketTimeoutException:
            raw = None
        if raw is not None and self.worth_reading(raw):
            self.handle(json.loads(raw), len(raw))
        if self.due is not None and time.monotonic() >= self.due[0]:
            _, key, option = self.due
            self.due = None
            message_id = next(self.ids)
            self.sent[message_id] = time.monotonic()
            answer = {"kind": "choice", "option": option}
            self.ws.send(json.dumps({"type": "answer", "id": message_id, "answer": answer}))
            self.answered.add(key)

    def worth_reading(self, raw: str | bytes) -> bool:
        """Whether to decode a message: views only while answers are open and none is pending."""
        text = raw if isinstance(raw, str) else raw.decode()
        if not text.startswith('{"type":"view"'):
            return True
        if self.due is not None:
            return '"phase":"answers_open"' not in text
        return '"phase":"answers_open"' in text

    def handle(self, message: dict[str, Any], size: int) -> None:
        """React to one server message."""
        kind = message.get("type")
        if kind == "ping":
            now = time.monotonic() * 1000
            pong = {"type": "pong", "id": message["id"], "t0": message["t0"], "t1": now}
            self.ws.send(json.dumps({**pong, "t2": time.monotonic() * 1000}))
        elif kind in ("ack", "error") and message.get("id") in self.sent:
            _report("answer", self.sent.pop(message["id"]), message, size)
        elif kind == "view":
            question = (message.get("view") or {}).get("question")
            if not question or question.get("phase") != "answers_open":
                self.due = None  # locked or revealed before the thinking was over
                return
            key = (question["round_index"], question["index"])
            options = question["question"].get("options") or []
            if key in self.answered or not options or self.due is not None:
                return
            option = random.choice(options)["id"]
            seconds = float(getattr(self.environment.parsed_options, "question_seconds", 12.0))
            thinking = random.uniform(0.5, max(0.6, 0.8 * seconds))  # before the host reveals
            self.due = (time.monotonic() + thinking, key, option)
