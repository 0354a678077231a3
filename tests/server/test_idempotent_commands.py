"""Idempotent commands (issue 11, item 14): a message resent with the same id is carried out once
and answered with the first ack — on the same connection, on a new one, in the same batch and
after a restart (the ids are stored with the events)."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from game import commands as c
from server.app import create_app
from server.contests import ContestService
from server.runner import CommandRef
from server.settings import Settings
from tests.server.conftest import make_settings, reply_to, setup_contest


def _hello(ws: Any, **hello: Any) -> None:
    ws.send_json({"type": "hello", **hello})
    assert ws.receive_json()["type"] == "welcome"


def _score_events(client: TestClient, contest: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.get(f"/api/contests/{contest['id']}/events", headers=contest["auth"])
    return [e for e in answer.json()["events"] if e["type"] == "score_changed"]


PLUS_TEN = {
    "type": "command",
    "id": "bonus-1",
    "command": {"type": "adjust_score", "team_id": "jelgava", "delta": 10, "reason": "bonus"},
}


def test_a_resent_message_is_carried_out_once_and_gets_the_first_ack(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, hello_timeout=2.0, ping_interval=0.2)
    with TestClient(create_app(settings)) as client:
        contest = setup_contest(client)
        cid = contest["id"]
        with client.websocket_connect(f"/ws/{cid}") as host:
            _hello(host, role="host", secret=contest["secret"])
            for message_id, kind, fields in (
                (1, "start_contest", {}),
                (2, "start_round", {"round_index": 1}),
                (3, "show_question", {}),
            ):
                host.send_json(
                    {"type": "command", "id": message_id, "command": {"type": kind, **fields}}
                )
                assert reply_to(host)["type"] == "ack"
            host.send_json(PLUS_TEN)
            first = reply_to(host)
            assert first["type"] == "ack"
            host.send_json(PLUS_TEN)  # the same connection resends
            assert reply_to(host) == first
        with client.websocket_connect(f"/ws/{cid}") as host:  # a new connection resends
            _hello(host, role="host", secret=contest["secret"])
            host.send_json(PLUS_TEN)
            assert reply_to(host) == first
            # The same id with another message is another message: carried out.
            host.send_json({**PLUS_TEN, "command": {**PLUS_TEN["command"], "delta": 5}})
            other = reply_to(host)
            assert other["type"] == "ack" and other["seq"] > first["seq"]
        # Another sender's id is its own: a player's answer with the host's id is an answer.
        with client.websocket_connect(f"/ws/{cid}") as player:
            _hello(player, role="player", token=contest["tokens"]["jelgava"])
            answer = {"type": "answer", "id": "bonus-1", "answer": {"kind": "text", "text": "O"}}
            player.send_json(answer)
            answered = reply_to(player)
            assert answered["type"] == "ack", answered
            player.send_json(answer)
            assert reply_to(player) == answered
        assert [e["event"]["delta"] for e in _score_events(client, contest)] == [10, 5]
        events = client.get(f"/api/contests/{cid}/events", headers=contest["auth"]).json()
        assert [e["type"] for e in events["events"]].count("answer_submitted") == 1

    with TestClient(create_app(settings)) as client:  # a restart: the ids are still known
        with client.websocket_connect(f"/ws/{cid}") as host:
            _hello(host, role="host", secret=contest["secret"])
            host.send_json(PLUS_TEN)
            assert reply_to(host) == first
        with client.websocket_connect(f"/ws/{cid}") as player:
            _hello(player, role="player", token=contest["tokens"]["jelgava"])
            player.send_json(answer)
            assert reply_to(player) == answered
        assert [e["event"]["delta"] for e in _score_events(client, contest)] == [10, 5]


def _settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.from_environ({}, data_dir=tmp_path, database_url=database_url, snapshot_every=3)


def test_copies_in_one_batch_and_after_a_restart_are_one_command(
    tmp_path: Path, database_url: str
) -> None:
    bonus = c.AdjustScore(at=0, team_id="jelgava", delta=10, reason="bonus")
    ref = CommandRef.of("host", b'{"type":"command","id":7,"command":"bonus"}')

    async def count_bonuses(service: ContestService, cid: str) -> int:
        return sum(e["type"] == "score_changed" for e in await service.events(cid, 0))

    async def scenario() -> None:
        service = ContestService(_settings(tmp_path, database_url))
        await service.start()
        cid, _secret = await service.create_contest(
            "Idempotent", ("lv", "lt", "en"), f"i-{secrets.token_hex(4)}"
        )
        for name in ("Jelgava", "Liepāja"):
            await service.add_team(cid, name, name, "#123456", None)
        runner = service.runner(cid)
        await runner.submit(c.StartContest(at=0))
        # Three copies queued before the runner wakes: one batch.
        seqs = await asyncio.gather(*(runner.submit(bonus, ref=ref) for _ in range(3)))
        assert len(set(seqs)) == 1
        assert await count_bonuses(service, cid) == 1
        for _ in range(4):  # enough events for a snapshot after the bonus
            await runner.submit(c.Pause(at=0))
            await runner.submit(c.Resume(at=0))
        await service.stop()

        again = ContestService(_settings(tmp_path, database_url))
        await again.start()
        recovered = again.runner(cid)
        assert await recovered.submit(bonus, ref=ref) == seqs[0]
        assert await count_bonuses(again, cid) == 1
        assert recovered.state.teams["jelgava"] is not None
        await recovered.submit(c.EndContest(at=0))  # leave no live contest in the database
        await again.stop()

    asyncio.run(scenario())
