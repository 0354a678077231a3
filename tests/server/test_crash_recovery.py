"""SIGKILL in the middle of a question: every acknowledged command survives, clients continue.

Runs against SQLite and against PostgreSQL (CI sets QUIZ_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.server.conftest import setup_contest


async def _recv(ws: Any, predicate: Any, timeout: float = 15) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message

    return await asyncio.wait_for(loop(), timeout)


async def _connect(server: Any, contest_id: str, **hello: Any) -> Any:
    ws = await websockets.connect(f"{server.ws}/ws/{contest_id}")
    await ws.send(json.dumps({"type": "hello", **hello}))
    await _recv(ws, lambda m: m["type"] == "welcome")
    return ws


async def _reply(ws: Any) -> dict[str, Any]:
    return await _recv(ws, lambda m: m["type"] in ("ack", "error"))


def test_sigkill_mid_question_loses_nothing_acknowledged(server_process, database_url, tmp_path):
    env = {"QUIZ_DATABASE_URL": database_url} if database_url.startswith("postgresql") else {}
    data_dir = tmp_path / "data"
    server = server_process(env, data_dir)
    with httpx.Client(base_url=server.base) as http:
        contest = setup_contest(http)
        http.post(
            f"/api/contests/{contest['id']}/rounds",
            headers=contest["auth"],
            json={
                "rules": {"kind": "all_play", "time_limit_s": 8},
                "from_pack": {
                    "pack": "baltic-science",
                    "count": 1,
                    "types": ["single_choice"],
                    "seed": 5,
                },
            },
        ).raise_for_status()
    cid = contest["id"]

    async def before_the_crash() -> tuple[int, dict[str, int]]:
        host = await _connect(server, cid, role="host", secret=contest["secret"])
        acked = 0
        for i, command in enumerate(
            [
                {"type": "start_contest"},
                {"type": "start_round", "round_index": 2},
                {"type": "show_question"},
            ]
        ):
            await host.send(json.dumps({"type": "command", "id": i, "command": command}))
            reply = await _reply(host)
            assert reply["type"] == "ack", reply
            acked = reply["seq"]
        last_seen = {}
        for team, option in (("jelgava", "a"), ("liepaja", "b"), ("siauliai", "c")):
            player = await _connect(server, cid, role="player", token=contest["tokens"][team])
            await player.send(
                json.dumps(
                    {"type": "answer", "id": team, "answer": {"kind": "choice", "option": option}}
                )
            )
            reply = await _reply(player)
            assert reply["type"] == "ack", reply
            acked = max(acked, reply["seq"])
            last_seen[team] = reply["seq"]
        return acked, last_seen

    acked, last_seen = asyncio.run(before_the_crash())
    server.kill()  # SIGKILL in the middle of the all-play question

    server = server_process(env, data_dir)

    async def after_the_restart() -> None:
        # a player reconnects with the last number it saw and continues where it was
        player = await websockets.connect(f"{server.ws}/ws/{cid}")
        await player.send(
            json.dumps(
                {
                    "type": "hello",
                    "role": "player",
                    "token": contest["tokens"]["liepaja"],
                    "last_seq": last_seen["liepaja"],
                }
            )
        )
        welcome = await _recv(player, lambda m: m["type"] == "welcome")
        assert welcome["seq"] >= acked
        view = await _recv(player, lambda m: m["type"] == "view")
        question = view["view"]["question"]
        assert question["phase"] in ("answers_open", "locked")
        assert question["my_answer"]["answer"] == {"kind": "choice", "option": "b"}
        host = await _connect(server, cid, role="host", secret=contest["secret"])
        host_view = await _recv(host, lambda m: m["type"] == "view")
        answers = host_view["view"]["question"]["answers"]
        assert {t: a["answer"]["option"] for t, a in answers.items()} == {
            "jelgava": "a",
            "liepaja": "b",
            "siauliai": "c",
        }
        # the deadline's timer was re-armed: the answers lock by themselves
        await _recv(
            host,
            lambda m: m["type"] == "view" and m["view"]["question"]["phase"] == "locked",
            timeout=30,
        )
        await host.send(json.dumps({"type": "command", "id": "r", "command": {"type": "reveal"}}))
        assert (await _reply(host))["type"] == "ack"
        revealed = await _recv(
            player, lambda m: m["type"] == "view" and m["view"]["question"]["phase"] == "revealed"
        )
        scores = {row["team_id"]: row["score"] for row in revealed["view"]["scoreboard"]}
        right = revealed["view"]["question"]["answer"]["option"]
        chosen = {"jelgava": "a", "liepaja": "b", "siauliai": "c"}
        assert scores == {t: 10 if option == right else 0 for t, option in chosen.items()}
        await host.send(
            json.dumps({"type": "command", "id": "e", "command": {"type": "end_contest"}})
        )
        assert (await _reply(host))["type"] == "ack"

    asyncio.run(after_the_restart())
