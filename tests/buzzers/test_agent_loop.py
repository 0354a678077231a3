"""The venue agent's loop in-process (issue 12), against a WebSocket server of the test's own.

The server is a real ``websockets`` server on 127.0.0.1 whose behaviour each test scripts: it
welcomes (or drops) a connection, pings, answers presses with an ack or an error, sends views and
the buzzer check. The agent's box is a fake press source the test feeds and whose lamps it reads.
Short intervals come in through ``AgentTiming`` and the press age through the configuration;
reconnection delays are recorded through the agent's injected ``sleep``. Tests wait on conditions,
never on durations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from buzzers.agent import Agent, AgentTiming
from buzzers.agent_config import AgentConfig, BoxConfig
from buzzers.bz1 import LampMode
from buzzers.events import Capabilities, Connected, Press, SourceEvent

TIMEOUT_S = 15.0
TEAMS = {1: "jelgava", 2: "liepaja"}
FAST = AgentTiming(
    backoff_initial_s=0.05,
    backoff_max_s=0.4,
    slow_retry_s=0.2,
    status_interval_s=0.1,
    check_flash_s=0.2,
    retry_soon_s=0.05,
    housekeeping_s=0.05,
)


class FakeBox:
    """A press source the test feeds; it records the lamps the agent sets."""

    capabilities = Capabilities(timestamps=True, lamps=True, channels=2)

    def __init__(self) -> None:
        self.events: queue.SimpleQueue[SourceEvent] = queue.SimpleQueue()
        self.lamps: dict[int, LampMode] = {}
        self.seq = 0
        self.events.put(Connected("fake://box"))

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def get(self, timeout: float | None = None) -> SourceEvent | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def set_lamp(self, channel: int | None, mode: LampMode) -> None:
        for ch in [channel] if channel is not None else list(TEAMS):
            self.lamps[ch] = mode

    def press(self, channel: int, age_s: float = 0.0) -> None:
        """A press ``age_s`` seconds ago, as the box link reports it."""
        self.seq += 1
        at = time.monotonic_ns() - int(age_s * 1e9)
        self.events.put(Press(channel, self.seq, at, 250_000, "bz1", device_us=self.seq))


Handler = Callable[["FakeServer", ServerConnection, int], Awaitable[None]]


class FakeServer:
    """A contest server stand-in: every message it receives, per connection, in order."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.received: list[list[dict[str, Any]]] = []
        self.connections: list[ServerConnection] = []
        self.port = 0

    async def _serve(self, ws: ServerConnection) -> None:
        number = len(self.received)
        self.received.append([])
        self.connections.append(ws)
        with contextlib.suppress(ConnectionClosed):
            await self.handler(self, ws, number)

    async def recv(self, ws: ServerConnection, number: int) -> dict[str, Any]:
        """The next message of connection ``number`` (recorded)."""
        message: dict[str, Any] = json.loads(await ws.recv())
        self.received[number].append(message)
        return message

    async def recv_until(self, ws: ServerConnection, number: int, kind: str) -> dict[str, Any]:
        """Messages of connection ``number`` until one of type ``kind``."""
        while True:
            message = await self.recv(ws, number)
            if message.get("type") == kind:
                return message

    async def welcome(self, ws: ServerConnection, number: int) -> dict[str, Any]:
        """Take the hello and welcome the agent for both teams; the hello."""
        hello = await self.recv_until(ws, number, "hello")
        await ws.send(json.dumps({"type": "welcome", "teams": sorted(TEAMS.values())}))
        return hello

    async def sync(self, ws: ServerConnection, number: int) -> dict[str, Any]:
        """Ping and take the pong (the agent sends presses only after one)."""
        await ws.send(json.dumps({"type": "ping", "id": f"p{number}", "t0": 1.0}))
        return await self.recv_until(ws, number, "pong")

    async def send(self, message: dict[str, Any]) -> None:
        """Send ``message`` on the newest connection."""
        await self.connections[-1].send(json.dumps(message))

    def of_type(self, kind: str) -> list[tuple[int, dict[str, Any]]]:
        """(connection number, message) of every message of type ``kind`` received."""
        return [
            (n, m)
            for n, messages in enumerate(self.received)
            for m in messages
            if m.get("type") == kind
        ]


