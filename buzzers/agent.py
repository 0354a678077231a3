"""The venue buzzer agent: the venue's boxes take part in the live contest over the WebSocket.

Theory of operation
-------------------
One asyncio loop owns everything but the ports. Each box runs as the press source it already is
(``SerialLink`` for bz1 and line boxes, ``BuzzSource`` for a Sony Buzz! set: one owned reader
thread each); a small pump thread per box moves its events onto the loop. The loop

- keeps one WebSocket to the contest (docs/protocol.md §3) as role ``agent``: ``hello`` with the
  agent token and ``last_seq``, then views of the venue screens' stream, clock pings, acks and
  errors. It answers every ``ping`` at once with ``time.monotonic_ns()`` in ms — the clock the
  box links map presses to (``buzzers.clock``), so a press leaves as ``pressed_at`` on that clock
  with the box mapping's ``bound``, and the server maps it with the connection's clock estimate;
- turns each box press into a ``press`` message through the ``Outbox`` (``buzzers.outbox``):
  saved to disk with a stable id first, sent when the connection is up and has answered a ping
  (before that the server would refuse it with ``clock_not_synced``), removed on its ``ack``,
  or on a final ``error`` that is logged with its reason (``buzzers_closed`` for a press after the
  window, ``team_locked_out`` …). Transient refusals (``clock_not_synced``, ``contest_busy``,
  ``database_unavailable``, ``rate_limited``, ``internal_error``) leave it waiting. Presses not
  acknowledged when a connection ends are sent again, same ids, on the next one;
- reconnects with exponential back-off and full jitter (0.5 s doubling to 30 s); a refused token
  (``unauthorized``, close 4001) or an unknown contest (4004) is told to the operator and retried
  every ``SLOW_RETRY_S`` — the agent never exits on its own, so a service manager does not
  restart-loop it;
- drives the lamps: every view (and the host's buzzer check, ``check`` / ``check_press``) gives a
  ``LampPlan`` (``buzzers.lamp_plan``); the ``LampBoard`` sends each box only what changed, and
  everything again after the box reopens or reboots;
- reports its boxes with ``status`` (after each welcome, when a box opens, closes or re-syncs,
  and every ``STATUS_INTERVAL_S``). A server that does not know ``status`` answers
  ``unknown_type``: that is logged once per connection and status is not sent again on it.

Nothing here imports ``server``: the agent speaks only the documented protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from buzzers.agent_config import AgentConfig, BoxConfig, strip_credentials
from buzzers.agent_texts import text
from buzzers.bz1 import HostCommand, Lamp
from buzzers.errors import BuzzerError
from buzzers.events import (
    BoxError,
    CommandDone,
    Connected,
    Disconnected,
    LinesLost,
    LinkStats,
    Press,
    Resync,
    SourceEvent,
    Synchronised,
)
from buzzers.lamp_plan import LampBoard, LampPlan, lamp_plan
from buzzers.lines import DEFAULT_LATENCY_NS, LinePattern, LinesSession
from buzzers.outbox import Outbox, PendingPress
from buzzers.session import Bz1Session
from buzzers.transport import PressSource, SerialLink

log = logging.getLogger("buzzers.agent")

BACKOFF_INITIAL_S = 0.5
BACKOFF_MAX_S = 30.0
SLOW_RETRY_S = 60.0
HELLO_TIMEOUT_S = 10.0
STATUS_INTERVAL_S = 10.0
CHECK_FLASH_S = 1.5
RETRY_SOON_S = 1.0
CLOSE_UNAUTHORIZED = 4001
CLOSE_NO_CONTEST = 4004
TRANSIENT = frozenset(
    {"clock_not_synced", "contest_busy", "database_unavailable", "rate_limited", "internal_error"}
)
UNSUPPORTED = frozenset({"unknown_type", "forbidden", "invalid_message"})
HOUSEKEEPING_S = 1.0


@dataclass(frozen=True, slots=True)
class AgentTiming:
    """The agent's intervals in seconds (the module's constants; tests pass shorter ones)."""

    backoff_initial_s: float = BACKOFF_INITIAL_S
    backoff_max_s: float = BACKOFF_MAX_S
    slow_retry_s: float = SLOW_RETRY_S
    status_interval_s: float = STATUS_INTERVAL_S
    check_flash_s: float = CHECK_FLASH_S
    retry_soon_s: float = RETRY_SOON_S
    housekeeping_s: float = HOUSEKEEPING_S


def now_ms() -> float:
    """The agent clock: this machine's monotonic clock in ms (the clock box presses map to)."""
    return time.monotonic_ns() / 1e6


