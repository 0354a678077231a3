"""The floor for the audience fan-out: the least a Python WebSocket server can do per change.

Run by ``loadtests.bench_fanout`` as ``python -m loadtests.floor_server --port P --size BYTES``.
It speaks just enough of the contest protocol for the same audience clients and host console:

- a connection whose ``hello`` names the role ``host`` sends ``command`` messages; for each one the
  server counts the change (``seq``), encodes one view message of ``--size`` bytes **once** and
  hands it to ``websockets.broadcast()`` for every audience connection, then acks the command;
- every other connection gets a ``welcome`` and a snapshot view, and is then an audience member.

No database, no rules, no projection, no per-connection queue or task: ``broadcast()`` writes the
frame straight into each connection's transport. The quiz server's fan-out is measured against
this on the same machine with the same clients and the same message size. The server binds to
127.0.0.1 and stops on SIGTERM/SIGINT, or by itself after ``--lifetime`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal

import msgspec
from websockets.asyncio.server import ServerConnection, broadcast, serve


class FloorServer:
    """One audience set, one sequence number, one encoded view per change."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.seq = 0
        self.audience: set[ServerConnection] = set()

    def view(self, snapshot: bool) -> str:
        """A view message of exactly ``size`` bytes (when ``size`` is large enough)."""
        body = {
            "type": "view",
            "seq": self.seq,
            "snapshot": snapshot,
            "events": [] if snapshot else ["score_changed"],
            "view": {"pad": ""},
        }
        bare = len(msgspec.json.encode(body))
        body["view"] = {"pad": "x" * max(0, self.size - bare)}
        return msgspec.json.encode(body).decode()

    async def handle(self, ws: ServerConnection) -> None:
        """One connection: the host's commands, or an audience member until it leaves."""
        hello = json.loads(await ws.recv())
        if hello.get("role") == "host":
            async for raw in ws:
                command = json.loads(raw)
                self.seq += 1
                broadcast(self.audience, self.view(snapshot=False))
                await ws.send(json.dumps({"type": "ack", "id": command.get("id"), "seq": self.seq}))
            return
        await ws.send(json.dumps({"type": "welcome", "role": "audience", "seq": self.seq}))
        await ws.send(self.view(snapshot=True))
        self.audience.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.audience.discard(ws)


async def run(port: int, size: int, lifetime: float) -> None:
    """Serve on 127.0.0.1:``port`` until a signal or ``lifetime`` seconds have passed."""
    floor = FloorServer(size)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with serve(
        floor.handle, "127.0.0.1", port, compression=None, max_size=16384, backlog=2048
    ):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), lifetime)


def main() -> None:
    """Parse the options and serve."""
    parser = argparse.ArgumentParser(description="websockets.broadcast() floor server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, default=2000, help="bytes per view message")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="stop after this long")
    args = parser.parse_args()
    asyncio.run(run(args.port, args.size, args.lifetime))


if __name__ == "__main__":
    main()
