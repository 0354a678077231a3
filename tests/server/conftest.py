"""Fixtures for server tests: settings in a temporary folder, an app under TestClient, a real
uvicorn server in a subprocess, and the PostgreSQL URL from QUIZ_TEST_POSTGRES_URL."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient

from loadtests.harness import QuizServer
from server.app import create_app
from server.demo_questions import OXYGEN, STORK, SUN, WATER
from server.settings import Settings

FAST_BUZZER = {"kind": "buzzer", "open_delay_ms": 0, "collect_window_ms": 50}


def postgres_url() -> str:
    """The PostgreSQL URL for tests, or skip with the reason (CI always sets it)."""
    url = os.environ.get("QUIZ_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("QUIZ_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each persistence test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quiz.sqlite3'}"
    return postgres_url()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test; the audience runs live (no anti-spoiler delay) unless asked."""
    overrides.setdefault("audience_delay", 0.0)
    return Settings.from_environ({}, data_dir=tmp_path, **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, hello_timeout=2.0, ping_interval=0.2)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def with_agent(client: TestClient) -> Iterator[tuple[TestClient, dict[str, Any], Any]]:
    """The ``setup_contest`` contest with a Liepāja venue agent (``contest["agent"]``: the API's
    answer, with its ``agent_token``), and ``connect(role, **hello)``: a TestClient WebSocket
    past its welcome, closed after the test."""
    contest = setup_contest(client)
    made = client.post(
        f"/api/contests/{contest['id']}/agents",
        headers=contest["auth"],
        json={"venue": "Liepāja", "teams": ["liepaja"]},
    )
    assert made.status_code == 201, made.text
    contest["agent"] = made.json()
    with contextlib.ExitStack() as stack:

        def connect(role: str, **hello: Any) -> Any:
            ws = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
            ws.send_json({"type": "hello", "role": role, **hello})
            assert ws.receive_json()["type"] == "welcome"
            return ws

        yield client, contest, connect


class Peer:
    """A test-client WebSocket that keeps what it read past, so no message is lost to a search
    for another (a ``check`` may come before or after the ``ack`` that caused it)."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.inbox: list[dict[str, Any]] = []

    def send_json(self, message: dict[str, Any]) -> None:
        self.ws.send_json(message)

    def receive_json(self) -> dict[str, Any]:
        return self.inbox.pop(0) if self.inbox else self.ws.receive_json()

    def next(self, predicate: Any, limit: int = 500) -> dict[str, Any]:
        """The first message, read or not yet, that matches (the others stay in the inbox)."""
        for index, message in enumerate(self.inbox):
            if predicate(message):
                return self.inbox.pop(index)
        for _ in range(limit):
            message = self.ws.receive_json()
            if predicate(message):
                return message
            self.inbox.append(message)
        raise AssertionError("no matching message")

    def reply(self) -> dict[str, Any]:
        return self.next(lambda m: m["type"] in ("ack", "error"))


@pytest.fixture
def peers(with_agent: Any) -> tuple[TestClient, dict[str, Any], Any]:
    """``with_agent`` with ``connect(role)`` giving a ``Peer`` signed in with the role's credential
    (the host's secret, Jelgava's player token, the screen token, the agent token)."""
    client, contest, connect_as = with_agent
    credentials = {
        "host": {"secret": contest["secret"]},
        "player": {"token": contest["tokens"]["jelgava"]},
        "display": {"token": contest["screen_token"]},
        "agent": {"token": contest["agent"]["agent_token"]},
    }

    def connect(role: str) -> Peer:
        return Peer(connect_as(role, **credentials[role]))

    return client, contest, connect


def questions(*items: Any) -> list[Any]:
    return [msgspec.to_builtins(q) for q in items]


def setup_contest(http: Any, *, buzzer: dict[str, Any] | None = None) -> dict[str, Any]:
    """A contest with Jelgava, Liepāja and Šiauliai, a buzzer round and an all-play round, and
    one joined player per team. ``http`` is a TestClient or an httpx.Client."""
    made = http.post(
        "/api/contests", json={"title": "Test contest", "languages": ["lv", "lt", "en"]}
    )
    assert made.status_code == 201, made.text
    contest = made.json()
    auth = {"Authorization": f"Bearer {contest['host_secret']}"}
    codes, tokens = {}, {}
    for name in ("Jelgava", "Liepāja", "Šiauliai"):
        team = http.post(
            f"/api/contests/{contest['contest_id']}/teams", headers=auth, json={"name": name}
        )
        assert team.status_code == 201, team.text
        codes[team.json()["team_id"]] = team.json()["join_code"]
    for rules, qs in (
        (buzzer or FAST_BUZZER, questions(STORK, SUN)),
        ({"kind": "all_play", "time_limit_s": 30}, questions(OXYGEN, WATER)),
    ):
        added = http.post(
            f"/api/contests/{contest['contest_id']}/rounds",
            headers=auth,
            json={"rules": rules, "questions": qs},
        )
        assert added.status_code == 201, added.text
    for team_id, code in codes.items():
        joined = http.post(
            f"/api/contests/{contest['contest_id']}/join",
            json={"join_code": code, "display_name": f"{team_id} one"},
        )
        assert joined.status_code == 201, joined.text
        tokens[team_id] = joined.json()["player_token"]
    screen = http.post(
        f"/api/contests/{contest['contest_id']}/screens", headers=auth, json={"venue": "Jelgava"}
    )
    assert screen.status_code == 201, screen.text
    return {
        "id": contest["contest_id"],
        "secret": contest["host_secret"],
        "auth": auth,
        "codes": codes,
        "tokens": tokens,
        "screen_token": screen.json()["screen_token"],
    }


def receive_until(ws: Any, predicate: Any, limit: int = 100) -> dict[str, Any]:
    """TestClient websocket: read messages until one matches."""
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message
    raise AssertionError("no matching message")


def reply_to(ws: Any, limit: int = 100) -> dict[str, Any]:
    return receive_until(ws, lambda m: m["type"] in ("ack", "error"), limit)


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Any]:
    """Start `quiz serve` subprocesses (``loadtests.harness.QuizServer``), stopped after the test;
    ``start(env, data_dir)`` — a second server on the same ``data_dir`` recovers its contests."""
    started: list[QuizServer] = []

    def start(env: dict[str, str] | None = None, data_dir: Path | None = None) -> QuizServer:
        server = QuizServer(env, data_dir=data_dir or tmp_path / "data", log_level=None)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
