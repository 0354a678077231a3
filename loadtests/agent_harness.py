"""What the agent benchmark and the agent's end-to-end tests share: `quiz agent` as a subprocess,
its configuration file, and a TCP proxy that delays, jitters or cuts the agent's link.

Theory of operation
-------------------
``AgentProcess`` writes a venue's TOML configuration, starts ``python -m server.cli agent`` (the
command an operator runs) with the agent token in its environment, and keeps its log (standard
error) in a file the caller can search. ``LinkProxy`` sits between an agent and the server on
127.0.0.1: every chunk read in one direction is written on after ``delay ± jitter`` (uniform),
never before the chunk ahead of it (a TCP stream keeps its order), so ``up`` (agent → server) and
``down`` may differ — an asymmetric link, the case clock sync cannot see. ``cut()`` drops every
connection and ``refuse`` turns new ones away: the venue's network is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from loadtests.harness import die_with_parent


class LinkProxy:
    """A TCP proxy on 127.0.0.1 with per-direction delay and jitter (seconds)."""

    def __init__(
        self,
        target_port: int,
        *,
        up: tuple[float, float] = (0.0, 0.0),
        down: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
    ) -> None:
        self.target_port = target_port
        self.up = up
        self.down = down
        self.refuse = False
        self.port = 0
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> LinkProxy:
        """Listen on a free port (``self.port``)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def cut(self) -> None:
        """Drop every open connection at once."""
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                writer.transport.abort()
        self._writers.clear()

    async def close(self) -> None:
        """Stop listening and drop everything."""
        if self._server is not None:
            self._server.close()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        for source, target, shape in ((reader, up_writer, "up"), (up_reader, writer, "down")):
            task = asyncio.get_running_loop().create_task(self._pipe(source, target, shape))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _delay(self, shape: str) -> float:
        mean, jitter = self.up if shape == "up" else self.down
        return max(0.0, mean + self._rng.uniform(-jitter, jitter))

    async def _pipe(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter, shape: str
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                target.write(data)
                await target.drain()
            target.close()

        sender = loop.create_task(deliver())
        last_due = 0.0
        try:
            while True:
                data = await source.read(65536)
                last_due = max(last_due, loop.time() + self._delay(shape))
                queue.put_nowait((last_due, data))
                if not data:
                    break
            await sender
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            sender.cancel()
            with contextlib.suppress(BaseException):
                await sender
            with contextlib.suppress(Exception):
                target.transport.abort()


def venue_toml(
    server: str,
    contest: str,
    boxes: list[tuple[str, Mapping[int, str]]],
    *,
    state_file: Path,
    lang: str = "en",
    extra: str = "",
) -> str:
    """The TOML configuration of a venue: ``boxes`` are (port, {channel: team})."""
    lines = [
        f'server = "{server}"',
        f'contest = "{contest}"',
        f'lang = "{lang}"',
        f'state_file = "{state_file}"',
        extra,
    ]
    for port, channels in boxes:
        table = ", ".join(f'{ch} = "{team}"' for ch, team in sorted(channels.items()))
        lines += ["[[box]]", f'port = "{port}"', f"channels = {{ {table} }}"]
    return "\n".join(lines) + "\n"


class AgentProcess:
    """`quiz agent --config FILE` in a subprocess, its log in ``log_path``."""

    def __init__(self, folder: Path, config_text: str, token: str, name: str = "agent") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.config_path = folder / f"{name}.toml"
        self.config_path.write_text(config_text, encoding="utf-8")
        self.log_path = folder / f"{name}.log"
        self.token = token
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *extra_args: str) -> AgentProcess:
        """Start the agent (again, appending to the same log)."""
        env = {**os.environ, "QUIZ_AGENT_TOKEN": self.token}
        command = [sys.executable, "-m", "server.cli", "agent", "--config", str(self.config_path)]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*command, *extra_args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        return self

    def log(self) -> str:
        """Everything the agent logged so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def wait_for_log(self, pattern: str, timeout: float = 30.0, count: int = 1) -> str:
        """Wait until ``pattern`` (a regular expression) occurs ``count`` times in the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if len(re.findall(pattern, text)) >= count:
                return text
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"agent log has no {pattern!r} (x{count}):\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> int | None:
        """SIGTERM and wait; the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
        return self.proc.returncode
