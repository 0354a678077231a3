"""Storage faults (issue 11, items 9 and 10): a COMMIT whose answer is lost, and a database that is
away while a question's timer comes due.

No mocks. On PostgreSQL (CI sets QUIZ_TEST_POSTGRES_URL) the server reaches the database through a
small TCP proxy of the test's own: armed, it lets the next COMMIT reach PostgreSQL, waits for
PostgreSQL's answer and cuts the connection instead of passing the answer on — the commit happened,
the server is not told. On SQLite another connection renames the event log away and back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from game import commands as c
from server.app import create_app
from server.contests import ContestService
from server.demo_questions import STORK, SUN
from server.settings import Settings
from tests.server.conftest import postgres_url, questions, reply_to, setup_contest
from tests.server.db_proxy import DatabaseProxy

COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"  # a simple-protocol Query message: what psycopg sends


class CommitCutter(DatabaseProxy):
    """A TCP proxy on 127.0.0.1 to PostgreSQL. ``arm()``: the next COMMIT reaches PostgreSQL, its
    answer does not come back — the proxy cuts that connection once PostgreSQL has answered (the
    transaction is committed). With ``then_refuse`` the proxy also refuses every new connection
    until ``heal()``: the database looks down right after the commit."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.armed = threading.Event()
        self.cut = threading.Event()
        self.refusing = threading.Event()
        self.then_refuse = False
        super().__init__(upstream, "cutter")

    def arm(self, *, then_refuse: bool = False) -> None:
        """Drop the answer to the next COMMIT (and refuse connections afterwards)."""
        self.then_refuse = then_refuse
        self.cut.clear()
        self.armed.set()

    def heal(self) -> None:
        """Accept connections again."""
        self.refusing.clear()

    def _refusing(self) -> bool:
        return self.refusing.is_set()

    def _connected(self, client: socket.socket, server: socket.socket) -> None:
        dropping = threading.Event()
        for target, args in (
            (self._to_server, (client, server, dropping)),
            (self._to_client, (server, client, dropping)),
        ):
            threading.Thread(target=target, args=args, daemon=True).start()

    def _to_server(self, client: socket.socket, server: socket.socket, dropping: Any) -> None:
        try:
            while data := client.recv(65536):
                if COMMIT in data and self.armed.is_set():
                    self.armed.clear()
                    dropping.set()  # before PostgreSQL can answer: its answer is the next data
                server.sendall(data)
        except OSError:
            pass
        self._close(client, server)

    def _to_client(self, server: socket.socket, client: socket.socket, dropping: Any) -> None:
        try:
            while data := server.recv(65536):
                if dropping.is_set():  # PostgreSQL has committed and answered: lose the answer
                    if self.then_refuse:  # and every other connection: the database is down
                        self.refusing.set()
                        self.drop_all()
                    self._close(client, server)
                    self.cut.set()
                    return
                client.sendall(data)
        except OSError:
            pass
        self._close(client, server)


