"""Untrusted input at the WebSocket edge (issue 11, items 7 and 8): forged clock-sync pongs,
numbers out of range, deep nesting and error strikes, through Starlette's test client."""

from __future__ import annotations

import contextlib
import time

import pytest

from game import commands as c
from server import protocol as p
from server.ws import MAX_STRIKES, STRIKES_FORGIVEN_PER_SECOND, RateLimiter
from tests.server.conftest import receive_until, reply_to, setup_contest


@pytest.fixture
def stack(client):
    with contextlib.ExitStack() as opened:
        yield opened


def _player(stack, client, contest, team="jelgava"):
    session = stack.enter_context(client.websocket_connect(f"/ws/{contest['id']}"))
    session.send_json({"type": "hello", "role": "player", "token": contest["tokens"][team]})
    assert session.receive_json()["type"] == "welcome"
    return session


def _messages_before_time_reply(ws, probe):
    """Send a ``time`` request and return what arrives before its reply: the server handles a
    connection's frames in order, so anything an earlier frame caused comes first."""
    ws.send_json({"type": "time", "id": probe})
    seen = []
    while True:
        message = ws.receive_json()
        if message["type"] == "time" and message["id"] == probe:
            return seen
        seen.append(message)


def _tablet_ms() -> float:
    return time.time() * 1000 + 60_000.0  # the tablet's clock runs a minute ahead


def test_a_pong_sent_before_its_ping_arrived_gives_no_clock_sample(client, stack):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    ping = receive_until(player, lambda m: m["type"] == "ping")
    now = _tablet_ms()
    forged = {"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": now, "t2": now - 10}
    player.send_json(forged)
    seen = _messages_before_time_reply(player, "probe")
    assert [m for m in seen if m["type"] in ("clock", "error")] == []  # ignored, silently
    ping = receive_until(player, lambda m: m["type"] == "ping")
    now = _tablet_ms()
    player.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": now, "t2": now})
    clock = receive_until(player, lambda m: m["type"] == "clock")
    assert clock["samples"] == 1 and abs(clock["offset"] - 60_000.0) < 1000


@pytest.mark.parametrize("t1", [1e300, -1e300, 1.5e13, -1e13 - 1])
def test_a_pong_with_an_absurd_clock_reading_is_refused_and_gives_no_sample(client, stack, t1):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    ping = receive_until(player, lambda m: m["type"] == "ping")
    player.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": t1, "t2": t1})
    seen = _messages_before_time_reply(player, "probe")
    assert [m["code"] for m in seen if m["type"] == "error"] == ["invalid_message"]
    assert [m for m in seen if m["type"] == "clock"] == []


def test_a_clock_far_from_the_servers_gives_no_sample(client, stack):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    ping = receive_until(player, lambda m: m["type"] == "ping")
    t1 = -9e12  # a reading the edge accepts, but 10^13 ms (three centuries) from the server's
    player.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": t1, "t2": t1})
    seen = _messages_before_time_reply(player, "probe")
    assert [m for m in seen if m["type"] in ("clock", "error")] == []


def test_answering_the_same_ping_twice_gives_one_sample(client, stack):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    ping = receive_until(player, lambda m: m["type"] == "ping")
    now = _tablet_ms()
    pong = {"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": now, "t2": now}
    player.send_json(pong)
    player.send_json(pong)
    seen = _messages_before_time_reply(player, "probe")
    assert [m["samples"] for m in seen if m["type"] == "clock"] == [1]
    assert [m for m in seen if m["type"] == "error"] == []


# --- numbers, nesting and sizes at the edge (item 8) ---------------------------------------------

