"""The simulated bz1 box on a pseudo-terminal, and the little script language that drives it.

``PtySimulator`` puts a ``SimulatedBox`` behind a real pty pair (``os.openpty``) and publishes the
terminal under a stable symbolic link, so a driver can open the link like ``/dev/ttyACM0`` and find
it again after an unplug. One owned thread answers host commands the moment they arrive, sends a
heartbeat every second and writes press lines ``report_delay_ns`` after the true press (the
debounce a real box needs before it reports). Other threads steer it through methods that queue
actions and wake the thread.

Script lines (``#`` starts a comment)::

    wait SECONDS        do nothing for a while
    press CH [HOLD]     press channel CH and let go after HOLD seconds (default 0.1)
    down CH / up CH     press or let go of channel CH
    reboot              power-cycle: new boot id, clock restarts, HELLO
    unplug SECONDS      the port disappears for SECONDS, then comes back
    garbage [TEXT]      send TEXT (default: noise bytes) without a line end, then a newline
    quit                stop the script here
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import queue
import select
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from buzzers.errors import ConfigError
from buzzers.simbox import SimulatedBox, TrueEvent

HEARTBEAT_NS = 1_000_000_000
REPORT_DELAY_NS = 10_000_000
NOISE = b"\x00\xff\x13garbage\xfe"


# --- script --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One script line: ``action`` with its channel and seconds, or bytes for garbage."""

    action: str
    channel: int = 0
    seconds: float = 0.0
    data: bytes = b""


_ARITY = {"wait": (1, 1), "press": (1, 2), "down": (1, 1), "up": (1, 1), "reboot": (0, 0)}
_ARITY |= {"unplug": (1, 1), "garbage": (0, 99), "quit": (0, 0)}


def parse_script(lines: Iterable[str]) -> list[Step]:
    """Parse script lines into steps.

    Raises:
        ConfigError: a line is not a known command with valid arguments (its number is given).
    """
    steps: list[Step] = []
    for number, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        action, *args = text.split()
        action = action.lower()
        if action not in _ARITY:
            raise ConfigError(f"script line {number}: unknown command {action!r}")
        low, high = _ARITY[action]
        if not low <= len(args) <= high:
            raise ConfigError(f"script line {number}: {action} takes {low}..{high} arguments")
        try:
            steps.append(_step(action, args))
        except ValueError as exc:
            raise ConfigError(f"script line {number}: {exc}") from None
    return steps


def _step(action: str, args: list[str]) -> Step:
    def seconds(text: str) -> float:
        value = float(text)
        if not 0 <= value <= 3600:
            raise ValueError(f"{text} is not a number of seconds from 0 to 3600")
        return value

    if action == "wait":
        return Step("wait", seconds=seconds(args[0]))
    if action == "press":
        return Step("press", int(args[0]), seconds(args[1]) if len(args) > 1 else 0.1)
    if action in ("down", "up"):
        return Step(action, int(args[0]))
    if action == "unplug":
        return Step("unplug", seconds=seconds(args[0]))
    if action == "garbage":
        return Step("garbage", data=" ".join(args).encode("utf-8") if args else NOISE)
    return Step(action)


# --- the pty shell -------------------------------------------------------------------------------


