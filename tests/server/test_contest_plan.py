"""A whole contest from one admin request (issue 15): checked first, made in one transaction.

``POST /api/admin/contests`` takes the contest, its teams (with libraries), rounds, and makes the
screens, agents and kiosks of each venue. A refused part of the plan names itself and leaves
nothing behind; a database failure half-way through the write leaves nothing behind either (a
real failure: another SQLite connection renames the ``kiosks`` table away, the last one written).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from tests.server.conftest import make_settings

TOKEN = "admin-token-for-plan-tests"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
LIBRARIES = {  # nothing listens there: making kiosks and opening them never asks a library
    name: {"host": "127.0.0.1", "port": 9, "institution_id": "X", "user": "u", "password": "p"}
    for name in ("Jelgava", "Liepāja")
}


def plan(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Pavasara viktorīna",
        "languages": ["lv", "lt", "en"],
        "starts_at": "2026-05-14T18:00:00+03:00",
        "teams": [
            {"name": "Jelgava", "venue": "Jelgava", "colour": "#c8102e", "library": "jelgava"},
            {"name": "Liepāja", "venue": "Liepāja", "colour": "#0b5cad", "library": "Liepāja"},
            {"name": "Šiauliai", "venue": "Šiauliai", "colour": "#17823b"},
        ],
        "rounds": [
            {
                "round_id": "r1",
                "rules": {"kind": "buzzer", "points": 10, "wrong_penalty": 5},
                "from_pack": {"pack": "baltic-science", "count": 3, "seed": 7},
            },
            {
                "round_id": "r2",
                "title": {"lv": "Visi", "lt": "Visi", "en": "All"},
                "rules": {"kind": "all_play", "points": 10, "time_limit_s": 20},
                "from_pack": {"pack": "baltic-science", "count": 2, "seed": 8},
            },
        ],
    }
    return base | changes


@pytest.fixture
def client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(tmp_path, admin_token=TOKEN, database_url=database_url)
    environ = {
        "QUIZ_LIBRARIES": json.dumps(LIBRARIES),
        "QUIZ_CARD_HASH_SECRET": "plan-test-card-hash-secret",
    }
    with TestClient(create_app(dataclasses.replace(settings, environ=environ))) as http:
        yield http


def contest_ids(http: TestClient) -> set[str]:
    listed = http.get("/api/admin/contests", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    return {c["contest_id"] for c in listed.json()["contests"]}


def test_one_request_makes_the_whole_contest(client: TestClient) -> None:
    made = client.post("/api/admin/contests", headers=ADMIN, json=plan())
    assert made.status_code == 201, made.text
    answer = made.json()
    cid = answer["contest_id"]
    host = {"Authorization": f"Bearer {answer['host_secret']}"}
    assert answer["urls"]["host"] == f"/host/{cid}#secret={answer['host_secret']}"
    assert answer["starts_at"] == "2026-05-14T15:00:00Z"
    assert [r["questions"] for r in answer["rounds"]] == [3, 2]

    teams = client.get(f"/api/contests/{cid}/teams", headers=host).json()["teams"]
    assert {t["team_id"]: (t["join_code"], t["library"]) for t in teams} == {
        t["team_id"]: (t["join_code"], t["library"]) for t in answer["teams"]
    }
    assert [t["library"] for t in answer["teams"]] == ["Jelgava", "Liepāja", None]
    assert [s["venue"] for s in answer["screens"]] == ["Jelgava", "Liepāja", "Šiauliai"]
    agents = client.get(f"/api/contests/{cid}/agents", headers=host).json()["agents"]
    assert sorted((a["venue"], tuple(a["teams"])) for a in agents) == [
        ("Jelgava", ("jelgava",)),
        ("Liepāja", ("liepaja",)),
        ("Šiauliai", ("siauliai",)),
    ]
    assert [(k["venue"], k["library"]) for k in answer["kiosks"]] == [
        ("Jelgava", "Jelgava"),
        ("Liepāja", "Liepāja"),
    ]
    kiosk = answer["kiosks"][1]
    assert kiosk["url"] == f"/kiosk/{cid}#token={kiosk['kiosk_token']}"
    opened = client.get(
        f"/api/contests/{cid}/kiosk", headers={"Authorization": f"Bearer {kiosk['kiosk_token']}"}
    )
    assert opened.status_code == 200, opened.text
    assert [t["name"] for t in opened.json()["teams"]] == ["Liepāja"]

    log = client.get(f"/api/contests/{cid}/events", headers=host).json()["events"]
    assert [e["type"] for e in log] == ["contest_created"] + ["team_added"] * 3 + [
        "round_added"
    ] * 2
    assert [e["seq"] for e in log] == list(range(1, 7))

    # The contest plays on from there: a screen and a player connect, the host adds a team.
    screen = answer["screens"][0]
    with client.websocket_connect(f"/ws/{cid}") as ws:
        ws.send_json({"type": "hello", "role": "display", "token": screen["screen_token"]})
        assert ws.receive_json()["type"] == "welcome"
    joined = client.post(
        f"/api/contests/{cid}/join",
        json={"join_code": answer["teams"][2]["join_code"], "display_name": "Rūta"},
    )
    assert joined.status_code == 201, joined.text
    more = client.post(f"/api/contests/{cid}/teams", headers=host, json={"name": "Rīga"})
    assert more.status_code == 201, more.text
    assert cid in contest_ids(client)


def test_a_dry_run_checks_the_plan_and_makes_nothing(client: TestClient) -> None:
    before = contest_ids(client)
    checked = client.post("/api/admin/contests", headers=ADMIN, json=plan(dry_run=True))
    assert checked.status_code == 200, checked.text
    answer = checked.json()
    assert answer["dry_run"] is True
    assert "host_secret" not in answer and "join_code" not in answer["teams"][0]
    assert not any("token" in key for k in answer["kiosks"] for key in k)
    assert [len(answer[kind]) for kind in ("screens", "agents", "kiosks")] == [3, 3, 2]
    assert contest_ids(client) == before


@pytest.mark.parametrize(
    ("change", "code", "where"),
    [
        ({"title": ""}, "invalid_message", "`title`"),
        ({"starts_at": "14 May"}, "invalid_message", "`starts_at`"),
        ({"teams": [{"name": "Jelgava", "library": "Rīga"}]}, "unknown_library", "teams[0]: "),
        ({"teams": [{"name": "Jelgava"}, {"name": "Jelgava"}]}, "duplicate_id", "teams[1]: "),
        ({"teams": [{"name": "A", "colour": "red"}]}, None, "teams[0]: "),
        ({"rounds": [{"from_pack": {"pack": "baltic-science", "ids": []}}]}, None, "rounds[0]: "),
        ({"rounds": [{}, {"from_pack": {"pack": "nope", "count": 1}}]}, None, "rounds[0]: "),
        ({"rounds": [{"rules": {"kind": "darts"}, "questions": []}]}, None, "rounds[0]: "),
        ({"teams": "three"}, "invalid_message", "`teams`"),
        ({"time_mode": "slow"}, "invalid_message", "`time_mode`"),
        ({"teams": [{"name": "A", "time_mode": 2}]}, "invalid_message", "teams[0]: "),
    ],
)
def test_a_refused_part_of_the_plan_names_itself_and_nothing_is_made(
    client: TestClient, change: dict[str, Any], code: str | None, where: str
) -> None:
    before = contest_ids(client)
    refused = client.post("/api/admin/contests", headers=ADMIN, json=plan(**change))
    assert 400 <= refused.status_code < 500, refused.text
    error = refused.json()["error"]
    assert code is None or error["code"] == code
    assert error["message"].startswith(where) or where in error["message"], error
    assert contest_ids(client) == before


def test_senior_mode_for_the_whole_contest_or_for_one_team(client: TestClient) -> None:
    teams = plan()["teams"]
    teams[2] = {**teams[2], "time_mode": "standard"}
    made = client.post(
        "/api/admin/contests", headers=ADMIN, json=plan(time_mode="extended", teams=teams)
    )
    assert made.status_code == 201, made.text
    answer = made.json()
    modes = ["extended", "extended", "standard"]
    assert [t["time_mode"] for t in answer["teams"]] == modes
    host = {"Authorization": f"Bearer {answer['host_secret']}"}
    view = client.get(f"/api/contests/{answer['contest_id']}", headers=host).json()
    assert [t["time_mode"] for t in view["teams"]] == modes


def test_the_admin_only_and_a_taken_id_is_refused(client: TestClient) -> None:
    assert client.post("/api/admin/contests", json=plan()).status_code == 401
    first = client.post("/api/admin/contests", headers=ADMIN, json=plan(contest_id="plan-once"))
    if first.status_code == 409:  # PostgreSQL is shared between runs
        first = client.post(
            "/api/admin/contests", headers=ADMIN, json=plan(contest_id=f"plan-{id(client)}")
        )
    assert first.status_code == 201, first.text
    again = client.post(
        "/api/admin/contests", headers=ADMIN, json=plan(contest_id=first.json()["contest_id"])
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_id"


def _rename(path: Path, old: str, new: str) -> None:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute(f"ALTER TABLE {old} RENAME TO {new}")
        db.commit()


def test_a_failure_half_way_through_the_write_leaves_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, admin_token=TOKEN)
    environ = {
        "QUIZ_LIBRARIES": json.dumps(LIBRARIES),
        "QUIZ_CARD_HASH_SECRET": "plan-test-card-hash-secret",
    }
    database = settings.data_dir / "quiz.sqlite3"
    app = create_app(dataclasses.replace(settings, environ=environ))
    with TestClient(app, raise_server_exceptions=False) as client:
        before = contest_ids(client)
        _rename(database, "kiosks", "kiosks_away")  # written last, after the contest and log
        failed = client.post("/api/admin/contests", headers=ADMIN, json=plan(contest_id="half"))
        assert failed.status_code == 503, failed.text
        assert failed.json()["error"]["code"] == "database_unavailable"
        _rename(database, "kiosks_away", "kiosks")
        assert contest_ids(client) == before
        with contextlib.closing(sqlite3.connect(database)) as db:
            for table in ("contests", "events", "teams", "screens", "agents", "kiosks"):
                rows = db.execute(f"SELECT COUNT(*) FROM {table} WHERE contest_id = 'half'")
                assert rows.fetchone() == (0,), table
        assert client.get("/api/contests/half/teams").status_code == 404

        made = client.post("/api/admin/contests", headers=ADMIN, json=plan(contest_id="half"))
        assert made.status_code == 201, made.text  # the same plan again works
        assert "half" in contest_ids(client)
