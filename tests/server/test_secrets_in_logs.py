"""Secrets never reach the logs: host secrets, player and agent tokens, join codes."""

from __future__ import annotations

import logging

from server.cli import main
from tests.server.conftest import receive_until, setup_contest


def test_a_whole_session_logs_no_secret(client, caplog):
    caplog.set_level(logging.DEBUG)
    contest = setup_contest(client)
    agent = client.post(
        f"/api/contests/{contest['id']}/agents",
        headers=contest["auth"],
        json={"venue": "Jelgava", "teams": ["jelgava"]},
    ).json()
    with client.websocket_connect(f"/ws/{contest['id']}") as host:
        host.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        receive_until(host, lambda m: m["type"] == "view")
        host.send_json({"type": "command", "id": 1, "command": {"type": "start_contest"}})
        receive_until(host, lambda m: m["type"] == "ack")
    for token in (*contest["tokens"].values(), agent["agent_token"], "pt_forged_token_value"):
        with client.websocket_connect(f"/ws/{contest['id']}") as ws:
            ws.send_json({"type": "hello", "role": "player", "token": token})
            ws.receive_json()
    client.post(
        f"/api/contests/{contest['id']}/join",
        json={"join_code": "WRONG-0000", "display_name": "Eve"},
    )
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    secrets = [
        contest["secret"],
        agent["agent_token"],
        *contest["tokens"].values(),
        *contest["codes"].values(),
        "pt_forged_token_value",
    ]
    for secret in secrets:
        assert secret not in logged


def test_quiz_db_upgrade_creates_the_schema(tmp_path, capsys):
    assert main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert (tmp_path / "quiz.sqlite3").exists()
    assert main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 0  # again: nothing to do