class PtySimulator:
    """A ``SimulatedBox`` on a pseudo-terminal reachable at ``link``."""

    def __init__(
        self,
        box: SimulatedBox,
        link: Path,
        *,
        clock: Callable[[], int] = time.monotonic_ns,
        report_delay_ns: int = REPORT_DELAY_NS,
        heartbeat_ns: int = HEARTBEAT_NS,
        on_event: Callable[[TrueEvent | str], None] | None = None,
    ) -> None:
        self.box = box
        self.link = link
        self._clock = clock
        self._report_delay_ns = report_delay_ns
        self._heartbeat_ns = heartbeat_ns
        self._on_event = on_event
        self._actions: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._fds: tuple[int, int] | None = None  # (master, our own slave) while plugged in
        self._timers: list[tuple[int, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._truth_seen = 0
        self.undelivered = 0  # bytes the box could not send (unplugged or buffer full)
        self.host_heard = threading.Event()  # set when the first byte from a host arrives
        self._hung = False

    # --- control (any thread) --------------------------------------------------------------------

    def start(self) -> None:
        """Power the box on, plug it in and start the thread."""
        self._plug()
        self._emit_bytes(self.box.power_on(self._clock()))
        self._thread = threading.Thread(target=self._run, name="bz1 simulator")
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, unplug and clean up."""
        self._stopping.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(5)
        self._unplug()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtySimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def truth(self) -> list[TrueEvent]:
        """Every press and release so far, with its true host time."""
        with self._lock:
            return list(self.box.truth)

    def press(self, channel: int, hold_s: float = 0.1) -> None:
        """Press ``channel`` now and let go after ``hold_s`` seconds."""
        self.box.check_channel(channel)
        self._do(lambda: self._press(channel, hold_s))

    def down(self, channel: int) -> None:
        """Press ``channel`` and keep it down."""
        self.box.check_channel(channel)
        self._do(lambda: self._press(channel, None))

    def up(self, channel: int) -> None:
        """Let go of ``channel``."""
        self.box.check_channel(channel)
        self._do(lambda: self._release(channel))

    def reboot(self) -> None:
        """Power-cycle the box (new boot id, clock restarts at its start value)."""
        self._do(lambda: self._power_cycle())

    def unplug(self) -> threading.Event:
        """Pull the cable: the terminal and its link disappear (the event is set when done)."""
        return self._do(self._unplug)

    def replug(self) -> threading.Event:
        """Plug the cable back in: a new terminal behind the same link (set when done)."""
        return self._do(self._plug)

    def hang(self) -> None:
        """The firmware freezes: no more heartbeats, replies or presses (until a reboot)."""
        self._do(lambda: setattr(self, "_hung", True))

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (garbage, half lines)."""
        self._do(lambda: self._emit_bytes(data))

    def run(self, steps: Iterable[Step], stopping: threading.Event | None = None) -> None:
        """Carry out script steps in the calling thread (waits end early when ``stopping``)."""
        halt = stopping or self._stopping
        for step in steps:
            if halt.is_set() or step.action == "quit":
                return
            if step.action == "wait":
                halt.wait(step.seconds)
            elif step.action == "press":
                self.press(step.channel, step.seconds)
            elif step.action == "down":
                self.down(step.channel)
            elif step.action == "up":
                self.up(step.channel)
            elif step.action == "reboot":
                self.reboot()
            elif step.action == "unplug":
                self.unplug()
                halt.wait(step.seconds)
                self.replug()
            elif step.action == "garbage":
                self.send_raw(step.data + b"\n")

    # --- the thread ------------------------------------------------------------------------------

    def _do(self, action: Callable[[], None]) -> threading.Event:
        done = threading.Event()

        def run() -> None:
            action()
            done.set()

        self._actions.put(run)
        os.write(self._wake_w, b"x")
        return done

    def _after(self, delay_ns: int, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self._clock() + delay_ns, next(self._order), action))

    def _run(self) -> None:
        next_heartbeat = self._clock() + self._heartbeat_ns
        while not self._stopping.is_set():
            now = self._clock()
            due = min([next_heartbeat] + [t[0] for t in self._timers[:1]])
            watched = [self._wake_r] + ([self._fds[0]] if self._fds else [])
            readable, _, _ = select.select(watched, [], [], max(0, due - now) / 1e9)
            if self._wake_r in readable:
                os.read(self._wake_r, 1024)
            if self._fds and self._fds[0] in readable:
                try:
                    data = os.read(self._fds[0], 1024)
                except OSError:
                    data = b""
                if data:
                    self.host_heard.set()
                    if not self._hung:
                        self._emit_bytes(self.box.receive(data, self._clock()))
            while True:
                try:
                    action = self._actions.get_nowait()
                except queue.Empty:
                    break
                action()
            now = self._clock()
            while self._timers and self._timers[0][0] <= now:
                heapq.heappop(self._timers)[2]()
            if now >= next_heartbeat:
                if not self._hung:
                    self._emit_bytes(self.box.heartbeat(now))
                next_heartbeat = now + self._heartbeat_ns

    def _press(self, channel: int, hold_s: float | None) -> None:
        with self._lock:
            line = self.box.press(channel, self._clock())
        self._report(line)
        if hold_s is not None:
            self._after(int(hold_s * 1e9), lambda: self._release(channel))

    def _release(self, channel: int) -> None:
        with self._lock:
            line = self.box.release(channel, self._clock())
        self._report(line)

    def _report(self, line: bytes) -> None:
        if not line or self._hung:
            return
        self._after(self._report_delay_ns, lambda: self._emit_bytes(line))
        if self._on_event is not None:
            with self._lock:
                fresh = self.box.truth[self._truth_seen :]
                self._truth_seen = len(self.box.truth)
            for event in fresh:
                self._on_event(event)

    def _power_cycle(self) -> None:
        self._timers.clear()  # lines not yet sent die with the power
        self._hung = False
        with self._lock:
            hello = self.box.power_on(self._clock())
        self._emit_bytes(hello)
        if self._on_event is not None:
            self._on_event(f"rebooted boot={self.box.boot}")

    def _emit_bytes(self, data: bytes) -> None:
        if not data:
            return
        if self._fds is None:
            self.undelivered += len(data)
            return
        try:
            os.write(self._fds[0], data)
        except OSError:  # the terminal buffer is full: the line is lost, as on a real port
            self.undelivered += len(data)

    def _plug(self) -> None:
        if self._fds is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass as they are
        os.set_blocking(master, False)
        self._fds = (master, slave)
        temporary = self.link.with_name(self.link.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        temporary.symlink_to(os.ttyname(slave))
        temporary.replace(self.link)
        if self._on_event is not None:
            self._on_event(f"plugged in at {self.link} -> {os.ttyname(slave)}")

    def _unplug(self) -> None:
        if self._fds is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.link.unlink()
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = None
        if self._on_event is not None and not self._stopping.is_set():
            self._on_event("unplugged")
