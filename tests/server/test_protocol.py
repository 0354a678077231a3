"""The WebSocket protocol through Starlette's test client: every role and every error path."""

from __future__ import annotations

import contextlib
import json
import time

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from tests.server.conftest import make_settings, receive_until, reply_to, setup_contest


def test_healthz_answers_json(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_host_hello_gets_welcome_then_a_snapshot(client):
    contest = setup_contest(client)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        welcome = ws.receive_json()
        assert welcome["type"] == "welcome" and welcome["role"] == "host"
        assert welcome["limits"] == {"max_message_bytes": 16384, "messages_per_second": 20}
        view = ws.receive_json()
        assert view["type"] == "view" and view["snapshot"] is True and view["seq"] == welcome["seq"]
        assert view["view"]["role"] == "host"
        assert [row["name"] for row in view["view"]["scoreboard"]] == [
            "Jelgava",
            "Liepāja",
            "Šiauliai",
        ]


def test_host_commands_are_acked_with_the_new_seq_and_views_follow(client):
    contest = setup_contest(client)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        start = ws.receive_json()["seq"]
        ws.send_json({"type": "command", "id": 1, "command": {"type": "start_contest"}})
        view = receive_until(
            ws,
            lambda m: (
                m["type"] == "view" and not m["snapshot"] and "contest_started" in m["events"]
            ),
        )
        assert view["seq"] == start + 1 and view["view"]["contest"]["status"] == "running"
        ack = reply_to(ws)
        assert ack == {"type": "ack", "id": 1, "seq": start + 1}


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"role": "host", "secret": "hs_wrong"}, 4001),
        ({"role": "host"}, 4001),
        ({"role": "player", "token": "pt_forged"}, 4001),
        ({"role": "agent", "token": "at_forged"}, 4001),
        ({"role": "pirate"}, 4000),
    ],
)
def test_bad_credentials_close_the_connection(client, fields, code):
    contest = setup_contest(client)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", **fields})
        error = ws.receive_json()
        assert error["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == code


def test_unknown_contest_closes_4004(client):
    with client.websocket_connect("/ws/nope") as ws:
        assert ws.receive_json()["code"] == "contest_not_found"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4004


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ("not json", "bad_json"),
        (json.dumps({"type": "command", "id": 1, "command": {}}), "hello_required"),
        (json.dumps(["hello"]), "invalid_message"),
    ],
)
def test_the_first_message_must_be_a_valid_hello(client, first, code):
    contest = setup_contest(client)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_text(first)
        assert ws.receive_json()["code"] == code
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4000


def test_no_hello_in_time_closes_4000(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, hello_timeout=0.2))) as client:
        contest = setup_contest(client)
        with client.websocket_connect(f"/ws/{contest['id']}") as ws:
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 4000


def test_foreign_origins_are_refused_and_listed_ones_accepted(tmp_path):
    settings = make_settings(tmp_path, allowed_origins=("https://quiz.jelgava.lv",))
    with TestClient(create_app(settings)) as client:
        contest = setup_contest(client)
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect(
                f"/ws/{contest['id']}", headers={"origin": "https://evil.example"}
            ) as ws,
        ):
            ws.receive_json()
        assert refused.value.code == 4003
        for origin in ("https://quiz.jelgava.lv", "http://testserver"):
            with client.websocket_connect(f"/ws/{contest['id']}", headers={"origin": origin}) as ws:
                ws.send_json({"type": "hello", "role": "audience"})
                assert ws.receive_json()["type"] == "welcome"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("{", "bad_json"),
        ({"type": "teleport", "id": 1}, "unknown_type"),
        ({"type": "command", "command": {"type": "pause"}}, "invalid_message"),
        ({"type": "command", "id": 2, "command": {"type": "fly"}}, "unknown_type"),
        (
            {"type": "command", "id": 3, "command": {"type": "judge", "team_id": "jelgava"}},
            "invalid_message",
        ),
        ({"type": "command", "id": 4, "command": {"type": "reveal"}}, "contest_not_running"),
        (
            {
                "type": "command",
                "id": 5,
                "command": {"type": "adjust_score", "team_id": "riga", "delta": 3, "reason": "x"},
            },
            "contest_not_running",
        ),
        ({"type": "buzz", "id": 6, "pressed_at": 1.0}, "forbidden"),
        ({"type": "hello", "role": "host"}, "already_hello"),
    ],
)
def test_bad_host_messages_get_stable_errors_and_change_nothing(client, message, code):
    contest = setup_contest(client)
    with client.websocket_connect(f"/ws/{contest['id']}") as ws:
        ws.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
        seq = ws.receive_json()["seq"]
        ws.receive_json()
        ws.send_text(message if isinstance(message, str) else json.dumps(message))
        error = reply_to(ws)
        assert error["type"] == "error" and error["code"] == code
        assert error["message"]
        ws.send_json({"type": "time", "id": "t"})
        assert receive_until(ws, lambda m: m["type"] == "time")["server_time"] > 0
    host = client.get(f"/api/contests/{contest['id']}", headers=contest["auth"]).json()
    assert host["contest"]["version"] == seq  # nothing changed


