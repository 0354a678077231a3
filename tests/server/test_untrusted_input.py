"""Untrusted input at the WebSocket edge (issue 11, items 7 and 8): forged clock-sync pongs,
numbers out of range, deep nesting and error strikes, through Starlette's test client."""

from __future__ import annotations

import contextlib
import time

import pytest

from tests.server.conftest import receive_until, setup_contest


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
