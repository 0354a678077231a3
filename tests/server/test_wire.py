"""Direct frame writes (server.wire) against uvicorn's real WebSocket protocol, in this process.

The server is ``quiz serve``'s own uvicorn configuration (``uvicorn_config``), run on the test's
event loop, so the test can look at the connections it serves while a `websockets` client talks
to it: the views reach the clients without the ASGI ``send``, byte for byte as uvicorn would have
written them, and the ASGI path takes over whenever a direct write would be wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from websockets.protocol import State
from websockets.server import ServerProtocol

from loadtests.harness import free_port
from server.app import QuizApp
from server.hub import Connection
from server.serve import uvicorn_config
from server.wire import direct_frames, text_frame
from tests.server.conftest import make_settings, setup_contest

TEXTS = ["", "Liepāja", "Šiauliai " * 13, "ā" * 65_535, "x" * 65_536, '{"view": "Jelgava"}' * 5000]


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t.encode())} bytes")
def test_a_frame_is_exactly_what_the_websockets_protocol_writes(text):
    protocol = ServerProtocol()
    protocol.state = State.OPEN  # as after the handshake
    protocol.send_text(text.encode())
    assert text_frame(text) == b"".join(protocol.data_to_send())


class LiveServer:
    """``quiz serve``'s uvicorn on the running event loop, with a contest set up."""

    def __init__(self, server: uvicorn.Server, app: QuizApp, port: int) -> None:
        self.server, self.app, self.port = server, app, port
        self.contest: dict[str, Any] = {}
        self.client_options: dict[str, Any] = {"compression": None}

    def connections(self, role: str) -> list[Connection]:
        return [c for c in self.app.state.service.connections if c.role == role]

    async def connect(self, **hello: Any) -> Any:
        url = f"ws://127.0.0.1:{self.port}/ws/{self.contest['id']}"
        ws = await websockets.connect(url, **self.client_options)
        await ws.send(json.dumps({"type": "hello", **hello}))
        await receive(ws, lambda m: m["type"] == "welcome")
        await receive(ws, lambda m: m["type"] == "view" and m["snapshot"])
        return ws

    async def host(self) -> Any:
        """The host console, with the contest started."""
        ws = await self.connect(role="host", secret=self.contest["secret"])
        start = {"type": "command", "id": 0, "command": {"type": "start_contest"}}
        await ws.send(json.dumps(start))
        ack = await receive(ws, lambda m: m["type"] in ("ack", "error"))
        assert ack["type"] == "ack", ack
        return ws


async def receive(ws: Any, predicate: Any) -> dict[str, Any]:
    async def first() -> dict[str, Any]:
        while True:
            message = json.loads(await ws.recv())
            if predicate(message):
                return message

    return await asyncio.wait_for(first(), 10)


@contextlib.asynccontextmanager
async def live(tmp_path: Path, **overrides: Any) -> AsyncIterator[LiveServer]:
    port = free_port()
    settings = make_settings(tmp_path, port=port, **overrides)
    config = uvicorn_config(settings)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    app = config.app
    assert isinstance(app, QuizApp)
    live_server = LiveServer(server, app, port)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
        live_server.contest = await asyncio.to_thread(setup_contest, http)
    try:
        yield live_server
    finally:
        server.should_exit = True
        await task


async def change_score(host: Any, delta: int) -> int:
    """Adjust Jelgava's score from the host console; the new seq."""
    command = {"type": "adjust_score", "team_id": "jelgava", "delta": delta, "reason": "test"}
    await host.send(json.dumps({"type": "command", "id": delta, "command": command}))
    ack = await receive(host, lambda m: m["type"] in ("ack", "error"))
    assert ack["type"] == "ack", ack
    return int(ack["seq"])


class CountingSend:
    """Wraps a connection's ASGI send and counts the messages that went through it."""

    def __init__(self, conn: Connection) -> None:
        self.inner, self.calls = conn.send, 0
        conn.send = self

    async def __call__(self, message: dict[str, Any]) -> None:
        self.calls += 1
        await self.inner(message)


async def test_views_reach_the_audience_without_the_asgi_send(tmp_path):
    async with live(tmp_path) as server:
        host = await server.host()
        watchers = [await server.connect(role="audience") for _ in range(3)]
        await change_score(host, 1)
        for ws in watchers:
            await receive(ws, lambda m: m["type"] == "view")
        audience = server.connections("audience")
        assert len(audience) == 3 and all(c.direct is not None for c in audience)
        counters = [CountingSend(c) for c in audience]

        seq = await change_score(host, 2)
        views = [await receive(ws, lambda m: m["type"] == "view") for ws in watchers]

        assert [v["seq"] for v in views] == [seq] * 3
        for view in views:
            leader = view["view"]["scoreboard"][0]
            assert (leader["team_id"], leader["score"]) == ("jelgava", 3)
        assert [c.calls for c in counters] == [0, 0, 0]  # written directly, frame and all
        for ws in (host, *watchers):
            await ws.close()


async def test_a_paused_or_closing_socket_is_left_to_the_asgi_send(tmp_path):
    async with live(tmp_path) as server:
        host = await server.host()
        watcher = await server.connect(role="audience")
        (conn,) = server.connections("audience")
        assert conn.direct is not None
        protocol = conn.send.__self__  # type: ignore[attr-defined]
        frame = text_frame('{"type": "view"}')

        protocol.pause_writing()  # the transport's buffer is above its high-water mark
        assert conn.direct.write(frame) is False
        protocol.resume_writing()
        assert conn.direct.write(frame) is True
        assert json.loads(await watcher.recv()) == {"type": "view"}

        # A view published while the socket is paused waits in the backlog, in order.
        protocol.pause_writing()
        first = await change_score(host, 1)
        assert conn.backlog is not None and conn.writer is not None
        protocol.resume_writing()
        view = await receive(watcher, lambda m: m["type"] == "view")
        assert view["seq"] == first
        second = await change_score(host, 2)
        assert (await receive(watcher, lambda m: m["type"] == "view"))["seq"] == second

        await watcher.close()
        for _ in range(100):
            if not server.connections("audience"):
                break
            await asyncio.sleep(0.01)
        assert conn.direct.write(frame) is False  # closed: nothing is written
        await host.close()


async def test_compressed_connections_take_the_asgi_path(tmp_path):
    async with live(tmp_path, ws_compression=True) as server:
        server.client_options = {}  # the client offers permessage-deflate
        host = await server.host()
        watcher = await server.connect(role="audience")
        (conn,) = server.connections("audience")
        assert conn.direct is None
        seq = await change_score(host, 1)
        assert (await receive(watcher, lambda m: m["type"] == "view"))["seq"] == seq
        await watcher.close()
        await host.close()


def test_only_uvicorn_sans_io_connections_are_written_directly():
    async def send(message: dict[str, Any]) -> None:
        """An ASGI send of some other server."""

    assert direct_frames(send) is None
    assert direct_frames(object()) is None
