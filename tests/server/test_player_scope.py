"""A player acts only for their own team (docs/protocol.md §3.4): a message naming another team
or player is refused with ``not_your_team`` and changes nothing; a removed player's connections
close at once and receive nothing more of the team's private view."""

from __future__ import annotations

import contextlib
import json

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.server.conftest import receive_until, reply_to, setup_contest


@pytest.fixture
def stack(client):
    with contextlib.ExitStack() as opened:
        yield opened


def _open(stack, client: TestClient, contest: dict, hello: dict):
    session = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
    session.send_json(hello)
    welcome = session.receive_json()
    assert welcome["type"] == "welcome", welcome
    session.receive_json()  # the first view
    return session, welcome


def _command(host, kind, **fields):
    host.send_json({"type": "command", "id": kind, "command": {"type": kind, **fields}})
    answer = reply_to(host)
    assert answer["type"] == "ack", answer
    return answer


def _question_open(stack, client: TestClient) -> tuple[dict, object, dict]:
    """A contest with the all-play round's first question open and Jelgava's tablet on it:
    (contest, the tablet, its welcome)."""
    contest = setup_contest(client)
    host, _ = _open(
        stack, client, contest, {"type": "hello", "role": "host", "secret": contest["secret"]}
    )
    hello = {"type": "hello", "role": "player", "token": contest["tokens"]["jelgava"]}
    jelgava, welcome = _open(stack, client, contest, hello)
    _command(host, "start_contest")
    _command(host, "start_round", round_index=1)
    _command(host, "show_question")
    return contest, jelgava, welcome


def _version(client, contest) -> int:
    view = client.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
    return int(view["contest"]["version"])


@pytest.mark.parametrize(
    "naming",
    [
        {"team_id": "liepaja"},
        {"player_id": "p-someone-else"},
        {"team_id": "liepaja", "player_id": "p-someone-else"},
    ],
)
def test_a_player_naming_another_team_or_player_is_refused(client, stack, naming):
    contest, jelgava, _ = _question_open(stack, client)
    before = _version(client, contest)
    answer = {"kind": "text", "text": "skābeklis"}
    jelgava.send_json({"type": "answer", "id": 1, "answer": answer, **naming})
    refused = reply_to(jelgava)
    assert refused["type"] == "error" and refused["code"] == "not_your_team" and refused["id"] == 1
    jelgava.send_json({"type": "buzz", "id": 2, "pressed_at": 1.0, **naming})
    assert reply_to(jelgava)["code"] == "not_your_team"
    assert _version(client, contest) == before  # nothing was carried out, for anyone


def test_naming_ones_own_team_and_player_is_fine(client, stack):
    _, jelgava, welcome = _question_open(stack, client)
    jelgava.send_json(
        {
            "type": "answer",
            "id": 1,
            "answer": {"kind": "text", "text": "skābeklis"},
            "team_id": "jelgava",
            "player_id": welcome["player_id"],
        }
    )
    assert reply_to(jelgava)["type"] == "ack"


def test_a_removed_player_is_disconnected_at_once(client, stack):
    contest = setup_contest(client)
    host, _ = _open(
        stack, client, contest, {"type": "hello", "role": "host", "secret": contest["secret"]}
    )
    hello = {"type": "hello", "role": "player", "token": contest["tokens"]["jelgava"]}
    removed, welcome = _open(stack, client, contest, hello)
    _command(host, "remove_player", player_id=welcome["player_id"])
    told = receive_until(removed, lambda m: m["type"] == "error")
    assert told["code"] == "player_removed"
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            message = removed.receive_json()
            assert message["type"] != "view", "a removed player still gets the team's view"
    assert closed.value.code == 4001
    # and the token no longer opens a connection
    with client.websocket_connect(f"/ws/{contest['id']}") as again:
        again.send_json(hello)
        assert again.receive_json()["code"] == "unauthorized"
    assert "p-" in json.dumps(welcome)