DEEP = "[" * 1000 + "]" * 1000


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        (DEEP, "player"),
        ('{"type": "time", "id": 1, "extra": ' + DEEP + "}", "audience"),
        ('{"type": "time", "id": 1, "extra": ' + _nested(40) + "}", "audience"),
        (
            '{"type": "command", "id": 1, "command": {"type": "judge", "team_id": '
            + _nested(100)
            + ', "correct": true}}',
            "host",
        ),
        ('{"type": "buzz", "id": 1, "pressed_at": 1e308}', "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": -1e308}', "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": 1e309}', "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": -1e400}', "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": 1' + "0" * 400 + "}", "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": 100000000000000000000}', "player"),
        ('{"type": "buzz", "id": 1, "pressed_at": "NaN"}', "player"),
        ('{"type": "buzz", "id": 9223372036854775808, "pressed_at": 1.0}', "player"),
        ('{"type": "buzz", "id": -9223372036854775809, "pressed_at": 1.0}', "player"),
        ('{"type": "buzz", "id": "' + "x" * 65 + '", "pressed_at": 1.0}', "player"),
        ('{"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 1e308}', "agent"),
        (
            '{"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 1, "bound": 1e308}',
            "agent",
        ),
        ('{"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 1, "bound": -1}', "agent"),
        (
            '{"type": "press", "id": 1, "team_id": "liepaja", "pressed_at": 1, "channel": '
            "18446744073709551616}",
            "agent",
        ),
        ('{"type": "press", "id": 1, "team_id": "' + "x" * 101 + '", "pressed_at": 1}', "agent"),
        (
            '{"type": "answer", "id": 1, "answer": {"kind": "number", "value": 1' + "0" * 30 + "}}",
            "player",
        ),
        (
            '{"type": "command", "id": 1, "command": {"type": "adjust_score", "team_id": "riga", '
            '"delta": 1' + "0" * 100 + ', "reason": "x"}}',
            "host",
        ),
        (
            '{"type": "command", "id": 1, "command": {"type": "start_round", "round_index": '
            "18446744073709551616}}",
            "host",
        ),
        ('{"type": "hello", "role": "audience", "delay": 1e308}', None),
        ('{"type": "hello", "role": "audience", "delay": -1}', None),
        ('{"type": "hello", "role": "display", "last_seq": 18446744073709551616}', None),
        ('{"type": "hello", "role": "display", "last_seq": -1}', None),
        ('{"type": "hello", "role": "player", "token": "' + "t" * 300 + '"}', None),
    ],
)
def test_numbers_out_of_range_and_deep_nesting_are_invalid_messages(raw, role):
    with pytest.raises(p.ProtocolError) as refused:
        p.parse(raw, role)
    assert refused.value.code == "invalid_message", refused.value.message


def test_an_id_out_of_range_is_not_echoed():
    with pytest.raises(p.ProtocolError) as refused:
        p.parse('{"type": "time", "id": "' + "x" * 65 + '"}', "audience")
    assert refused.value.message_id is None
    with pytest.raises(p.ProtocolError) as refused:
        p.parse('{"type": "buzz", "id": "b-7", "pressed_at": 1e308}', "player")
    assert refused.value.message_id == "b-7"


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{}",  # not UTF-8 (a binary frame)
        '{"type": "time", "id": "\\ud800"}',  # a lone surrogate escape
        "",
        "{",
    ],
)
def test_undecodable_frames_are_bad_json(raw):
    with pytest.raises(p.ProtocolError) as refused:
        p.parse(raw, "audience")
    assert refused.value.code == "bad_json"


def test_ordinary_messages_within_the_ranges_still_parse():
    now = time.time() * 1000
    assert p.parse(f'{{"type": "buzz", "id": "{"x" * 64}", "pressed_at": {now}}}', "player")
    assert p.parse('{"type": "buzz", "id": -5, "pressed_at": -1e13}', "player")
    press = p.parse(
        '{"type": "press", "id": 9223372036854775807, "team_id": "liepaja", "pressed_at": 5.5, '
        '"bound": 0.4, "channel": 2, "box": "LIEP-1"}',
        "agent",
    )
    assert isinstance(press, p.PressMessage) and press.bound == 0.4
    answer = p.parse(
        '{"type": "answer", "id": 1, "answer": {"kind": "number", "value": 6.02214076e23}}',
        "player",
    )
    assert isinstance(answer, p.AnswerMessage)  # Avogadro's number is a fair answer
    assert p.parse('{"type": "hello", "role": "audience", "delay": 600}', None)
    assert p.parse('{"type": "pong", "id": 3, "t0": 1.5, "t1": 0, "t2": 0.25}', "agent")
    command = p.parse(
        '{"type": "command", "id": 1, "command": {"type": "adjust_score", "team_id": "riga", '
        '"delta": -20, "reason": "x"}}',
        "host",
    )
    assert isinstance(command, p.CommandMessage)
    assert isinstance(p.host_command(command), c.AdjustScore)


def _sync(ws, skew_ms=60_000.0):
    ping = receive_until(ws, lambda m: m["type"] == "ping")
    now = time.time() * 1000 + skew_ms
    ws.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": now, "t2": now})
    receive_until(ws, lambda m: m["type"] == "clock")


