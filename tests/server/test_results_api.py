"""Results, exports, the participation report, the admin API and the lobby over HTTP (issue 15).

A contest is played on a TestClient (an open-text all-play question Jelgava gets right, a host
adjustment), then its results are read as JSON, CSV and XLSX and checked against its event log;
the public results hold no player names and appear only after the end.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from game.events import Event
from game.results import contest_results
from server.app import create_app
from tests.server.conftest import make_settings, reply_to, setup_contest

ADMIN = {"Authorization": "Bearer admin-token-for-tests"}


def _setup(client: TestClient) -> dict[str, Any]:
    """``setup_contest`` as the admin (the server has an admin token)."""
    client.headers["Authorization"] = ADMIN["Authorization"]
    try:
        return setup_contest(client)
    finally:
        del client.headers["Authorization"]


def _host(client: TestClient, contest: dict[str, Any], *commands: dict[str, Any]) -> None:
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        assert ws.receive_json()["type"] == "welcome"
        for number, command in enumerate(commands, start=1):
            ws.send_json({"type": "command", "id": number, "command": command})
            reply = reply_to(ws)
            assert reply["type"] == "ack", (command, reply)


def _answer(client: TestClient, contest: dict[str, Any], team: str, text: str) -> None:
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "player", "token": contest["tokens"][team]})
        assert ws.receive_json()["type"] == "welcome"
        ws.send_json({"type": "answer", "id": 1, "answer": {"kind": "text", "text": text}})
        assert reply_to(ws)["type"] == "ack"


def _play(client: TestClient, finish: bool = True) -> dict[str, Any]:
    contest = _setup(client)
    _host(
        client,
        contest,
        {"type": "start_contest"},
        {"type": "start_round", "round_index": 1},
        {"type": "show_question"},
    )
    _answer(client, contest, "jelgava", "Oxygen")
    _answer(client, contest, "liepaja", "Nitrogen")
    _host(
        client,
        contest,
        {"type": "lock_answers"},
        {"type": "judge", "team_id": "liepaja", "correct": False},
        {"type": "reveal"},
        {"type": "end_round"},
    )
    _host(
        client, contest, {"type": "adjust_score", "team_id": "siauliai", "delta": 4, "reason": "x"}
    )
    if finish:
        _host(client, contest, {"type": "end_contest"})
    return contest


def _log(client: TestClient, contest: dict[str, Any]) -> list[Event]:
    rows = client.get(f"/api/contests/{contest['id']}/events", headers=contest["auth"]).json()
    return [msgspec.convert(r["event"], Event) for r in rows["events"]]  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path):
    settings = make_settings(tmp_path, admin_token="admin-token-for-tests")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def any_client(tmp_path: Path, database_url: str):
    """On SQLite and on PostgreSQL (a shared database: other tests' contests are there too)."""
    settings = make_settings(
        tmp_path, admin_token="admin-token-for-tests", database_url=database_url
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_results_json_follows_the_event_log(any_client):
    client = any_client
    contest = _play(client)
    answer = client.get(f"/api/contests/{contest['id']}/results", headers=contest["auth"])
    assert answer.status_code == 200, answer.text
    results = answer.json()
    expected = msgspec.json.decode(msgspec.json.encode(contest_results(_log(client, contest))))
    assert results["ranking"] == expected["ranking"]
    assert {t["team_id"]: t["score"] for t in results["ranking"]} == {
        "jelgava": 10,
        "liepaja": 0,
        "siauliai": 4,
    }
    [question] = results["questions"]
    assert question["verdicts"] == {"jelgava": "correct", "liepaja": "wrong"}
    assert question["correct_share"] == 0.5
    assert [p["display_name"] for p in results["players"]] == [
        "jelgava one",
        "liepaja one",
        "siauliai one",
    ]
    admin = client.get(f"/api/contests/{contest['id']}/results", headers=ADMIN)
    assert admin.json() == results
    assert client.get(f"/api/contests/{contest['id']}/results").status_code == 401


def test_csv_and_xlsx_exports_match_the_results_and_hold_no_names(client):
    contest = _play(client)
    cid, auth = contest["id"], contest["auth"]
    ranking = client.get(f"/api/contests/{cid}/results.csv?table=ranking", headers=auth)
    assert ranking.status_code == 200 and ranking.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(ranking.content.decode("utf-8-sig"))))
    assert [(r["team_id"], int(r["score"])) for r in rows] == [
        ("jelgava", 10),
        ("siauliai", 4),
        ("liepaja", 0),
    ]
    assert rows[1]["adjustments"] == "4"
    totals: dict[str, int] = {}
    for row in client.get(f"/api/contests/{cid}/events", headers=auth).json()["events"]:
        if row["type"] == "score_changed":  # the log's own score changes, added up by hand
            team = row["event"]["team_id"]
            totals[team] = totals.get(team, 0) + row["event"]["delta"]
    assert {r["team_id"]: int(r["score"]) for r in rows if int(r["score"])} == totals
    questions = client.get(f"/api/contests/{cid}/results.csv?table=questions", headers=auth)
    [q] = list(csv.DictReader(io.StringIO(questions.content.decode("utf-8-sig"))))
    assert (q["verdict jelgava"], q["verdict liepaja"], q["correct_share"]) == (
        "correct",
        "wrong",
        "0.5",
    )
    book = client.get(f"/api/contests/{cid}/results.xlsx?lang=lv", headers=auth)
    assert book.status_code == 200
    workbook = load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames == ["ranking", "progression", "questions", "players"]
    sheet = workbook["ranking"]
    assert [c.value for c in sheet[2]][:5] == [1, "jelgava", "Jelgava", "Jelgava", 10]
    assert len(workbook["progression"]._charts) == 1
    players = [[c.value for c in row] for row in workbook["players"].iter_rows(min_row=2)]
    assert players == [
        ["Jelgava", "unknown", "code", 1],
        ["Liepāja", "unknown", "code", 1],
        ["Šiauliai", "unknown", "code", 1],
    ]
    everything = b"".join(
        client.get(f"/api/contests/{cid}/results.csv?table={t}", headers=auth).content
        for t in ("ranking", "progression", "questions", "players")
    )
    assert b"jelgava one" not in everything and b"pt_" not in everything
    bad = client.get(f"/api/contests/{cid}/results.csv?table=secrets", headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_message"


def test_public_results_only_after_the_end_and_without_names(client):
    contest = _play(client, finish=False)
    early = client.get(f"/api/public/contests/{contest['id']}/results")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_finished"
    _host(client, contest, {"type": "end_contest"})
    public = client.get(f"/api/public/contests/{contest['id']}/results")
    assert public.status_code == 200
    assert public.json()["players"] == [] and public.json()["public"] is True
    assert "jelgava one" not in public.text
    chart = client.get(f"/api/public/contests/{contest['id']}/results/chart.svg?lang=lt")
    assert chart.status_code == 200 and chart.text.startswith("<svg")
    assert "taškai" in chart.text and "<script" not in chart.text
    assert client.get("/api/public/contests/nope/results").status_code == 404


def test_participation_report_counts_contests_in_the_range(client):
    _play(client)
    _play(client)
    _setup(client)  # never started: not held
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    report = client.get(f"/api/admin/participation?from={today}&to={today}", headers=ADMIN)
    assert report.status_code == 200, report.text
    body = report.json()
    assert len(body["contests"]) == 2 and body["teams"] == 6 and body["players"] == 6
    assert body["by_library"]["Jelgava"] == {"unknown": 2}
    assert body["by_generation"] == {"unknown": 6}
    none = client.get("/api/admin/participation?from=2000-01-01&to=2000-12-31", headers=ADMIN)
    assert none.json()["contests"] == []
    book = client.get(f"/api/admin/participation.xlsx?from={today}&to={today}", headers=ADMIN)
    workbook = load_workbook(io.BytesIO(book.content))
    assert workbook.sheetnames == [
        "contests",
        "by_library",
        "by_city",
        "by_generation",
        "by_registration",
    ]
    assert [c.value for c in workbook["by_registration"][2]] == ["code", 6]
    assert [c.value for c in workbook["by_generation"][2]] == ["unknown", 6]
    table = client.get(f"/api/admin/participation.csv?table=by_city&from={today}", headers=ADMIN)
    assert table.status_code == 200
    assert client.get("/api/admin/participation").status_code == 401
    wrong = client.get("/api/admin/participation?from=May", headers=ADMIN)
    assert wrong.status_code == 400


def test_admin_lists_contests_packs_and_gives_a_new_host_secret(any_client):
    client = any_client
    contest = _play(client)
    waiting = _setup(client)
    listed = client.get("/api/admin/contests", headers=ADMIN).json()["contests"]
    status = {c["contest_id"]: c["status"] for c in listed}
    assert status[contest["id"]] == "finished" and status[waiting["id"]] == "setup"
    packs = client.get("/api/admin/packs", headers=ADMIN).json()["packs"]
    shipped = next(p for p in packs if p["pack"] == "baltic-science")
    assert shipped["topics"] and shipped["difficulties"]
    topic = shipped["topics"][0]
    preview = client.get(
        f"/api/admin/packs/baltic-science/questions?topic={topic}&difficulty=1", headers=ADMIN
    ).json()["questions"]
    assert preview and all(q["topic"] == topic and q["difficulty"] == 1 for q in preview)
    assert set(preview[0]["text"]) == {"lv", "lt", "en"}
    assert "correct" not in preview[0] and "accepted" not in preview[0]
    rotated = client.post(
        f"/api/admin/contests/{waiting['id']}/host-secret", headers=ADMIN, json={}
    )
    assert rotated.status_code == 200, rotated.text
    fresh = rotated.json()["host_secret"]
    assert rotated.json()["url"] == f"/host/{waiting['id']}#secret={fresh}"
    old = client.get(f"/api/contests/{waiting['id']}", headers=waiting["auth"])
    assert old.status_code == 401
    new = client.get(f"/api/contests/{waiting['id']}", headers={"Authorization": f"Bearer {fresh}"})
    assert new.status_code == 200
    assert client.get("/api/admin/contests").status_code == 401
    assert (
        client.post("/api/admin/contests/nope/host-secret", headers=ADMIN, json={}).status_code
        == 404
    )
    assert client.get("/admin").status_code == 200
    assert client.get(f"/results/{contest['id']}?lang=lt").status_code == 200
    assert client.get("/results/nope").status_code == 404


def test_lobby_gives_the_screen_join_codes_links_and_qr_codes_until_the_start(client):
    contest = _setup(client)
    screen = {"Authorization": f"Bearer {contest['screen_token']}"}
    lobby = client.get(f"/api/contests/{contest['id']}/lobby", headers=screen)
    assert lobby.status_code == 200, lobby.text
    teams = {t["team_id"]: t for t in lobby.json()["teams"]}
    jelgava = teams["jelgava"]
    assert jelgava["join_code"] == contest["codes"]["jelgava"]
    assert jelgava["join_url"].endswith(f"/play/{contest['id']}#code={jelgava['join_code']}")
    assert jelgava["qr_svg"].startswith("<svg") and jelgava["players"] == ["jelgava one"]
    assert client.get(f"/api/contests/{contest['id']}/lobby").status_code == 401
    _host(client, contest, {"type": "start_contest"})
    started = client.get(f"/api/contests/{contest['id']}/lobby", headers=screen).json()
    assert started["status"] == "running"
    assert all("join_code" not in t for t in started["teams"])


def test_quiz_export_writes_the_same_files_from_the_command_line(client, tmp_path, capsys):
    from server.cli import main

    contest = _play(client)
    out = tmp_path / "exports"
    assert (
        main(["export", "results", contest["id"], "--out", str(out), "--data-dir", str(tmp_path)])
        == 0
    )
    served = client.get(f"/api/contests/{contest['id']}/results.csv?table=ranking", headers=ADMIN)
    assert (out / f"{contest['id']}-ranking.csv").read_bytes() == served.content
    book = load_workbook(out / f"{contest['id']}-results.xlsx")
    assert book.sheetnames == ["ranking", "progression", "questions", "players"]
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    argv = ["export", "participation", "--from", today, "--to", today, "--out", str(out)]
    assert main([*argv, "--data-dir", str(tmp_path)]) == 0
    assert "1 contests, 3 teams, 3 players" in capsys.readouterr().out
    assert (out / f"participation-{today}-{today}-by_library.csv").exists()
    assert main(["export", "results", "nope", "--out", str(out), "--data-dir", str(tmp_path)]) == 1
    assert main(["export", "participation", "--from", "May", "--to", today]) == 2


def test_a_contest_keeps_its_start_time_for_the_lobby_and_the_admin(any_client):
    """SQLite and PostgreSQL (migration 0007): ``starts_at`` given at creation is stored, shown
    in UTC by the lobby and the admin's list; a bad one is refused before anything is made."""
    client = any_client
    made = client.post(
        "/api/contests",
        headers=ADMIN,
        json={"title": "Vakara viktorīna", "starts_at": "2026-05-14T18:00:00+03:00"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["starts_at"] == "2026-05-14T15:00:00Z"
    cid = made.json()["contest_id"]
    host = {"Authorization": f"Bearer {made.json()['host_secret']}"}
    lobby = client.get(f"/api/contests/{cid}/lobby", headers=host).json()
    assert lobby["starts_at"] == "2026-05-14T15:00:00Z"
    listed = client.get("/api/admin/contests", headers=ADMIN).json()["contests"]
    assert next(c for c in listed if c["contest_id"] == cid)["starts_at"] == "2026-05-14T15:00:00Z"
    plain = client.post("/api/contests", headers=ADMIN, json={"title": "No time"}).json()
    assert plain["starts_at"] is None
    lobby = client.get(
        f"/api/contests/{plain['contest_id']}/lobby",
        headers={"Authorization": f"Bearer {plain['host_secret']}"},
    ).json()
    assert lobby["starts_at"] is None
    for bad in ("2026-05-14T18:00", "tomorrow", 1747234800, "2026-02-30T18:00:00Z"):
        refused = client.post(
            "/api/contests",
            headers=ADMIN,
            json={"title": "Bad time", "contest_id": "bad-time", "starts_at": bad},
        )
        assert refused.status_code == 400, bad
        assert "starts_at" in refused.json()["error"]["message"]
    listed = client.get("/api/admin/contests", headers=ADMIN).json()["contests"]
    assert "bad-time" not in {c["contest_id"] for c in listed}
