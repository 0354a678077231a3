"""Faults of a cluster (server/cluster.py): a paused owner that wakes up after its lease was taken,
and Redis restarted in the middle of a contest. Real processes, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from loadtests.harness import QuizServer, free_port
from server.store import Store
from tests.server.conftest import setup_contest
from tests.server.test_cluster import (
    ANSWERS,
    FAST_LEASE,
    _add_round,
    _command,
    _connect,
    _final_view,
    _outcome,
    _recv,
    _send,
    cluster,  # noqa: F401 - a fixture
    pg_url,  # noqa: F401 - a fixture
    redis_url,  # noqa: F401 - a fixture
)
from tests.server.test_degraded import Proxy


def _holder_pid(url: str, contest_id: str) -> int | None:
    client = redis.Redis.from_url(url)
    try:
        held = client.get(f"quiz:lease:{contest_id}")
    finally:
        client.close()
    return None if held is None else int(held.decode().split(":")[1])


def _wait_for_owner(url: str, contest_id: str, pid: int, within: float = 20) -> float:
    start = time.monotonic()
    while _holder_pid(url, contest_id) != pid:
        assert time.monotonic() - start < within, "the lease did not move"
        time.sleep(0.05)
    return time.monotonic() - start


async def _answer_until_acked(ws: Any, ident: str, answer: Any, within: float = 30) -> list[str]:
    """Send the same answer (same id) until it is acknowledged; returns the refusals' codes."""
    refusals = []
    deadline = time.monotonic() + within
    while True:
        reply = await _send(ws, {"type": "answer", "id": ident, "answer": answer})
        if reply["type"] == "ack":
            return refusals
        refusals.append(reply["code"])
        assert time.monotonic() < deadline, refusals
        await asyncio.sleep(0.1)


def test_a_paused_owner_cannot_append_when_it_wakes(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    redis_url: str,  # noqa: F811
) -> None:
    """SIGSTOP the owner, let another process take the lease, cut the old owner from Redis (so
    that it cannot learn it lost the lease) and SIGCONT it: the answer it then decides is refused
    by the database's fence (owner_changed), nothing of it is in the log, and the resend is
    carried out by the new owner once the old one reaches Redis again."""
    host, port = redis_url.split("//")[1].split("/")[0].split(":")
    proxy = Proxy((host, int(port)))
    database = redis_url.rsplit("/", 1)[1]
    servers: list[QuizServer] = []
    try:
        common = {"QUIZ_DATABASE_URL": pg_url, **FAST_LEASE}
        old = QuizServer(
            {**common, "QUIZ_REDIS_URL": f"redis://127.0.0.1:{proxy.port}/{database}"},
            data_dir=tmp_path / "old",
            log_level="info",
        )
        servers.append(old.start())
        with httpx.Client(base_url=old.base) as http:
            contest = setup_contest(http)  # the first process takes the new contest's lease
            _add_round(http, contest)
        cid = contest["id"]
        assert _holder_pid(redis_url, cid) == old.pid
        new = QuizServer({**common, "QUIZ_REDIS_URL": redis_url}, data_dir=tmp_path / "new")
        servers.append(new.start())

        async def scenario() -> None:
            host_ws = await _connect(new.ws, cid, role="host", secret=contest["secret"])
            on_old = await _connect(old.ws, cid, role="player", token=contest["tokens"]["jelgava"])
            on_new = await _connect(new.ws, cid, role="player", token=contest["tokens"]["liepaja"])
            await _command(host_ws, "s1", {"type": "start_contest"})
            await _command(host_ws, "s2", {"type": "start_round", "round_index": 2})
            await _command(host_ws, "q0", {"type": "show_question"})
            await _recv(on_old, lambda m: m["type"] == "view" and m["view"].get("question"))
            os.kill(old.pid, signal.SIGSTOP)
            proxy.cut()
            await asyncio.to_thread(_wait_for_owner, redis_url, cid, new.pid)
            await _answer_until_acked(on_new, "liepaja", ANSWERS["liepaja"][0])
            await on_old.send(
                '{"type": "answer", "id": "jelgava", "answer": {"kind": "choice", "option": "b"}}'
            )
            os.kill(old.pid, signal.SIGCONT)
            first = await _recv(on_old, lambda m: m["type"] in ("ack", "error"))
            assert first["type"] == "error" and first["code"] == "owner_changed", first
            refused = await _send(
                on_old, {"type": "answer", "id": "jelgava", "answer": ANSWERS["jelgava"][0]}
            )
            assert refused["type"] == "error", refused
            assert refused["code"] == "cluster_unavailable", refused
            proxy.heal()
            await _answer_until_acked(on_old, "jelgava", ANSWERS["jelgava"][0])
            await _command(host_ws, "l0", {"type": "lock_answers"})
            await _command(host_ws, "r0", {"type": "reveal"})
            last = await _command(host_ws, "end", {"type": "end_contest"})
            views = [await _final_view(ws, last) for ws in (host_ws, on_old, on_new)]
            outcome = _outcome(views)
            assert outcome == [outcome[0]] * 3
            assert dict(outcome[0][2]) == {"jelgava": 10, "liepaja": 0, "siauliai": 0}

        asyncio.run(scenario())
        store = Store(pg_url)
        try:
            log = store.events_after(cid, 0)
        finally:
            store.close()
        assert [e.seq for e in log] == list(range(1, len(log) + 1))
        jelgava = [e for e in log if e.type == "answer_submitted" and '"jelgava"' in e.payload]
        assert len(jelgava) == 1, "the answer is in the log once: the stale owner wrote nothing"
        assert "is stale; another process owns the contest" in old.log_tail(200_000)
    finally:
        for server in servers:
            if server.proc is not None and server.proc.poll() is None:
                os.kill(server.pid, signal.SIGCONT)
            server.stop()
        proxy.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[Any]:
    """A redis-server of the test's own on a free port (never the machine's): ``start()`` and
    ``stop()`` it as often as the test likes; its data is not kept (a restart starts empty)."""
    port = free_port()
    state: dict[str, subprocess.Popen[bytes]] = {}

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self) -> None:
            state["proc"] = subprocess.Popen(
                [
                    "redis-server",
                    *("--port", str(port), "--bind", "127.0.0.1", "--save", ""),
                    *("--appendonly", "no", "--dir", str(tmp_path)),
                ],
                stdout=subprocess.DEVNULL,
            )
            client = redis.Redis.from_url(self.url)
            for _ in range(100):
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    time.sleep(0.05)
            client.close()

        def stop(self) -> None:
            proc = state.pop("proc", None)
            if proc is not None:
                proc.kill()
                proc.wait(10)

    if not _redis_server_installed():
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed: CI must test a Redis restart")
        pytest.skip("redis-server is not installed")
    own = OwnRedis()
    own.start()
    yield own
    own.stop()