@pytest.fixture
def stack(client):
    with contextlib.ExitStack() as opened:
        yield opened


def _player(stack, client, contest, team):
    session = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
    session.send_json({"type": "hello", "role": "player", "token": contest["tokens"][team]})
    welcome = session.receive_json()
    assert welcome["team_id"] == team
    session.receive_json()
    return session


def _host(stack, client, contest):
    session = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
    session.send_json({"type": "hello", "role": "host", "secret": contest["secret"]})
    session.receive_json()
    session.receive_json()
    return session


def _command(host, kind, **fields):
    host.send_json({"type": "command", "id": kind, "command": {"type": kind, **fields}})
    answer = reply_to(host)
    assert answer["type"] == "ack", answer
    return answer


def test_players_answer_for_their_own_team_and_only_they_see_it(client, stack):
    contest = setup_contest(client)
    host = _host(stack, client, contest)
    jelgava = _player(stack, client, contest, "jelgava")
    liepaja = _player(stack, client, contest, "liepaja")
    for kind in ("start_contest", "start_round"):
        _command(host, kind, **({"round_index": 1} if kind == "start_round" else {}))
    _command(host, "show_question")
    jelgava.send_json({"type": "answer", "id": 1, "answer": {"kind": "text", "text": "skābeklis"}})
    ack, mine = None, None  # the ack and the view of the change come in either order
    while ack is None or mine is None:
        message = jelgava.receive_json()
        if message["type"] == "ack":
            ack = message
        elif message["type"] == "view" and (message["view"]["question"] or {}).get("my_answer"):
            mine = message
    assert ack["id"] == 1 and mine["seq"] >= ack["seq"]
    assert mine["view"]["question"]["my_answer"]["answer"]["text"] == "skābeklis"
    theirs = receive_until(
        liepaja, lambda m: m["type"] == "view" and "answer_submitted" in m["events"]
    )
    assert "skābeklis" not in json.dumps(theirs)
    assert theirs["view"]["question"]["answer"] is None
    liepaja.send_json({"type": "answer", "id": 2, "answer": {"kind": "choice", "option": "a"}})
    assert reply_to(liepaja)["code"] == "invalid_answer"
    liepaja.send_json({"type": "command", "id": 3, "command": {"type": "reveal"}})
    assert reply_to(liepaja)["code"] == "forbidden"
    liepaja.send_json({"type": "press", "id": 4, "team_id": "liepaja", "pressed_at": 1})
    assert reply_to(liepaja)["code"] == "forbidden"


def test_reconnecting_clients_get_what_they_missed_or_a_snapshot(client, stack):
    contest = setup_contest(client)
    host = _host(stack, client, contest)
    with client.websocket_connect(f"/ws/{contest['id']}") as screen:
        screen.send_json(
            {"type": "hello", "role": "display", "token": contest["screen_token"], "lang": "lt"}
        )
        assert screen.receive_json()["lang"] == "lt"
        last = screen.receive_json()["seq"]
    _command(host, "start_contest")
    _command(host, "start_round")
    ack = _command(host, "show_question")
    with client.websocket_connect(f"/ws/{contest['id']}") as screen:
        screen.send_json(
            {"type": "hello", "role": "display", "token": contest["screen_token"], "last_seq": last}
        )
        screen.receive_json()
        # the display stream had no listener while it was away: a snapshot
        view = screen.receive_json()
        assert view["snapshot"] is True and view["seq"] == ack["seq"]
        last = view["seq"]
    # another screen stays on the stream, so its recent history stays complete
    keeper = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
    keeper.send_json({"type": "hello", "role": "display", "token": contest["screen_token"]})
    keeper.receive_json()
    keeper.receive_json()
    _command(host, "open_buzzers")
    receive_until(keeper, lambda m: m["type"] == "view" and "buzzers_armed" in m["events"])
    with client.websocket_connect(f"/ws/{contest['id']}") as screen:
        screen.send_json(
            {"type": "hello", "role": "display", "token": contest["screen_token"], "last_seq": last}
        )
        screen.receive_json()
        missed = screen.receive_json()
        assert missed["snapshot"] is False and "buzzers_armed" in missed["events"]
        assert missed["seq"] > last


def test_too_large_messages_close_1009(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, max_message_bytes=1024))) as client:
        contest = setup_contest(client)
        with client.websocket_connect(f"/ws/{contest['id']}") as ws:
            ws.send_json({"type": "hello", "role": "audience"})
            ws.receive_json()
            ws.receive_json()
            ws.send_text(json.dumps({"type": "time", "id": "x" * 2000}))
            assert ws.receive_json()["code"] == "message_too_large"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1009


