"""Atomic setup (issue 11, item 13): a team's event and its join code, a player's event and their
token, are written in one transaction; a retry of the same team request is safe.

The failure in between is real, not a mock: another SQLite connection renames the ``teams`` (or
``players``) table away, so the server's transaction fails after writing the event's row.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from game import commands as c
from game.errors import DuplicateId
from server.app import create_app
from server.contests import ContestService
from server.settings import Settings
from server.store import Store
from server.store import teams as teams_table
from tests.server.conftest import make_settings, setup_contest


def _rename(path: Path, old: str, new: str) -> None:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute(f"ALTER TABLE {old} RENAME TO {new}")
        db.commit()


def _log_types(client: TestClient, contest: dict[str, Any]) -> list[str]:
    answer = client.get(f"/api/contests/{contest['id']}/events", headers=contest["auth"])
    assert answer.status_code == 200, answer.text
    return [e["type"] for e in answer.json()["events"]]


def _unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_team_whose_join_code_cannot_be_written_is_not_added_and_a_retry_works(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    database = settings.data_dir / "quiz.sqlite3"
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        contest = setup_contest(client)
        url = f"/api/contests/{contest['id']}/teams"
        before = _log_types(client, contest)

        _rename(database, "teams", "teams_away")
        _unavailable(client.post(url, headers=contest["auth"], json={"name": "Rīga"}))
        _rename(database, "teams_away", "teams")
        assert _log_types(client, contest) == before  # no team without a join code

        added = client.post(url, headers=contest["auth"], json={"name": "Rīga"})
        assert added.status_code == 201, added.text
        assert added.json()["team_id"] == "riga"
        again = client.post(url, headers=contest["auth"], json={"name": "Rīga"})
        assert again.status_code == 201, again.text
        assert again.json() == added.json()  # the same request again: the same team and code
        listed = client.get(url, headers=contest["auth"]).json()["teams"]
        assert {t["team_id"]: t["join_code"] for t in listed}["riga"] == added.json()["join_code"]
        assert _log_types(client, contest).count("team_added") == before.count("team_added") + 1


def test_a_player_whose_token_cannot_be_written_does_not_join(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    database = settings.data_dir / "quiz.sqlite3"
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        contest = setup_contest(client)
        join = {"join_code": contest["codes"]["jelgava"], "display_name": "Ilze"}
        before = _log_types(client, contest)

        _rename(database, "players", "players_away")
        _unavailable(client.post(f"/api/contests/{contest['id']}/join", json=join))
        _rename(database, "players_away", "players")
        assert _log_types(client, contest) == before  # no ghost player

        joined = client.post(f"/api/contests/{contest['id']}/join", json=join)
        assert joined.status_code == 201, joined.text
        with client.websocket_connect(f"/ws/{contest['id']}") as player:
            player.send_json(
                {"type": "hello", "role": "player", "token": joined.json()["player_token"]}
            )
            welcome = player.receive_json()
            assert welcome["type"] == "welcome", welcome
            assert welcome["player_id"] == joined.json()["player_id"]


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_environ({}, data_dir=tmp_path, database_url=database_url)


def test_retried_team_requests_get_the_team_and_its_code(tmp_path: Path, database_url: str) -> None:
    async def scenario() -> None:
        service = ContestService(_settings(tmp_path, database_url))
        await service.start()
        cid, _secret = await service.create_contest(
            "Setup", ("lv", "lt", "en"), f"s-{secrets.token_hex(4)}"
        )
        first = await service.add_team(cid, "Jelgava", "Jelgava", "#123456", None)
        assert await service.add_team(cid, "Jelgava", "Jelgava", "#123456", None) == first
        assert await service.add_team(cid, "Jelgava", "Jelgava", "#123456", "jelgava") == first
        # Two copies of one request at once: one team, both get it.
        both = await asyncio.gather(
            *(service.add_team(cid, "Liepāja", "Liepāja", "#654321", "liepaja") for _ in range(2))
        )
        assert both[0] == both[1]
        teams = await service.teams(cid)
        assert {t["team_id"]: t["join_code"] for t in teams} == dict([first, both[0]])

        # A team an older server left without a join code gets one when the request is retried.
        store: Store = service.store
        with store.engine.begin() as db:
            db.execute(sa.delete(teams_table).where(teams_table.c.contest_id == cid))
        repaired = await service.add_team(cid, "Jelgava", "Jelgava", "#123456", None)
        assert repaired[0] == "jelgava" and repaired[1]
        assert {t["team_id"]: t["join_code"] for t in await service.teams(cid)}["jelgava"] == (
            repaired[1]
        )

        with pytest.raises(DuplicateId):  # another team under a taken id is still refused
            await service.add_team(cid, "Jelgava 2", "Jelgava", "#123456", "jelgava")
        runner = service.runner(cid)
        await runner.submit(c.StartContest(at=0))
        await runner.submit(c.EndContest(at=0))  # leave no live contest in the database
        await service.stop()

    asyncio.run(scenario())
