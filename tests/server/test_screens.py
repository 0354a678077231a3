"""Venue screens have their own token (audit: the `display` role needed no credential and no
delay, so anyone could bypass the audience's anti-spoiler delay by claiming to be a screen)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from tests.server.conftest import make_settings, setup_contest


@pytest.fixture
def live(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, audience_delay=30.0))) as client:
        yield client, setup_contest(client)


def _screen(client: TestClient, contest: dict, venue: str = "Jelgava") -> dict:
    made = client.post(
        f"/api/contests/{contest['id']}/screens", headers=contest["auth"], json={"venue": venue}
    )
    assert made.status_code == 201, made.text
    return made.json()


def test_the_host_creates_a_screen_for_a_venue_and_it_sees_the_live_view(live):
    client, contest = live
    screen = _screen(client, contest)
    assert screen["screen_token"].startswith("st_")
    assert screen["url"] == f"/screen/{contest['id']}#token={screen['screen_token']}"
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "display", "token": screen["screen_token"]})
        welcome = ws.receive_json()
        assert welcome["type"] == "welcome" and welcome["screen_id"] == screen["screen_id"]
        assert welcome["venue"] == "Jelgava"
        view = ws.receive_json()
        assert view["type"] == "view" and view["view"]["role"] == "display"


@pytest.mark.parametrize("token", [None, "", "st_wrong", "pt_not-a-screen-token"])
def test_a_display_without_a_screen_token_is_refused(live, token):
    client, contest = live
    hello = {"type": "hello", "role": "display"}
    if token is not None:
        hello["token"] = token
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json(hello)
        error = ws.receive_json()
        assert error["type"] == "error" and error["code"] == "unauthorized"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4001


def test_a_screen_token_of_another_contest_is_refused(live):
    client, contest = live
    other = setup_contest(client)
    screen = _screen(client, other)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "display", "token": screen["screen_token"]})
        assert ws.receive_json()["code"] == "unauthorized"


def test_only_the_host_creates_screens(live):
    client, contest = live
    for headers in ({}, {"Authorization": "Bearer hs_wrong"}):
        refused = client.post(
            f"/api/contests/{contest['id']}/screens", headers=headers, json={"venue": "Jelgava"}
        )
        assert refused.status_code == 401
    bad = client.post(
        f"/api/contests/{contest['id']}/screens", headers=contest["auth"], json={"venue": ""}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_message"