def test_flooding_is_rate_limited_then_closed(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, rate_limit=5))) as client:
        contest = setup_contest(client)
        with client.websocket_connect(f"/ws/{contest['id']}") as ws:
            ws.send_json({"type": "hello", "role": "audience"})
            ws.receive_json()
            ws.receive_json()
            for i in range(80):
                ws.send_json({"type": "time", "id": i})
            codes = []
            with pytest.raises(WebSocketDisconnect) as closed:
                while True:
                    message = ws.receive_json()
                    codes.append(message.get("code"))
            assert "rate_limited" in codes
            assert closed.value.code == 4029


def test_players_are_pinged_and_their_buzz_is_mapped_to_server_time(client, stack):
    contest = setup_contest(client)
    host = _host(stack, client, contest)
    player = _player(stack, client, contest, "jelgava")
    _command(host, "start_contest")
    _command(host, "start_round")
    _command(host, "show_question")
    skew = 7_000_000.0  # the tablet's clock runs 7000 s ahead of the server's
    ping = receive_until(player, lambda m: m["type"] == "ping")
    tablet_now = time.time() * 1000 + skew
    player.send_json(
        {"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": tablet_now, "t2": tablet_now}
    )
    clock = receive_until(player, lambda m: m["type"] == "clock")
    assert abs(clock["offset"] - skew) < 1000 and clock["samples"] == 1
    _command(host, "open_buzzers")
    time.sleep(0.05)
    player.send_json({"type": "buzz", "id": "b", "pressed_at": time.time() * 1000 + skew})
    assert reply_to(player)["type"] == "ack"
    awarded = receive_until(player, lambda m: m["type"] == "view" and "buzz_awarded" in m["events"])
    press = awarded["view"]["question"]["buzz"]["presses"][0]
    assert abs(press["effective_at"] / 1000 - time.time() * 1000) < 5000  # server time, not tablet
    assert awarded["view"]["question"]["my_turn"] is True


def test_agents_press_only_when_synced_and_only_for_their_teams(client):
    contest = setup_contest(client)
    made = client.post(
        f"/api/contests/{contest['id']}/agents",
        headers=contest["auth"],
        json={"venue": "Liepāja", "teams": ["liepaja"]},
    )
    assert made.status_code == 201
    with client.websocket_connect(f"/ws/{contest['id']}") as agent:
        agent.send_json({"type": "hello", "role": "agent", "token": made.json()["agent_token"]})
        assert agent.receive_json()["teams"] == ["liepaja"]
        agent.send_json({"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 10.0})
        assert reply_to(agent)["code"] == "clock_not_synced"
        agent.send_json({"type": "press", "id": 2, "team_id": "jelgava", "pressed_at": 10.0})
        assert reply_to(agent)["code"] == "not_your_team"
        ping = receive_until(agent, lambda m: m["type"] == "ping")
        agent.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": 5.0, "t2": 5.0})
        receive_until(agent, lambda m: m["type"] == "clock")
        agent.send_json({"type": "press", "id": 3, "team_id": "liepaja", "pressed_at": 6.0})
        assert reply_to(agent)["code"] == "contest_not_running"  # reached the engine


def test_the_host_sees_who_is_connected(client, stack):
    contest = setup_contest(client)
    host = _host(stack, client, contest)
    _ = _player(stack, client, contest, "jelgava")
    census = receive_until(
        host, lambda m: m["type"] == "view" and m["view"]["connections"]["players"].get("jelgava")
    )
    assert census["view"]["connections"]["players"] == {"jelgava": ["jelgava one"]}
    assert census["view"]["connections"]["host"] == 1


def test_a_refused_press_gets_its_error_and_is_logged_for_disputes(client, stack):
    contest = setup_contest(client)
    host = _host(stack, client, contest)
    player = _player(stack, client, contest, "jelgava")
    for kind in ("start_contest", "start_round", "show_question", "open_buzzers"):
        _command(host, kind)
    time.sleep(0.05)
    player.send_json({"type": "buzz", "id": "b1", "pressed_at": time.time() * 1000})
    assert reply_to(player)["type"] == "ack"
    receive_until(player, lambda m: m["type"] == "view" and "buzz_awarded" in m["events"])
    player.send_json({"type": "buzz", "id": "b2", "pressed_at": time.time() * 1000})
    assert reply_to(player)["code"] == "buzzers_closed"  # the team is answering
    receive_until(host, lambda m: m["type"] == "view" and "press_refused" in m["events"])
    events = client.get(
        f"/api/contests/{contest['id']}/events?after=0", headers=contest["auth"]
    ).json()["events"]
    [refused] = [e["event"] for e in events if e["event"]["type"] == "press_refused"]
    assert refused["reason"] == "buzzers_closed" and refused["press"]["team_id"] == "jelgava"
    assert refused["press"]["source"] == "tablet"
    scores = [e for e in events if e["event"]["type"] == "score_changed"]
    assert scores == []  # logged only
