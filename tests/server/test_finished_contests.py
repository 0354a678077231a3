"""Finished contests survive restarts (issue 11, item 12).

The server recovers only unfinished contests when it starts; a finished one is loaded from its
event log on the first request that names it (HTTP API, pages, WebSocket), so its results, its
event log and the score adjustment allowed after the end (docs/game-rules.md) stay reachable for
as long as the database keeps it. Two first requests at once load it once.

Runs on SQLite and on PostgreSQL (CI sets QUIZ_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.contests import ContestService, ServiceError
from server.settings import Settings
from tests.server.conftest import reply_to, setup_contest


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_environ(
        {}, data_dir=tmp_path, database_url=database_url, hello_timeout=5.0, ping_interval=0.2
    )


def _host_command(client: TestClient, contest_id: str, secret: str, command: dict[str, Any]) -> Any:
    with client.websocket_connect(f"/ws/{contest_id}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": secret})
        assert ws.receive_json()["type"] == "welcome"
        ws.send_json({"type": "command", "id": 1, "command": command})
        return reply_to(ws)


def _finished_contest(client: TestClient) -> dict[str, Any]:
    contest = setup_contest(client)
    for command in ({"type": "start_contest"}, {"type": "end_contest"}):
        reply = _host_command(client, contest["id"], contest["secret"], command)
        assert reply["type"] == "ack", reply
    return contest


def test_a_finished_contest_is_reachable_after_a_restart(tmp_path, database_url):
    settings = _settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        contest = _finished_contest(client)
    cid, auth = contest["id"], contest["auth"]
    team_id = next(iter(contest["codes"]))

    with TestClient(create_app(settings)) as client:  # a restart
        for page in ("host", "play", "screen", "watch"):
            assert client.get(f"/{page}/{cid}").status_code == 200, page
        view = client.get(f"/api/contests/{cid}", headers=auth)
        assert view.status_code == 200, view.text
        assert view.json()["contest"]["status"] == "finished"
        events = client.get(f"/api/contests/{cid}/events", headers=auth)
        assert events.status_code == 200, events.text
        assert events.json()["events"][-1]["type"] == "contest_finished"
        with client.websocket_connect(f"/ws/{cid}") as ws:
            ws.send_json({"type": "hello", "role": "audience"})
            assert ws.receive_json()["type"] == "welcome"
        adjusted = _host_command(
            client,
            cid,
            contest["secret"],
            {"type": "adjust_score", "team_id": team_id, "delta": 3, "reason": "appeal upheld"},
        )
        assert adjusted["type"] == "ack", adjusted

    with TestClient(create_app(settings)) as client:  # and the adjustment survives the next one
        events = client.get(f"/api/contests/{cid}/events", headers=auth).json()["events"]
        assert events[-1]["type"] == "score_changed"
        assert events[-1]["event"]["delta"] == 3
        scoreboard = client.get(f"/api/contests/{cid}", headers=auth).json()["scoreboard"]
        assert {t["team_id"]: t["score"] for t in scoreboard}[team_id] == 3


def test_the_first_websocket_of_a_finished_contest_gets_its_view(tmp_path, database_url):
    settings = _settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        contest = _finished_contest(client)
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect(f"/ws/{contest['id']}") as ws,
    ):
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        assert ws.receive_json()["type"] == "welcome"
        view = ws.receive_json()
        assert view["type"] == "view"
        assert view["view"]["contest"]["status"] == "finished"


def test_unknown_contests_stay_unknown(tmp_path, database_url):
    with TestClient(create_app(_settings(tmp_path, database_url))) as client:
        assert client.get("/screen/no-such-contest").status_code == 404
        answer = client.get("/api/contests/no-such-contest/events")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "contest_not_found"


def test_two_first_requests_load_a_finished_contest_once(tmp_path, database_url):
    settings = _settings(tmp_path, database_url)
    with TestClient(create_app(settings)) as client:
        contest = _finished_contest(client)

    async def scenario() -> None:
        service = ContestService(settings)
        await service.start()
        try:
            assert contest["id"] not in service.runners  # not recovered at start: lazily
            first, second, *_ = await asyncio.gather(
                service.ensure(contest["id"]),
                service.ensure(contest["id"]),
                service.ensure(contest["id"]),
            )
            assert first is second
            assert service.runners[contest["id"]] is first
            assert first.state.status == "finished"
            assert await service.ensure(contest["id"]) is first
            with pytest.raises(ServiceError) as missing:
                await service.ensure("no-such-contest")
            assert missing.value.status == 404
        finally:
            await service.stop()

    asyncio.run(scenario())
