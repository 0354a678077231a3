"""The protocol through a real uvicorn server and the `websockets` client."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets

from tests.server.conftest import setup_contest
from tests.server.test_crash_recovery import _connect, _recv, _reply


async def _sync(player, skew_ms: float) -> None:
    """Answer two pings with a clock that runs ``skew_ms`` ahead, and wait for the server's
    estimate (sent after the first pong; after the second only if it changed)."""
    pongs, told = 0, False
    while pongs < 2 or not told:
        message = await _recv(player, lambda m: m["type"] in ("ping", "clock"))
        if message["type"] == "clock":
            told = True
        elif pongs < 2:
            now = time.time() * 1000 + skew_ms
            pong = {"type": "pong", "id": message["id"], "t0": message["t0"], "t1": now, "t2": now}
            await player.send(json.dumps(pong))
            pongs += 1


def test_a_buzzer_question_played_by_tablets_with_skewed_clocks(server_process):
    server = server_process({"QUIZ_PING_INTERVAL": "0.1"})
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(
            http, buzzer={"kind": "buzzer", "open_delay_ms": 200, "collect_window_ms": 400}
        )
    cid = contest["id"]

    async def play() -> None:
        host = await _connect(server, cid, role="host", secret=contest["secret"])
        screen = await _connect(
            server, cid, role="display", token=contest["screen_token"], lang="lv"
        )
        jelgava = await _connect(server, cid, role="player", token=contest["tokens"]["jelgava"])
        siauliai = await _connect(server, cid, role="player", token=contest["tokens"]["siauliai"])
        await _sync(jelgava, 60_000.0)  # a minute ahead
        await _sync(siauliai, -3_600_000.0)  # an hour behind
        for i, kind in enumerate(("start_contest", "start_round", "show_question", "open_buzzers")):
            await host.send(json.dumps({"type": "command", "id": i, "command": {"type": kind}}))
            assert (await _reply(host))["type"] == "ack"
        await asyncio.sleep(0.35)  # the buzzers are open
        pressed = time.time() * 1000
        # Šiauliai pressed 8 ms earlier, but its press is sent second (8 ms is within what the
        # anti-cheat clamp allows a press on this link: half its round trip + 10 ms)
        await jelgava.send(json.dumps({"type": "buzz", "id": 1, "pressed_at": pressed + 60_000.0}))
        await siauliai.send(
            json.dumps({"type": "buzz", "id": 2, "pressed_at": pressed - 8 - 3_600_000.0})
        )
        assert (await _reply(jelgava))["type"] == "ack"
        assert (await _reply(siauliai))["type"] == "ack"
        shown = await _recv(
            screen,
            lambda m: (
                m["type"] == "view"
                and m["view"]["question"]
                and m["view"]["question"]["phase"] == "answering"
            ),
        )
        photo = shown["view"]["question"]["buzz"]
        assert photo["winner"] == "siauliai"
        assert [p["team_id"] for p in photo["presses"]] == ["siauliai", "jelgava"]
        gap = photo["presses"][1]["effective_at"] - photo["presses"][0]["effective_at"]
        assert 0 < gap < 20_000  # about 8 ms apart on the server's clock
        await jelgava.send(
            json.dumps({"type": "answer", "id": 3, "answer": {"kind": "choice", "option": "b"}})
        )
        assert (await _reply(jelgava))["code"] == "not_your_turn"
        await host.send(
            json.dumps(
                {
                    "type": "command",
                    "id": 9,
                    "command": {"type": "judge", "team_id": "siauliai", "correct": True},
                }
            )
        )
        assert (await _reply(host))["type"] == "ack"
        final = await _recv(screen, lambda m: m["type"] == "view" and "judged" in m["events"])
        assert {r["team_id"]: r["score"] for r in final["view"]["scoreboard"]}["siauliai"] == 10
        for ws in (host, screen, jelgava, siauliai):
            await ws.close()

    asyncio.run(play())


def test_the_audience_stream_runs_behind_by_its_delay(server_process):
    server = server_process()
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(http)
    cid = contest["id"]

    async def watch() -> None:
        audience = await _connect(server, cid, role="audience", delay=1.5)
        live = await _connect(server, cid, role="display", token=contest["screen_token"])
        await _recv(audience, lambda m: m["type"] == "view")
        await _recv(live, lambda m: m["type"] == "view")
        host = await _connect(server, cid, role="host", secret=contest["secret"])
        await host.send(
            json.dumps({"type": "command", "id": 1, "command": {"type": "start_contest"}})
        )
        await _recv(live, lambda m: m["type"] == "view" and "contest_started" in m["events"])
        seen_live = time.monotonic()
        await _recv(audience, lambda m: m["type"] == "view" and "contest_started" in m["events"])
        assert time.monotonic() - seen_live >= 1.0  # held back, never sooner than its delay
        for ws in (audience, live, host):
            await ws.close()

    asyncio.run(watch())


def test_a_too_large_frame_closes_1009_and_the_server_keeps_running(server_process):
    server = server_process({"QUIZ_MAX_MESSAGE_BYTES": "2048"})
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(http)

    async def flood() -> None:
        ws = await _connect(server, contest["id"], role="audience")
        await ws.send(json.dumps({"type": "time", "id": "x" * 10_000}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd.code == 1009
        again = await _connect(server, contest["id"], role="audience")
        await again.send(json.dumps({"type": "time", "id": 1}))
        assert (await _recv(again, lambda m: m["type"] == "time"))["id"] == 1
        await again.close()

    asyncio.run(flood())
    assert httpx.get(f"{server.base}/healthz").status_code == 200


def test_pages_and_media_are_served(server_process):
    server = server_process()
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(http)
        for path in ("host", "play", "screen", "watch"):
            page = http.get(f"/{path}/{contest['id']}?lang=lt")
            assert page.status_code == 200 and "<html" in page.text.lower()
        assert http.get("/host/no-such-contest").status_code == 404
        assert http.get("/media/baltic-science/media/phys-006.svg").status_code == 200
        assert http.get("/media/baltic-science/../pack.yaml").status_code == 404
        assert http.get("/media/nowhere/media/phys-006.svg").status_code == 404


def test_quiz_demo_serves_a_ready_contest_and_prints_every_url(tmp_path):
    import re
    import subprocess
    import sys

    from loadtests.harness import free_port

    port = free_port()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.cli",
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--duration",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert re.search(
        rf"Host console: +http://127\.0\.0\.1:{port}/host/demo\?lang=en#secret=hs_", out
    )
    for team, letters in (("Jelgava", "JEL"), ("Liepāja", "LIE"), ("Šiauliai", "SIA")):
        assert re.search(rf"Tablet {team} *: .*/play/demo\?lang=lv#code={letters}-\d{{6}}", out)
    for team, lang in (("Jelgava", "lv"), ("Liepāja", "lv"), ("Šiauliai", "lt")):
        assert re.search(
            rf"Screen {team} *: http://127\.0\.0\.1:{port}/screen/demo\?lang={lang}#token=st_", out
        )
    assert "/watch/demo" in out