@contextlib.contextmanager
def _cutter() -> Iterator[tuple[CommitCutter, str]]:
    url = sa.engine.make_url(postgres_url())
    proxy = CommitCutter((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    finally:
        proxy.close()


def _settings(tmp_path: Path, database_url: str = "") -> Settings:
    return Settings.from_environ(
        {}, data_dir=tmp_path, database_url=database_url, hello_timeout=5.0, ping_interval=0.2
    )


@contextlib.contextmanager
def _host(client: TestClient, contest: dict[str, Any]) -> Iterator[Any]:
    with client.websocket_connect(f"/ws/{contest['id']}") as host:
        host.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        assert host.receive_json()["type"] == "welcome"
        yield host


def _command(host: Any, message_id: str, command: dict[str, Any]) -> dict[str, Any]:
    host.send_json({"type": "command", "id": message_id, "command": command})
    return reply_to(host)


def _adjust(delta: int) -> dict[str, Any]:
    return {"type": "adjust_score", "team_id": "jelgava", "delta": delta, "reason": "test"}


def _the_log_after_a_restart(tmp_path: Path, contest: dict[str, Any]) -> list[dict[str, Any]]:
    """The contest's event log read by a fresh server straight on PostgreSQL."""
    with TestClient(create_app(_settings(tmp_path, postgres_url()))) as again:
        answer = again.get(f"/api/contests/{contest['id']}/events", headers=contest["auth"])
        assert answer.status_code == 200, answer.text
        events: list[dict[str, Any]] = answer.json()["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    return events


def test_a_commit_whose_answer_is_lost_is_found_in_the_log_and_acknowledged(tmp_path):
    with (
        _cutter() as (proxy, through),
        TestClient(create_app(_settings(tmp_path, through))) as client,
    ):
        contest = setup_contest(client)
        with _host(client, contest) as host:
            assert _command(host, "start", {"type": "start_contest"})["type"] == "ack"

            proxy.arm()
            plus_ten = _command(host, "plus-ten", _adjust(10))
            assert proxy.cut.is_set()  # the answer to its COMMIT was lost
            assert plus_ten["type"] == "ack", plus_ten  # the truth: it was committed
            minus_three = _command(host, "minus-three", _adjust(-3))
            assert minus_three == {
                "type": "ack",
                "id": "minus-three",
                "seq": plus_ten["seq"] + 1,
            }
            view = client.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
            scores = {row["team_id"]: row["score"] for row in view["scoreboard"]}
            assert scores["jelgava"] == 7
            ended = _command(host, "end", {"type": "end_contest"})
            assert ended["type"] == "ack", ended

    events = _the_log_after_a_restart(tmp_path, contest)
    deltas = [e["event"]["delta"] for e in events if e["type"] == "score_changed"]
    assert deltas == [10, -3]  # the lost-answer command once, nothing else
    assert events[-1]["seq"] == ended["seq"]


def test_when_the_log_cannot_be_read_after_a_lost_commit_the_runner_reads_it_before_the_next(
    tmp_path,
):
    with (
        _cutter() as (proxy, through),
        TestClient(create_app(_settings(tmp_path, through))) as client,
    ):
        contest = setup_contest(client)
        with _host(client, contest) as host:
            assert _command(host, "start", {"type": "start_contest"})["type"] == "ack"

            proxy.arm(then_refuse=True)
            unknown = _command(host, "plus-ten", _adjust(10))
            assert proxy.cut.is_set()
            # The database is away: whether the command was saved is not known yet.
            assert unknown["type"] == "error", unknown
            assert unknown["code"] == "database_unavailable"
            assert "same id" in unknown["message"]
            still_away = _command(host, "minus-three", _adjust(-3))
            assert still_away["code"] == "database_unavailable", still_away

            proxy.heal()
            # Not wedged: the runner reads the log's tail, adopts the +10, carries on.
            minus_three = _command(host, "minus-three", _adjust(-3))
            assert minus_three["type"] == "ack", minus_three
            resent = _command(host, "plus-ten", _adjust(10))  # safe: it is not applied twice
            assert resent == {"type": "ack", "id": "plus-ten", "seq": minus_three["seq"] - 1}
            view = client.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
            assert {r["team_id"]: r["score"] for r in view["scoreboard"]}["jelgava"] == 7
            ended = _command(host, "end", {"type": "end_contest"})
            assert ended["type"] == "ack", ended

    events = _the_log_after_a_restart(tmp_path, contest)
    deltas = [e["event"]["delta"] for e in events if e["type"] == "score_changed"]
    assert deltas == [10, -3]
    assert events[-1]["seq"] == ended["seq"]


# --- a timer that comes due while the database is away (SQLite) -----------------------------------


class _Failures(logging.Handler):
    """Counts the runner's warnings and errors (each failed attempt to commit or read the log)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _until(predicate: Any, what: str, deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    while not predicate():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.01)


def test_a_timer_due_during_an_outage_fires_as_soon_as_the_database_is_back(tmp_path):
    settings = _settings(tmp_path)
    path = settings.data_dir / "quiz.sqlite3"

    def rename(old: str, new: str) -> None:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            db.execute(f"ALTER TABLE {old} RENAME TO {new}")
            db.commit()

    failures = _Failures()
    runner_log = logging.getLogger("server.runner")

    async def scenario() -> None:
        service = ContestService(settings)
        await service.start()
        try:
            cid, _secret = await service.create_contest("Outage", ("lv", "lt", "en"), "outage")
            for name in ("Jelgava", "Liepāja"):
                await service.add_team(cid, name, name, "#123456", None)
            await service.add_round(
                cid,
                {
                    "rules": {"kind": "buzzer", "open_delay_ms": 0, "buzz_time_ms": 600_000},
                    "questions": questions(STORK, SUN),
                },
            )
            runner = service.runner(cid)
            for command in (c.StartContest(at=0), c.StartRound(at=0), c.ShowQuestion(at=0)):
                await runner.submit(command)
            await runner.submit(c.OpenBuzzers(at=0))
            # The buzzers open at once: their timer is due. Nothing runs on the event loop
            # between the ack above and the rename below, so the timer meets the outage.
            rename("events", "events_away")
            assert runner.state.question is not None
            assert runner.state.question.phase == "armed"
            await _until(lambda: failures.count >= 3, "the timer to be tried during the outage")
            assert runner.state.question.phase == "armed"

            rename("events_away", "events")
            await _until(
                lambda: runner.state.question is not None and runner.state.question.phase == "open",
                "the buzzers to open once the database is back",
            )
            log = await service.events(cid, 0)
            assert [e["type"] for e in log].count("buzzers_opened") == 1
            await runner.submit(c.EndContest(at=0))  # later commands work
        finally:
            await service.stop()

    runner_log.addHandler(failures)
    try:
        asyncio.run(scenario())
    finally:
        runner_log.removeHandler(failures)