def _redis_server_installed() -> bool:
    from shutil import which

    return which("redis-server") is not None


def test_redis_restarted_mid_contest(
    tmp_path: Path,
    pg_url: str,  # noqa: F811
    own_redis: Any,
) -> None:
    """Redis goes away mid-question and comes back empty: the owner's own clients play on, a
    command reaching the other process is refused (cluster_unavailable) and goes through when
    resent after Redis is back; the other process's clients see the game from the log meanwhile;
    every client ends on the same state."""
    common = {"QUIZ_DATABASE_URL": pg_url, "QUIZ_REDIS_URL": own_redis.url, **FAST_LEASE}
    servers = []
    try:
        first = QuizServer(common, data_dir=tmp_path / "a", log_level="info").start()
        servers.append(first)
        with httpx.Client(base_url=first.base) as http:
            contest = setup_contest(http)
            _add_round(http, contest)
        cid = contest["id"]
        servers.append(QuizServer(common, data_dir=tmp_path / "b", log_level="info").start())
        owner, other = servers  # the first process took the new contest

        async def scenario() -> None:
            host = await _connect(owner.ws, cid, role="host", secret=contest["secret"])
            local = await _connect(owner.ws, cid, role="player", token=contest["tokens"]["jelgava"])
            remote = await _connect(
                other.ws, cid, role="player", token=contest["tokens"]["liepaja"]
            )
            audience = await _connect(other.ws, cid, role="audience")
            await _command(host, "s1", {"type": "start_contest"})
            await _command(host, "s2", {"type": "start_round", "round_index": 2})
            shown = await _command(host, "q0", {"type": "show_question"})
            await _recv(remote, lambda m: m["type"] == "view" and m["seq"] >= shown)
            own_redis.stop()
            await _answer_until_acked(local, "jelgava", ANSWERS["jelgava"][0])
            refused = await _send(
                remote, {"type": "answer", "id": "liepaja", "answer": ANSWERS["liepaja"][0]}
            )
            assert refused["type"] == "error", refused
            assert refused["code"] == "cluster_unavailable", refused
            locked = await _command(host, "l0", {"type": "lock_answers"})
            # the other process's clients follow from the log while Redis is away
            await _recv(audience, lambda m: m["type"] == "view" and m["seq"] >= locked)
            own_redis.start()
            await _command(host, "r0", {"type": "reveal"})
            last = await _command(host, "end", {"type": "end_contest"})
            views = [await _final_view(ws, last) for ws in (host, local, remote, audience)]
            outcome = _outcome(views)
            assert outcome == [outcome[0]] * 4
            assert dict(outcome[0][2]) == {"jelgava": 10, "liepaja": 0, "siauliai": 0}
            # a command through the other process works again once Redis is back
            adjusted = {"type": "adjust_score", "team_id": "liepaja", "delta": 1, "reason": "r"}
            for _ in range(100):
                remote_host = await _connect(other.ws, cid, role="host", secret=contest["secret"])
                reply = await _send(
                    remote_host, {"type": "command", "id": "adj", "command": adjusted}
                )
                await remote_host.close()
                if reply["type"] == "ack":
                    break
                assert reply["code"] == "cluster_unavailable", reply
                await asyncio.sleep(0.2)
            else:
                raise AssertionError("commands through the other process stay refused")

        asyncio.run(scenario())
    finally:
        for server in servers:
            server.stop()