class Refused(Exception):
    """The server refused the hello: a wrong token or an unknown contest."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class BoxState:
    """What the agent knows of one box, for its own use and for ``status``."""

    config: BoxConfig
    source: PressSource
    state: str = "down"
    box_id: str | None = None
    firmware: str | None = None
    bound_ms: float | None = None
    error: str | None = None
    told_down: bool = False

    @property
    def name(self) -> str | None:
        """The box id sent with its presses."""
        return self.config.name or self.box_id

    def record(self) -> dict[str, Any]:
        """This box in a ``status`` message."""
        return {
            "port": strip_credentials(self.config.port),
            "state": self.state,
            "box": self.name,
            "firmware": self.firmware,
            "channels": {str(ch): team for ch, team in sorted(self.config.channels.items())},
            "bound_ms": self.bound_ms,
            "error": self.error,
        }


def open_box(config: BoxConfig) -> PressSource:
    """The press source of a configured box (not started).

    Raises:
        BuzzerError: the box's options are unusable or the source needs what is not installed.
    """
    if config.adapter == "buzz":
        from buzzers.buzz import BuzzSource

        latency = config.latency_ms
        return BuzzSource(
            config.port, latency_ns=int((latency if latency is not None else 20.0) * 1e6)
        )
    if config.adapter == "lines":
        pattern = LinePattern(config.pattern, dict(config.line_map))
        latency_ns = (
            DEFAULT_LATENCY_NS if config.latency_ms is None else int(config.latency_ms * 1e6)
        )
        return SerialLink(
            config.port,
            LinesSession(config.port, pattern, latency_ns),
            baudrate=config.baud or 9600,
        )
    return SerialLink(config.port, Bz1Session(config.port), baudrate=config.baud or 115200)


class Agent:
    """The running agent (``run`` until ``stop``)."""

    def __init__(
        self,
        config: AgentConfig,
        sources: list[PressSource] | None = None,
        *,
        timing: AgentTiming = AgentTiming(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """``sleep`` waits out reconnection delays (a test can record them with its own)."""
        self.config = config
        self.timing = timing
        self._sleep = sleep
        self.outbox = Outbox(config.state_file, limit=config.outbox_limit)
        built = sources if sources is not None else [open_box(b) for b in config.boxes]
        self.boxes = [
            BoxState(box, source) for box, source in zip(config.boxes, built, strict=True)
        ]
        self.board = LampBoard()
        self.view: dict[str, Any] | None = None
        self.check = False
        self.served: frozenset[str] | None = None
        self.last_seq = 0
        self._flash_until: dict[str, float] = {}
        self._ws: ClientConnection | None = None
        self._synced = False
        self._inflight: set[str] = set()
        self._status_ok = True
        self._status_ids = (f"{self.outbox.prefix}-s{n}" for n in itertools.count(1))
        self._stopping = asyncio.Event()
        self._pump_stop = threading.Event()
        self._pumps: list[threading.Thread] = []
        self._events: asyncio.Queue[tuple[int, SourceEvent | BaseException]] = asyncio.Queue()
        self._warned_teams: frozenset[str] = frozenset()
        self._rng = random.Random()

    # --- life ------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask ``run`` to end (from the loop's thread, e.g. a signal handler)."""
        self._stopping.set()

    async def run(self) -> None:
        """Run until ``stop``: boxes, the server connection, lamps and status."""
        for note in self.outbox.load():
            log.warning(note)
        # the prefix may have come from the state file
        self._status_ids = (f"{self.outbox.prefix}-s{n}" for n in itertools.count(1))
        loop = asyncio.get_running_loop()
        for index, box in enumerate(self.boxes):
            box.source.start()
            pump = threading.Thread(
                target=self._pump, args=(index, box.source, loop), name=f"agent pump {index}"
            )
            pump.start()
            self._pumps.append(pump)
        tasks = [
            loop.create_task(self._box_events(), name="agent boxes"),
            loop.create_task(self._server_link(), name="agent server"),
            loop.create_task(self._housekeeping(), name="agent housekeeping"),
        ]
        stopping = loop.create_task(self._stopping.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stopping], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopping:
                    task.result()  # a crash of ours surfaces here
        finally:
            for task in [*tasks, stopping]:
                task.cancel()
            for task in [*tasks, stopping]:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if self._ws is not None:
                with contextlib.suppress(Exception):
                    await self._ws.close()
            self._pump_stop.set()
            for pump in self._pumps:
                await asyncio.to_thread(pump.join, 5)
            for box in self.boxes:
                with contextlib.suppress(Exception):
                    box.source.stop()
            self.outbox.save(durable=True)

    def _pump(self, index: int, source: PressSource, loop: asyncio.AbstractEventLoop) -> None:
        while not self._pump_stop.is_set():
            try:
                event = source.get(timeout=0.1)
            except BaseException as exc:  # the reader thread crashed: the agent must know
                loop.call_soon_threadsafe(self._events.put_nowait, (index, exc))
                return
            if event is not None:
                loop.call_soon_threadsafe(self._events.put_nowait, (index, event))

    # --- boxes -----------------------------------------------------------------------------------

    async def _box_events(self) -> None:
        while True:
            index, event = await self._events.get()
            if isinstance(event, BaseException):
                raise event
            await self._on_box_event(index, event)

    async def _on_box_event(self, index: int, event: SourceEvent) -> None:
        box = self.boxes[index]
        port = strip_credentials(box.config.port)
        lang = self.config.lang
        match event:
            case Press():
                await self._on_press(box, event)
            case Connected(_, hello):
                box.state, box.error, box.told_down = "open", None, False
                if hello is not None:
                    box.box_id, box.firmware = hello.box_id, hello.fw
                channels = hello.channels if hello is not None else "?"
                log.info(text(lang, "box_open", box=box.name or "?", port=port, channels=channels))
                if hello is not None:
                    missing = sorted(ch for ch in box.config.channels if ch > hello.channels)
                    if missing:
                        log.warning(
                            "box %s has %d channels; configured channel(s) %s do not exist",
                            box.name,
                            hello.channels,
                            missing,
                        )
                self.board.forget(index)
                self._apply_lamps()
                await self._send_status()
            case Synchronised(_, samples, drift, bound_ns):
                box.bound_ms = bound_ns / 1e6
                log.info(
                    "box %s synchronised: %d samples, drift %.1f ppm, bound %.3f ms",
                    box.name,
                    samples,
                    drift * 1e6,
                    bound_ns / 1e6,
                )
                await self._send_status()
            case Resync():
                log.warning(text(lang, "box_rebooted", port=port))
                box.bound_ms = None
                self.board.forget(index)
                self._apply_lamps()
                await self._send_status()
            case Disconnected(_, reason):
                was_open = box.state == "open"
                box.state, box.error, box.bound_ms = "down", reason[:200], None
                if was_open or not box.told_down:
                    log.warning(text(lang, "box_down", port=port, reason=reason))
                    box.told_down = True
                self.board.forget(index)
                await self._send_status()
            case LinesLost(count, expected, got):
                log.warning(
                    "box %s: %d line(s) lost (expected seq %d, got %d)",
                    box.name,
                    count,
                    expected,
                    got,
                )
            case LinkStats(stats):
                log.warning(
                    "box on %s: damaged lines skipped (garbage %d, over-long %d, cut %d)",
                    port,
                    stats.garbage,
                    stats.overlong,
                    stats.truncated,
                )
            case BoxError(code, message):
                log.warning("box %s refused a command: %s %s", box.name, code, message)
            case CommandDone():
                pass

    async def _on_press(self, box: BoxState, press: Press) -> None:
        team = box.config.channels.get(press.channel)
        if team is None:
            log.warning(
                "press on channel %d of box %s, which no team has: ignored",
                press.channel,
                box.name,
            )
            return
        pending = self.outbox.add(
            team, press.host_ns / 1e6, press.bound_ns / 1e6, press.channel, box.name
        )
        log.info(
            "press %s: team %s, box %s channel %d, ±%.3f ms",
            pending.id,
            team,
            box.name,
            press.channel,
            pending.bound,
        )
        await self._flush()

    # --- lamps -----------------------------------------------------------------------------------

    def plan(self) -> LampPlan:
        """The lamps as they should be now."""
        moment = time.monotonic()
        flashing = [t for t, until in self._flash_until.items() if until > moment]
        return lamp_plan(self.view, self.config.teams, check=self.check, flashing=flashing)

    def _apply_lamps(self) -> None:
        plan = self.plan()
        for index, box in enumerate(self.boxes):
            if box.state != "open" or not box.source.capabilities.lamps:
                continue
            can_arm = box.config.adapter == "bz1"
            for command in self.board.commands(index, box.config.channels, plan, can_arm=can_arm):
                self._send_box(box, command)

    @staticmethod
    def _send_box(box: BoxState, command: HostCommand) -> None:
        source = box.source
        if isinstance(source, SerialLink) and isinstance(source.session, Bz1Session):
            source.submit(lambda session: session.send(command))
        elif isinstance(command, Lamp):
            with contextlib.suppress(BuzzerError):
                source.set_lamp(command.channel, command.mode)
        # ARM and DISARM mean nothing to a box without them

    # --- the server ------------------------------------------------------------------------------

    async def _server_link(self) -> None:
        timing = self.timing
        backoff = timing.backoff_initial_s
        lang = self.config.lang
        while True:
            welcomed = False
            try:
                async with connect(
                    self.config.url,
                    open_timeout=HELLO_TIMEOUT_S,
                    close_timeout=2,
                    max_size=4 * 1024 * 1024,
                    compression=None,
                    proxy=None,
                    ping_interval=20,
                    ping_timeout=20,
                ) as ws:
                    await self._hello(ws)
                    welcomed = True
                    backoff = timing.backoff_initial_s
                    await self._session(ws)
                reason = "the server closed the connection"
            except Refused as refused:
                key = "unauthorized" if refused.kind == "unauthorized" else "no_contest"
                seconds = int(timing.slow_retry_s)
                log.error(text(lang, key, reason=refused.reason, seconds=seconds))
                await self._sleep(timing.slow_retry_s)
                continue
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else 1006
                why = closed.rcvd.reason if closed.rcvd is not None else ""
                reason = f"closed with {code}{' ' + why if why else ''}"
                if code == CLOSE_UNAUTHORIZED:  # the host revoked the token while we were on
                    seconds = int(timing.slow_retry_s)
                    log.error(text(lang, "unauthorized", reason=reason, seconds=seconds))
                    await self._sleep(timing.slow_retry_s)
                    continue
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            finally:
                self._ws = None
                self._synced = False
                self._inflight.clear()
            if welcomed:
                log.warning(text(lang, "disconnected", reason=reason))
            else:
                log.info("cannot reach %s: %s", self.config.safe_url, reason)
            delay = self._rng.uniform(backoff / 2, backoff)
            backoff = min(backoff * 2, timing.backoff_max_s)
            await self._sleep(delay)

    async def _hello(self, ws: ClientConnection) -> None:
        hello: dict[str, Any] = {"type": "hello", "role": "agent", "token": self.config.token}
        if self.last_seq:
            hello["last_seq"] = self.last_seq
        await ws.send(json.dumps(hello))
        try:
            async with asyncio.timeout(HELLO_TIMEOUT_S):
                while True:
                    try:
                        message = json.loads(await ws.recv())
                    except ValueError:
                        log.warning("the server sent something that is not JSON: ignored")
                        continue
                    if not isinstance(message, dict):
                        continue
                    if message.get("type") == "welcome":
                        break
                    if message.get("type") == "error":
                        if message.get("code") in ("unauthorized", "agent_revoked"):
                            raise Refused("unauthorized", str(message.get("message")))
                        log.warning(
                            "the server refused the hello: %s %s",
                            message.get("code"),
                            message.get("message"),
                        )
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else None
            if code == CLOSE_UNAUTHORIZED:
                raise Refused("unauthorized", "wrong or withdrawn agent token") from None
            if code == CLOSE_NO_CONTEST:
                raise Refused("no_contest", "no such contest") from None
            raise
        self._ws = ws
        self._status_ok = True
        # The check lives in the server's memory; it says so again after the view if it is on.
        self.check = False
        self._flash_until.clear()
        self.served = frozenset(message.get("teams") or ())
        log.info(
            text(
                self.config.lang,
                "connected",
                url=self.config.safe_url,
                teams=", ".join(sorted(self.served)) or "-",
            )
        )
        missing = self.config.teams - self.served
        if missing and missing != self._warned_teams:
            log.warning(text(self.config.lang, "team_not_served", teams=", ".join(sorted(missing))))
        self._warned_teams = missing
        await self._send_status()

    async def _session(self, ws: ClientConnection) -> None:
        async for raw in ws:
            arrived = now_ms()
            try:
                message = json.loads(raw)
            except ValueError:
                log.warning("the server sent something that is not JSON: ignored")
                continue
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if kind == "ping":
                pong = {
                    "type": "pong",
                    "id": message.get("id"),
                    "t0": message.get("t0"),
                    "t1": arrived,
                    "t2": now_ms(),
                }
                await ws.send(json.dumps(pong))
                if not self._synced:
                    self._synced = True
                    await self._flush()
            elif kind == "view":
                self.last_seq = max(self.last_seq, int(message.get("seq") or 0))
                view = message.get("view")
                if isinstance(view, dict):
                    self.view = view
                    question = view.get("question") or {}
                    log.debug(
                        "view %s: question phase %s", message.get("seq"), question.get("phase")
                    )
                    self._apply_lamps()
            elif kind == "ack":
                self._on_ack(message)
            elif kind == "error":
                await self._on_error(message)
            elif kind == "check":
                self.check = bool(message.get("on"))
                if not self.check:
                    self._flash_until.clear()
                log.info("buzzer check %s", "on" if self.check else "off")
                self._apply_lamps()
            elif kind == "check_press":
                team = message.get("team_id")
                if isinstance(team, str) and team in self.config.teams:
                    flash = self.timing.check_flash_s
                    self._flash_until[team] = time.monotonic() + flash
                    log.info("buzzer check: team %s pressed (%s)", team, message.get("source"))
                    self._apply_lamps()
                    asyncio.get_running_loop().call_later(flash + 0.05, self._apply_lamps)

    def _on_ack(self, message: dict[str, Any]) -> None:
        press_id = message.get("id")
        if not isinstance(press_id, str):
            return
        self._inflight.discard(press_id)
        press = self.outbox.remove(press_id)
        if press is not None:
            log.info(
                "press %s of team %s acknowledged (seq %s%s)",
                press_id,
                press.team_id,
                message.get("seq"),
                ", buzzer check" if message.get("check") else "",
            )

    async def _on_error(self, message: dict[str, Any]) -> None:
        code = str(message.get("code"))
        reason = f"{code}: {message.get('message')}"
        press_id = message.get("id")
        if isinstance(press_id, str) and press_id.startswith(f"{self.outbox.prefix}-s"):
            if self._status_ok and code in UNSUPPORTED:
                log.warning("the server does not take status messages (%s); not sent again", reason)
                self._status_ok = False
            return
        if not isinstance(press_id, str) or press_id not in self.outbox:
            log.warning("the server reported an error: %s", reason)
            return
        self._inflight.discard(press_id)
        if code in TRANSIENT:
            log.info("press %s not taken yet (%s): will be sent again", press_id, reason)
            if code != "clock_not_synced":
                asyncio.get_running_loop().call_later(
                    self.timing.retry_soon_s, lambda: asyncio.ensure_future(self._flush())
                )
            else:
                self._synced = False  # wait for the next ping
            return
        press = self.outbox.remove(press_id)
        if press is not None:
            log.warning(text(self.config.lang, "press_refused", team=press.team_id, reason=reason))

    async def _flush(self) -> None:
        """Send every waiting press not yet sent on this connection."""
        ws = self._ws
        if ws is None or not self._synced:
            return
        for press in self.outbox.pending():
            if press.id in self._inflight:
                continue
            self._inflight.add(press.id)
            try:
                await ws.send(json.dumps(press.message()))
            except ConnectionClosed:
                return  # sent again on the next connection

    async def _send_status(self) -> None:
        ws = self._ws
        if ws is None or not self._status_ok:
            return
        status = {
            "type": "status",
            "id": next(self._status_ids),
            "boxes": [box.record() for box in self.boxes],
            "buffered": len(self.outbox),
        }
        with contextlib.suppress(ConnectionClosed):
            await ws.send(json.dumps(status))

    async def _housekeeping(self) -> None:
        """Status heartbeats, old presses dropped, a note while presses wait."""
        last_status = time.monotonic()
        while True:
            await asyncio.sleep(self.timing.housekeeping_s)
            for press in self._expire():
                log.warning(text(self.config.lang, "press_expired", team=press.team_id))
            if time.monotonic() - last_status >= self.timing.status_interval_s:
                last_status = time.monotonic()
                await self._send_status()
                if self._ws is None and len(self.outbox):
                    log.warning(text(self.config.lang, "outbox", count=len(self.outbox)))

    def _expire(self) -> list[PendingPress]:
        # a press on its way already is left for the server to answer
        return self.outbox.expire(now_ms(), self.config.press_max_age_s * 1000, keep=self._inflight)


def run_agent(config: AgentConfig, sources: list[PressSource] | None = None) -> int:
    """Run the agent until SIGINT or SIGTERM; returns the exit status."""

    async def main() -> None:
        agent = Agent(config, sources)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, agent.stop)
        await agent.run()

    asyncio.run(main())
    return 0