def _alive(ws, probe="alive"):
    ws.send_json({"type": "time", "id": probe})
    assert receive_until(ws, lambda m: m["type"] == "time")["id"] == probe


@pytest.mark.parametrize("pressed_at", ["1e308", "-1e308", "1e309", "1" + "0" * 40])
def test_a_synced_tablet_buzz_out_of_range_gets_invalid_message_and_lives_on(
    client, stack, pressed_at
):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    _sync(player)
    player.send_text(f'{{"type": "buzz", "id": "b", "pressed_at": {pressed_at}}}')
    error = reply_to(player)
    assert (error["type"], error["code"], error["id"]) == ("error", "invalid_message", "b")
    _alive(player)


@pytest.mark.parametrize(
    "fields", ['"pressed_at": 1e308', '"pressed_at": -1e308', '"pressed_at": 5, "bound": 1e308']
)
def test_a_synced_agent_press_out_of_range_gets_invalid_message_and_lives_on(client, fields):
    contest = setup_contest(client)
    made = client.post(
        f"/api/contests/{contest['id']}/agents",
        headers=contest["auth"],
        json={"venue": "Liepāja", "teams": ["liepaja"]},
    )
    with client.websocket_connect(f"/ws/{contest['id']}") as agent:
        agent.send_json({"type": "hello", "role": "agent", "token": made.json()["agent_token"]})
        agent.receive_json()
        _sync(agent, skew_ms=-1_700_000_000_000.0)  # an uptime clock
        agent.send_text(f'{{"type": "press", "id": 7, "team_id": "liepaja", {fields}}}')
        assert reply_to(agent)["code"] == "invalid_message"
        _alive(agent)


def test_deep_nesting_gets_invalid_message_and_the_connection_lives_on(client, stack):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    player.send_text(DEEP)
    assert reply_to(player)["code"] == "invalid_message"
    player.send_text('{"type": "answer", "id": 2, "answer": ' + DEEP + "}")
    assert reply_to(player)["code"] == "invalid_message"  # too deep to find its id
    player.send_text('{"type": "answer", "id": 3, "answer": ' + _nested(40) + "}")
    error = reply_to(player)
    assert (error["code"], error["id"]) == ("invalid_message", 3)
    _alive(player)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (DEEP, "invalid_message"),
        ('{"join_code": ' + DEEP + "}", "invalid_message"),
        (
            '{"join_code": "x", "display_name": "y", "extra": ' + _nested(40) + "}",
            "invalid_message",
        ),
        ('{"join_code": "x", "display_name": "y", "generation": 1e309}', "invalid_message"),
        ('{"join_code": "x", "display_name": "y", "n": 1' + "0" * 30 + "}", "invalid_message"),
        ("{not json", "bad_json"),
    ],
)
def test_http_bodies_nested_deeply_or_out_of_range_get_400(client, body, code):
    contest = setup_contest(client)
    answer = client.post(
        f"/api/contests/{contest['id']}/join",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code


# --- error strikes (docs/protocol.md §4) ---------------------------------------------------------


def test_error_strikes_are_forgiven_over_time():
    strikes = RateLimiter(STRIKES_FORGIVEN_PER_SECOND, now=0.0, burst=MAX_STRIKES)
    assert all(strikes.allow(0.0) for _ in range(MAX_STRIKES))  # a burst of errors is tolerated
    assert not strikes.allow(0.0)  # one more: the connection is closed (4029)
    later = 10 / STRIKES_FORGIVEN_PER_SECOND  # ten strikes forgiven
    assert [strikes.allow(later) for _ in range(11)] == [True] * 10 + [False]
    calm = later + 3600.0  # an hour of good behaviour forgives everything, and no more
    assert sum(strikes.allow(calm) for _ in range(2 * MAX_STRIKES)) == MAX_STRIKES


def test_the_rate_limit_bursts_up_to_its_rate():
    limiter = RateLimiter(5, now=0.0)
    assert [limiter.allow(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow(0.2) and not limiter.allow(0.2)


def test_a_burst_of_errors_up_to_the_limit_keeps_the_connection(client, stack):
    contest = setup_contest(client)
    player = _player(stack, client, contest)
    for i in range(MAX_STRIKES):
        player.send_json({"type": "buzz", "id": i, "pressed_at": "soon"})
    codes = [reply_to(player)["code"] for _ in range(MAX_STRIKES)]
    assert codes == ["invalid_message"] * MAX_STRIKES
    _alive(player)