async def until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path,
    handler: Handler,
    *,
    max_age_s: float = 30.0,
    delays: list[float] | None = None,
) -> AsyncIterator[tuple[Agent, FakeServer, FakeBox]]:
    """A fake server and an agent connected to it with a fake box, both stopped afterwards."""
    fake = FakeServer(handler)
    async with serve(fake._serve, "127.0.0.1", 0) as server:
        fake.port = server.sockets[0].getsockname()[1]
        config = AgentConfig(
            url=f"ws://127.0.0.1:{fake.port}/ws/c1",
            token="agent-token",
            boxes=(BoxConfig("fake://box", channels=TEAMS, name="box-1"),),
            state_file=tmp_path / "state.json",
            press_max_age_s=max_age_s,
        )
        box = FakeBox()

        async def sleep(seconds: float) -> None:
            if delays is not None:
                delays.append(seconds)
            await asyncio.sleep(min(seconds, 0.05))

        agent = Agent(config, [box], timing=FAST, sleep=sleep)
        task = asyncio.create_task(agent.run())
        try:
            yield agent, fake, box
        finally:
            agent.stop()
            await asyncio.wait_for(task, TIMEOUT_S)


async def hold(ws: ServerConnection) -> None:
    """Keep the connection open, ignoring what the agent sends, until it closes."""
    async for _ in ws:
        pass


def test_reconnects_with_doubling_jittered_back_off_reset_by_a_welcome(tmp_path: Path) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        if number < 4 or number == 5:
            await ws.close()  # the server is not there yet / drops it again
            return
        await fake.welcome(ws, number)
        if number == 4:
            await ws.close()  # welcomed, then lost
            return
        await hold(ws)

    async def scenario() -> None:
        delays: list[float] = []
        async with running(tmp_path, handler, delays=delays) as (_, fake, _box):
            await until(lambda: len(fake.received) >= 7, "the seventh connection")
        # 0.05 doubling (at most 0.4), each drawn from [b/2, b]; a welcome starts it again
        expected = [0.05, 0.1, 0.2, 0.4, 0.05, 0.1]
        for delay, ceiling in zip(delays, expected, strict=False):
            assert ceiling / 2 <= delay <= ceiling, (delays, expected)
        assert len(delays) >= len(expected)

    asyncio.run(scenario())


def test_unacknowledged_presses_are_sent_again_with_the_same_ids(tmp_path: Path) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)
        await fake.sync(ws, number)
        press = await fake.recv_until(ws, number, "press")
        if number == 0:
            await ws.close()  # lost before the ack
            return
        await ws.send(json.dumps({"type": "ack", "id": press["id"], "seq": 7}))
        await hold(ws)

    async def scenario() -> None:
        async with running(tmp_path, handler) as (agent, fake, box):
            await until(lambda: len(fake.received) == 1, "the first connection")
            box.press(1)
            await until(lambda: len(fake.received) == 2 and not len(agent.outbox), "the ack")
            presses = fake.of_type("press")
            assert [n for n, _ in presses] == [0, 1]
            first, again = (m for _, m in presses)
            assert first == again  # same id, same press time, same team
            assert first["team_id"] == "jelgava" and first["channel"] == 1
            assert first["box"] == "box-1"
        saved = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
        assert saved["pending"] == []

    asyncio.run(scenario())


def test_a_refused_press_is_logged_and_dropped_a_transient_one_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)
        await fake.sync(ws, number)
        while True:
            press = await fake.recv_until(ws, number, "press")
            if press["team_id"] == "jelgava":
                code, text = "buzzers_closed", "the buzz window has closed"
            elif len([m for m in fake.received[number] if m.get("type") == "press"]) == 1:
                code, text = "contest_busy", "try again"  # transient: sent again soon
            else:
                await ws.send(json.dumps({"type": "ack", "id": press["id"], "seq": 3}))
                continue
            error = {"type": "error", "id": press["id"], "code": code, "message": text}
            await ws.send(json.dumps(error))

    async def scenario() -> None:
        caplog.set_level(logging.INFO, logger="buzzers.agent")
        async with running(tmp_path, handler) as (agent, fake, box):
            await until(lambda: len(fake.received) == 1, "the connection")
            box.press(2)  # liepaja: busy once, then acknowledged
            await until(lambda: len(fake.of_type("press")) == 2, "the resend")
            await until(lambda: not len(agent.outbox), "the ack")
            box.press(1)  # jelgava: refused for good
            await until(lambda: len(fake.of_type("press")) == 3, "the refused press")
            await until(lambda: not len(agent.outbox), "the refused press dropped")
            await asyncio.sleep(0.3)  # the transient retry interval, six times over
        liepaja = [m for _, m in fake.of_type("press") if m["team_id"] == "liepaja"]
        assert len(liepaja) == 2 and liepaja[0] == liepaja[1]
        assert len([m for _, m in fake.of_type("press") if m["team_id"] == "jelgava"]) == 1
        refused = [r.getMessage() for r in caplog.records if "was refused" in r.getMessage()]
        assert refused == [
            "A press of team jelgava was refused: buzzers_closed: the buzz window has closed."
        ]

    asyncio.run(scenario())


