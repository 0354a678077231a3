"""What the server benchmarks share: a `quiz serve` subprocess, a contest set up over the API,
a host console over the WebSocket, memory and machine readings, and percentiles.

Theory of operation
-------------------
A benchmark is one parent process and a few client processes. The parent starts the server under
test as a subprocess on 127.0.0.1 (``QuizServer``, the same command line an operator runs), sets up
a contest through the documented HTTP API and drives it as the host over the WebSocket
(``HostConsole``). Client processes hold the many connections. Every process stamps its readings
with ``time.monotonic()``: on Linux that is ``CLOCK_MONOTONIC``, one clock for the whole machine, so
a send time taken in the parent and a receive time taken in a client process can be subtracted.
Everything binds to 127.0.0.1, and every process the benchmark starts is stopped by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import datetime
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PR_SET_PDEATHSIG = 1


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to its hard limit (children inherit it).

    Returns:
        The soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_model() -> str:
    """The processor's model name."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def machine() -> str:
    """One line describing the machine and the date, for the record."""
    today = datetime.date.today().isoformat()
    return (
        f"{today}, {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def rss_kib(pid: int) -> int:
    """The resident set size of process ``pid`` in KiB (``VmRSS`` of /proc/PID/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) process ``pid`` has used so far, in seconds."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` (0–1) percentile of ``values``, by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.4999999))
    return ordered[min(rank, len(ordered)) - 1]


def summary_ms(values: Sequence[float]) -> str:
    """``p50 / p99 / max`` of values in seconds, printed in milliseconds."""
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 0.5) * 1000:7.1f} ms   p99 {percentile(values, 0.99) * 1000:7.1f}"
        f" ms   max {max(values) * 1000:7.1f} ms   mean {statistics.fmean(values) * 1000:7.1f} ms"
    )


def die_with_parent() -> None:
    """In a child process: ask Linux to send SIGTERM when the benchmark process dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class QuizServer:
    """`quiz serve` in a subprocess on 127.0.0.1; a context manager, or ``start`` and ``stop``.

    The benchmarks and the tests that need a real server process both use it.

    - ``env`` is added to ``base_env`` (this process's environment unless given), which is
      added to ``QUIZ_AUDIENCE_DELAY=0`` (the audience runs live unless a test asks otherwise);
    - ``data_dir`` is the server's data folder, kept afterwards so that a server can be started
      on it again (crash recovery); without it, a temporary folder removed on exit;
    - ``log_level`` sets ``QUIZ_LOG_LEVEL`` unless it is None (the server's default then);
    - ``command`` starts the server: ``python -m server.cli`` unless given (the installed
      ``quiz`` script, say), followed by ``serve`` and the address options.
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        data_dir: Path | None = None,
        log_level: str | None = "warning",
        base_env: Mapping[str, str] | None = None,
        command: Sequence[str] = (sys.executable, "-m", "server.cli"),
        start_timeout: float = 30.0,
    ) -> None:
        self.port = free_port()
        self._folder = None
        if data_dir is None:
            self._folder = tempfile.TemporaryDirectory(prefix="quiz-bench-")
            data_dir = Path(self._folder.name)
        self.data_dir = data_dir
        self.log_path = self.data_dir / "server.log"
        level = {} if log_level is None else {"QUIZ_LOG_LEVEL": log_level}
        live = {"QUIZ_AUDIENCE_DELAY": "0"}  # benchmarks and tests measure the live audience
        base = os.environ if base_env is None else base_env
        self.env = {**live, **base, **level, **(env or {})}
        self.command = tuple(command)
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        """The HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        """The WebSocket base URL."""
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> QuizServer:
        """Start the server and wait until ``/healthz`` answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    *self.command,
                    *("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                    *("--data-dir", str(self.data_dir)),
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"quiz serve exited with {self.proc.returncode}: {self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1, trust_env=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"quiz serve did not start: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 15 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)

    def __enter__(self) -> QuizServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if self._folder is not None:
            self._folder.cleanup()

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the server's log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


class Contest:
    """A contest set up through the HTTP API, with its host secret and join codes."""

    def __init__(self, http: httpx.Client, contest_id: str, secret: str) -> None:
        self.http = http
        self.id = contest_id
        self.secret = secret
        self.auth = {"Authorization": f"Bearer {secret}"}
        self.join_codes: dict[str, str] = {}

    @classmethod
    def create(cls, http: httpx.Client, title: str) -> Contest:
        """Create a contest (allowed from loopback without an admin token)."""
        made = _expect(http.post("/api/contests", json={"title": title}), 201)
        return cls(http, made["contest_id"], made["host_secret"])

    def add_team(self, name: str) -> str:
        """Add a team; returns its id (its join code is kept in ``join_codes``)."""
        team = _expect(
            self.http.post(
                f"/api/contests/{self.id}/teams", headers=self.auth, json={"name": name}
            ),
            201,
        )
        self.join_codes[team["team_id"]] = team["join_code"]
        return str(team["team_id"])

    def add_round(
        self,
        rules: dict[str, Any],
        questions: list[Any] | None = None,
        from_pack: dict[str, Any] | None = None,
    ) -> None:
        """Add a round with inline questions or questions from a pack."""
        body: dict[str, Any] = {"rules": rules}
        if questions is not None:
            body["questions"] = questions
        if from_pack is not None:
            body["from_pack"] = from_pack
        _expect(
            self.http.post(f"/api/contests/{self.id}/rounds", headers=self.auth, json=body), 201
        )

    def events(self, after: int) -> list[dict[str, Any]]:
        """The event log after ``after``."""
        got = self.http.get(
            f"/api/contests/{self.id}/events", headers=self.auth, params={"after": after}
        )
        return list(_expect(got, 200)["events"])


def _expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


class HostConsole:
    """The host's WebSocket: sends commands and awaits their acks; ignores views.

    Reconnects (with ``last_seq``) when the server drops it, as the host console does, and counts
    how often that happened.
    """

    def __init__(self, url: str, secret: str) -> None:
        self.url = url
        self.secret = secret
        self.seq = 0
        self.drops = 0
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = iter(range(1, 1 << 62))
        self._connected = asyncio.Event()

    async def __aenter__(self) -> HostConsole:
        await self._connect()
        self._reader = asyncio.get_running_loop().create_task(self._read(), name="host-reader")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()

    async def _connect(self) -> None:
        self._ws = await connect(
            self.url, max_size=None, compression=None, proxy=None, open_timeout=30
        )
        hello = {"type": "hello", "role": "host", "secret": self.secret, "last_seq": self.seq}
        await self._ws.send(json.dumps(hello))
        self._connected.set()

    async def _read(self) -> None:
        while True:
            assert self._ws is not None
            try:
                async for raw in self._ws:
                    message = json.loads(raw)
                    self.seq = max(self.seq, int(message.get("seq") or 0))
                    future = self._waiting.pop(message.get("id"), None)
                    if message["type"] in ("ack", "error") and future and not future.done():
                        future.set_result(message)
            except Exception:  # the server dropped the host console: reconnect below
                pass
            self.drops += 1
            self._connected.clear()
            await asyncio.sleep(0.2)
            await self._connect()

    async def command(self, command: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        """Send one host command; returns its ``ack`` (raises on an ``error``)."""
        reply = await asyncio.wait_for(await self.send(command, timeout), timeout)
        if reply["type"] == "error":
            raise RuntimeError(f"{command['type']}: {reply['code']}: {reply['message']}")
        return reply

    async def send(
        self, command: dict[str, Any], timeout: float = 60.0
    ) -> asyncio.Future[dict[str, Any]]:
        """Send one host command now; returns the future of its reply (for timing the send).

        If the server has just dropped the console, waits for the reconnection and sends again.
        """
        deadline = time.monotonic() + timeout
        while True:
            await asyncio.wait_for(self._connected.wait(), max(0.0, deadline - time.monotonic()))
            message_id = next(self._ids)
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._waiting[message_id] = future
            assert self._ws is not None
            text = json.dumps({"type": "command", "id": message_id, "command": command})
            try:
                await self._ws.send(text)
            except ConnectionClosed:
                self._waiting.pop(message_id, None)
                self._connected.clear()
                continue
            return future
