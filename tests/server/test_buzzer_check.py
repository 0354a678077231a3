"""The host's buzzer check (issue 12, docs/protocol.md §3.7): a press from a box or a tablet lights
its team on the host console, the big screens and the agents, and never reaches the contest —
no event, no score, no seq. Host only; refused while a buzzer question is peers; off after a
restart."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets
from starlette.testclient import TestClient

from tests.server.conftest import setup_contest


def _check(host: Any, on: bool, message_id: str = "chk") -> dict[str, Any]:
    host.send_json({"type": "check", "id": message_id, "on": on})
    return host.reply()


def _command(host: Any, kind: str) -> None:
    host.send_json({"type": "command", "id": f"c-{kind}", "command": {"type": kind}})
    assert host.reply()["type"] == "ack"


def _events(client: TestClient, contest: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.get(f"/api/contests/{contest['id']}/events", headers=contest["auth"])
    assert answer.status_code == 200
    return answer.json()["events"]


def _scores(client: TestClient, contest: dict[str, Any]) -> dict[str, int]:
    view = client.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
    return {row["team_id"]: row["score"] for row in view["scoreboard"]}


def _phase(message: dict[str, Any]) -> str | None:
    if message["type"] != "view":
        return None
    return (message["view"]["question"] or {}).get("phase")


def test_the_host_turns_the_check_on_and_off_and_screens_and_agents_hear_it(peers):
    _, _contest, connect = peers
    host, screen, agent = connect("host"), connect("display"), connect("agent")
    ack = _check(host, True)
    assert ack["type"] == "ack" and ack["id"] == "chk" and isinstance(ack["seq"], int)
    for ws in (host, screen, agent):
        assert ws.next(lambda m: m["type"] == "check") == {"type": "check", "on": True}
    assert _check(host, False, "chk-off")["type"] == "ack"
    for ws in (host, screen, agent):
        assert ws.next(lambda m: m["type"] == "check")["on"] is False


def test_a_client_that_connects_during_the_check_hears_it_after_its_first_view(peers):
    _, _contest, connect = peers
    host = connect("host")
    _check(host, True)
    for role in ("display", "agent", "host"):
        ws = connect(role)
        first = ws.receive_json()
        assert first["type"] == "view"
        assert ws.next(lambda m: m["type"] == "check")["on"] is True


@pytest.mark.parametrize("role", ["player", "display", "agent"])
def test_only_the_host_runs_the_check(peers, role):
    _, _contest, connect = peers
    ws = connect(role)
    ws.send_json({"type": "check", "id": "x", "on": True})
    refused = ws.reply()
    assert refused["type"] == "error" and refused["code"] == "forbidden"


@pytest.mark.parametrize(
    "message",
    [
        {"type": "check", "id": 1},
        {"type": "check", "id": 1, "on": "yes"},
        {"type": "check", "on": True},
    ],
)
def test_a_malformed_check_is_refused(peers, message):
    _, _, connect = peers
    host = connect("host")
    host.send_json(message)
    assert host.reply()["code"] == "invalid_message"


def test_box_and_tablet_presses_light_their_team_everywhere_and_change_nothing(peers):
    client, contest, connect = peers
    host, screen, agent, tablet = (connect(r) for r in ("host", "display", "agent", "player"))
    before_events, before_scores = _events(client, contest), _scores(client, contest)
    _check(host, True)
    # An agent need not be clock-synced to test its buttons.
    agent.send_json(
        {
            "type": "press",
            "id": "p-1",
            "team_id": "liepaja",
            "pressed_at": 10.0,
            "bound": 0.3,
            "channel": 2,
            "box": "LIEP-1",
        }
    )
    assert agent.reply() == {"type": "ack", "id": "p-1", "check": True}
    for ws in (host, screen, agent):
        lit = ws.next(lambda m: m["type"] == "check_press", limit=500)
        assert lit["team_id"] == "liepaja" and lit["source"] == "box"
        assert lit["box"] == "LIEP-1" and lit["channel"] == 2 and lit["at"] > 1.7e15
    tablet.send_json({"type": "buzz", "id": "b-1", "pressed_at": 123.0})
    assert tablet.reply() == {"type": "ack", "id": "b-1", "check": True}
    for ws in (host, screen, agent):
        lit = ws.next(lambda m: m["type"] == "check_press", limit=500)
        assert lit["team_id"] == "jelgava" and lit["source"] == "tablet"
        assert lit["box"] is None and lit["channel"] is None
    # A resend is checked again (nothing was remembered), and still nothing is recorded.
    agent.send_json(
        {"type": "press", "id": "p-1", "team_id": "liepaja", "pressed_at": 10.0, "box": "LIEP-1"}
    )
    assert agent.reply()["check"] is True
    assert _events(client, contest) == before_events
    assert _scores(client, contest) == before_scores
    row = host.next(
        lambda m: m["type"] == "agents" and m["agents"][0]["presses"]["checked"] == 2,
        limit=500,
    )["agents"][0]
    assert row["presses"]["accepted"] == 0 and row["refused"] == {}


def test_a_check_press_for_a_team_the_sender_does_not_serve_is_refused(peers):
    _, _contest, connect = peers
    host, agent, tablet = connect("host"), connect("agent"), connect("player")
    _check(host, True)
    agent.send_json({"type": "press", "id": 1, "team_id": "jelgava", "pressed_at": 1.0})
    assert agent.reply()["code"] == "not_your_team"
    tablet.send_json({"type": "buzz", "id": 2, "pressed_at": 1.0, "team_id": "liepaja"})
    assert tablet.reply()["code"] == "not_your_team"
    host.send_json({"type": "time", "id": "probe"})
    seen = []
    while (message := host.receive_json())["type"] != "time":
        seen.append(message["type"])
    assert "check_press" not in seen


def test_the_check_is_refused_while_a_buzzer_question_is_live_and_ends_when_buzzers_arm(peers):
    _client, _contest, connect = peers
    host, screen = connect("host"), connect("display")
    for kind in ("start_contest", "start_round", "show_question"):
        _command(host, kind)
    assert _check(host, True)["type"] == "ack"  # the question is only shown: a check is fine
    screen.next(lambda m: m["type"] == "check" and m["on"])
    _command(host, "open_buzzers")
    off = screen.next(lambda m: m["type"] == "check", limit=500)
    assert off == {"type": "check", "on": False}  # it ended by itself
    host.next(lambda m: _phase(m) == "open", limit=500)
    refused = _check(host, True, "again")
    assert refused["type"] == "error" and refused["code"] == "buzzer_question_open"
    assert refused["id"] == "again"
    assert _check(host, False, "off")["type"] == "ack"  # turning it off is always fine
    # And a tablet's buzz counts for real now.
    tablet = connect("player")
    tablet.send_json({"type": "buzz", "id": "real", "pressed_at": 0.0})
    ack = tablet.reply()
    assert ack["type"] in ("ack", "error") and "check" not in ack


def test_after_a_restart_the_check_is_off(server_process, tmp_path):
    data_dir = tmp_path / "data"
    server = server_process(None, data_dir)
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(http)

    async def hello(url: str, **fields: Any) -> Any:
        ws = await websockets.connect(f"{url}/ws/{contest['id']}")
        await ws.send(json.dumps({"type": "hello", **fields}))
        return ws

    async def turn_on(url: str) -> None:
        async with await hello(url, role="host", secret=contest["secret"]) as host:
            await host.send(json.dumps({"type": "check", "id": "on", "on": True}))
            while json.loads(await host.recv())["type"] != "ack":
                pass

    async def after_restart(url: str) -> list[str]:
        seen = []
        async with await hello(url, role="display", token=contest["screen_token"]) as screen:
            await screen.send(json.dumps({"type": "time", "id": "probe"}))
            while (message := json.loads(await screen.recv()))["type"] != "time":
                seen.append(message["type"])
                if message["type"] == "check":
                    seen.append(f"check:{message['on']}")
        return seen

    asyncio.run(asyncio.wait_for(turn_on(server.ws), 15))
    server.stop()
    restarted = server_process(None, data_dir)
    seen = asyncio.run(asyncio.wait_for(after_restart(restarted.ws), 15))
    assert "view" in seen and "check" not in seen