def test_status_is_sent_on_welcome_and_at_least_every_interval(tmp_path: Path) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)
        async for raw in ws:
            message = json.loads(raw)
            fake.received[number].append(message)
            if message.get("type") == "status":
                await ws.send(json.dumps({"type": "ack", "id": message["id"], "seq": 0}))

    async def scenario() -> None:
        async with running(tmp_path, handler) as (_, fake, _box):
            # nothing changes on the box: the heartbeat alone brings more status messages
            await until(lambda: len(fake.of_type("status")) >= 4, "four status messages")
            statuses = [m for _, m in fake.of_type("status")]
        first = statuses[0]
        assert first["boxes"] == [
            {
                "port": "fake://box",
                "state": "open",
                "box": "box-1",
                "firmware": None,
                "channels": {"1": "jelgava", "2": "liepaja"},
                "bound_ms": None,
                "error": None,
            }
        ]
        assert len({m["id"] for m in statuses}) == len(statuses)  # every status its own id

    asyncio.run(scenario())


def test_status_stops_on_a_server_that_does_not_know_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)
        async for raw in ws:
            message = json.loads(raw)
            fake.received[number].append(message)
            if message.get("type") == "status":
                error = {"type": "error", "id": message["id"], "code": "unknown_type"}
                await ws.send(json.dumps({**error, "message": "no such message"}))

    async def scenario() -> None:
        caplog.set_level(logging.WARNING, logger="buzzers.agent")
        async with running(tmp_path, handler) as (_, fake, _box):
            await until(lambda: bool(fake.of_type("status")), "a status")
            await asyncio.sleep(0.5)  # five status intervals
        assert len(fake.of_type("status")) <= 2  # at most one already on its way
        assert any("does not take status" in r.getMessage() for r in caplog.records)

    asyncio.run(scenario())


def test_buzzer_check_blinks_every_lamp_and_lights_the_pressed_team(tmp_path: Path) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)
        await hold(ws)

    async def scenario() -> None:
        async with running(tmp_path, handler) as (agent, fake, box):
            await until(lambda: bool(fake.connections), "the connection")
            await fake.send({"type": "check", "on": True})
            blink = {1: LampMode.BLINK, 2: LampMode.BLINK}
            await until(lambda: box.lamps == blink, "every lamp blinking")
            assert agent.check
            await fake.send({"type": "check_press", "team_id": "liepaja", "source": "box"})
            await until(lambda: box.lamps[2] is LampMode.ON, "liepaja's lamp steady")
            assert box.lamps[1] is LampMode.BLINK
            await until(lambda: box.lamps == blink, "liepaja blinking again after the flash")
            await fake.send({"type": "check_press", "team_id": "riga", "source": "box"})
            await fake.send({"type": "check", "on": False})
            off = {1: LampMode.OFF, 2: LampMode.OFF}
            await until(lambda: box.lamps == off, "every lamp off after the check")
            assert not agent.check

    asyncio.run(scenario())


def test_a_press_not_delivered_within_its_age_is_dropped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    connected = asyncio.Event()

    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.welcome(ws, number)  # no ping: the agent may not send presses
        connected.set()
        await hold(ws)

    async def scenario() -> None:
        caplog.set_level(logging.WARNING, logger="buzzers.agent")
        async with running(tmp_path, handler, max_age_s=0.3) as (agent, fake, box):
            await until(connected.is_set, "the connection")
            box.press(1)
            await until(lambda: len(agent.outbox) == 1, "the press in the outbox")
            await until(lambda: not len(agent.outbox), "the press expired")
        assert not fake.of_type("press")
        assert any(
            r.getMessage() == "A press of team jelgava was not delivered in time and was dropped."
            for r in caplog.records
        )
        assert agent.outbox.dropped == 1

    asyncio.run(scenario())


def test_a_refused_token_is_told_and_retried_slowly_never_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(fake: FakeServer, ws: ServerConnection, number: int) -> None:
        await fake.recv_until(ws, number, "hello")
        if number < 2:
            await ws.close(4001, "unauthorized")
            return
        await ws.send("not json")  # garbage from the server: ignored
        await ws.send(json.dumps({"type": "welcome", "teams": sorted(TEAMS.values())}))
        await hold(ws)

    async def scenario() -> None:
        caplog.set_level(logging.INFO, logger="buzzers.agent")
        delays: list[float] = []
        async with running(tmp_path, handler, delays=delays) as (agent, fake, _box):
            await until(lambda: agent._ws is not None, "the third connection welcomed")
            assert len(fake.received) == 3
        assert delays[:2] == [FAST.slow_retry_s, FAST.slow_retry_s]
        messages = [r.getMessage() for r in caplog.records]
        assert sum("refused the agent token" in m for m in messages) == 2
        assert any("not JSON" in m for m in messages)

    asyncio.run(scenario())
