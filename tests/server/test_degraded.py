"""Degraded mode is visible (issue 11, item 11).

During a database outage ``/healthz`` answers 503 with the reason, every HTTP API call that needs
the database answers the documented 503 JSON ``database_unavailable`` (never a plain-text 500),
and a WebSocket hello that cannot be checked gets an ``error`` with that code and close code 1013
(try again later). When the database is back, so is everything else.

The outage is real, not a mock: on SQLite another connection renames the ``contests`` table away;
on PostgreSQL (CI sets QUIZ_TEST_POSTGRES_URL) the server reaches the database through a small
TCP proxy of the test's own, which drops every connection and refuses new ones, or stalls them.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.settings import Settings
from tests.server.conftest import postgres_url, setup_contest
from tests.server.db_proxy import DatabaseProxy

CLOSE_TRY_AGAIN = 1013


class Proxy(DatabaseProxy):
    """A TCP proxy on 127.0.0.1 to ``upstream``: ``cut`` drops every connection and refuses new
    ones, ``stall`` stops forwarding (connections stay open, nothing passes), ``heal`` forwards
    again."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.mode = "forward"
        super().__init__(upstream, "proxy")

    def _refusing(self) -> bool:
        return self.mode == "cut"

    def _connected(self, client: socket.socket, server: socket.socket) -> None:
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                while self.mode == "stall" and not self.stopped.is_set():
                    time.sleep(0.05)  # hold the bytes back: the peer waits for an answer
                if self.mode != "forward":
                    break
                target.sendall(data)
        except OSError:
            pass
        self._close(source, target)

    def cut(self) -> None:
        """Drop every connection through the proxy and refuse new ones."""
        self.mode = "cut"
        self.drop_all()

    def stall(self) -> None:
        """Keep connections open but let nothing through (new ones too)."""
        self.mode = "stall"

    def heal(self) -> None:
        """Forward again."""
        self.mode = "forward"

    def close(self) -> None:
        self.stopped.set()
        self.cut()
        super().close()


class Outage:
    """A database the test can take away (``begin``) and give back (``end``)."""

    def __init__(self, settings: Settings, begin: Any, end: Any) -> None:
        self.settings = settings
        self.begin = begin
        self.end = end


@contextlib.contextmanager
def _sqlite_outage(tmp_path: Path) -> Iterator[Outage]:
    settings = _settings(tmp_path, "")
    path = settings.data_dir / "quiz.sqlite3"

    def rename(old: str, new: str) -> None:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
            db.execute(f"ALTER TABLE {old} RENAME TO {new}")
            db.commit()

    yield Outage(
        settings,
        lambda: rename("contests", "contests_away"),
        lambda: rename("contests_away", "contests"),
    )


@contextlib.contextmanager
def _postgres_outage(tmp_path: Path) -> Iterator[Outage]:
    url = sa.engine.make_url(postgres_url())
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    outage = Outage(_settings(tmp_path, through), proxy.cut, proxy.heal)
    outage.proxy = proxy  # type: ignore[attr-defined]
    try:
        yield outage
    finally:
        proxy.close()


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_environ(
        {}, data_dir=tmp_path, database_url=database_url, hello_timeout=5.0, ping_interval=0.2
    )


@pytest.fixture(params=["sqlite", "postgres"])
def outage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Outage]:
    """Each test runs with a SQLite outage and with a PostgreSQL one."""
    make = _sqlite_outage if request.param == "sqlite" else _postgres_outage
    with make(tmp_path) as made:
        yield made


def _wait_healthy(client: TestClient, deadline_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_s
    while True:
        health = client.get("/healthz")
        if health.status_code == 200 or time.monotonic() > deadline:
            assert health.status_code == 200, health.text
            return dict(health.json())
        time.sleep(0.1)


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert error["message"]


def test_an_outage_shows_in_healthz_the_api_and_the_host_hello(outage):
    with TestClient(create_app(outage.settings), raise_server_exceptions=False) as client:
        healthy = client.get("/healthz")
        assert healthy.status_code == 200
        assert healthy.json()["status"] == "ok"
        assert healthy.json()["database"] == "ok"
        contest = setup_contest(client)
        cid, auth = contest["id"], contest["auth"]
        join_code = next(iter(contest["codes"].values()))

        outage.begin()
        health = client.get("/healthz")
        assert health.status_code == 503, health.text
        report = health.json()
        assert report["status"] == "degraded"
        assert report["database"] == "unavailable"
        assert report["reason"]

        _assert_unavailable(client.get(f"/api/contests/{cid}", headers=auth))
        _assert_unavailable(client.get(f"/api/contests/{cid}/teams", headers=auth))
        _assert_unavailable(client.get(f"/api/contests/{cid}/events", headers=auth))
        _assert_unavailable(
            client.post(f"/api/contests/{cid}/teams", headers=auth, json={"name": "Rīga"})
        )
        _assert_unavailable(
            client.post(
                f"/api/contests/{cid}/join", json={"join_code": join_code, "display_name": "Ilze"}
            )
        )
        # A contest that is not in memory cannot be looked up either: 503, not 404.
        _assert_unavailable(client.get("/api/contests/c-not-in-memory/events", headers=auth))
        assert client.get("/screen/c-not-in-memory").status_code == 503

        for contest_id in (cid, "c-not-in-memory"):
            with client.websocket_connect(f"/ws/{contest_id}") as ws:
                ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
                error = ws.receive_json()
                assert error["type"] == "error"
                assert error["code"] == "database_unavailable"
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_json()
                assert closed.value.code == CLOSE_TRY_AGAIN

        outage.end()
        assert _wait_healthy(client)["database"] == "ok"
        teams = client.get(f"/api/contests/{cid}/teams", headers=auth)
        assert teams.status_code == 200, teams.text
        with client.websocket_connect(f"/ws/{cid}") as ws:
            ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
            assert ws.receive_json()["type"] == "welcome"


def test_a_database_that_does_not_answer_is_reported_by_healthz(tmp_path):
    """PostgreSQL that accepts but never answers: /healthz gives up after its short timeout."""
    with (
        _postgres_outage(tmp_path) as outage,
        TestClient(create_app(outage.settings), raise_server_exceptions=False) as client,
    ):
        proxy: Proxy = outage.proxy  # type: ignore[attr-defined]
        assert client.get("/healthz").status_code == 200
        proxy.stall()
        health = client.get("/healthz")
        assert health.status_code == 503, health.text
        assert health.json()["database"] == "unavailable"
        assert "did not answer" in health.json()["reason"]
        proxy.cut()  # release the store's thread from the stalled connection
        proxy.heal()
        assert _wait_healthy(client)["database"] == "ok"
