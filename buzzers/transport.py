"""The thin shell around a pure session: a pyserial port in one owned reader thread.

``SerialLink`` opens any pyserial URL or device path (``/dev/ttyACM0``, ``socket://host:port``,
``rfc2217://host:port``, a pseudo-terminal) with ``serial.serial_for_url``. Its one thread reads,
stamps every chunk with the host monotonic clock, feeds the session, ticks it, writes what the
session wants sent, and hands events to the consumer through a queue. When the port fails or the
session says the box went silent, it closes the port, tells the session, and opens it again with
exponential back-off until ``stop()``. Everything the thread touches belongs to it; other threads
talk to the session only through ``submit``. A bug inside the thread is logged and re-raised to the
consumer by ``get`` and ``stop`` instead of vanishing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import serial

from buzzers.bz1 import Lamp, LampMode
from buzzers.errors import SourceUnavailable
from buzzers.events import Capabilities, Disconnected, SourceEvent

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.01
BACKOFF_INITIAL_S = 0.2
BACKOFF_MAX_S = 5.0


class LinkSession(Protocol):
    """What a pure session offers its transport (``Bz1Session``, ``LinesSession``)."""

    @property
    def capabilities(self) -> Capabilities: ...

    def connection_made(self, at_ns: int) -> None: ...

    def connection_lost(self, at_ns: int, reason: str) -> None: ...

    def receive_data(self, data: bytes, at_ns: int) -> None: ...

    def tick(self, at_ns: int) -> None: ...

    def is_silent(self, at_ns: int) -> bool: ...

    def set_lamp(self, channel: int | None, mode: LampMode) -> None: ...

    def data_to_send(self) -> bytes: ...

    def events_received(self) -> list[SourceEvent]: ...


class PressSource(Protocol):
    """Any running source of presses: a serial link or a Buzz! set."""

    @property
    def capabilities(self) -> Capabilities: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def get(self, timeout: float | None = None) -> SourceEvent | None: ...

    def set_lamp(self, channel: int | None, mode: LampMode) -> None: ...


S = TypeVar("S", bound=LinkSession)
PortOpener = Callable[..., Any]


class _Silent(Exception):
    pass


# What a failing port may raise: pyserial's own error, the OS's, and a raw termios error when a
# pseudo-terminal vanishes between open() and its configuration.
_PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, ValueError)
try:
    import termios

    _PORT_ERRORS += (termios.error,)
except ImportError:  # pragma: no cover - not a POSIX system
    pass


class ReaderThread:
    """What every press source run by one owned thread shares: the thread's start and stop, the
    event queue to the consumer, and a crash of the thread re-raised by ``get`` and ``stop``.

    A subclass sets ``session`` (with ``capabilities`` and ``events_received()``) and implements
    ``_run_until_stopped``, which runs until ``_stopping`` is set and calls ``_deliver``.
    """

    session: Any

    def __init__(self, name: str) -> None:
        self._name = name
        self._events: queue.Queue[SourceEvent] = queue.Queue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def capabilities(self) -> Capabilities:
        """What the source behind this link can do."""
        caps: Capabilities = self.session.capabilities
        return caps

    def start(self) -> None:
        """Start the reader thread (once)."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} was already started")
        self._thread = threading.Thread(target=self._run, name=f"buzzers {self._name}")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and wait for it; re-raise a crash of the thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"the reader thread of {self._name} did not stop")
        self._raise_failure()

    def get(self, timeout: float | None = None) -> SourceEvent | None:
        """The next event, waiting up to ``timeout`` seconds; None when none came."""
        self._raise_failure()
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            self._raise_failure()
            return None

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _run(self) -> None:
        try:
            self._run_until_stopped()
        except BaseException as exc:
            log.exception("reader thread of %s crashed", self._name)
            self._failure = exc

    def _run_until_stopped(self) -> None:
        raise NotImplementedError

    def _deliver(self) -> None:
        for event in self.session.events_received():
            self._events.put(event)


class SerialLink(ReaderThread, Generic[S]):
    """Runs ``session`` over the port at ``url`` in an owned thread, reconnecting as needed."""

    def __init__(
        self,
        url: str,
        session: S,
        *,
        baudrate: int = 115200,
        clock: Callable[[], int] = time.monotonic_ns,
        open_port: PortOpener = serial.serial_for_url,
        backoff_initial_s: float = BACKOFF_INITIAL_S,
        backoff_max_s: float = BACKOFF_MAX_S,
    ) -> None:
        super().__init__(url)
        self.url = url
        self.session: S = session
        self._baudrate = baudrate
        self._clock = clock
        self._open_port = open_port
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._actions: queue.SimpleQueue[Callable[[S], None]] = queue.SimpleQueue()

    def __enter__(self) -> SerialLink[S]:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def submit(self, action: Callable[[S], None]) -> None:
        """Run ``action(session)`` inside the reader thread (the only thread touching it)."""
        self._actions.put(action)

    def set_lamp(self, channel: int | None, mode: LampMode) -> None:
        """Set a lamp on the box (or every lamp with ``channel=None``).

        Raises:
            SourceUnavailable: the source has no lamps.
            InvalidMessage: the channel is out of range.
        """
        if not self.session.capabilities.lamps:
            raise SourceUnavailable(f"the source on {self.url} has no lamps")
        Lamp(channel, mode)  # check the channel here, in the caller's thread
        self.submit(lambda session: session.set_lamp(channel, mode))

    # --- the thread ------------------------------------------------------------------------------

    def _run_until_stopped(self) -> None:
        backoff = self._backoff_initial_s
        failing = False
        while not self._stopping.is_set():
            try:
                port = self._open_port(self.url, baudrate=self._baudrate, timeout=READ_TIMEOUT_S)
            except _PORT_ERRORS as exc:
                if not failing:  # one status line per outage, not one per attempt
                    self._events.put(Disconnected(self.url, f"cannot open: {exc}"))
                failing = True
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self._backoff_max_s)
                continue
            failing = False
            backoff = self._backoff_initial_s
            reason = "stopped"
            try:
                self.session.connection_made(self._clock())
                self._serve(port)
            except _Silent:
                reason = "no heartbeat for 3 s: the box is gone"
            except _PORT_ERRORS as exc:
                reason = f"port failed: {exc}"
            finally:
                port.close()
                self.session.connection_lost(self._clock(), reason)
                self._deliver()
            if not self._stopping.is_set():
                self._stopping.wait(backoff)

    def _serve(self, port: Any) -> None:
        while not self._stopping.is_set():
            self._run_actions()
            self._write(port)
            data: bytes = port.read(1)
            if data:
                waiting = port.in_waiting
                if waiting:
                    data += port.read(waiting)
            now = self._clock()
            if data:
                self.session.receive_data(data, now)
            self.session.tick(now)
            self._write(port)
            self._deliver()
            if self.session.is_silent(now):
                raise _Silent

    def _run_actions(self) -> None:
        while True:
            try:
                action = self._actions.get_nowait()
            except queue.Empty:
                return
            action(self.session)

    def _write(self, port: Any) -> None:
        out = self.session.data_to_send()
        if out:
            port.write(out)
