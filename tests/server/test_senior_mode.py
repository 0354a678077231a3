"""Senior and accessible mode through the server (docs/protocol.md, docs/api.md): the host's
``set_team_time_mode`` command, a team added in senior mode, and what each tablet is told."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.server.conftest import setup_contest


def _command(host: Any, kind: str, **fields: Any) -> dict[str, Any]:
    host.send_json({"type": "command", "id": kind, "command": {"type": kind, **fields}})
    answer: dict[str, Any] = host.reply()
    assert answer["type"] == "ack", answer
    return answer


def _changed(peer: Any, event: str) -> dict[str, Any]:
    message: dict[str, Any] = peer.next(lambda m: m["type"] == "view" and event in m["events"])
    return message["view"]


def test_the_host_sets_a_team_to_senior_mode_and_its_tablet_gets_its_own_deadline(
    peers: Any,
) -> None:
    _, _, connect = peers
    host, tablet, screen = connect("host"), connect("player"), connect("display")
    _command(host, "start_contest")
    _command(host, "start_round", round_index=1)  # the all-play round, 30 s
    _command(host, "show_question")
    shown = _changed(tablet, "question_shown")["question"]
    assert shown["my_deadline"] == shown["deadline"]

    _command(host, "set_team_time_mode", team_id="jelgava", time_mode="extended")
    mine = _changed(tablet, "team_time_mode_set")
    assert mine["team"]["time_mode"] == "extended"
    assert mine["question"]["my_deadline"] == shown["deadline"] + 30_000_000
    on_screen = _changed(screen, "team_time_mode_set")
    assert on_screen["question"]["team_deadlines"] == {"jelgava": shown["deadline"] + 30_000_000}
    assert {t["id"]: t["time_mode"] for t in on_screen["teams"]}["jelgava"] == "extended"
    locks = [t["due"] for t in _changed(host, "team_time_mode_set")["timers"]]
    assert locks == [shown["deadline"] + 30_000_000]  # the answers lock at the last deadline

    _command(host, "set_team_time_mode", team_id="jelgava", time_mode="untimed")
    assert _changed(tablet, "team_time_mode_set")["question"]["my_deadline"] is None
    assert _changed(host, "team_time_mode_set")["timers"] == []  # the host locks the answers

    host.send_json(
        {
            "type": "command",
            "id": "bad",
            "command": {"type": "set_team_time_mode", "team_id": "jelgava", "time_mode": "slow"},
        }
    )
    assert host.reply()["code"] == "invalid_message"


def test_only_the_host_may_set_a_time_mode(peers: Any) -> None:
    _, _, connect = peers
    tablet = connect("player")
    tablet.send_json(
        {
            "type": "command",
            "id": 1,
            "command": {"type": "set_team_time_mode", "team_id": "jelgava", "time_mode": "untimed"},
        }
    )
    refused = tablet.reply()
    assert refused["type"] == "error" and refused["code"] == "forbidden"


def test_a_team_is_added_in_senior_mode(client: TestClient) -> None:
    made = client.post("/api/contests", json={"title": "Senior", "languages": ["lv", "en"]})
    assert made.status_code == 201, made.text
    cid = made.json()["contest_id"]
    host = {"Authorization": f"Bearer {made.json()['host_secret']}"}
    added = client.post(
        f"/api/contests/{cid}/teams", headers=host, json={"name": "Rīga", "time_mode": "untimed"}
    )
    assert added.status_code == 201, added.text
    refused = client.post(
        f"/api/contests/{cid}/teams", headers=host, json={"name": "Cēsis", "time_mode": "slow"}
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_message"
    teams = client.get(f"/api/contests/{cid}", headers=host).json()["teams"]
    assert [(t["name"], t["time_mode"]) for t in teams] == [("Rīga", "untimed")]


def test_the_host_console_sets_a_time_mode_over_http(client: TestClient) -> None:
    contest = setup_contest(client)
    url = f"/api/contests/{contest['id']}/teams/liepaja/time_mode"
    done = client.post(url, headers=contest["auth"], json={"time_mode": "extended"})
    assert done.status_code == 200, done.text
    assert done.json() == {"team_id": "liepaja", "time_mode": "extended"}
    teams = client.get(f"/api/contests/{contest['id']}/teams", headers=contest["auth"]).json()
    assert {t["team_id"]: t["time_mode"] for t in teams["teams"]}["liepaja"] == "extended"
    for body, code, status in (
        ({}, "invalid_message", 400),
        ({"time_mode": "slow"}, "invalid_message", 400),
    ):
        refused = client.post(url, headers=contest["auth"], json=body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code)
    nobody = client.post(
        f"/api/contests/{contest['id']}/teams/nobody/time_mode",
        headers=contest["auth"],
        json={"time_mode": "untimed"},
    )
    assert nobody.json()["error"]["code"] == "unknown_team"
    player = {"Authorization": f"Bearer {contest['tokens']['jelgava']}"}
    forged = client.post(url, headers=player, json={"time_mode": "standard"})
    assert forged.status_code == 401
