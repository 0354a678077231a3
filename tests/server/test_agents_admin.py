"""The host manages venue agents (issue 12): create, list, rename and revoke agent tokens; a
revoked token opens no connection, and a connected agent with it is closed at once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from tests.server.conftest import make_settings, receive_until, setup_contest


@pytest.fixture
def live(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as client:
        yield client, setup_contest(client)


def _agents_url(contest: dict[str, Any], *rest: str) -> str:
    return "/".join([f"/api/contests/{contest['id']}/agents", *rest])


def _create(client: TestClient, contest: dict[str, Any], venue: str, teams: list[str]) -> Any:
    return client.post(
        _agents_url(contest), headers=contest["auth"], json={"venue": venue, "teams": teams}
    )


def _hello(ws: Any, token: str) -> dict[str, Any]:
    ws.send_json({"type": "hello", "role": "agent", "token": token})
    return ws.receive_json()


def test_the_host_creates_and_lists_agents_without_their_tokens(live):
    client, contest = live
    made = _create(client, contest, "Liepāja", ["liepaja", "liepaja"])
    assert made.status_code == 201, made.text
    agent = made.json()
    assert agent["agent_token"].startswith("at_")
    assert agent["venue"] == "Liepāja" and agent["teams"] == ["liepaja"]
    _create(client, contest, "Šiauliai", ["siauliai"]).raise_for_status()
    listed = client.get(_agents_url(contest), headers=contest["auth"])
    assert listed.status_code == 200
    rows = listed.json()["agents"]
    assert [r["venue"] for r in rows] == ["Liepāja", "Šiauliai"]
    first = rows[0]
    assert first["agent_id"] == agent["agent_id"] and first["teams"] == ["liepaja"]
    assert first["revoked"] is False and first["revoked_at"] is None
    assert isinstance(first["created_at"], int) and first["created_at"] > 1.7e12  # ms
    assert agent["agent_token"] not in listed.text and "token" not in listed.text


def test_the_host_renames_an_agent(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    renamed = client.post(
        _agents_url(contest, agent["agent_id"], "rename"),
        headers=contest["auth"],
        json={"venue": "Liepāja, 2nd floor"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["venue"] == "Liepāja, 2nd floor"
    rows = client.get(_agents_url(contest), headers=contest["auth"]).json()["agents"]
    assert rows[0]["venue"] == "Liepāja, 2nd floor"


def test_a_revoked_token_opens_no_connection(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        assert _hello(ws, agent["agent_token"])["type"] == "welcome"
    revoked = client.post(
        _agents_url(contest, agent["agent_id"], "revoke"), headers=contest["auth"], json={}
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"] is True and revoked.json()["revoked_at"] > 1.7e12
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        refused = _hello(ws, agent["agent_token"])
        assert refused["type"] == "error" and refused["code"] == "agent_revoked"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4001


def test_revoking_twice_keeps_the_first_time(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    url = _agents_url(contest, agent["agent_id"], "revoke")
    first = client.post(url, headers=contest["auth"], json={}).json()
    again = client.post(url, headers=contest["auth"], json={})
    assert again.status_code == 200 and again.json()["revoked_at"] == first["revoked_at"]


def test_a_connected_agent_is_closed_when_its_token_is_revoked(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    other = _create(client, contest, "Šiauliai", ["siauliai"]).json()
    with (
        client.websocket_connect(f"/ws/{contest['id']}") as ws,
        client.websocket_connect(f"/ws/{contest['id']}") as stays,
    ):
        assert _hello(ws, agent["agent_token"])["type"] == "welcome"
        assert _hello(stays, other["agent_token"])["type"] == "welcome"
        client.post(
            _agents_url(contest, agent["agent_id"], "revoke"), headers=contest["auth"], json={}
        ).raise_for_status()
        farewell = receive_until(ws, lambda m: m["type"] == "error")
        assert farewell["code"] == "agent_revoked"
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
        assert closed.value.code == 4001
        stays.send_json({"type": "time", "id": "still here"})
        assert receive_until(stays, lambda m: m["type"] == "time")["id"] == "still here"


def test_only_the_host_manages_agents(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    for headers in ({}, {"Authorization": "Bearer hs_wrong"}):
        assert client.get(_agents_url(contest), headers=headers).status_code == 401
        for action, body in (("revoke", {}), ("rename", {"venue": "x"})):
            refused = client.post(
                _agents_url(contest, agent["agent_id"], action), headers=headers, json=body
            )
            assert refused.status_code == 401
            assert refused.json()["error"]["code"] == "unauthorized"
        refused = client.post(_agents_url(contest), headers=headers, json={"venue": "x"})
        assert refused.status_code == 401
    # A player's token is not the host secret either.
    player = {"Authorization": f"Bearer {contest['tokens']['jelgava']}"}
    assert client.get(_agents_url(contest), headers=player).status_code == 401
    # And the agent still works: nothing was revoked.
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        assert _hello(ws, agent["agent_token"])["type"] == "welcome"


def test_an_agent_of_another_contest_is_not_found(live):
    client, contest = live
    other = setup_contest(client)
    agent = _create(client, other, "Liepāja", ["liepaja"]).json()
    for action, body in (("revoke", {}), ("rename", {"venue": "x"})):
        refused = client.post(
            _agents_url(contest, agent["agent_id"], action), headers=contest["auth"], json=body
        )
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "unknown_agent"
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        assert _hello(ws, agent["agent_token"])["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"venue": "Liepāja"}, "invalid_message"),
        ({"venue": "Liepāja", "teams": "liepaja"}, "invalid_message"),
        ({"venue": "Liepāja", "teams": [1]}, "invalid_message"),
        ({"venue": "Liepāja", "teams": ["x" * 65]}, "invalid_message"),
        ({"venue": "Liepāja", "teams": ["liepaja"] * 65}, "invalid_message"),
        ({"venue": "", "teams": ["liepaja"]}, "invalid_message"),
        ({"venue": "x" * 101, "teams": ["liepaja"]}, "invalid_message"),
        ({"teams": ["liepaja"]}, "invalid_message"),
        ({"venue": "Liepāja", "teams": []}, "unknown_team"),
        ({"venue": "Liepāja", "teams": ["riga"]}, "unknown_team"),
    ],
)
def test_bad_agent_requests_are_refused_with_a_code(live, body, code):
    client, contest = live
    refused = client.post(_agents_url(contest), headers=contest["auth"], json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == code
    assert client.get(_agents_url(contest), headers=contest["auth"]).json()["agents"] == []


def test_renaming_needs_a_name_and_changes_need_json(live):
    client, contest = live
    agent = _create(client, contest, "Liepāja", ["liepaja"]).json()
    rename = _agents_url(contest, agent["agent_id"], "rename")
    for body in ({}, {"venue": ""}, {"venue": 7}, {"venue": "x" * 101}):
        refused = client.post(rename, headers=contest["auth"], json=body)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_message"
    revoke = _agents_url(contest, agent["agent_id"], "revoke")
    form = client.post(revoke, headers=contest["auth"], content=b"", data=None)
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"
    rows = client.get(_agents_url(contest), headers=contest["auth"]).json()["agents"]
    assert rows[0]["revoked"] is False and rows[0]["venue"] == "Liepāja"
