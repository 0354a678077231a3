"""Tablet touch latency learned at the buzzer check (issue 14, docs/game-rules.md "Tablet
latency"): a player presses the tablet and a box button together; the server pairs the two
presses on its own clock and suggests the median difference to the host."""

from __future__ import annotations

from typing import Any

from server.calibration import MIN_SAMPLES, PAIR_WINDOW_US, TouchCalibration

MS = 1000


def test_pairs_are_the_nearest_presses_within_the_window_each_used_once():
    calibration = TouchCalibration()
    assert not calibration.box(1_000 * MS)
    assert not calibration.box(1_100 * MS)
    assert calibration.tablet("p1", 1_128 * MS)  # nearest box: 1,100 ms → 28 ms
    assert calibration.tablet("p1", 1_030 * MS)  # the other box: 30 ms
    assert not calibration.tablet("p1", 1_031 * MS)  # no box left: it waits
    assert not calibration.box(1_031 * MS + PAIR_WINDOW_US + 1)  # too far from it to pair
    assert list(calibration.differences["p1"]) == [28.0, 30.0]


def test_a_suggestion_needs_enough_pairs_and_stays_in_the_settable_range():
    calibration = TouchCalibration()
    for n, late_ms in enumerate([31, 29, 30, 27, 90]):
        calibration.box(n * 10_000 * MS)
        calibration.tablet("p1", n * 10_000 * MS + late_ms * MS)
        if n < MIN_SAMPLES - 1:
            assert calibration.suggestions()["p1"]["suggested_ms"] is None
    assert calibration.suggestions()["p1"] == {"samples": 5, "median_ms": 30.0, "suggested_ms": 30}
    early = TouchCalibration()
    for n in range(MIN_SAMPLES):
        early.tablet("p2", n * 10_000 * MS)
        early.box(n * 10_000 * MS + 5 * MS)  # the tablet "before" the box: nothing to add
    assert early.suggestions()["p2"]["suggested_ms"] == 0


def _answer_ping(ws: Any, offset_ms: float) -> float:
    """Answer the next clock ping as a client whose clock is ``offset_ms`` ahead; its t0."""
    ping = ws.next(lambda m: m["type"] == "ping")
    t = ping["t0"] + offset_ms
    ws.send_json({"type": "pong", "id": ping["id"], "t0": ping["t0"], "t1": t, "t2": t})
    return float(ping["t0"])


def test_the_host_gets_the_suggested_latency_from_check_presses(peers):
    _, _contest, connect = peers
    host, tablet, agent = connect("host"), connect("player"), connect("agent")
    host.send_json({"type": "check", "id": "chk", "on": True})
    assert host.reply()["type"] == "ack"
    base = _answer_ping(tablet, 0.0)
    _answer_ping(agent, 5_000.0)  # the agent's clock runs 5 s ahead of the server's
    tablet.next(lambda m: m["type"] == "clock")
    agent.next(lambda m: m["type"] == "clock")
    for n in range(6):
        pressed = base + 1_000 * n
        agent.send_json(
            {"type": "press", "id": f"b{n}", "team_id": "liepaja",
             "pressed_at": pressed + 5_000.0, "box": "LIEP-1", "channel": 1}
        )  # fmt: skip
        assert agent.reply()["check"] is True
        tablet.send_json({"type": "buzz", "id": f"t{n}", "pressed_at": pressed + 28.0})
        assert tablet.reply()["check"] is True
    message = host.next(
        lambda m: (
            m["type"] == "calibration" and any(p["samples"] == 6 for p in m["players"].values())
        )
    )
    [suggestion] = message["players"].values()
    assert 26 <= suggestion["suggested_ms"] <= 30  # 28 ms, less the in-process round trip
